// The Windows poller of the `sock` loop: readiness over an I/O completion
// port, with the AFD poll request (windows/afd.hpp), shareable between Lua
// states in several OS threads (sock.iocp).
//
// Watched sockets are kept in groups of up to kGroupSize; each group has at
// most one AFD poll in flight, for those of its sockets that are armed,
// issued through this poller's own handle on the AFD driver. That handle is
// associated with the port under the poller's owner id, so every
// completion says whose it is. Several pollers may join one port
// (Os::open_poller with its handle): they all block on it, and any of them
// may dequeue any completion. One of its own it handles; one of another
// poller's it posts, untouched, to the owner's mailbox
// (lsock/poller_mailbox.hpp), and the owner's doorbell (an APC,
// windows/thread_doorbell.hpp) wakes the owner, which handles it on its own
// thread. A completion is dequeued once, so an event reaches exactly the
// poller that owns the socket.
//
// Why groups, not one poll per socket (wepoll's way): under Wine each
// request in flight costs the process a round trip to wineserver when it
// completes, and a thousand of them at once stall the process for seconds
// (docs/design.md, "Completion kernels"). A group's poll is re-issued, with
// every armed socket of the group, when it completed or its set changed
// (at the next wait, after cancelling a poll in flight).
//
// AFD poll is level-triggered and one-shot by nature (a poll completes
// once, at once if a socket is ready already): Trigger::OneShot disarms a
// socket once reported, Trigger::Level keeps it in the next poll, and
// Trigger::Edge is ENOTSUP (the scheduler falls back to OneShot).
#pragma once

#include <winsock2.h>
#include <windows.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "lsock/poller.hpp"
#include "lsock/poller_mailbox.hpp"
#include "windows/afd.hpp"
#include "windows/thread_doorbell.hpp"

namespace lsock::windows {

class IocpPoller final : public Poller {
public:
    // Sockets per group: one request in flight for each this many sockets.
    static constexpr std::size_t kGroupSize = 256;

    // A new poller: joins the completion port `shared` (kNoFd: makes its own).
    static int open(Fd shared, std::unique_ptr<Poller>* out);
    ~IocpPoller() override;

    int watch(Fd fd, unsigned events, std::uint64_t tag, Trigger trigger) override;
    int unwatch(Fd fd) override;
    int wait(double deadline, std::vector<PollerEvent>* out) override;
    // A Block-style poller: nothing to suspend on (the port is not a socket).
    void wait_items(std::vector<PollItem>*) override {}
    int wake() override;
    Fd native_handle() const override { return Fd(reinterpret_cast<std::intptr_t>(port_)); }
    const char* kind() const override { return "iocp"; }

    // Completions this poller dequeued for another owner.
    std::uint64_t forwarded() const { return forwarded_; }

private:
    struct Group;
    struct Watched {
        SOCKET base = INVALID_SOCKET;
        std::uint64_t serial = 0;  // tells this watch from a later one of a reused handle
        std::uint64_t tag = 0;
        unsigned events = 0;       // what the caller asked for
        Trigger trigger = Trigger::OneShot;
        bool armed = false;        // the caller still wants a report
        ULONG polled = 0;          // what the group's poll in flight asks for it (0: not in it)
        Group* group = nullptr;
    };
    // One socket of a poll in flight, as it was when the poll was issued.
    struct Polled {
        SOCKET base;
        Fd fd;
        std::uint64_t serial;
    };
    // `status` and `info` belong to the driver while `pending`: a group is
    // freed only after its completion came back, whoever dequeued it.
    struct Group {
        IO_STATUS_BLOCK status{};  // first: a completion's OVERLAPPED* is its address
        afd::PollInfo<kGroupSize> info{};
        std::vector<Polled> polled;  // the poll in flight (reserved at kGroupSize)
        std::vector<Fd> members;     // its watched sockets (at most kGroupSize)
        bool pending = false;
        bool cancelling = false;
        bool dirty = false;          // in dirty_: to be polled (again) at the next wait
    };

    IocpPoller() = default;
    Group* group_with_room();  // may throw std::bad_alloc
    void mark_dirty(Group& group);
    // Re-issues (or cancels, when in flight) the polls of changed groups.
    void flush(std::vector<PollerEvent>* out);
    void submit(Group& group, std::vector<PollerEvent>* out);
    // A poll that could not be issued: the sockets that are gone are forgotten
    // and the others told to try again (their retry reports the error).
    void report_unpolled(Group& group, std::vector<PollerEvent>* out);
    // One of this poller's polls came back (on its own thread).
    void complete(IO_STATUS_BLOCK* status, std::vector<PollerEvent>* out);
    void take_mailbox(std::vector<PollerEvent>* out);
    void forget(std::unordered_map<Fd, Watched>::iterator watched);

    HANDLE port_ = nullptr;
    HANDLE device_ = nullptr;
    std::uint32_t owner_ = 0;
    std::shared_ptr<Mailbox> mailbox_;
    ThreadDoorbell* doorbell_ = nullptr;  // owned by mailbox_
    std::unordered_map<Fd, Watched> watched_;
    std::vector<std::unique_ptr<Group>> groups_;
    std::unordered_set<Group*> alive_;    // a completion is handled only for one of these
    std::vector<Group*> dirty_;
    std::uint64_t next_serial_ = 1;
    std::vector<OVERLAPPED_ENTRY> entries_;
    std::vector<PollerEvent> mail_;
    std::atomic<bool> woken_{false};      // wake() was called: the next wait returns at once
    std::uint64_t forwarded_ = 0;
};

}  // namespace lsock::windows
