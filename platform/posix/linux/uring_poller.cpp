#include "posix/linux/uring_poller.hpp"

#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>

#include "posix/linux/uring_requests.hpp"
#include "posix/monotonic_clock.hpp"

namespace lsock::posix {

namespace {

// Submission entries: one per change or send queued in a loop turn (a full
// queue goes to the kernel early, costing one more system call). The
// completion queue holds a turn's completions, about two per busy socket
// (its receive and its send): 32,768 entries (512 KiB) for 16,000 busy
// sockets. What does not fit the kernel keeps (IORING_FEAT_NODROP), dearly,
// and it ends the multishot requests concerned, which are armed again:
// at 10,000 connections a queue of 4,096 made every completion overflow.
constexpr unsigned kSubmissionEntries = 1024;
constexpr unsigned kCompletionEntries = 32768;

using namespace uring_requests;

unsigned from_poll(int mask) {
    return (mask & POLLIN ? kReadable : 0u) | (mask & POLLOUT ? kWritable : 0u) |
           (mask & (POLLHUP | POLLRDHUP) ? kHangup : 0u) | (mask & POLLERR ? kFailed : 0u);
}

// Is `fd` an io_uring? The kernel names its files so; joining checks it here
// because IORING_SETUP_ATTACH_WQ without SQPOLL is not checked by every kernel.
int check_is_ring(Fd fd) {
    struct stat st;
    if (::fstat(fd, &st) != 0) return errno;
    char path[64];
    std::snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    char target[64];
    ssize_t n = ::readlink(path, target, sizeof target - 1);
    // No /proc (some containers): the kernel's own check has to do.
    if (n < 0) return 0;
    target[n] = '\0';
    return std::strcmp(target, "anon_inode:[io_uring]") == 0 ? 0 : EINVAL;
}

// Every open poller, for the exit hook: a process that exits in a sock
// thread right after a send (os.exit) hands the kernel what its rings
// queued, as the kernel would have the bytes of a send(2). Only the
// exiting thread's rings: another thread's queue is its own to touch.
class OpenRings {
public:
    void add(UringPoller* poller) {
        std::lock_guard<std::mutex> hold(lock_);
        try {
            rings_.push_back(poller);
        } catch (const std::bad_alloc&) {
            // Not flushed at exit: the loop's own stops still flush it.
        }
        std::call_once(hooked_, [] { std::atexit(at_exit); });
    }
    void remove(UringPoller* poller) {
        std::lock_guard<std::mutex> hold(lock_);
        rings_.erase(std::remove(rings_.begin(), rings_.end(), poller), rings_.end());
    }

private:
    static void at_exit();
    std::mutex lock_;
    std::vector<UringPoller*> rings_;
    std::once_flag hooked_;
};

OpenRings& open_rings() {
    // Never destroyed: the hook may run after static destructors.
    static OpenRings* rings = new OpenRings;
    return *rings;
}

// What the poller needs of the kernel: waits with a timeout argument (5.11)
// and multishot poll (5.13, the same release as resource tags).
constexpr unsigned kNeededFeatures = IORING_FEAT_EXT_ARG | IORING_FEAT_RSRC_TAGS;

}  // namespace

void OpenRings::at_exit() {
    OpenRings& all = open_rings();
    std::lock_guard<std::mutex> hold(all.lock_);
    for (UringPoller* poller : all.rings_) poller->flush();
}

int UringPoller::start_ring(Fd shared) {
    if (shared != kNoFd) {
        if (int error = check_is_ring(shared)) return error;
    }
    // Newest flags first, dropped one by one on kernels that refuse them:
    // SUBMIT_ALL (5.18) keeps a batch going past an entry that fails, and
    // COOP_TASKRUN (5.19) runs completions when the loop enters the kernel
    // anyway instead of interrupting it.
    const unsigned tries[] = {IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN, IORING_SETUP_SUBMIT_ALL, 0};
    int rc = -EINVAL;
    for (unsigned flags : tries) {
        io_uring_params params{};
        params.flags = flags | IORING_SETUP_CQSIZE;
        params.cq_entries = kCompletionEntries;
        if (shared != kNoFd) {
            params.flags |= IORING_SETUP_ATTACH_WQ;
            params.wq_fd = unsigned(shared);
        }
        rc = io_uring_queue_init_params(kSubmissionEntries, &ring_, &params);
        if (rc != -EINVAL) break;
    }
    // ENOSYS would tell the scheduler "no poller here, use poll(2)": the
    // caller asked for a ring, so it hears that the ring is not supported.
    if (rc == -ENOSYS || rc == -EPERM) return ENOTSUP;
    if (rc < 0) return -rc;
    ring_open_ = true;
    if ((ring_.features & kNeededFeatures) != kNeededFeatures) return ENOTSUP;
    return 0;
}

int UringPoller::open(Fd shared, std::unique_ptr<Poller>* out) {
    std::unique_ptr<UringPoller> poller(new (std::nothrow) UringPoller);
    if (!poller) return ENOMEM;
    if (int error = poller->start_ring(shared)) return error;
    if (int error = poller->doorbell_.open()) return error;
    if (int error = poller->arm_doorbell()) return error;
    poller->owner_.store(std::this_thread::get_id(), std::memory_order_relaxed);
    open_rings().add(poller.get());
    *out = std::move(poller);
    return 0;
}

bool UringPoller::available() {
    // 0: not tried yet, 1: works, 2: does not.
    static std::atomic<int> known{0};
    int state = known.load(std::memory_order_relaxed);
    if (state == 0) {
        std::unique_ptr<Poller> probe;
        state = open(kNoFd, &probe) == 0 ? 1 : 2;
        known.store(state, std::memory_order_relaxed);
    }
    return state == 1;
}

UringPoller::~UringPoller() {
    open_rings().remove(this);
    if (ring_open_) {
        // What the ring read and nobody took outlives the poller
        // (ring_streams' unread table); closing the ring then cancels
        // every request and lets go of their sockets.
        finish_sends();
        if (reap(&reaped_)) rung_ = true;
        for (std::size_t fd = 0; fd < streams_.size(); ++fd) let_go(Fd(fd));
        io_uring_queue_exit(&ring_);
    }
    stop_receives();
}

std::uint32_t UringPoller::new_request() {
    std::uint32_t request = next_request_;
    next_request_ = next_request_ == kLastRequest ? 1 : next_request_ + 1;
    return request;
}

io_uring_sqe* UringPoller::next_sqe() {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
    if (sqe) return sqe;
    // More changes in one turn than the queue holds: hand these over now.
    submit();
    return io_uring_get_sqe(&ring_);
}

int UringPoller::submit() {
    ++submissions_;
    return io_uring_submit(&ring_);
}

int UringPoller::arm_doorbell() {
    io_uring_sqe* sqe = next_sqe();
    if (!sqe) return EBUSY;
    io_uring_prep_poll_multishot(sqe, doorbell_.read_end(), POLLIN);
    io_uring_sqe_set_data64(sqe, kDoorbell);
    return 0;
}

int UringPoller::arm(Fd fd, Slot& slot) {
    io_uring_sqe* sqe = next_sqe();
    if (!sqe) return EBUSY;
    if (slot.multishot) {
        io_uring_prep_poll_multishot(sqe, fd, slot.mask);
    } else {
        io_uring_prep_poll_add(sqe, fd, slot.mask);
    }
    io_uring_sqe_set_data64(sqe, user_data_of(fd, slot.request));
    return 0;
}

void UringPoller::cancel(std::uint64_t user_data) {
    io_uring_sqe* sqe = next_sqe();
    if (!sqe) return;  // the request's completions stay stale and are dropped
    // IORING_OP_ASYNC_CANCEL, not IORING_OP_POLL_REMOVE: a poll removal
    // fails (EALREADY) while the poll's own wakeup is being handled, as it is
    // right after a poll armed on a ready socket, and the multishot poll
    // then stays, holding the socket open after its close. A cancel marks
    // the request cancelled whatever it is doing.
    io_uring_prep_cancel64(sqe, user_data, 0);
    io_uring_sqe_set_data64(sqe, kIgnored);
}

int UringPoller::watch(Fd fd, unsigned events, std::uint64_t tag, Trigger trigger) {
    if (fd < 0) return EBADF;
    // Level would report on every wakeup while ready, which a multishot
    // poll cannot promise; the loop never asks for it.
    if (trigger == Trigger::Level) return ENOTSUP;
    try {
        if (std::size_t(fd) >= slots_.size()) slots_.resize(std::size_t(fd) + 1 + std::size_t(fd) / 2);
        if (std::size_t(fd) >= streams_.size()) streams_.resize(slots_.size());
    } catch (const std::bad_alloc&) {
        return ENOMEM;
    }
    bool multishot = trigger == Trigger::Edge;
    std::uint32_t mask = multishot ? claimed_mask(fd)
                                   : std::uint32_t((events & kReadable ? POLLIN : 0) | (events & kWritable ? POLLOUT : 0));
    if (multishot) {
        // An edge watch is the loop's: its stream socket's receives may go
        // through the ring from now on (only stream sockets are received
        // from with Os::receive, so nothing else ever asks).
        Stream& stream = streams_[fd];
        if (!stream.entered) stream.entered = ring_streams::enter(fd, this);
        stream.tag = tag;
    }
    Slot& slot = slots_[fd];
    // The same request still in the ring (an edge watch, or a one-shot not
    // yet fired): only the tag changes, and the tag stays in user space.
    if (slot.request && slot.mask == mask && slot.multishot == multishot) {
        slot.tag = tag;
        return 0;
    }
    if (slot.request) cancel(user_data_of(fd, slot.request));
    Slot armed;
    armed.tag = tag;
    armed.mask = mask;
    armed.multishot = multishot;
    armed.request = new_request();
    if (int error = arm(fd, armed)) {
        slot = Slot{};
        return error;
    }
    slot = armed;
    return 0;
}

int UringPoller::unwatch(Fd fd) {
    if (fd < 0) return ENOENT;
    bool polled = std::size_t(fd) < slots_.size() && slots_[fd].request;
    bool stream = std::size_t(fd) < streams_.size() && streams_[fd].entered;
    if (!polled && !stream) return ENOENT;
    if (polled) cancel(user_data_of(fd, slots_[fd].request));
    if (std::size_t(fd) < slots_.size()) slots_[fd] = Slot{};
    if (stream) release_stream(fd);  // submits
    // Now, not at the next wait: a request holds the socket open.
    int rc = submit();
    return rc < 0 ? -rc : 0;
}

bool UringPoller::complete(const io_uring_cqe& cqe, std::vector<PollerEvent>* out) {
    std::uint64_t data = cqe.user_data;
    bool more = (cqe.flags & IORING_CQE_F_MORE) != 0;
    if (data == kIgnored) return false;
    if (data == kDoorbell) {
        doorbell_.drain();
        if (!more) arm_doorbell();
        return true;
    }
    Fd fd = Fd(std::uint32_t(data));
    std::uint32_t request = std::uint32_t(data >> 32);
    if (std::size_t(fd) < streams_.size() && request) {
        Stream& stream = streams_[fd];
        if (stream.out.request == request) {
            complete_send(fd, stream, cqe, out);
            return false;
        }
        if (stream.request == request) {
            complete_receive(fd, stream, cqe, out);
            return false;
        }
    }
    // A receive's bytes that came after the socket was let go of (closing).
    if (cqe.flags & IORING_CQE_F_BUFFER) release(take_buffer(cqe).buffer);
    if (std::size_t(fd) >= slots_.size()) return false;
    Slot& slot = slots_[fd];
    if (slot.request != request) return false;  // removed or replaced since
    std::uint64_t tag = slot.tag;
    if (!more) {
        // The request is over. A multishot one the kernel ended (not an
        // error of the socket) is armed again; a one-shot one is done.
        if (slot.multishot && (cqe.res >= 0 || cqe.res == -ECANCELED)) {
            if (arm(fd, slot) != 0) slot = Slot{};
        } else {
            slot = Slot{};
        }
    }
    if (cqe.res == -ECANCELED) return false;
    PollerEvent event{tag, cqe.res < 0 ? unsigned(kFailed) : from_poll(cqe.res)};
    try {
        out->push_back(event);
    } catch (const std::bad_alloc&) {
        // Lost: the waiters' deadline still ends their wait.
    }
    return false;
}

bool UringPoller::reap(std::vector<PollerEvent>* out) {
    bool rung = false;
    unsigned head;
    unsigned seen = 0;
    io_uring_cqe* cqe;
    io_uring_for_each_cqe(&ring_, head, cqe) {
        if (complete(*cqe, out)) rung = true;
        ++seen;
    }
    io_uring_cq_advance(&ring_, seen);
    return rung;
}

int UringPoller::wait(double deadline, std::vector<PollerEvent>* out) {
    owner_.store(std::this_thread::get_id(), std::memory_order_relaxed);  // a Lua state may move to another thread between runs
    std::size_t had = out->size();
    if (!reaped_.empty() || rung_) {
        // Reaped when a socket was let go of: this wait reports them.
        try {
            out->insert(out->end(), reaped_.begin(), reaped_.end());
        } catch (const std::bad_alloc&) {
        }
        reaped_.clear();
        bool rung = rung_;
        rung_ = false;
        if (out->size() > had) return 0;
        if (rung) return ETIMEDOUT;
    }
    if (!closes_.empty()) reset_late_closes();
    for (;;) {
        double left = deadline == kNoDeadline ? 1 : deadline - monotonic_now();
        int rc;
        ++submissions_;
        if (left <= 0) {
            // Submits what is queued and runs pending completions, no wait.
            rc = io_uring_submit_and_get_events(&ring_);
        } else {
            __kernel_timespec ts{};
            if (left > 2e6) left = 2e6;
            ts.tv_sec = (long long)left;
            ts.tv_nsec = (long long)((left - double(ts.tv_sec)) * 1e9);
            io_uring_cqe* first = nullptr;
            rc = io_uring_submit_and_wait_timeout(&ring_, &first, 1, deadline == kNoDeadline ? nullptr : &ts,
                                                  nullptr);
        }
        if (rc < 0 && rc != -ETIME && rc != -EINTR && rc != -EBUSY && rc != -EAGAIN) return -rc;
        bool rung = reap(out);
        if (out->size() > had) return 0;
        if (rung) return ETIMEDOUT;  // wake(): return at once, with nothing
        if (left <= 0 || (deadline != kNoDeadline && monotonic_now() >= deadline)) return ETIMEDOUT;
    }
}

void UringPoller::wait_items(std::vector<PollItem>* out) {
    // The ring's descriptor is readable while completions wait in it; what
    // is queued must reach the kernel first to complete at all.
    submit();
    out->push_back(PollItem{ring_.ring_fd, kReadable, 0});
}

void UringPoller::flush() {
    // The exit hook calls every ring's: only the owner's thread may touch it.
    if (std::this_thread::get_id() != owner_.load(std::memory_order_relaxed)) return;
    if (io_uring_sq_ready(&ring_)) submit();
}

int UringPoller::wake() {
    doorbell_.signal();
    return 0;
}

}  // namespace lsock::posix
