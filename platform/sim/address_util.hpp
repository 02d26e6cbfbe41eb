// Address facts the simulated kernel needs and the shared Address type does
// not carry: "any", loopback, and the IPv4-mapped IPv6 form.
//
// Packets on a simulated wire carry plain IPv4 or IPv6 addresses ("wire
// form"). An IPv6 socket is dual-stack, as on Linux by default: it talks to
// IPv4 peers through ::ffff:a.b.c.d, so a socket sees addresses in its own
// family ("socket form") and the conversion happens at the socket's edge.
#pragma once

#include <cstdint>
#include <cstring>
#include <tuple>

#include "lsock/address.hpp"

namespace lsock::sim {

bool is_any_ip(const Address& a);        // 0.0.0.0 or ::
bool is_loopback_ip(const Address& a);   // 127.0.0.0/8, ::1, ::ffff:127.x
bool is_v4_mapped(const Address& a);     // ::ffff:a.b.c.d

// ::ffff:a.b.c.d becomes a.b.c.d; everything else is returned as it is.
Address to_wire(const Address& a);
// A wire address as a socket of `family` sees it (IPv4 mapped into IPv6).
Address to_socket_form(const Address& wire, Family family);
// True when both have the same family and IP (ports are not compared).
bool same_ip(const Address& a, const Address& b);
// The network an IP lies in: its first `prefix_bits` bits, the rest and the
// port zero (10.0.3.7 with 16 gives 10.0.0.0).
Address network_of(const Address& ip, int prefix_bits);

// A strict order on (family, ip, port) so addresses can key ordered maps;
// ordered maps keep iteration, and so the run, independent of hashing.
struct AddressLess {
    bool operator()(const Address& a, const Address& b) const {
        return std::tie(a.family, a.ip, a.port, a.path) < std::tie(b.family, b.ip, b.port, b.path);
    }
};

// The order of (family, ip) alone: the key of "which host owns this IP".
struct IpLess {
    bool operator()(const Address& a, const Address& b) const {
        if (a.family != b.family) return a.family < b.family;
        return std::memcmp(a.ip.data(), b.ip.data(), a.ip_size()) < 0;
    }
};

}  // namespace lsock::sim
