#include "posix/kqueue/kqueue_poller.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <mutex>
#include <new>
#include <thread>

#include "posix/monotonic_clock.hpp"
#include "posix/posix_os.hpp"
#include "posix/taken_errors.hpp"

namespace lsock {
namespace posix {

// The owner id above the tag travels in the event's udata.
static_assert(sizeof(void*) >= sizeof(std::uint64_t), "the kqueue poller keeps a 64-bit tag in udata");

// A poller's doorbell in the shared kqueue: the EVFILT_USER event whose
// ident is the owner id. Rung only while the owner is blocked in kevent()
// (else the owner sees `rung` before it blocks), so a doorbell never waits
// in the kqueue for an owner that is not listening.
class KqueueDoorbell final : public Doorbell {
public:
    // `kq` is closed with the doorbell when `owns` (the last to use it:
    // senders ring it from other threads).
    KqueueDoorbell(int kq, bool owns) : kq_(kq), owns_(owns) {}
    // Once the mailbox is in the table; before, nobody can ring it.
    void set_owner(std::uint32_t owner) { owner_ = owner; }
    ~KqueueDoorbell() override {
        if (owns_) ::close(kq_);
    }

    void ring() override {
        bool blocked;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            rung_ = true;
            blocked = blocked_;
        }
        if (blocked) trigger();
    }
    void reset() override {
        std::lock_guard<std::mutex> lock(mutex_);
        rung_ = false;
    }

    // The owner, before kevent(): false when rung (take the mailbox instead).
    bool begin_block() {
        std::lock_guard<std::mutex> lock(mutex_);
        if (rung_) return false;
        blocked_ = true;
        return true;
    }
    // The owner, after kevent().
    void end_block() { blocked_flag_clear(); }

    // Another poller took this doorbell's event off the shared kqueue. If
    // the owner still blocks, it needs the event: trigger it again, and stay
    // out of kevent() until the owner has left it, so that this thread does
    // not take the event once more.
    void taken_by_other() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (!blocked_) return;  // it looks at `rung` before it blocks again
        }
        trigger();
        // The owner leaves kevent() as soon as it runs: yield a little, then
        // sleep a little. Bounded, so that a trigger that failed (the owner
        // then wakes at its own deadline) cannot hold this thread for good.
        for (int spin = 0; spin < 1000 && blocked_now(); ++spin) std::this_thread::yield();
        for (int nap = 0; nap < 100 && blocked_now(); ++nap) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }

private:
    void trigger() {
        struct kevent change;
        EV_SET(&change, owner_, EVFILT_USER, 0, NOTE_TRIGGER, 0, nullptr);
        int rc;
        do rc = ::kevent(kq_, &change, 1, nullptr, 0, nullptr);
        while (rc < 0 && errno == EINTR);
    }
    bool blocked_now() {
        std::lock_guard<std::mutex> lock(mutex_);
        return blocked_;
    }
    void blocked_flag_clear() {
        std::lock_guard<std::mutex> lock(mutex_);
        blocked_ = false;
    }

    std::mutex mutex_;
    bool rung_ = false;     // guarded by mutex_, as is blocked_
    bool blocked_ = false;
    int kq_;
    bool owns_;
    std::uint32_t owner_ = 0;
};

namespace {

constexpr int kHarvestBatch = 256;

// The timeout for `deadline`: null forever, zero for a past one.
timespec* timeout_for(double deadline, timespec* ts) {
    if (deadline == kNoDeadline) return nullptr;
    double left = deadline - monotonic_now();
    if (left <= 0) left = 0;
    if (left > 2e6) left = 2e6;
    ts->tv_sec = time_t(left);
    ts->tv_nsec = long((left - double(ts->tv_sec)) * 1e9);
    return ts;
}

int change(int kq, struct kevent* changes, int count) {
    int rc;
    do rc = ::kevent(kq, changes, count, nullptr, 0, nullptr);
    while (rc < 0 && errno == EINTR);
    return rc < 0 ? errno : 0;
}

void* as_udata(std::uint64_t data) { return reinterpret_cast<void*>(std::uintptr_t(data)); }
std::uint64_t from_udata(void* udata) { return std::uint64_t(reinterpret_cast<std::uintptr_t>(udata)); }

// EV_EOF is EPOLLRDHUP's counterpart: the data and the end of stream come
// in one event, reported as readable + hang-up, so the short-read rule
// (lsock/poller.hpp, Trigger::Edge) holds as with epoll. An error comes as
// EV_EOF with the errno in fflags.
unsigned from_kevent(const struct kevent& event) {
    unsigned events = event.filter == EVFILT_READ ? kReadable : kWritable;
    if (event.flags & EV_EOF) events |= kHangup;
    if ((event.flags & EV_EOF) && event.fflags) events |= kFailed;
    if (event.flags & EV_ERROR) events |= kFailed;
    return events;
}

}  // namespace

