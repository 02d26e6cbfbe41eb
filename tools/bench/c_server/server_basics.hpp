// What both C++ limit servers need before their loop: the monotonic clock
// and a listener on 127.0.0.1 on a free port. Header-only, like
// line_counter.hpp, so each server stays one translation unit.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <ctime>

namespace cbench {

inline double now_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// A listening TCP socket on 127.0.0.1 (SOCK_* flags in `flags`), its port in
// `port`; -1 on failure.
inline int listen_on_loopback(int flags, int& port) {
    int fd = socket(AF_INET, SOCK_STREAM | flags, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0 || listen(fd, SOMAXCONN) < 0) return -1;
    socklen_t len = sizeof sa;
    getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
    port = ntohs(sa.sin_port);
    return fd;
}

}  // namespace cbench
