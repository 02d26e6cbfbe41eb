#include "sim/sim_socket.hpp"

#include <algorithm>

#include "sim/sim_host.hpp"
#include "sim/world.hpp"

namespace lsock::sim {

namespace {
// Linux's floor for a buffer set by setsockopt (SOCK_MIN_RCVBUF / 2) and its
// ceiling (net.core.rmem_max / wmem_max), in usable bytes.
constexpr int kMinBuffer = 1152;
constexpr int kMaxBuffer = 212992;
}  // namespace

SimSocket::SimSocket(SimHost& host, Family family, SocketType type)
    : host_(host),
      family_(family),
      type_(type),
      send_capacity_(host.world().config().send_buffer),
      receive_capacity_(host.world().config().receive_buffer) {}

IoResult SimSocket::receive_from(void* buffer, std::size_t size, Address* from) {
    IoResult r = receive(buffer, size);
    if (r.ok() && from) {
        Address peer;
        if (peer_address(&peer) == 0) *from = peer;
    }
    return r;
}

int SimSocket::set_option(SocketOption option, int value) {
    switch (option) {
        case SocketOption::ReuseAddr: reuse_addr_ = value != 0; return 0;
        case SocketOption::ReusePort: reuse_port_ = value != 0; return 0;
        case SocketOption::KeepAlive: keepalive_ = value != 0; return 0;
        case SocketOption::Broadcast: broadcast_ = value != 0; return 0;
        case SocketOption::NoDelay:
            if (type_ != SocketType::Stream || family_ == Family::Unix) return EOPNOTSUPP;
            nodelay_ = value != 0;
            return 0;
        case SocketOption::ReceiveBuffer:
            receive_capacity_ = std::size_t(std::clamp(value, kMinBuffer, kMaxBuffer));
            return 0;
        case SocketOption::SendBuffer:
            send_capacity_ = std::size_t(std::clamp(value, kMinBuffer, kMaxBuffer));
            return 0;
        case SocketOption::Linger: linger_ = value < 0 ? -1 : value; return 0;
        case SocketOption::Error: return ENOPROTOOPT;
    }
    return ENOPROTOOPT;
}

int SimSocket::get_option(SocketOption option, int* value) {
    switch (option) {
        case SocketOption::ReuseAddr: *value = reuse_addr_; return 0;
        case SocketOption::ReusePort: *value = reuse_port_; return 0;
        case SocketOption::KeepAlive: *value = keepalive_; return 0;
        case SocketOption::Broadcast: *value = broadcast_; return 0;
        case SocketOption::NoDelay:
            if (type_ != SocketType::Stream || family_ == Family::Unix) return EOPNOTSUPP;
            *value = nodelay_;
            return 0;
        // Linux reports twice what was set (the kernel's bookkeeping share).
        case SocketOption::ReceiveBuffer: *value = int(receive_capacity_ * 2); return 0;
        case SocketOption::SendBuffer: *value = int(send_capacity_ * 2); return 0;
        case SocketOption::Linger: *value = linger_; return 0;
        case SocketOption::Error: *value = take_error(); return 0;
    }
    return ENOPROTOOPT;
}

void SimSocket::watch(std::uint64_t waiter) {
    if (std::find(watchers_.begin(), watchers_.end(), waiter) != watchers_.end()) return;
    // Waits that ended through another socket leave their ids here; sweep
    // them out now and then so an idle socket's list stays short.
    if (watchers_.size() >= 16) {
        const WaitRegistry& registry = host_.world().waiters();
        watchers_.erase(std::remove_if(watchers_.begin(), watchers_.end(),
                                       [&](std::uint64_t id) { return !registry.alive(id); }),
                        watchers_.end());
    }
    watchers_.push_back(waiter);
}

void SimSocket::notify() {
    if (watchers_.empty()) return;
    host_.world().waiters().changed(&watchers_);
    watchers_.clear();
}

}  // namespace lsock::sim
