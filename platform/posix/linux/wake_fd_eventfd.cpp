// WakeFd as an eventfd: one descriptor instead of a pipe's two (Linux).
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "posix/wake_fd.hpp"

namespace lsock::posix {

WakeFd::~WakeFd() {
    if (read_end_ >= 0) ::close(read_end_);
}

int WakeFd::open() {
    read_end_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (read_end_ < 0) return errno;
    write_end_ = read_end_;
    return 0;
}

void WakeFd::signal() {
    std::uint64_t one = 1;
    ssize_t n;
    do n = ::write(write_end_, &one, sizeof one);
    while (n < 0 && errno == EINTR);
    // EAGAIN means the counter is saturated: the waiter is already woken.
}

void WakeFd::drain() {
    std::uint64_t count;
    ssize_t n;
    do n = ::read(read_end_, &count, sizeof count);
    while (n < 0 && errno == EINTR);
}

}  // namespace lsock::posix
