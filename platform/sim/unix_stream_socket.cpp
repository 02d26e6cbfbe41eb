#include "sim/unix_stream_socket.hpp"

#include <algorithm>

#include "sim/sim_host.hpp"
#include "sim/unix_datagram_socket.hpp"
#include "sim/world.hpp"

namespace lsock::sim {

UnixStreamSocket::UnixStreamSocket(SimHost& host) : SimSocket(host, Family::Unix, SocketType::Stream) {}

int UnixStreamSocket::bind(const Address& address) {
    if (address.family != Family::Unix) return EINVAL;
    if (!path_.empty() || state_ != State::Fresh) return EINVAL;
    if (int error = bind_unix_path(host_, address.path, shared_from_this())) return error;
    path_ = address.path;
    return 0;
}

int UnixStreamSocket::listen(int backlog) {
    if (state_ == State::Connected) return EINVAL;
    if (state_ == State::Closed) return EBADF;
    if (path_.empty()) return EINVAL;  // Linux would autobind an abstract name; the sim asks for a path
    const int max = host_.world().config().max_backlog;
    backlog_ = (backlog < 0 || backlog > max) ? max : backlog;
    state_ = State::Listening;
    return 0;
}

int UnixStreamSocket::connect(const Address& address) {
    if (address.family != Family::Unix) return EINVAL;
    if (state_ == State::Connected) return EISCONN;
    if (state_ != State::Fresh) return EINVAL;
    std::shared_ptr<SimSocket> found;
    if (int error = find_unix_socket(host_, address.path, SocketType::Stream, &found)) return error;
    auto listener = std::static_pointer_cast<UnixStreamSocket>(found);
    if (!listener->listening()) return ECONNREFUSED;
    if (listener->accept_queue_.size() > std::size_t(listener->backlog_)) return EAGAIN;  // Linux, non-blocking
    auto server = std::make_shared<UnixStreamSocket>(host_);
    server->state_ = State::Connected;
    server->path_ = listener->path_;
    server->peer_path_ = path_;
    server->peer_ = std::static_pointer_cast<UnixStreamSocket>(shared_from_this());
    server->send_capacity_ = listener->send_capacity_;
    server->receive_capacity_ = listener->receive_capacity_;
    peer_ = server;
    peer_path_ = listener->path_;
    state_ = State::Connected;
    listener->accept_queue_.push_back(server);
    listener->notify();
    notify();
    return 0;  // unix stream connects complete at once
}

int UnixStreamSocket::finish_connect() { return state_ == State::Connected ? 0 : ENOTCONN; }

int UnixStreamSocket::accept(std::shared_ptr<SimSocket>* out, Address* peer) {
    if (state_ != State::Listening) return EINVAL;
    if (accept_queue_.empty()) return EAGAIN;
    auto server = accept_queue_.front();
    accept_queue_.pop_front();
    *peer = Address::unix_path(server->peer_path_);
    *out = server;
    return 0;
}

std::size_t UnixStreamSocket::room_at_peer() const {
    auto p = peer();
    if (!p) return 0;
    // Linux charges what sits unread at the peer to the sender's buffer.
    std::size_t used = p->incoming_.size();
    return send_capacity_ > used ? send_capacity_ - used : 0;
}

IoResult UnixStreamSocket::send(const void* data, std::size_t size) {
    if (state_ != State::Connected) return {0, ENOTCONN};
    if (error_) return {0, take_error()};
    auto p = peer();
    if (write_shut_ || peer_gone_ || !p || p->read_shut_) return {0, EPIPE};
    if (size == 0) return {0, 0};
    std::size_t n = std::min(size, room_at_peer());
    if (n == 0) return {0, EAGAIN};
    p->incoming_.append(data, n);
    p->notify();
    return {n, 0};
}

IoResult UnixStreamSocket::send_to(const void* data, std::size_t size, const Address&) {
    return send(data, size);  // Linux: EISCONN for an address on a stream; the core never passes one
}

IoResult UnixStreamSocket::receive(void* buffer, std::size_t size) {
    if (state_ == State::Listening || state_ == State::Fresh) return {0, EINVAL};
    if (!incoming_.empty() && size > 0) {
        std::size_t n = incoming_.read(buffer, size);
        if (auto p = peer()) p->notify();  // room again for the writer
        return {n, 0};
    }
    if (size == 0) return {0, 0};
    if (error_) return {0, take_error()};
    if (peer_gone_ || peer_shut_write_ || read_shut_ || state_ == State::Closed) return {0, 0};
    return {0, EAGAIN};
}

int UnixStreamSocket::shutdown(ShutdownHow how) {
    if (state_ != State::Connected) return ENOTCONN;
    auto p = peer();
    if (how != ShutdownHow::Write) read_shut_ = true;
    if (how != ShutdownHow::Read && !write_shut_) {
        write_shut_ = true;
        if (p) {
            p->peer_shut_write_ = true;
            p->notify();
        }
    }
    notify();
    return 0;
}

int UnixStreamSocket::local_address(Address* out) {
    *out = Address::unix_path(path_);
    return 0;
}

int UnixStreamSocket::peer_address(Address* out) {
    if (state_ != State::Connected) return ENOTCONN;
    *out = Address::unix_path(peer_path_);
    return 0;
}

void UnixStreamSocket::on_peer_closed(bool unread_data) {
    peer_gone_ = true;
    if (unread_data) error_ = ECONNRESET;  // Linux's unix_release_sock
    notify();
}

void UnixStreamSocket::close() {
    auto keep = shared_from_this();
    if (state_ == State::Listening) {
        // Connections nobody accepted close with the listener.
        for (auto& server : accept_queue_) server->close();
        accept_queue_.clear();
    }
    if (auto p = peer()) p->on_peer_closed(!incoming_.empty());
    incoming_.clear();
    state_ = State::Closed;
}

unsigned UnixStreamSocket::poll() const {
    switch (state_) {
        case State::Listening: return accept_queue_.empty() ? 0u : unsigned(kReadable);
        case State::Fresh: return kWritable | kHangup;
        case State::Closed: return kReadable | kWritable | kHangup;
        case State::Connected: break;
    }
    unsigned events = 0;
    bool gone = peer_gone_ || !peer();
    if (!incoming_.empty() || gone || peer_shut_write_ || read_shut_ || error_) events |= kReadable;
    if (gone || write_shut_ || room_at_peer() > 0 || error_) events |= kWritable;
    if (gone) events |= kHangup;
    if (error_) events |= kFailed;
    return events;
}

}  // namespace lsock::sim
