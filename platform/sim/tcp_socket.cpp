// TcpSocket: the calls a program makes (bind, listen, connect, accept, send,
// receive, shutdown, close). Error values and their order follow Linux's
// tcp_sendmsg / tcp_recvmsg / inet_stream_connect.
#include <algorithm>

#include "sim/sim_host.hpp"
#include "sim/tcp_socket.hpp"
#include "sim/world.hpp"

namespace lsock::sim {

TcpSocket::TcpSocket(SimHost& host, Family family)
    : SimSocket(host, family, SocketType::Stream),
      rto_(host.world().config().initial_rto),
      rto_timer_(host.world()),
      persist_timer_(host.world()),
      keepalive_timer_(host.world()),
      fin_timer_(host.world()),
      delayed_ack_timer_(host.world()) {
    local_ = Address::any(family, 0);
}

TcpSocket::~TcpSocket() = default;  // the timers cancel their events

bool TcpSocket::holds_port() const {
    if (!bound_ || state_ == State::Dead) return false;
    if (state_ == State::Closed && closed_by_app_) return false;
    return !expired(host_.world().now());
}

BindInfo TcpSocket::bind_info() const {
    return {local_, reuse_addr_, reuse_port_, state_ == State::Listen, state_ == State::TimeWait};
}

int TcpSocket::bind(const Address& address) {
    if (bound_ || state_ != State::Closed) return EINVAL;
    if (address.family != family_) return EAFNOSUPPORT;
    if (family_ == Family::Inet && is_v4_mapped(address)) return EAFNOSUPPORT;
    if (!host_.is_local_ip(address)) return EADDRNOTAVAIL;
    BindInfo info = bind_info();
    info.local = address;
    HostTables& tables = host_.tables();
    if (info.local.port == 0) {
        const SimConfig& c = host_.world().config();
        info.local.port = tables.tcp_ports.pick_ephemeral(host_.world().random(), c.ephemeral_low, c.ephemeral_high);
        if (info.local.port == 0) return EADDRINUSE;
    } else if (int error = tables.tcp_ports.check(info, this)) {
        return error;
    }
    local_ = info.local;
    bound_ = true;
    tables.tcp_ports.add(local_.port, shared_from_this());
    return 0;
}

int TcpSocket::bind_ephemeral(const Address& wire_source) {
    const SimConfig& c = host_.world().config();
    std::uint16_t port = host_.tables().tcp_ports.pick_ephemeral(host_.world().random(), c.ephemeral_low, c.ephemeral_high);
    if (port == 0) return EADDRNOTAVAIL;
    local_ = to_socket_form(wire_source, family_);
    local_.port = port;
    bound_ = true;
    host_.tables().tcp_ports.add(port, shared_from_this());
    return 0;
}

int TcpSocket::listen(int backlog) {
    const int max = host_.world().config().max_backlog;
    // Linux: a negative or too large backlog means SOMAXCONN.
    int effective = (backlog < 0 || backlog > max) ? max : backlog;
    if (state_ == State::Listen) {
        backlog_ = effective;
        return 0;
    }
    if (state_ != State::Closed) return EINVAL;
    if (!bound_) {
        if (int error = bind_ephemeral(Address::any(family_, 0))) return error;
    } else {
        BindInfo info = bind_info();
        info.listening = true;
        if (int error = host_.tables().tcp_ports.check(info, this)) return error;
    }
    backlog_ = effective;
    state_ = State::Listen;
    host_.tables().tcp_listeners[local_.port].push_back(self());
    host_.record("tcp-listen", local_.to_string() + " backlog=" + std::to_string(backlog_));
    return 0;
}

int TcpSocket::connect(const Address& address) {
    switch (state_) {
        case State::Closed: break;
        case State::SynSent: return EALREADY;
        case State::Dead:
            if (was_established_ || closed_by_app_) return EISCONN;
            state_ = State::Closed;  // a failed connect may be tried again
            error_ = 0;
            break;
        default: return EISCONN;
    }
    if (address.family != family_) return EAFNOSUPPORT;
    if (family_ == Family::Inet && is_v4_mapped(address)) return EAFNOSUPPORT;
    Address dst = to_wire(address);
    if (is_any_ip(dst)) dst = Address::loopback(dst.family, dst.port);  // as Linux: 0.0.0.0 means this host
    Address source;
    if (bound_ && !is_any_ip(local_)) {
        source = to_wire(local_);
        if (source.family != dst.family) return ENETUNREACH;
    } else if (!host_.pick_source(dst, &source)) {
        return ENETUNREACH;
    }
    // No route (an address outside the world's networks): Linux's connect
    // fails at once. An unowned address on a network fails later, by ICMP.
    if (!host_.world().routable(host_, dst)) return ENETUNREACH;
    if (!bound_) {
        if (int error = bind_ephemeral(source)) return error;
    } else {
        std::uint16_t port = local_.port;
        local_ = to_socket_form(source, family_);
        local_.port = port;
    }
    local_wire_ = to_wire(local_);
    peer_wire_ = dst;
    peer_ = to_socket_form(dst, family_);
    if (host_.tables().tcp_connections.count({local_wire_, peer_wire_})) return EADDRNOTAVAIL;
    register_connection();

    iss_ = host_.world().random().next() & 0xffffffffu;
    snd_una_ = iss_;
    snd_nxt_ = snd_max_ = iss_ + 1;
    state_ = State::SynSent;
    retries_ = 0;
    last_connect_error_ = 0;
    rto_ = host_.world().config().initial_rto;
    timing_ = true;
    rtt_start_ = host_.world().now();
    rtt_seq_ = iss_ + 1;
    host_.record("tcp-connect", local_wire_.to_string() + ">" + peer_wire_.to_string());
    send_syn();
    arm_rto();
    return EINPROGRESS;
}

int TcpSocket::finish_connect() {
    if (state_ == State::SynSent) return EINPROGRESS;
    if (was_established_) return 0;
    if (error_) return take_error();
    if (last_connect_error_) return last_connect_error_;
    return ENOTCONN;
}

int TcpSocket::accept(std::shared_ptr<SimSocket>* out, Address* peer) {
    if (state_ != State::Listen) return EINVAL;
    if (accept_queue_.empty()) return EAGAIN;
    std::shared_ptr<TcpSocket> child = accept_queue_.front();
    accept_queue_.pop_front();
    *peer = child->peer_;
    *out = child;
    return 0;
}

IoResult TcpSocket::send(const void* data, std::size_t size) {
    if (error_) return {0, take_error()};
    if (state_ == State::SynSent || state_ == State::SynReceived) return {0, EAGAIN};
    if (state_ != State::Established || fin_queued_) return {0, EPIPE};
    if (size == 0) return {0, 0};
    std::size_t used = send_buffer_.size();
    std::size_t room = send_capacity_ > used ? send_capacity_ - used : 0;
    if (room == 0) return {0, EAGAIN};
    std::size_t n = std::min(room, size);
    send_buffer_.append(data, n);
    keepalive_quiet_ = false;  // something moves: the next keepalive probe may matter
    keepalive_probes_out_ = 0;
    output();
    return {n, 0};
}

IoResult TcpSocket::send_to(const void* data, std::size_t size, const Address&) {
    return send(data, size);  // a connected stream ignores the address, as Linux does
}

IoResult TcpSocket::receive(void* buffer, std::size_t size) {
    if (state_ == State::Listen) return {0, ENOTCONN};
    if (state_ == State::SynSent || state_ == State::SynReceived) return {0, EAGAIN};
    if (!receive_buffer_.empty() && size > 0) {
        std::size_t n = receive_buffer_.read(buffer, size);
        window_opened();
        return {n, 0};
    }
    if (size == 0) return {0, 0};
    // Linux's order: end of stream first, then a pending error, then "closed".
    if (fin_received_) return {0, 0};
    if (error_) return {0, take_error()};
    if (read_shut_) return {0, 0};
    if (!was_established_) return {0, ENOTCONN};
    if (state_ != State::Established) return {0, 0};
    return {0, EAGAIN};
}

int TcpSocket::shutdown(ShutdownHow how) {
    if (state_ == State::Listen) {
        // Linux (inet_shutdown): shutting the reading side of a listener
        // disconnects it, as a close would, but the socket stays open;
        // SHUT_WR alone does nothing. Both return 0.
        if (how != ShutdownHow::Write) {
            stop_listening();
            state_ = State::Closed;
            notify();
        }
        return 0;
    }
    if (state_ != State::Established && state_ != State::SynSent) return ENOTCONN;
    if (how == ShutdownHow::Read || how == ShutdownHow::Both) read_shut_ = true;
    if ((how == ShutdownHow::Write || how == ShutdownHow::Both) && !fin_queued_) {
        fin_queued_ = true;
        active_close_ = !fin_received_;
        output();
        maybe_finish();
    }
    notify();
    return 0;
}

int TcpSocket::local_address(Address* out) {
    *out = local_;
    return 0;
}

int TcpSocket::peer_address(Address* out) {
    if (state_ != State::Established && state_ != State::TimeWait) return ENOTCONN;
    *out = peer_;
    return 0;
}

void TcpSocket::stop_listening() {
    // Connections nobody accepted are reset, as Linux does.
    for (auto& child : accept_queue_) {
        child->send_reset();
        child->die(0);
    }
    accept_queue_.clear();
    // The list may still hold children that left SYN_RECEIVED (see
    // on_syn): only those still half-open are reset.
    for (auto& weak : embryos_)
        if (auto child = weak.lock(); child && child->state_ == State::SynReceived) {
            child->send_reset();
            child->die(0);
        }
    embryos_.clear();
}

void TcpSocket::close() {
    auto keep = self();
    closed_by_app_ = true;
    switch (state_) {
        case State::Listen:
            stop_listening();
            state_ = State::Dead;
            break;
        case State::Closed: state_ = State::Dead; break;
        case State::SynSent: die(0); break;
        case State::Established:
            if (!receive_buffer_.empty() || linger_ == 0) {
                // Unread data (or SO_LINGER 0): abort with RST, as RFC 2525 and Linux do.
                host_.record("tcp-abort", local_wire_.to_string() + ">" + peer_wire_.to_string());
                send_reset();
                die(0);
            } else if (!fin_queued_) {
                fin_queued_ = true;
                active_close_ = !fin_received_;
                output();
                maybe_finish();
            }
            break;
        default: break;  // TIME_WAIT and dead connections have nothing left to do
    }
    keepalive_timer_.cancel();  // an orphan is not kept alive (Linux: FIN_WAIT2 has its own timeout)
    maybe_arm_fin_timeout();    // closed after shutdown(WR) was acknowledged
}

unsigned TcpSocket::poll() const {
    switch (state_) {
        case State::Listen: return accept_queue_.empty() ? 0u : unsigned(kReadable);
        case State::SynSent:
        case State::SynReceived: return 0;
        case State::Closed:
            if (last_connect_error_ || error_) return kReadable | kWritable | kHangup | kFailed;
            return kWritable | kHangup;  // as Linux reports a socket never connected
        default: break;
    }
    unsigned events = 0;
    bool ended = state_ != State::Established;
    if (!receive_buffer_.empty() || fin_received_ || read_shut_ || ended || error_) events |= kReadable;
    bool room = send_buffer_.size() < send_capacity_;
    if (room || fin_queued_ || ended || error_) events |= kWritable;
    if (error_) events |= kFailed;
    if (ended || (fin_received_ && fin_queued_)) events |= kHangup;
    return events;
}

int TcpSocket::set_option(SocketOption option, int value) {
    const bool keepalive_was = keepalive_;
    int error = SimSocket::set_option(option, value);
    if (error == 0 && option == SocketOption::ReceiveBuffer) window_opened();
    if (error == 0 && option == SocketOption::NoDelay && nodelay_) output();
    if (error == 0 && option == SocketOption::KeepAlive && keepalive_ != keepalive_was) {
        // As Linux's tcp_set_keepalive: turned on, the first probe is a
        // keepalive time from now; turned off, the timer stops.
        keepalive_probes_out_ = 0;
        keepalive_quiet_ = false;
        schedule_keepalive(host_.world().now() + host_.world().config().keepalive_time);
    }
    return error;
}

void TcpSocket::on_unreachable(int error) {
    auto keep = self();
    if (state_ != State::SynSent) return;  // once connected, a soft error: retransmission decides
    host_.record("tcp-unreachable", local_wire_.to_string() + ">" + peer_wire_.to_string());
    last_connect_error_ = error;
    die(error);
}

void TcpSocket::register_connection() {
    HostTables& tables = host_.tables();
    if (++tables.registrations_since_sweep >= 1024) {
        tables.registrations_since_sweep = 0;
        double now = host_.world().now();
        for (auto it = tables.tcp_connections.begin(); it != tables.tcp_connections.end();)
            it = it->second->expired(now) ? tables.tcp_connections.erase(it) : std::next(it);
    }
    tables.tcp_connections[{local_wire_, peer_wire_}] = self();
    registered_ = true;
}

void TcpSocket::unregister_connection() {
    if (!registered_) return;
    registered_ = false;
    auto& connections = host_.tables().tcp_connections;
    auto it = connections.find({local_wire_, peer_wire_});
    if (it != connections.end() && it->second.get() == this) connections.erase(it);
}

}  // namespace lsock::sim
