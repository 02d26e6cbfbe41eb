// The BSD/macOS poller of the `sock` loop: kqueue, shareable between Lua
// states in several OS threads (sock.kqueue_fd), like the epoll poller.
//
// Sockets are registered in one kqueue, the *shared* one, edge-triggered
// (EV_CLEAR) for EVFILT_READ and EVFILT_WRITE, each event carrying its
// owner's id above the caller's tag. Every poller that shares the kqueue
// blocks in kevent() on it: events of its own descriptors it returns,
// others it forwards to their owner's mailbox (lsock/poller_mailbox.hpp).
// A kqueue cannot tell which thread an event is for, so a poller's
// doorbell is an EVFILT_USER event (ident = the owner id) in the shared
// kqueue that is triggered only while its owner is blocked there; a poller
// that takes another's doorbell triggers it again and steps aside until
// the owner has left kevent() (KqueueDoorbell). Nothing here needs a
// kqueue inside a kqueue, which libkqueue cannot do (PORTING.md).
#pragma once

#include <sys/event.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "lsock/poller.hpp"
#include "lsock/poller_mailbox.hpp"

namespace lsock::posix {

class KqueueDoorbell;

class KqueuePoller final : public Poller {
public:
    // A new poller: joins the kqueue `shared` (kNoFd: makes its own).
    static int open(Fd shared, std::unique_ptr<Poller>* out);
    ~KqueuePoller() override;

    int watch(Fd fd, unsigned events, std::uint64_t tag, Trigger trigger) override;
    int unwatch(Fd fd) override;
    int wait(double deadline, std::vector<PollerEvent>* out) override;
    void wait_items(std::vector<PollItem>* out) override;
    int wake() override;
    Fd native_handle() const override { return shared_; }
    const char* kind() const override { return "kqueue"; }

private:
    KqueuePoller() = default;
    // Sorts what one kevent() returned: ours to *out, others' to their
    // mailboxes; *rung when our own doorbell was among them.
    void sort(int count, std::vector<PollerEvent>* out, bool* rung);
    // The descriptor EVFILT_WRITE watches for `fd` (see write_twins_),
    // made if need be; -1 with errno when it cannot be.
    int write_ident(Fd fd);
    // The same, never made: -1 when there is none.
    int existing_write_ident(Fd fd) const;
    // Applies `changes` that add filters for `fd`.
    int added(Fd fd, struct kevent* changes, int count);

    int shared_ = -1;
    std::uint32_t owner_ = 0;
    std::shared_ptr<Mailbox> mailbox_;
    KqueueDoorbell* doorbell_ = nullptr;  // owned by mailbox_
    std::vector<struct kevent> ready_;    // kevent() output buffer
    // Over libkqueue only: by descriptor, a dup of it that EVFILT_WRITE
    // watches, so that no epoll event carries both filters (libkqueue drops
    // events when one epoll event gives two kevents: PORTING.md).
    std::vector<int> write_twins_;
};

#ifdef LSOCK_LIBKQUEUE
constexpr bool kWriteTwins = true;
#else
constexpr bool kWriteTwins = false;
#endif

}  // namespace lsock::posix
