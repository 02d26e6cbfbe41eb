// Where a poller that shares its kernel queue (an epoll, a kqueue, an I/O
// completion port) with others receives the events that another poller took
// off the shared queue.
//
// With one queue shared by several threads, any thread's wait may dequeue
// any descriptor's event. The one that dequeued it looks the owner up here
// by the id stored in the event, queues the event in the owner's mailbox and
// rings the owner's doorbell (an eventfd on Linux, an EVFILT_USER event with
// kqueue, an APC on Windows); the owner then handles it on its own thread.
// Mailboxes are reference counted so that a sender never rings a doorbell
// whose owner already closed it. Portable C++ (a mutex and a table), so it
// is the seam's own code (lsock_os), shared by every backend that shares a
// queue; the doorbells, which are the kernel's, live beside their pollers.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "lsock/poller.hpp"

namespace lsock {

// How a mailbox wakes its owner: any thread may ring; the owner resets it
// before it takes what is queued (a ring after the reset wakes it again).
class Doorbell {
public:
    virtual ~Doorbell() = default;
    virtual void ring() = 0;
    virtual void reset() = 0;
};

class Mailbox {
public:
    explicit Mailbox(std::unique_ptr<Doorbell> doorbell) : doorbell_(std::move(doorbell)) {}
    Mailbox(const Mailbox&) = delete;
    Mailbox& operator=(const Mailbox&) = delete;

    // Any thread: queues `event` and wakes the owner.
    void post(const PollerEvent& event);
    // Any thread: wakes the owner without an event.
    void ring();
    Doorbell& doorbell() { return *doorbell_; }
    // The owner: moves everything queued to *out.
    void take(std::vector<PollerEvent>* out);

private:
    std::mutex mutex_;
    std::vector<PollerEvent> queued_;
    std::unique_ptr<Doorbell> doorbell_;
};

// The process-wide table of mailboxes by owner id. Ids fit in the bits of an
// event's tag above kPollerTagBits and are never 0.
namespace mailboxes {

// Registers a new mailbox; 0 when the table is full or memory ran out.
std::uint32_t add(std::shared_ptr<Mailbox> mailbox);
void remove(std::uint32_t owner);
// Null when the owner is gone (its events are dropped: nobody waits for them).
std::shared_ptr<Mailbox> find(std::uint32_t owner);

// An event taken off a shared queue, with its owner's id above the tag in
// `data`: appended to *out when the owner is `self` (into `own` mailbox when
// out of memory, for the next wait), else posted to the owner's mailbox
// (dropped when the owner is gone: nobody waits for it). True when it was
// handed to another poller.
bool route(std::uint32_t self, Mailbox& own, std::uint64_t data, unsigned events, std::vector<PollerEvent>* out);

// Events handed from one poller to another so far, process-wide: how tests
// see that sharing really happened.
void count_forwarded();
std::uint64_t forwarded();

}  // namespace mailboxes

}  // namespace lsock
