// The few socket calls the load generator makes. Every address is
// 127.0.0.1: the benchmark never sends traffic anywhere else.
#pragma once

#include <cstddef>
#include <sys/types.h>

namespace bench {

// A TCP socket connecting to 127.0.0.1:port with TCP_NODELAY set.
// Non-blocking: the connect may still be in progress. Returns -errno.
int start_connect(int port);

// Blocking connect; returns the descriptor or -errno.
int connect_blocking(int port);

// The pending error of a socket whose connect finished (0 when it worked).
int socket_error(int fd);

void set_nonblocking(int fd, bool on);

// Bounds every blocking send/recv on fd, so no mode can hang forever.
void set_io_timeout(int fd, double seconds);

// Closes with RST (SO_LINGER 0). The load generator closes first; a normal
// close would leave its side in TIME_WAIT, and 10,000 connections per row
// over several rows would use up the loopback's ephemeral ports.
void close_with_reset(int fd);

// write/read that retry on EINTR; the result is as the system call's.
ssize_t write_some(int fd, const void* data, std::size_t len);
ssize_t read_some(int fd, void* data, std::size_t len);

}  // namespace bench
