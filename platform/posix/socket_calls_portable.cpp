// The socket calls of posix/socket_calls.hpp in plain POSIX: socket(2) or
// accept(2), then fcntl(2). Between the two calls another thread's fork and
// exec could inherit the descriptor (PORTING.md).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "posix/socket_calls.hpp"

namespace lsock::posix {

namespace {

// Non-blocking, close-on-exec and (where the system has it) no SIGPIPE;
// closes the descriptor and returns -1 with errno when one step fails.
int make_nonblocking(int fd) {
    int flags = ::fcntl(fd, F_GETFL);
    bool ok = flags >= 0 && ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0 && ::fcntl(fd, F_SETFD, FD_CLOEXEC) == 0;
#ifdef SO_NOSIGPIPE
    int on = 1;
    // Only sockets that can send have it; a failure elsewhere is harmless.
    if (ok) (void)::setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &on, sizeof on);
#endif
    if (ok) return fd;
    int error = errno;
    ::close(fd);
    errno = error;
    return -1;
}

}  // namespace

int open_socket_nonblocking(int domain, int type, int protocol) {
    int fd = ::socket(domain, type, protocol);
    return fd < 0 ? fd : make_nonblocking(fd);
}

int accept_nonblocking(int listener, sockaddr* peer, socklen_t* length) {
    int fd;
    do fd = ::accept(listener, peer, length);
    while (fd < 0 && errno == EINTR);
    return fd < 0 ? fd : make_nonblocking(fd);
}

}  // namespace lsock::posix
