// A TCP or unix stream socket: connect, listen/accept, and reads that go
// through the receive buffer so `read`, `readany` and `readuntil` can mix
// freely without losing a byte.
#pragma once

#include <cerrno>
#include <cstddef>
#include <string_view>

#include "core/receive_buffer.hpp"
#include "core/socket_base.hpp"

namespace lsock {

class StreamSocket : public SocketBase {
public:
    StreamSocket(Os& os, Family family) : SocketBase(os, SocketType::Stream, family) {}
    // Around a descriptor made elsewhere (accepted, or opened at once by
    // sock.tcp): a connect on an accepted one meets the kernel's EISCONN.
    StreamSocket(Os& os, Family family, Fd fd) : SocketBase(os, SocketType::Stream, family, fd) {}

    // Starts or continues a connect. Blocked(kWritable) while the handshake
    // runs. Call again with the same address after the wait. On a socket
    // already connected or listening: Failed(EISCONN), and the socket is
    // as it was (see already_connected).
    Step connect(const Address& address);
    // The failure of a connect that met a connection made before it: the
    // caller must keep the socket (not close it, not try the next address).
    static bool already_connected(const Step& step) { return step.is_failed() && step.error == EISCONN; }
    bool connecting() const { return connecting_ || retry_connect_; }
    // Forgets a connect in progress (the caller gave up on it).
    void abandon_connect() { connecting_ = retry_connect_ = false; }

    // A fresh descriptor (the next address of a failed connect): whatever
    // the old one was connected to is gone.
    int reopen(Family family) {
        in_use_ = false;
        return SocketBase::reopen(family);
    }

    int listen(int backlog);
    Step accept(Fd* accepted, Address* peer);

    // Sends data[*sent..size); advances *sent as bytes go out.
    Step send(const char* data, std::size_t size, std::size_t* sent);

    ReceiveBuffer& buffer() { return buffer_; }
    const ReceiveBuffer& buffer() const { return buffer_; }
    bool has_buffered_data() const { return !buffer_.empty(); }

    // Done once the buffer holds at least `size` bytes.
    Step read_exact(std::size_t size);
    // Done once the buffer holds anything.
    Step read_any();
    // Up to `capacity` bytes into `out` (buffered bytes first, then straight
    // from the Os, no copy through the buffer): the `sock` module's recv.
    // Failed(kErrorClosed) at end of stream.
    Step receive(char* out, std::size_t capacity, std::size_t* received);
    // The last `receive` asked the Os and got less than it asked for: the
    // kernel had nothing more at that moment (a stream socket's short read).
    bool receive_drained() const { return receive_drained_; }
    // Done once `pattern` is in the buffer; *found is its position.
    // *scan_from carries the search position across waits (start it at 0).
    Step read_until(std::string_view pattern, std::size_t* scan_from, std::size_t* found);

private:
    // Receives once into the buffer. Failed(kErrorClosed) at end of stream.
    Step fill();

    ReceiveBuffer buffer_;
    bool connecting_ = false;
    bool retry_connect_ = false;
    // Connected or listening on the current descriptor: a connect now is the
    // caller's mistake. Kept here because kernels differ on what a connect
    // on such a socket returns (Linux answers 0 once to a connect that
    // completed in the background, then EISCONN).
    bool in_use_ = false;  // the peer's backlog was full: connect again later
    bool end_of_stream_ = false;
    int receive_error_ = 0;  // a reset seen while filling, reported after buffered bytes
    bool receive_drained_ = false;
};

}  // namespace lsock
