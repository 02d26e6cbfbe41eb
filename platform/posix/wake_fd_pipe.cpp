// WakeFd as a pipe: what every POSIX system has (macOS has no eventfd;
// FreeBSD has one only since 13).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "posix/wake_fd.hpp"

namespace lsock::posix {

namespace {

int set_nonblocking_cloexec(int fd) {
    int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) return errno;
    if (::fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) return errno;
    return 0;
}

}  // namespace

WakeFd::~WakeFd() {
    if (read_end_ >= 0) ::close(read_end_);
    if (write_end_ >= 0) ::close(write_end_);
}

int WakeFd::open() {
    int ends[2];
    if (::pipe(ends) < 0) return errno;
    read_end_ = ends[0];
    write_end_ = ends[1];
    if (int error = set_nonblocking_cloexec(read_end_)) return error;
    return set_nonblocking_cloexec(write_end_);
}

void WakeFd::signal() {
    char one = 1;
    ssize_t n;
    do n = ::write(write_end_, &one, 1);
    while (n < 0 && errno == EINTR);
    // EAGAIN: the pipe is full, so it is readable already.
}

void WakeFd::drain() {
    char bytes[64];
    ssize_t n;
    do n = ::read(read_end_, bytes, sizeof bytes);
    while (n == ssize_t(sizeof bytes) || (n < 0 && errno == EINTR));
}

}  // namespace lsock::posix
