#include "sim/sim_host.hpp"

#include <cstring>

#include "lsock/error_text.hpp"
#include "sim/hash_fold.hpp"
#include "sim/lookup.hpp"
#include "sim/tcp_socket.hpp"
#include "sim/udp_socket.hpp"
#include "sim/unix_datagram_socket.hpp"
#include "sim/unix_stream_socket.hpp"
#include "sim/world.hpp"

namespace lsock::sim {

namespace {
// Descriptors 0-2 are taken, as stdin/stdout/stderr are in a process, so the
// numbers a program sees look like real ones.
constexpr int kFirstDescriptor = 3;

std::unique_ptr<HostTables> fresh_tables() {
    auto tables = std::make_unique<HostTables>();
    tables->descriptors.resize(kFirstDescriptor);
    return tables;
}
std::uint64_t fold_endpoint(std::uint64_t hash, const WireEndpoint& endpoint) {
    std::uint64_t high = 0, low = 0;
    std::memcpy(&high, endpoint.ip.data(), 8);
    std::memcpy(&low, endpoint.ip.data() + 8, 8);
    hash = fold_number(hash, high);
    hash = fold_number(hash, low);
    return fold_number(hash, std::uint64_t(endpoint.port) | std::uint64_t(endpoint.family) << 16);
}
}  // namespace

std::size_t ConnectionKeyHash::operator()(const ConnectionKey& key) const {
    return std::size_t(fold_endpoint(fold_endpoint(0, key.local), key.remote));
}

SimHost::SimHost(World& world, HostId id, std::string name, std::vector<Address> addresses)
    : world_(world), id_(id), name_(std::move(name)), addresses_(std::move(addresses)), tables_(fresh_tables()) {}

SimHost::~SimHost() = default;

void SimHost::record(const char* kind, const std::string& detail) { world_.record(kind, name_, detail); }
void SimHost::record(const char* kind, const char* reason, const Packet& packet) {
    world_.record(kind, name_, reason, packet);
}

// ---- Descriptors ----

int SimHost::install(std::shared_ptr<SimSocket> socket, Fd* out) {
    HostTables& t = *tables_;
    if (t.open_count >= world_.config().max_descriptors) return EMFILE;
    int fd;
    if (!t.free_descriptors.empty()) {
        fd = *t.free_descriptors.begin();  // lowest free number, as POSIX requires
        t.free_descriptors.erase(t.free_descriptors.begin());
    } else {
        fd = int(t.descriptors.size());
        t.descriptors.emplace_back();
    }
    t.descriptors[std::size_t(fd)] = std::move(socket);
    ++t.open_count;
    *out = fd;
    return 0;
}

std::shared_ptr<SimSocket> SimHost::socket_at(Fd fd) const {
    const auto& d = tables_->descriptors;
    if (fd < 0 || std::size_t(fd) >= d.size()) return nullptr;
    return d[std::size_t(fd)];
}

SimSocket* SimHost::socket_borrowed(Fd fd) const {
    const auto& d = tables_->descriptors;
    if (fd < 0 || std::size_t(fd) >= d.size()) return nullptr;
    return d[std::size_t(fd)].get();
}

unsigned SimHost::poll_descriptor(Fd fd) const {
    SimSocket* socket = socket_borrowed(fd);
    return socket ? socket->poll() : kFailed;
}

int SimHost::open_socket(Family family, SocketType type, int protocol, Fd* out) {
    if (!up_) return ENETDOWN;
    std::shared_ptr<SimSocket> socket;
    switch (family) {
        case Family::Inet:
        case Family::Inet6:
            if (type == SocketType::Stream) {
                if (protocol != 0 && protocol != int(Protocol::Tcp)) return EPROTONOSUPPORT;
                socket = std::make_shared<TcpSocket>(*this, family);
            } else if (type == SocketType::Datagram) {
                if (protocol != 0 && protocol != int(Protocol::Udp)) return EPROTONOSUPPORT;
                socket = std::make_shared<UdpSocket>(*this, family);
            } else if (type == SocketType::Raw) {
                return EPERM;  // as for a process without CAP_NET_RAW
            } else {
                return EINVAL;
            }
            break;
        case Family::Unix:
            if (protocol != 0) return EPROTONOSUPPORT;
            if (type == SocketType::Stream)
                socket = std::make_shared<UnixStreamSocket>(*this);
            else if (type == SocketType::Datagram)
                socket = std::make_shared<UnixDatagramSocket>(*this);
            else
                return ESOCKTNOSUPPORT;
            break;
        default:
            return EAFNOSUPPORT;
    }
    return install(std::move(socket), out);
}

int SimHost::close(Fd fd) {
    auto socket = socket_at(fd);
    if (!socket) return EBADF;
    tables_->descriptors[std::size_t(fd)] = nullptr;
    tables_->free_descriptors.insert(fd);
    --tables_->open_count;
    socket->close();
    socket->notify();  // waiters on this descriptor now see it gone
    return 0;
}

#define WITH_SOCKET(fd, fail)          \
    auto socket = socket_at(fd);       \
    if (!socket) return fail;

int SimHost::bind(Fd fd, const Address& address) {
    WITH_SOCKET(fd, EBADF);
    return socket->bind(address);
}

int SimHost::listen(Fd fd, int backlog) {
    WITH_SOCKET(fd, EBADF);
    return socket->listen(backlog);
}

int SimHost::connect(Fd fd, const Address& address) {
    WITH_SOCKET(fd, EBADF);
    return socket->connect(address);
}

int SimHost::finish_connect(Fd fd) {
    WITH_SOCKET(fd, EBADF);
    return socket->finish_connect();
}

int SimHost::accept(Fd fd, Fd* out, Address* peer) {
    WITH_SOCKET(fd, EBADF);
    std::shared_ptr<SimSocket> child;
    Address child_peer;
    int error = socket->accept(&child, &child_peer);
    if (error) return error;
    error = install(child, out);
    if (error) {
        child->close();  // the connection is reset, as if never accepted
        return error;
    }
    if (peer) *peer = child_peer;
    return 0;
}

IoResult SimHost::send(Fd fd, const void* data, std::size_t size) {
    SimSocket* socket = socket_borrowed(fd);
    if (!socket) return {0, EBADF};
    return socket->send(data, size);
}

IoResult SimHost::send_to(Fd fd, const void* data, std::size_t size, const Address& to) {
    WITH_SOCKET(fd, (IoResult{0, EBADF}));
    return socket->send_to(data, size, to);
}

IoResult SimHost::receive(Fd fd, void* buffer, std::size_t size) {
    SimSocket* socket = socket_borrowed(fd);
    if (!socket) return {0, EBADF};
    return socket->receive(buffer, size);
}

IoResult SimHost::receive_from(Fd fd, void* buffer, std::size_t size, Address* from) {
    WITH_SOCKET(fd, (IoResult{0, EBADF}));
    return socket->receive_from(buffer, size, from);
}

int SimHost::shutdown(Fd fd, ShutdownHow how) {
    WITH_SOCKET(fd, EBADF);
    return socket->shutdown(how);
}

int SimHost::set_option(Fd fd, SocketOption option, int value) {
    WITH_SOCKET(fd, EBADF);
    return socket->set_option(option, value);
}

int SimHost::get_option(Fd fd, SocketOption option, int* value) {
    WITH_SOCKET(fd, EBADF);
    return socket->get_option(option, value);
}

int SimHost::local_address(Fd fd, Address* out) {
    WITH_SOCKET(fd, EBADF);
    return socket->local_address(out);
}

int SimHost::peer_address(Fd fd, Address* out) {
    WITH_SOCKET(fd, EBADF);
    return socket->peer_address(out);
}

#undef WITH_SOCKET

int SimHost::unlink(const std::string& path) {
    return tables_->unix_paths.erase(path) ? 0 : ENOENT;
}

// ---- Names, messages, waiting, clock ----

ResolveError SimHost::resolve(const char* host, const char* service, const ResolveHints& hints,
                              std::vector<ResolvedAddress>* out) {
    return world_.names().resolve(host, service, hints, out);
}

std::string SimHost::resolve_error_message(ResolveError error) { return NameTable::message(error); }

std::unique_ptr<PendingResolve> SimHost::start_resolve(const char* host, const char* service,
                                                       const ResolveHints& hints) {
    const NameTable& names = world_.names();
    const ResolverConfig& config = names.config();
    NameFault fault = names.fault_of(host);
    bool takes_time = config.latency > 0 || config.jitter > 0 || config.down || fault != NameFault::None;
    if (!up_ || !takes_time || !NameTable::asks_resolver(host)) return nullptr;
    auto lookup = std::make_shared<LookupDescriptor>(*this, host);
    Fd fd = kNoFd;
    if (install(lookup, &fd) != 0) return nullptr;  // EMFILE: the caller looks up in place
    std::vector<ResolvedAddress> answers;
    ResolveError error = names.resolve(host, service, hints, &answers);
    double delay = config.latency;
    if (config.jitter > 0) delay += config.jitter * world_.random().uniform();
    if (config.down || fault == NameFault::Silent) delay = config.timeout;
    record("lookup", std::string(host) + "?");
    lookup->answer_at(world_.now() + delay, error, std::move(answers));
    return std::make_unique<SimPendingResolve>(*this, fd, std::move(lookup));
}

// glibc's texts on every platform (lsock/error_text.hpp): Windows' C
// runtime has none for the socket errno values.
std::string SimHost::error_message(int error) { return errno_text(error); }

int SimHost::wait(PollItem* items, std::size_t count, double deadline) {
    (void)deadline;  // Suspend style: report only, never block
    int ready = 0;
    for (std::size_t i = 0; i < count; ++i) {
        items[i].revents = poll_descriptor(items[i].fd) & (items[i].events | kHangup | kFailed);
        if (items[i].revents) ++ready;
    }
    return ready ? 0 : ETIMEDOUT;
}

void SimHost::suspend(const PollItem* items, std::size_t count, double deadline, void* token) {
    // Whoever the world resumes waits (World::resuming).
    void* owner = world_.resuming() ? world_.resuming() : token;
    world_.waiters().suspend(*this, items, count, deadline, owner);
}

double SimHost::now() { return world_.now(); }

// ---- Routing ----

bool SimHost::is_local_ip(const Address& ip) const { return is_local_wire_ip(to_wire(ip)); }

bool SimHost::is_local_wire_ip(const Address& wire) const {
    if (is_loopback_ip(wire) || is_any_ip(wire)) return true;
    for (const auto& own : addresses_)
        if (same_ip(own, wire)) return true;
    return false;
}

bool SimHost::pick_source(const Address& dst, Address* source) const {
    Address w = to_wire(dst);
    if (is_loopback_ip(w) || is_any_ip(w)) {
        *source = Address::loopback(w.family, 0);
        return true;
    }
    for (const auto& own : addresses_)
        if (same_ip(own, w)) return *source = own, true;
    for (const auto& own : addresses_)
        if (own.family == w.family) return *source = own, true;
    return false;
}

void SimHost::transmit(Packet&& packet) { world_.transmit(*this, std::move(packet)); }

void SimHost::deliver(const Packet& packet) {
    switch (packet.transport) {
        case Transport::Tcp: deliver_tcp(packet); break;
        case Transport::Udp: deliver_udp(packet); break;
        case Transport::Unreachable: deliver_unreachable(packet); break;
    }
}

namespace {
// Whether a socket bound to `bound` (socket form) takes traffic for `dst`
// (wire form): 2 for its exact address, 1 for a wildcard, -1 for no.
int address_fit(const Address& bound, const Address& dst) {
    Address b = to_wire(bound);
    if (is_any_ip(b)) {
        if (b.family == dst.family) return 1;
        return b.family == Family::Inet6 ? 1 : -1;  // :: is dual-stack
    }
    return same_ip(b, dst) ? 2 : -1;
}
}  // namespace

std::shared_ptr<TcpSocket> SimHost::best_listener(const Address& dst) {
    auto found = tables_->tcp_listeners.find(dst.port);
    if (found == tables_->tcp_listeners.end()) return nullptr;
    auto& listeners = found->second;
    std::shared_ptr<TcpSocket> best;
    int best_fit = -1;
    std::size_t kept = 0;
    for (std::size_t i = 0; i < listeners.size(); ++i) {
        auto tcp = listeners[i].lock();
        if (!tcp || tcp->state() != TcpSocket::State::Listen || !tcp->holds_port()) continue;
        listeners[kept++] = listeners[i];
        int fit = address_fit(tcp->bind_info().local, dst);
        if (fit > best_fit) best = tcp, best_fit = fit;
    }
    listeners.resize(kept);
    if (listeners.empty()) tables_->tcp_listeners.erase(found);
    return best;
}

void SimHost::deliver_tcp(const Packet& p) {
    auto& connections = tables_->tcp_connections;
    auto it = connections.find({p.dst, p.src});
    if (it != connections.end()) {
        // No reference of our own: on_segment holds one while it runs, and
        // the table's keeps the socket alive until then.
        TcpSocket* connection = it->second.get();
        if (!connection->expired(world_.now())) {
            connection->on_segment(p);
            return;
        }
        connections.erase(it);  // TIME_WAIT is over: the pair is free again
    }
    if ((p.flags & kSyn) && !(p.flags & kAck)) {
        std::shared_ptr<TcpSocket> best = best_listener(p.dst);
        if (best) {
            best->on_syn(p);
            return;
        }
    }
    if (!(p.flags & kRst)) reply_reset(p);
}

void SimHost::reply_reset(const Packet& p) {
    Packet r;
    r.transport = Transport::Tcp;
    r.src = p.dst;
    r.dst = p.src;
    if (p.flags & kAck) {
        r.flags = kRst;
        r.seq = p.ack;
    } else {
        r.flags = kRst | kAck;
        r.ack = p.seq + p.payload.size() + ((p.flags & kSyn) ? 1 : 0) + ((p.flags & kFin) ? 1 : 0);
    }
    transmit(std::move(r));
}

void SimHost::deliver_udp(const Packet& p) {
    std::shared_ptr<UdpSocket> best;
    int best_fit = -1;
    for (const auto& holder : tables_->udp_ports.holders(p.dst.port)) {
        auto udp = std::static_pointer_cast<UdpSocket>(holder);
        int fit = udp->match(p.dst, p.src);
        if (fit > best_fit) best = udp, best_fit = fit;
    }
    if (best) {
        best->on_datagram(p);
        return;
    }
    record("udp-unreachable", p.dst.to_string());
    Packet icmp;
    icmp.transport = Transport::Unreachable;
    icmp.src = p.dst;
    icmp.dst = p.src;
    transmit(std::move(icmp));
}

void SimHost::deliver_unreachable(const Packet& p) {
    // As Linux's icmp_unreach: port unreachable is ECONNREFUSED, host
    // unreachable EHOSTUNREACH (sent about TCP only, see
    // World::neighbour_failed); TCP takes it for its connection, UDP only on
    // sockets connected to the address (unconnected ones never hear of it).
    int error = (p.flags & kIcmpHost) ? EHOSTUNREACH : ECONNREFUSED;
    if (p.flags & kIcmpAboutTcp) {
        auto it = tables_->tcp_connections.find({p.dst, p.src});
        if (it != tables_->tcp_connections.end()) {
            std::shared_ptr<TcpSocket> connection = it->second;
            connection->on_unreachable(error);
        }
        return;
    }
    for (const auto& holder : tables_->udp_ports.holders(p.dst.port)) {
        auto udp = std::static_pointer_cast<UdpSocket>(holder);
        if (udp->match(p.dst, p.src) >= 0 && udp->connected_to(p.src)) udp->on_unreachable(error);
    }
}

// ---- Crash and restart ----

void SimHost::crash() {
    up_ = false;
    // Destroying the old tables destroys the sockets, which cancels their
    // timers; nothing is sent, as from a machine that lost power.
    std::unique_ptr<HostTables> old = std::move(tables_);
    tables_ = fresh_tables();
    // Descriptor numbers of the lost life are never handed out again: a
    // program may still hold a socket object with such a number, and its
    // close (or its collection) must not close a socket of the new life.
    tables_->descriptors.resize(old->descriptors.size());
    old.reset();
}

void SimHost::restart() { up_ = true; }

}  // namespace lsock::sim
