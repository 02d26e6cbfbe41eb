#include "posix/linux/epoll_poller.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <new>

#include "posix/monotonic_clock.hpp"
#include "posix/posix_os.hpp"
#include "posix/wake_fd.hpp"

namespace lsock {
namespace posix {

namespace {

// What the private epoll holds, told apart by their data.
constexpr std::uint64_t kSharedEpoll = 1;
constexpr std::uint64_t kMailbox = 2;
// Events taken off the shared epoll per epoll_wait.
constexpr int kHarvestBatch = 256;

unsigned from_epoll(std::uint32_t events) {
    return (events & EPOLLIN ? kReadable : 0u) | (events & EPOLLOUT ? kWritable : 0u) |
           (events & (EPOLLHUP | EPOLLRDHUP) ? kHangup : 0u) | (events & EPOLLERR ? kFailed : 0u);
}

int add(int epoll, int fd, std::uint64_t data) {
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = data;
    return ::epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event) < 0 ? errno : 0;
}

}  // namespace

int EpollPoller::open(Fd shared, std::unique_ptr<Poller>* out) {
    std::unique_ptr<EpollPoller> poller(new (std::nothrow) EpollPoller);
    if (!poller) return ENOMEM;
    poller->private_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (poller->private_ < 0) return errno;
    if (shared == kNoFd) {
        poller->shared_ = ::epoll_create1(EPOLL_CLOEXEC);
        if (poller->shared_ < 0) return errno;
    } else {
        // Our own reference to the caller's epoll: it stays valid whatever
        // the caller does with its descriptor.
        poller->shared_ = ::fcntl(shared, F_DUPFD_CLOEXEC, 0);
        if (poller->shared_ < 0) return errno;
        // Is it an epoll? Removing something it never held says ENOENT on
        // an epoll and EINVAL on anything else, and takes no event off it.
        epoll_event unused{};
        if (::epoll_ctl(poller->shared_, EPOLL_CTL_DEL, poller->private_, &unused) == 0 || errno != ENOENT) {
            return EINVAL;  // the destructor closes what was opened
        }
    }
    std::unique_ptr<WakeFd> wake(new (std::nothrow) WakeFd);
    if (!wake) return ENOMEM;
    if (int error = wake->open()) return error;
    int doorbell_fd = wake->read_end();
    std::unique_ptr<Doorbell> doorbell(new (std::nothrow) WakeFdDoorbell(std::move(wake)));
    if (!doorbell) return ENOMEM;
    poller->mailbox_ = std::shared_ptr<Mailbox>(new (std::nothrow) Mailbox(std::move(doorbell)));
    if (!poller->mailbox_) return ENOMEM;
    if (int error = add(poller->private_, poller->shared_, kSharedEpoll)) return error;
    if (int error = add(poller->private_, doorbell_fd, kMailbox)) return error;
    poller->owner_ = mailboxes::add(poller->mailbox_);
    if (!poller->owner_) return ENOMEM;
    try {
        poller->ready_.resize(kHarvestBatch);
    } catch (const std::bad_alloc&) {
        return ENOMEM;
    }
    *out = std::move(poller);
    return 0;
}

EpollPoller::~EpollPoller() {
    if (owner_) mailboxes::remove(owner_);
    if (private_ >= 0) ::close(private_);
    if (shared_ >= 0) ::close(shared_);
    // The doorbell closes with the mailbox's last reference.
}

void EpollPoller::set_registered(Fd fd, bool value) {
    if (std::size_t(fd) >= registered_.size()) {
        if (!value) return;
        registered_.resize(std::size_t(fd) + 1 + std::size_t(fd) / 2);
    }
    registered_[fd] = value;
}

int EpollPoller::watch(Fd fd, unsigned events, std::uint64_t tag, Trigger trigger) {
    if (fd < 0) return EBADF;
    epoll_event event{};
    if (trigger == Trigger::Edge) {
        event.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    } else {
        event.events = (events & kReadable ? EPOLLIN : 0u) | (events & kWritable ? EPOLLOUT : 0u) |
                       (trigger == Trigger::OneShot ? EPOLLONESHOT : 0u);
    }
    event.data.u64 = (std::uint64_t(owner_) << kPollerTagBits) | (tag & kPollerTagMask);
    int op = is_registered(fd) ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    int rc = ::epoll_ctl(shared_, op, fd, &event);
    // Our record can be stale: the kernel drops a descriptor from an epoll
    // when it closes, and a new socket may get the same number.
    if (rc < 0 && errno == ENOENT && op == EPOLL_CTL_MOD) rc = ::epoll_ctl(shared_, EPOLL_CTL_ADD, fd, &event);
    if (rc < 0 && errno == EEXIST && op == EPOLL_CTL_ADD) rc = ::epoll_ctl(shared_, EPOLL_CTL_MOD, fd, &event);
    if (rc < 0) return errno;
    try {
        set_registered(fd, true);
    } catch (const std::bad_alloc&) {
        // Only costs a retry with EEXIST next time.
    }
    return 0;
}

int EpollPoller::unwatch(Fd fd) {
    set_registered(fd, false);
    return ::epoll_ctl(shared_, EPOLL_CTL_DEL, fd, nullptr) < 0 ? errno : 0;
}

int EpollPoller::harvest(std::vector<PollerEvent>* out) {
    for (;;) {
        int n = ::epoll_wait(shared_, ready_.data(), int(ready_.size()), 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno;
        for (int i = 0; i < n; ++i) {
            if (mailboxes::route(owner_, *mailbox_, ready_[i].data.u64, from_epoll(ready_[i].events), out))
                ++forwarded_;
        }
        if (n < int(ready_.size())) return 0;
    }
}

int EpollPoller::wait(double deadline, std::vector<PollerEvent>* out) {
    std::size_t had = out->size();
    for (;;) {
        int timeout = timeout_ms(deadline);
        epoll_event fired[2];
        int n = ::epoll_wait(private_, fired, 2, timeout);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno;
        bool rung = false;
        for (int i = 0; i < n; ++i) {
            if (fired[i].data.u64 == kSharedEpoll) {
                if (int error = harvest(out)) return error;
            } else {
                mailbox_->take(out);
                rung = true;
            }
        }
        if (out->size() > had) return 0;
        if (rung) return ETIMEDOUT;  // wake(): return at once, with nothing
        // Nothing of ours: the deadline decides (a timeout may end a hair
        // early; a harvest may have found only other owners' events).
        if (timeout == 0 || monotonic_now() >= deadline) return ETIMEDOUT;
    }
}

void EpollPoller::wait_items(std::vector<PollItem>* out) { out->push_back(PollItem{private_, kReadable, 0}); }

int EpollPoller::wake() {
    mailbox_->ring();
    return 0;
}

}  // namespace posix
}  // namespace lsock
