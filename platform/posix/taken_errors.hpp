// Socket errors that a poller had to take off a socket, kept until the
// socket's next operation reports them.
//
// A real kernel reports a socket's pending error (a reset, a refused
// connect) to the next recv, send or SO_ERROR, and kqueue only shows it in
// EV_EOF's fflags. libkqueue reads it with getsockopt(SO_ERROR), which on
// Linux clears it: the next recv then sees a plain end of stream and a
// connect in progress never learns it failed (PORTING.md). Builds over
// libkqueue (LSOCK_LIBKQUEUE) keep the error here, by
// descriptor, and PosixOs reports it in its place; elsewhere these are
// no-ops the compiler removes.
#pragma once

namespace lsock::posix::taken_errors {

#ifdef LSOCK_LIBKQUEUE
// Any thread: `error` was taken off `fd`.
void keep(int fd, int error);
// The error taken off `fd` (once), or 0.
int take(int fd);
// `fd` closes: what was kept for it goes.
void forget(int fd);
// `twin` (a dup the poller watches) stands for `fd` in keep(); false when
// out of memory.
bool alias(int twin, int fd);
void unalias(int twin);
#else
inline void keep(int, int) {}
inline int take(int) { return 0; }
inline void forget(int) {}
inline bool alias(int, int) { return true; }
inline void unalias(int) {}
#endif

// `error` (an errno value, or -1 for "none"), unless an error was taken
// off `fd`: that one then, once.
inline int instead_of(int fd, int error) {
    int taken = take(fd);
    return taken ? taken : error;
}

}  // namespace lsock::posix::taken_errors
