// The socket calls of posix/socket_calls.hpp on Linux: the flags go into
// the one call (SOCK_NONBLOCK | SOCK_CLOEXEC, accept4), so no other thread's
// fork can catch the descriptor without close-on-exec.
#include <cerrno>

#include "posix/socket_calls.hpp"

namespace lsock::posix {

int open_socket_nonblocking(int domain, int type, int protocol) {
    return ::socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
}

int accept_nonblocking(int listener, sockaddr* peer, socklen_t* length) {
    int fd;
    do fd = ::accept4(listener, peer, length, SOCK_NONBLOCK | SOCK_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    return fd;
}

}  // namespace lsock::posix