int KqueuePoller::open(Fd shared, std::unique_ptr<Poller>* out) {
    std::unique_ptr<KqueuePoller> poller(new (std::nothrow) KqueuePoller);
    if (!poller) return ENOMEM;
    bool owns = true;
    if (shared == kNoFd) {
        poller->shared_ = ::kqueue();
        if (poller->shared_ < 0) return errno;
        // kqueue descriptors are not inherited by a child; close-on-exec
        // matters for libkqueue's, which are pipes (PORTING.md).
        (void)::fcntl(poller->shared_, F_SETFD, FD_CLOEXEC);
    } else {
#ifdef LSOCK_LIBKQUEUE
        // libkqueue sets up its table of kqueues in the first kqueue(): a
        // kevent() before it dereferences a null table (PORTING.md).
        static std::once_flag initialised;
        std::call_once(initialised, [] {
            int kq = ::kqueue();
            if (kq >= 0) ::close(kq);
        });
#endif
        if (::fcntl(shared, F_GETFD) < 0) return errno;  // EBADF: not open
        // Is it a kqueue? An empty kevent() call succeeds on one only.
        timespec zero{0, 0};
        if (::kevent(shared, nullptr, 0, nullptr, 0, &zero) < 0) return EINVAL;
#ifdef LSOCK_LIBKQUEUE
        // libkqueue knows its kqueues by descriptor number: a dup is not
        // one. Use the caller's, which must stay open (PORTING.md).
        poller->shared_ = shared;
        owns = false;
#else
        // Our own reference, valid whatever the caller does with its own.
        poller->shared_ = ::fcntl(shared, F_DUPFD_CLOEXEC, 0);
        if (poller->shared_ < 0) return errno;
#endif
    }
    std::unique_ptr<KqueueDoorbell> doorbell(new (std::nothrow) KqueueDoorbell(poller->shared_, owns));
    if (!doorbell) {
        if (owns) ::close(poller->shared_);
        poller->shared_ = -1;
        return ENOMEM;
    }
    poller->doorbell_ = doorbell.get();
    // From here on the doorbell closes the kqueue (with the mailbox).
    poller->mailbox_ = std::shared_ptr<Mailbox>(new (std::nothrow) Mailbox(std::move(doorbell)));
    if (!poller->mailbox_) return ENOMEM;
    std::uint32_t owner = mailboxes::add(poller->mailbox_);
    if (!owner) return ENOMEM;
    poller->owner_ = owner;
    poller->doorbell_->set_owner(owner);
    struct kevent user;
    EV_SET(&user, owner, EVFILT_USER, EV_ADD | EV_CLEAR, 0, 0, nullptr);
    if (int error = change(poller->shared_, &user, 1)) return error;
    try {
        poller->ready_.resize(kHarvestBatch);
    } catch (const std::bad_alloc&) {
        return ENOMEM;
    }
    *out = std::move(poller);
    return 0;
}

KqueuePoller::~KqueuePoller() {
    if (owner_ && shared_ >= 0) {
        struct kevent user;
        EV_SET(&user, owner_, EVFILT_USER, EV_DELETE, 0, 0, nullptr);
        (void)change(shared_, &user, 1);
    }
    for (int twin : write_twins_) {
        if (twin < 0) continue;
        taken_errors::unalias(twin);
        ::close(twin);
    }
    if (owner_) mailboxes::remove(owner_);
    // The shared kqueue closes with the doorbell (the mailbox's last
    // reference), when this poller made it or holds a dup of it.
}

int KqueuePoller::write_ident(Fd fd) {
#ifdef LSOCK_LIBKQUEUE
    if (std::size_t(fd) < write_twins_.size() && write_twins_[fd] >= 0) return write_twins_[fd];
    try {
        if (std::size_t(fd) >= write_twins_.size()) write_twins_.resize(std::size_t(fd) + 1 + std::size_t(fd) / 2, -1);
    } catch (const std::bad_alloc&) {
        errno = ENOMEM;
        return -1;
    }
    int twin = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (twin < 0) return twin;
    if (!taken_errors::alias(twin, fd)) {
        ::close(twin);
        errno = ENOMEM;
        return -1;
    }
    write_twins_[fd] = twin;
    return twin;
#else
    return fd;
#endif
}

int KqueuePoller::watch(Fd fd, unsigned events, std::uint64_t tag, Trigger trigger) {
    if (fd < 0) return EBADF;
    void* udata = as_udata((std::uint64_t(owner_) << kPollerTagBits) | (tag & kPollerTagMask));
    bool writes = trigger == Trigger::Edge || (events & kWritable);
    // Without a write filter asked for, no twin is made for it (-1 when
    // there is none to take off either).
    int write_fd = writes ? write_ident(fd) : existing_write_ident(fd);
    if (writes && write_fd < 0) return errno;
    struct kevent changes[2];
    if (trigger == Trigger::Edge) {
        EV_SET(&changes[0], fd, EVFILT_READ, EV_ADD | EV_CLEAR, 0, 0, udata);
        EV_SET(&changes[1], write_fd, EVFILT_WRITE, EV_ADD | EV_CLEAR, 0, 0, udata);
        return added(fd, changes, 2);
    }
    // Level or one-shot: the filters asked for are added, the others go
    // (EV_DELETE of one that is not there says ENOENT: ignored).
    unsigned short once = trigger == Trigger::OneShot ? EV_ONESHOT : 0;
    int count = 0;
    if (events & kReadable) {
        EV_SET(&changes[count++], fd, EVFILT_READ, EV_ADD | once, 0, 0, udata);
    } else {
        struct kevent off;
        EV_SET(&off, fd, EVFILT_READ, EV_DELETE, 0, 0, nullptr);
        (void)change(shared_, &off, 1);
    }
    if (events & kWritable) {
        EV_SET(&changes[count++], write_fd, EVFILT_WRITE, EV_ADD | once, 0, 0, udata);
    } else if (write_fd >= 0) {
        struct kevent off;
        EV_SET(&off, write_fd, EVFILT_WRITE, EV_DELETE, 0, 0, nullptr);
        (void)change(shared_, &off, 1);
    }
    return count ? added(fd, changes, count) : 0;
}

