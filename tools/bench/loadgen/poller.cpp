#include "poller.hpp"

#include <cerrno>
#include <unistd.h>

namespace bench {

Poller::Poller() : epfd_(epoll_create1(EPOLL_CLOEXEC)), ready_(1024) {}

Poller::~Poller() {
    if (epfd_ >= 0) close(epfd_);
}

void Poller::add(int fd, std::uint32_t events, std::uint64_t key) {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = key;
    epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev);
}

void Poller::modify(int fd, std::uint32_t events, std::uint64_t key) {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = key;
    epoll_ctl(epfd_, EPOLL_CTL_MOD, fd, &ev);
}

void Poller::remove(int fd) { epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr); }

int Poller::wait(int timeout_ms) {
    int n;
    do n = epoll_wait(epfd_, ready_.data(), static_cast<int>(ready_.size()), timeout_ms);
    while (n < 0 && errno == EINTR);
    return n < 0 ? 0 : n;
}

}  // namespace bench
