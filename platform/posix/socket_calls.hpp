// The socket calls whose best form differs between systems: one call on
// Linux (SOCK_NONBLOCK | SOCK_CLOEXEC, accept4: linux/socket_calls_linux.cpp),
// the call plus fcntl(2) on a plain POSIX system (socket_calls_portable.cpp,
// also built on Linux with -DLSOCK_PORTABLE_POSIX=ON). CMake compiles one of
// the two. Both return what the system call does: a descriptor, or -1 with
// errno set.
#pragma once

#include <sys/socket.h>

#include <cerrno>
#include <cstddef>

#include "lsock/os.hpp"

namespace lsock::posix {

// A non-blocking, close-on-exec socket that never raises SIGPIPE (where
// the system has SO_NOSIGPIPE instead of MSG_NOSIGNAL, it is set here).
int open_socket_nonblocking(int domain, int type, int protocol);
// accept(2), the new socket made like open_socket_nonblocking's. Retries EINTR.
int accept_nonblocking(int listener, sockaddr* peer, socklen_t* length);

// The flags of every send: MSG_NOSIGNAL where it exists (POSIX.1-2008,
// Linux, FreeBSD), so a peer that went away gives EPIPE, not a SIGPIPE that
// kills the process; macOS lacks it and has SO_NOSIGPIPE on the socket.
#ifdef MSG_NOSIGNAL
constexpr int kSendFlags = MSG_NOSIGNAL;
#else
constexpr int kSendFlags = 0;
#endif

// send(2) with kSendFlags, as an IoResult: every direct send of a stream
// socket (PosixOs::send, and the io_uring ring's when it does not queue).
inline IoResult kernel_send(int fd, const void* data, std::size_t size) {
    ssize_t n = ::send(fd, data, size, kSendFlags);
    if (n < 0) return {0, errno};
    return {std::size_t(n), 0};
}

}  // namespace lsock::posix
