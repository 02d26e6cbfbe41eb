// The `sock` loop's poller over io_uring (liburing): a completion kernel met
// at the readiness seam, as IOCP is met with AFD poll (docs/design.md,
// "Completion kernels").
//
// Each watched descriptor has one poll request in the ring: multishot
// (IORING_POLL_ADD_MULTI, edge-triggered like EPOLLET) for Trigger::Edge,
// single-shot for Trigger::OneShot; a multishot the kernel ends (a full
// completion queue, say) is armed again when its last completion is seen.
// `watch` only queues a submission entry; everything queued goes to the
// kernel with the next `wait`, in the same io_uring_enter that waits, so a
// loop turn costs one system call however many watches changed (epoll costs
// an epoll_ctl each). `unwatch` submits at once: a poll request holds a
// reference to the socket, so a socket closed after it would not really
// close (no FIN) until the removal reached the kernel.
//
// Sharing: a ring's queues belong to one thread, so every loop has a ring
// of its own. `sock.uring_fd(fd)` in another state checks that `fd` is a
// ring and makes the new ring share its kernel workers (IORING_SETUP_ATTACH_WQ);
// each loop's sockets complete in its own ring, so an event is handled by
// the state that owns the socket by construction, with no hand-over between
// threads (the epoll poller needs its mailboxes for that).
//
// The wake-up doorbell is an eventfd with a multishot poll in the ring.
#pragma once

#include <liburing.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "lsock/poller.hpp"
#include "posix/wake_fd.hpp"

namespace lsock::posix {

class UringPoller final : public Poller {
public:
    // A new poller; `shared` (another poller's ring, or kNoFd) is checked to
    // be a ring and its workers shared. ENOTSUP where the kernel lacks what
    // the poller needs (multishot poll, waits with a timeout argument).
    static int open(Fd shared, std::unique_ptr<Poller>* out);
    // Whether the kernel here can run the poller (tried once, then known).
    static bool available();
    ~UringPoller() override;

    int watch(Fd fd, unsigned events, std::uint64_t tag, Trigger trigger) override;
    int unwatch(Fd fd) override;
    int wait(double deadline, std::vector<PollerEvent>* out) override;
    void wait_items(std::vector<PollItem>* out) override;
    int wake() override;
    Fd native_handle() const override { return ring_.ring_fd; }
    const char* kind() const override { return "io_uring"; }

private:
    // What the ring holds for one descriptor. The request's user_data is
    // the descriptor with `request` above it, so a completion of a request
    // that was removed or replaced is told from the live one's.
    struct Slot {
        std::uint64_t tag = 0;
        std::uint32_t request = 0;  // 0: no request in the ring
        std::uint32_t mask = 0;     // poll(2) bits asked for
        bool multishot = false;
    };

    UringPoller() = default;
    int start_ring(Fd shared);
    // A free submission entry, flushing the queue to the kernel when full.
    io_uring_sqe* next_sqe();
    int arm(Fd fd, Slot& slot);
    int arm_doorbell();
    void cancel(std::uint64_t user_data);
    // Handles one completion; true when it was the doorbell.
    bool complete(const io_uring_cqe& cqe, std::vector<PollerEvent>* out);

    io_uring ring_{};
    bool ring_open_ = false;
    WakeFd doorbell_;
    std::vector<Slot> slots_;           // by descriptor
    std::uint32_t next_request_ = 1;    // wraps within 31 bits, never 0
};

}  // namespace lsock::posix
