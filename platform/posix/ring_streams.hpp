// Which io_uring loop does the I/O of a descriptor, so that PosixOs::receive
// takes the bytes the ring already read instead of calling recv(2), and
// PosixOs::send hands its bytes to the ring instead of calling send(2).
//
// Every socket holds the process's one Os (system_os()), and only the
// loop's poller knows what its ring delivered or still sends; this table,
// by descriptor like the kernel's own, joins the two. A ring enters itself
// for the stream sockets it watches and leaves before it stops watching
// them. Bytes a ring read that nobody took when it let go (the loop changed
// poller, or the socket is closing) stay here, by descriptor, and are
// received first, so nothing the kernel acknowledged is lost; a socket
// closed with such bytes unread is reset, as the kernel resets one closed
// with unread data. Bytes a ring still sends when the socket is closed
// keep the ring's entry until they are sent; the ring closes the socket
// then, as the kernel sends what its buffer holds after a close.
// Builds without liburing (and the BSDs) have no rings: the lookups are
// no-ops the compiler removes.
#pragma once

#include <cstddef>
#include <string>

#include "lsock/os.hpp"

namespace lsock::posix {

class RingIo {
public:
    // Os::receive and Os::send on a descriptor entered for this ring,
    // called by the thread that owns the socket.
    virtual IoResult receive(Fd fd, void* buffer, std::size_t size) = 0;
    virtual IoResult send(Fd fd, const void* data, std::size_t size) = 0;
    // Os::shutdown: after the bytes the ring still sends, when the how
    // includes writing.
    virtual int shutdown(Fd fd, int how) = 0;
    // Os::close is about to close `fd`: let go of it (and leave the table).
    // True when the ring closes it itself, once what it sends has gone.
    virtual bool closing(Fd fd) = 0;

protected:
    ~RingIo() = default;
};

namespace ring_streams {

#ifdef LSOCK_HAVE_LIBURING
// `ring` answers for `fd` from now on; false when `fd` is beyond what
// the table holds or another one answers for it (bytes a ring let go
// of, not all taken yet: a ring that watches the socket again leaves them
// there, and the socket is then received from as any other).
bool enter(Fd fd, RingIo* ring);
void leave(Fd fd);
// The ring that answers for `fd`, or null. Any thread; lock-free.
RingIo* of(Fd fd);
// A ring lets go of `fd` with `unread` bytes it read and, after them, the
// socket's end (0: none; kEndOfStream; an errno value) not yet received:
// they are received from here first, then the kernel again. False when
// out of memory (the bytes are lost; the caller resets the connection).
constexpr int kEndOfStream = -1;
bool keep_unread(Fd fd, std::string&& unread, int end);
#else
inline bool enter(Fd, RingIo*) { return false; }
inline void leave(Fd) {}
inline RingIo* of(Fd) { return nullptr; }
#endif

}  // namespace ring_streams
}  // namespace lsock::posix
