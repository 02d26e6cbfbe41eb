// A simulated machine and its kernel: the lsock::Os that code running "on"
// this host calls.
//
// Each host has its own addresses (plus loopback), descriptor table, TCP and
// UDP ports, connection table and unix-path namespace. Errors are Linux errno
// values with Linux's strerror texts. It waits with WaitStyle::Suspend: wait()
// only reports, suspend() registers the calling coroutine with the world.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "lsock/os.hpp"
#include "sim/address_util.hpp"
#include "sim/link.hpp"
#include "sim/packet.hpp"
#include "sim/port_table.hpp"

namespace lsock::sim {

class World;
class SimSocket;
class TcpSocket;
class UdpSocket;

// One end of a TCP connection, wire form, as a plain value: the connection
// table is searched for every segment, and comparing these costs no string
// (an Address also carries a unix path).
struct WireEndpoint {
    std::array<std::uint8_t, 16> ip{};
    std::uint16_t port = 0;
    Family family = Family::Unspec;
    WireEndpoint() = default;
    WireEndpoint(const Address& a) : ip(a.ip), port(a.port), family(a.family) {}  // NOLINT: a key made of an address
    bool operator<(const WireEndpoint& other) const {
        // The order AddressLess gives (family, ip, port): the same runs.
        if (family != other.family) return family < other.family;
        if (ip != other.ip) return ip < other.ip;
        return port < other.port;
    }
    bool operator==(const WireEndpoint& other) const {
        return family == other.family && port == other.port && ip == other.ip;
    }
};

// A TCP connection's identity on this host: (local, remote), wire form.
struct ConnectionKey {
    WireEndpoint local;
    WireEndpoint remote;
    bool operator<(const ConnectionKey& other) const {
        if (local < other.local) return true;
        if (other.local < local) return false;
        return remote < other.remote;
    }
    bool operator==(const ConnectionKey& other) const { return local == other.local && remote == other.remote; }
};

// The connection table is looked up for every segment, and its order is
// never seen (only lookups, and the sweep of ended TIME_WAITs), so it is a
// hash table: an ordered map's compares of two 16-byte addresses were a
// tenth of a busy world's time.
struct ConnectionKeyHash {
    std::size_t operator()(const ConnectionKey& key) const;
};

// Everything a crash wipes out, in one place so a restart is a fresh value.
struct HostTables {
    std::vector<std::shared_ptr<SimSocket>> descriptors;  // index = fd; null = free
    std::set<int> free_descriptors;                       // below descriptors.size()
    int open_count = 0;
    PortTable tcp_ports;
    // Per port, the TCP sockets that listen on it, in the order they began:
    // a SYN looks here, not through every connection an accept left on the
    // port. Sockets that stopped listening are dropped when a SYN passes.
    std::map<std::uint16_t, std::vector<std::weak_ptr<TcpSocket>>> tcp_listeners;
    PortTable udp_ports;
    // Connections that get segments: from SYN sent until closed (TIME_WAIT included).
    std::unordered_map<ConnectionKey, std::shared_ptr<TcpSocket>, ConnectionKeyHash> tcp_connections;
    int registrations_since_sweep = 0;  // TIME_WAIT ends lazily; a sweep now and then bounds the table
    // Bound unix paths ("files"); a path stays taken after its socket closes,
    // until unlink, as a socket file does.
    std::map<std::string, std::weak_ptr<SimSocket>> unix_paths;
};

class SimHost final : public Os {
public:
    SimHost(World& world, HostId id, std::string name, std::vector<Address> addresses);
    ~SimHost() override;

    const std::string& name() const { return name_; }
    HostId id() const { return id_; }
    const std::vector<Address>& addresses() const { return addresses_; }
    bool up() const { return up_; }
    World& world() const { return world_; }
    int open_descriptors() const { return tables_->open_count; }

    // Removes a unix socket path, as unlink(2) on a socket file does.
    int unlink(const std::string& path);

