#include "sim/unix_datagram_socket.hpp"

#include <algorithm>
#include <cstring>

#include "sim/sim_host.hpp"
#include "sim/unix_stream_socket.hpp"
#include "sim/world.hpp"

namespace lsock::sim {

int find_unix_socket(SimHost& host, const std::string& path, SocketType type, std::shared_ptr<SimSocket>* out) {
    if (path.size() > 107) return ENAMETOOLONG;  // no sockaddr_un holds it: Linux's libc-side answer
    auto& paths = host.tables().unix_paths;
    auto it = paths.find(path);
    if (it == paths.end()) return ENOENT;
    auto socket = it->second.lock();
    if (!socket) return ECONNREFUSED;  // the file is there, nobody behind it
    if (socket->type() != type) return EPROTOTYPE;
    if (type == SocketType::Datagram && std::static_pointer_cast<UnixDatagramSocket>(socket)->is_closed())
        return ECONNREFUSED;
    *out = std::move(socket);
    return 0;
}

int bind_unix_path(SimHost& host, const std::string& path, const std::shared_ptr<SimSocket>& socket) {
    if (path.empty()) return EINVAL;
    if (path.size() > 107) return ENAMETOOLONG;  // sun_path holds 108 bytes with the NUL
    auto& paths = host.tables().unix_paths;
    if (paths.count(path)) return EADDRINUSE;
    paths[path] = socket;
    return 0;
}

UnixDatagramSocket::UnixDatagramSocket(SimHost& host) : SimSocket(host, Family::Unix, SocketType::Datagram) {}

int UnixDatagramSocket::bind(const Address& address) {
    if (address.family != Family::Unix) return EINVAL;
    if (!path_.empty()) return EINVAL;
    if (int error = bind_unix_path(host_, address.path, shared_from_this())) return error;
    path_ = address.path;
    return 0;
}

int UnixDatagramSocket::connect(const Address& address) {
    if (address.family == Family::Unspec) {
        connected_ = false;
        peer_path_.clear();
        return 0;
    }
    if (address.family != Family::Unix) return EINVAL;
    std::shared_ptr<SimSocket> found;
    if (int error = find_unix_socket(host_, address.path, SocketType::Datagram, &found)) return error;
    peer_path_ = address.path;
    connected_ = true;
    return 0;
}

bool UnixDatagramSocket::queue_full() const {
    return queue_.size() >= host_.world().config().unix_datagram_queue;
}

bool UnixDatagramSocket::accepts_from(const std::string& sender_path) const {
    return !connected_ || peer_path_ == sender_path;
}

void UnixDatagramSocket::enqueue(std::string data, std::string from_path) {
    queue_.push_back({std::move(data), std::move(from_path)});
    notify();
}

IoResult UnixDatagramSocket::send(const void* data, std::size_t size) {
    if (!connected_) return {0, ENOTCONN};
    return send_to(data, size, Address::unix_path(peer_path_));
}

IoResult UnixDatagramSocket::send_to(const void* data, std::size_t size, const Address& to) {
    if (write_shut_) return {0, EPIPE};
    if (to.family != Family::Unix) return {0, EINVAL};
    if (size > send_capacity_) return {0, EMSGSIZE};
    std::shared_ptr<SimSocket> found;
    if (int error = find_unix_socket(host_, to.path, SocketType::Datagram, &found)) return {0, error};
    auto target = std::static_pointer_cast<UnixDatagramSocket>(found);
    if (!target->accepts_from(path_)) return {0, EPERM};  // Linux: the target is connected elsewhere
    if (target->queue_full()) {
        blocked_on_ = target;
        target->add_blocked_sender(std::static_pointer_cast<UnixDatagramSocket>(shared_from_this()));
        return {0, EAGAIN};
    }
    blocked_on_.reset();
    target->enqueue(std::string(static_cast<const char*>(data), size), path_);
    return {size, 0};
}

IoResult UnixDatagramSocket::receive(void* buffer, std::size_t size) { return receive_from(buffer, size, nullptr); }

IoResult UnixDatagramSocket::receive_from(void* buffer, std::size_t size, Address* from) {
    if (queue_.empty()) return {0, read_shut_ ? 0 : EAGAIN};
    Datagram& d = queue_.front();
    std::size_t n = std::min(size, d.data.size());
    if (n) std::memcpy(buffer, d.data.data(), n);
    if (from) *from = Address::unix_path(d.from);
    queue_.pop_front();
    release_blocked_senders();
    return {n, 0};
}

void UnixDatagramSocket::add_blocked_sender(const std::shared_ptr<UnixDatagramSocket>& sender) {
    for (const auto& w : blocked_senders_)
        if (w.lock() == sender) return;
    blocked_senders_.push_back(sender);
}

void UnixDatagramSocket::release_blocked_senders() {
    std::vector<std::weak_ptr<UnixDatagramSocket>> senders;
    senders.swap(blocked_senders_);
    for (const auto& w : senders)
        if (auto sender = w.lock()) sender->notify();
}

int UnixDatagramSocket::shutdown(ShutdownHow how) {
    if (how != ShutdownHow::Write) read_shut_ = true;
    if (how != ShutdownHow::Read) write_shut_ = true;
    notify();
    return 0;
}

int UnixDatagramSocket::local_address(Address* out) {
    *out = Address::unix_path(path_);
    return 0;
}

int UnixDatagramSocket::peer_address(Address* out) {
    if (!connected_) return ENOTCONN;
    *out = Address::unix_path(peer_path_);
    return 0;
}

void UnixDatagramSocket::close() {
    closed_ = true;
    queue_.clear();
    release_blocked_senders();  // their next send finds ECONNREFUSED
}

unsigned UnixDatagramSocket::poll() const {
    unsigned events = 0;
    auto target = blocked_on_.lock();
    if (!target || target->is_closed() || !target->queue_full()) events |= kWritable;
    if (!queue_.empty() || read_shut_) events |= kReadable;
    return events;
}

}  // namespace lsock::sim
