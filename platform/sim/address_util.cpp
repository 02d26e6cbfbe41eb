#include "sim/address_util.hpp"

#include <cstring>

namespace lsock::sim {

bool is_any_ip(const Address& a) {
    if (!a.is_ip()) return false;
    for (std::size_t i = 0; i < a.ip_size(); ++i)
        if (a.ip[i] != 0) return false;
    return true;
}

bool is_v4_mapped(const Address& a) {
    if (a.family != Family::Inet6) return false;
    for (int i = 0; i < 10; ++i)
        if (a.ip[i] != 0) return false;
    return a.ip[10] == 0xff && a.ip[11] == 0xff;
}

bool is_loopback_ip(const Address& a) {
    Address w = to_wire(a);
    if (w.family == Family::Inet) return w.ip[0] == 127;
    if (w.family != Family::Inet6) return false;
    for (int i = 0; i < 15; ++i)
        if (w.ip[i] != 0) return false;
    return w.ip[15] == 1;
}

Address to_wire(const Address& a) {
    if (!is_v4_mapped(a)) return a;
    Address w = Address::inet({a.ip[12], a.ip[13], a.ip[14], a.ip[15]}, a.port);
    return w;
}

Address to_socket_form(const Address& wire, Family family) {
    if (family != Family::Inet6 || wire.family != Family::Inet) return wire;
    std::array<std::uint8_t, 16> mapped{};
    mapped[10] = mapped[11] = 0xff;
    std::memcpy(mapped.data() + 12, wire.ip.data(), 4);
    return Address::inet6(mapped, wire.port);
}

Address network_of(const Address& ip, int prefix_bits) {
    Address network = ip;
    network.port = 0;
    for (std::size_t i = 0; i < network.ip.size(); ++i) {
        int keep = prefix_bits - int(i) * 8;  // bits of this byte that stay
        if (keep >= 8) continue;
        network.ip[i] = keep <= 0 ? 0 : std::uint8_t(network.ip[i] & (0xff << (8 - keep)));
    }
    return network;
}

bool same_ip(const Address& a, const Address& b) {
    return a.family == b.family && std::memcmp(a.ip.data(), b.ip.data(), a.ip_size()) == 0;
}

}  // namespace lsock::sim