    // ---- lsock::Os ----
    int open_socket(Family family, SocketType type, int protocol, Fd* out) override;
    int close(Fd fd) override;
    int bind(Fd fd, const Address& address) override;
    int listen(Fd fd, int backlog) override;
    int connect(Fd fd, const Address& address) override;
    int finish_connect(Fd fd) override;
    int accept(Fd fd, Fd* out, Address* peer) override;
    IoResult send(Fd fd, const void* data, std::size_t size) override;
    IoResult send_to(Fd fd, const void* data, std::size_t size, const Address& to) override;
    IoResult receive(Fd fd, void* buffer, std::size_t size) override;
    IoResult receive_from(Fd fd, void* buffer, std::size_t size, Address* from) override;
    int shutdown(Fd fd, ShutdownHow how) override;
    int set_option(Fd fd, SocketOption option, int value) override;
    int get_option(Fd fd, SocketOption option, int* value) override;
    int local_address(Fd fd, Address* out) override;
    int peer_address(Fd fd, Address* out) override;
    ResolveError resolve(const char* host, const char* service, const ResolveHints& hints,
                         std::vector<ResolvedAddress>* out) override;
    std::string resolve_error_message(ResolveError error) override;
    // In virtual time (sim/lookup.hpp) when the world's resolver has a
    // latency or a fault for the name; null (answer at once) otherwise.
    std::unique_ptr<PendingResolve> start_resolve(const char* host, const char* service,
                                                 const ResolveHints& hints) override;
    std::string error_message(int error) override;
    WaitStyle wait_style() const override { return WaitStyle::Suspend; }
    int wait(PollItem* items, std::size_t count, double deadline) override;
    void suspend(const PollItem* items, std::size_t count, double deadline, void* token) override;
    double now() override;

    // ---- Kernel internals ----
    std::shared_ptr<SimSocket> socket_at(Fd fd) const;
    // The same without a reference of the caller's own (a shared_ptr copy
    // is two atomic operations, and a message passes here half a dozen
    // times): only for a call that can neither close the descriptor nor
    // run anything that might (polling, watching, send, receive: what they
    // change reaches other sockets through events and deferred checks).
    SimSocket* socket_borrowed(Fd fd) const;
    // poll() of a descriptor; kFailed for one that is not open (POLLNVAL).
    unsigned poll_descriptor(Fd fd) const;
    HostTables& tables() { return *tables_; }
    // True for loopback addresses and this host's own (any form: an
    // IPv4-mapped address counts as its IPv4 one).
    bool is_local_ip(const Address& ip) const;
    // The same for an IP already in wire form (a packet's), without the copy
    // that converting takes.
    bool is_local_wire_ip(const Address& wire) const;
    // The source IP for reaching dst (wire form); false when this host has no
    // address of that family (ENETUNREACH).
    bool pick_source(const Address& dst, Address* source) const;
    void transmit(Packet&& packet);  // World::transmit
    void deliver(const Packet& packet);
    // Answers a segment that no connection takes with RST, as RFC 793 says.
    void reply_reset(const Packet& packet);
    void record(const char* kind, const std::string& detail);
    // A packet event; its text is made only when the trace is read.
    void record(const char* kind, const char* reason, const Packet& packet);

    void crash();
    void restart();

private:
    int install(std::shared_ptr<SimSocket> socket, Fd* out);
    void deliver_tcp(const Packet& packet);
    // The listener a SYN for `dst` goes to: an exact address before a
    // wildcard, the first to listen among equals; null when none.
    std::shared_ptr<TcpSocket> best_listener(const Address& dst);
    void deliver_udp(const Packet& packet);
    void deliver_unreachable(const Packet& packet);

    World& world_;
    HostId id_;
    std::string name_;
    std::vector<Address> addresses_;
    bool up_ = true;
    std::unique_ptr<HostTables> tables_;
};

}  // namespace lsock::sim
