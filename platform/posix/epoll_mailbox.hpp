// Where a poller that shares an epoll with others receives the events that
// another poller took off the shared epoll.
//
// With one epoll shared by several threads, any thread's epoll_wait may
// dequeue any descriptor's event. The one that dequeued it looks the
// owner up here by the id stored in the event, queues the event in the
// owner's mailbox and signals the owner's eventfd; the owner then handles it
// on its own thread. Mailboxes are reference counted so that a sender never
// writes to an eventfd that its owner already closed.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "lsock/poller.hpp"

namespace lsock::posix {

class Mailbox {
public:
    // Takes ownership of `eventfd` (closed with the last reference).
    explicit Mailbox(int eventfd) : eventfd_(eventfd) {}
    ~Mailbox();
    Mailbox(const Mailbox&) = delete;
    Mailbox& operator=(const Mailbox&) = delete;

    int eventfd() const { return eventfd_; }

    // Any thread: queues `event` and wakes the owner.
    void post(const PollerEvent& event);
    // Any thread: wakes the owner without an event.
    void ring();
    // The owner: moves everything queued to *out.
    void take(std::vector<PollerEvent>* out);

private:
    std::mutex mutex_;
    std::vector<PollerEvent> queued_;
    int eventfd_;
};

// The process-wide table of mailboxes by owner id. Ids fit in the bits of an
// epoll event above kPollerTagBits and are never 0.
namespace mailboxes {

// Registers a new mailbox; 0 when the table is full or memory ran out.
std::uint32_t add(std::shared_ptr<Mailbox> mailbox);
void remove(std::uint32_t owner);
// Null when the owner is gone (its events are dropped: nobody waits for them).
std::shared_ptr<Mailbox> find(std::uint32_t owner);

// Events handed from one poller to another so far, process-wide: how tests
// see that sharing really happened.
void count_forwarded();
std::uint64_t forwarded();

}  // namespace mailboxes

}  // namespace lsock::posix
