#include "core/stream_socket.hpp"

#include <cerrno>
#include <cstring>

namespace lsock {

namespace {

// ENONET ("machine is not on the network") is Linux's; BSD and macOS have
// no such errno.
bool is_enonet(int error) {
#ifdef ENONET
    return error == ENONET;
#else
    (void)error;
    return false;
#endif
}

}  // namespace


namespace {
// How much one receive asks the Os for: big enough that bulk transfers make
// few calls, small enough that an idle socket's buffer stays cheap.
constexpr std::size_t kReceiveChunk = 64 * 1024;
}  // namespace

Step StreamSocket::connect(const Address& address) {
    if (closed()) {
        connecting_ = false;
        return Step::failed(kErrorClosed);
    }
    if (retry_connect_) {
        // The listener's backlog was full (a unix socket's EAGAIN): nothing
        // is in progress, so ask again.
        retry_connect_ = false;
        connecting_ = false;
        int error = os().connect(fd(), address);
        if (error == EAGAIN) {
            retry_connect_ = true;
            return Step::retry_soon();
        }
        if (error == EINPROGRESS) {
            connecting_ = true;
            return Step::blocked(kWritable);
        }
        if (error && error != EISCONN) return Step::failed(error);
        in_use_ = true;
        return Step::done();
    }
    if (connecting_) {
        int error = os().finish_connect(fd());
        if (error == EINPROGRESS) return Step::blocked(kWritable);
        connecting_ = false;
        if (error) return Step::failed(error);
        in_use_ = true;
        return Step::done();
    }
    if (in_use_ && fd() != kNoFd) return Step::failed(EISCONN);
    if (int error = open(address.family)) return Step::failed(error);
    int error = os().connect(fd(), address);
    if (error == EINPROGRESS) {
        connecting_ = true;
        return Step::blocked(kWritable);
    }
    if (error == EAGAIN) {
        retry_connect_ = true;
        return Step::retry_soon();
    }
    // EISCONN here is a socket that was connected (or listens) before this
    // call: a mistake of the caller, not a connect that completed. (One in
    // progress completes above, through finish_connect.) The bindings
    // report it and leave the connection alone.
    if (error) return Step::failed(error);
    in_use_ = true;
    return Step::done();
}

int StreamSocket::listen(int backlog) {
    // Listening before bind is legal (the OS picks a port): make the socket.
    if (int error = open(family() == Family::Unspec ? Family::Inet : family())) return error;
    int error = os().listen(fd(), backlog);
    if (!error) in_use_ = true;
    return error;
}

Step StreamSocket::accept(Fd* accepted, Address* peer) {
    if (int error = has_descriptor()) return Step::failed(error);
    for (;;) {
        int error = os().accept(fd(), accepted, peer);
        if (error == EINTR) continue;
        if (error == EAGAIN || error == EWOULDBLOCK) return Step::blocked(kReadable);
        // A connection that died in the backlog, or a network error that
        // accept(2) passes on from it, is that connection's business: the
        // listener is fine and waits for the next one (accept(2), "Error
        // handling").
        if (error == ECONNABORTED || error == EPROTO || error == ENETDOWN || error == ENOPROTOOPT ||
            error == EHOSTDOWN || is_enonet(error) || error == EHOSTUNREACH || error == EOPNOTSUPP ||
            error == ENETUNREACH)
            return Step::blocked(kReadable);
        return error ? Step::failed(error) : Step::done();
    }
}

Step StreamSocket::send(const char* data, std::size_t size, std::size_t* sent) {
    if (int error = has_descriptor()) return Step::failed(error);
    while (*sent < size) {
        IoResult r = os().send(fd(), data + *sent, size - *sent);
        if (r.error == EAGAIN || r.error == EWOULDBLOCK) return Step::blocked(kWritable);
        if (r.error == EINTR) continue;
        if (!r.ok()) return Step::failed(r.error);
        if (r.bytes == 0) return Step::blocked(kWritable);  // no progress: wait instead of spinning
        *sent += r.bytes;
    }
    return Step::done();
}

Step StreamSocket::fill() {
    if (end_of_stream_) return Step::failed(kErrorClosed);
    if (receive_error_) return Step::failed(receive_error_);
    if (int error = has_descriptor()) return Step::failed(error);
    char* space = buffer_.prepare(kReceiveChunk);
    if (!space) return Step::failed(ENOMEM);
    for (;;) {
        IoResult r = os().receive(fd(), space, buffer_.free_space());
        if (r.error == EINTR) continue;
        if (r.error == EAGAIN || r.error == EWOULDBLOCK) return Step::blocked(kReadable);
        if (!r.ok()) {
            receive_error_ = r.error;
            return Step::failed(r.error);
        }
        if (r.bytes == 0) {
            end_of_stream_ = true;
            return Step::failed(kErrorClosed);
        }
        buffer_.commit(r.bytes);
        return Step::done();
    }
}

Step StreamSocket::read_exact(std::size_t size) {
    while (buffer_.size() < size) {
        Step step = fill();
        if (!step.is_done()) return step;
    }
    return Step::done();
}

Step StreamSocket::read_any() {
    if (!buffer_.empty()) return Step::done();
    return fill();
}

Step StreamSocket::receive(char* out, std::size_t capacity, std::size_t* received) {
    receive_drained_ = false;
    if (!buffer_.empty()) {
        std::size_t size = buffer_.size() < capacity ? buffer_.size() : capacity;
        std::memcpy(out, buffer_.data(), size);
        buffer_.consume(size);
        *received = size;
        return Step::done();
    }
    if (end_of_stream_) return Step::failed(kErrorClosed);
    if (receive_error_) return Step::failed(receive_error_);
    if (int error = has_descriptor()) return Step::failed(error);
    for (;;) {
        IoResult r = os().receive(fd(), out, capacity);
        if (r.error == EINTR) continue;
        if (r.error == EAGAIN || r.error == EWOULDBLOCK) return Step::blocked(kReadable);
        if (!r.ok()) {
            receive_error_ = r.error;
            return Step::failed(r.error);
        }
        if (r.bytes == 0 && capacity > 0) {
            end_of_stream_ = true;
            return Step::failed(kErrorClosed);
        }
        *received = r.bytes;
        receive_drained_ = r.bytes < capacity;
        return Step::done();
    }
}

Step StreamSocket::read_until(std::string_view pattern, std::size_t* scan_from, std::size_t* found) {
    for (;;) {
        std::size_t at = buffer_.find(pattern, *scan_from);
        if (at != ReceiveBuffer::npos) {
            *found = at;
            return Step::done();
        }
        *scan_from = buffer_.resume_point(pattern.size());
        Step step = fill();
        if (!step.is_done()) return step;
    }
}

}  // namespace lsock