int KqueuePoller::added(Fd fd, struct kevent* changes, int count) {
    int error = change(shared_, changes, count);
#ifdef LSOCK_LIBKQUEUE
    // libkqueue keeps a descriptor's filters after it closes (its BUGS.md),
    // and EV_ADD on such a stale filter of a new socket with the same
    // number fails (EINPROGRESS): drop the stale one and add again. A real
    // kernel drops them at close; the scheduler unwatches first anyway.
    if (error) {
        struct kevent stale;
        EV_SET(&stale, fd, EVFILT_READ, EV_DELETE, 0, 0, nullptr);
        (void)change(shared_, &stale, 1);
        error = change(shared_, changes, count);
    }
#endif
    return error;
}

int KqueuePoller::existing_write_ident(Fd fd) const {
    if (!kWriteTwins) return fd;
    return std::size_t(fd) < write_twins_.size() ? write_twins_[fd] : -1;
}

int KqueuePoller::unwatch(Fd fd) {
    int write_fd = existing_write_ident(fd);
    struct kevent gone;
    EV_SET(&gone, fd, EVFILT_READ, EV_DELETE, 0, 0, nullptr);
    int error = change(shared_, &gone, 1);
    if (write_fd >= 0) {
        EV_SET(&gone, write_fd, EVFILT_WRITE, EV_DELETE, 0, 0, nullptr);
        int write_error = change(shared_, &gone, 1);
        if (!error || error == ENOENT) error = write_error;
    }
#ifdef LSOCK_LIBKQUEUE
    if (write_fd >= 0 && write_fd != fd) {
        taken_errors::unalias(write_fd);
        ::close(write_fd);
        write_twins_[fd] = -1;
    }
#endif
    return error;
}

void KqueuePoller::sort(int count, std::vector<PollerEvent>* out, bool* rung) {
    for (int i = 0; i < count; ++i) {
        const struct kevent& event = ready_[i];
        if (event.filter == EVFILT_USER) {
            std::uint32_t owner = std::uint32_t(event.ident);
            if (owner == owner_) {
                *rung = true;
            } else if (std::shared_ptr<Mailbox> mailbox = mailboxes::find(owner)) {
                if (auto* doorbell = dynamic_cast<KqueueDoorbell*>(&mailbox->doorbell())) doorbell->taken_by_other();
            }
            continue;
        }
#ifdef LSOCK_LIBKQUEUE
        // libkqueue read the error with SO_ERROR, which cleared it: keep it
        // for the socket's next call (posix/taken_errors.hpp; a write
        // filter's twin is an alias of its socket there).
        if ((event.flags & EV_EOF) && event.fflags) taken_errors::keep(int(event.ident), int(event.fflags));
#endif
        mailboxes::route(owner_, *mailbox_, from_udata(event.udata), from_kevent(event), out);
    }
}

int KqueuePoller::wait(double deadline, std::vector<PollerEvent>* out) {
    std::size_t had = out->size();
    for (;;) {
        if (!doorbell_->begin_block()) {
            mailbox_->take(out);
            return out->size() > had ? 0 : ETIMEDOUT;  // wake(): return at once
        }
        timespec ts;
        timespec* timeout = timeout_for(deadline, &ts);
        int n = ::kevent(shared_, nullptr, 0, ready_.data(), int(ready_.size()), timeout);
        int error = errno;
        doorbell_->end_block();
        if (n < 0 && error == EINTR) continue;
        if (n < 0) return error;
        bool rung = false;
        sort(n, out, &rung);
        if (rung) mailbox_->take(out);
        if (out->size() > had) return 0;
        if (rung) return ETIMEDOUT;
        if ((timeout && timeout->tv_sec == 0 && timeout->tv_nsec == 0) || monotonic_now() >= deadline)
            return ETIMEDOUT;
    }
}

// Only a Suspend-style Os suspends on these; PosixOs blocks in wait().
void KqueuePoller::wait_items(std::vector<PollItem>* out) { out->push_back(PollItem{shared_, kReadable, 0}); }

int KqueuePoller::wake() {
    mailbox_->ring();
    return 0;
}

}  // namespace posix

int posix::PosixOs::open_poller(Fd shared, std::unique_ptr<Poller>* out) { return KqueuePoller::open(shared, out); }

}  // namespace lsock
