#include "sim/udp_socket.hpp"

#include <algorithm>
#include <cstring>

#include "sim/address_util.hpp"
#include "sim/sim_host.hpp"
#include "sim/world.hpp"

namespace lsock::sim {

namespace {
// The largest UDP payload: 65535 minus the IPv4 (20) and UDP (8) headers;
// IPv6's header is not counted against its payload length.
constexpr std::size_t kMaxIpv4Payload = 65507;
constexpr std::size_t kMaxIpv6Payload = 65527;
}  // namespace

UdpSocket::UdpSocket(SimHost& host, Family family) : SimSocket(host, family, SocketType::Datagram) {
    local_ = Address::any(family, 0);
}

BindInfo UdpSocket::bind_info() const { return {local_, reuse_addr_, reuse_port_, false, false}; }

int UdpSocket::bind(const Address& address) {
    if (closed_) return EBADF;
    if (bound_) return EINVAL;
    if (address.family != family_ || (family_ == Family::Inet && is_v4_mapped(address))) return EAFNOSUPPORT;
    if (!host_.is_local_ip(address)) return EADDRNOTAVAIL;
    BindInfo info = bind_info();
    info.local = address;
    PortTable& ports = host_.tables().udp_ports;
    if (info.local.port == 0) {
        const SimConfig& c = host_.world().config();
        info.local.port = ports.pick_ephemeral(host_.world().random(), c.ephemeral_low, c.ephemeral_high);
        if (info.local.port == 0) return EADDRINUSE;
    } else if (int error = ports.check(info, this)) {
        return error;
    }
    local_ = info.local;
    bound_ = true;
    ports.add(local_.port, shared_from_this());
    return 0;
}

int UdpSocket::autobind(const Address& destination) {
    if (bound_) return 0;
    (void)destination;
    return bind(Address::any(family_, 0));
}

int UdpSocket::connect(const Address& address) {
    if (address.family == Family::Unspec) {  // AF_UNSPEC dissolves the association
        connected_ = false;
        return 0;
    }
    if (address.family != family_ || (family_ == Family::Inet && is_v4_mapped(address))) return EAFNOSUPPORT;
    Address dst = to_wire(address);
    if (is_any_ip(dst)) dst = Address::loopback(dst.family, dst.port);
    Address source;
    if (!host_.pick_source(dst, &source) || !host_.world().routable(host_, dst)) return ENETUNREACH;
    if (int error = autobind(dst)) return error;
    if (is_any_ip(local_)) {
        // Connecting fixes the source address, as getsockname then shows.
        std::uint16_t port = local_.port;
        local_ = to_socket_form(source, family_);
        local_.port = port;
    }
    peer_ = to_socket_form(dst, family_);
    connected_ = true;
    error_ = 0;
    return 0;
}

IoResult UdpSocket::send(const void* data, std::size_t size) {
    if (!connected_) return {0, EDESTADDRREQ};
    return send_to(data, size, peer_);
}

IoResult UdpSocket::send_to(const void* data, std::size_t size, const Address& to) {
    if (write_shut_) return {0, EPIPE};
    if (to.family != family_ || (family_ == Family::Inet && is_v4_mapped(to))) return {0, EAFNOSUPPORT};
    Address dst = to_wire(to);
    if (dst.port == 0) return {0, EINVAL};
    if (is_any_ip(dst)) dst = Address::loopback(dst.family, dst.port);
    std::size_t limit = dst.family == Family::Inet ? kMaxIpv4Payload : kMaxIpv6Payload;
    if (size > limit) return {0, EMSGSIZE};
    if (error_) return {0, take_error()};  // a pending ICMP error is reported first
    Address source;
    if (!is_any_ip(local_) && bound_) {
        source = to_wire(local_);
        if (source.family != dst.family) return {0, ENETUNREACH};
    } else if (!host_.pick_source(dst, &source)) {
        return {0, ENETUNREACH};
    }
    if (!host_.world().routable(host_, dst)) return {0, ENETUNREACH};
    if (int error = autobind(dst)) return {0, error};
    source.port = local_.port;
    Packet p;
    p.transport = Transport::Udp;
    p.src = source;
    p.dst = dst;
    p.payload.assign(static_cast<const char*>(data), size);
    host_.transmit(std::move(p));
    return {size, 0};  // UDP sends never wait: the wire takes or loses the datagram
}

IoResult UdpSocket::receive(void* buffer, std::size_t size) { return receive_from(buffer, size, nullptr); }

IoResult UdpSocket::receive_from(void* buffer, std::size_t size, Address* from) {
    if (queue_.empty()) {
        if (error_) return {0, take_error()};
        if (read_shut_) return {0, 0};
        return {0, EAGAIN};
    }
    Datagram& d = queue_.front();
    std::size_t n = std::min(size, d.data.size());  // the rest of a long datagram is lost
    if (n) std::memcpy(buffer, d.data.data(), n);
    if (from) *from = d.from;
    queued_bytes_ -= d.data.size() + host_.world().config().datagram_overhead;
    queue_.pop_front();
    return {n, 0};
}

int UdpSocket::shutdown(ShutdownHow how) {
    if (!connected_) return ENOTCONN;
    if (how != ShutdownHow::Write) read_shut_ = true;
    if (how != ShutdownHow::Read) write_shut_ = true;
    notify();
    return 0;
}

int UdpSocket::local_address(Address* out) {
    *out = local_;
    return 0;
}

int UdpSocket::peer_address(Address* out) {
    if (!connected_) return ENOTCONN;
    *out = peer_;
    return 0;
}

void UdpSocket::close() {
    closed_ = true;
    queue_.clear();
    queued_bytes_ = 0;
}

unsigned UdpSocket::poll() const {
    unsigned events = kWritable;
    if (!queue_.empty() || error_ || read_shut_) events |= kReadable;
    if (error_) events |= kFailed;
    return events;
}

bool UdpSocket::connected_to(const Address& wire) const {
    if (!connected_) return false;
    Address p = to_wire(peer_);
    return same_ip(p, wire) && p.port == wire.port;
}

int UdpSocket::match(const Address& dst, const Address& src) const {
    if (closed_ || !bound_ || local_.port != dst.port) return -1;
    Address bound = to_wire(local_);
    int score;
    if (is_any_ip(bound))
        score = (bound.family == dst.family || bound.family == Family::Inet6) ? 1 : -1;
    else
        score = same_ip(bound, dst) ? 2 : -1;
    if (score < 0) return -1;
    if (connected_) {
        if (!connected_to(src)) return -1;  // a connected socket hears only its peer
        score += 4;
    }
    return score;
}

void UdpSocket::on_datagram(const Packet& p) {
    std::size_t cost = p.payload.size() + host_.world().config().datagram_overhead;
    // An empty queue takes any datagram, as Linux does (it looks for room
    // before it charges the datagram): one of the largest size sendto
    // accepts (65,507 bytes) must arrive, whatever SO_RCVBUF is.
    bool full = !queue_.empty() && queued_bytes_ + cost > receive_capacity_;
    if (read_shut_ || full) {
        host_.record("drop", "receive-queue-full", p);
        return;
    }
    queue_.push_back({p.payload, to_socket_form(p.src, family_)});
    queued_bytes_ += cost;
    notify();
}

void UdpSocket::on_unreachable(int error) {
    error_ = error;
    notify();
}

}  // namespace lsock::sim
