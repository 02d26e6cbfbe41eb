// An endpoint address that crosses the OS interface by value.
//
// The core and every backend speak this one type instead of sockaddr, so the
// simulated kernel, the BSD-socket kernel and a future Winsock kernel agree on
// what an address is, and the core can format and compare addresses without
// calling the OS.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lsock {

// Address families. The numbers are this library's own (they match Linux so
// that they read familiarly in Lua); backends translate them.
enum class Family : int { Unspec = 0, Unix = 1, Inet = 2, Inet6 = 10 };

struct Address {
    Family family = Family::Unspec;
    std::array<std::uint8_t, 16> ip{};  // network byte order; 4 bytes used for Inet
    std::uint16_t port = 0;             // host byte order
    std::uint32_t scope_id = 0;         // IPv6 only
    std::string path;                   // Unix only; empty = unnamed

    static Address inet(std::array<std::uint8_t, 4> bytes, std::uint16_t port);
    static Address inet6(const std::array<std::uint8_t, 16>& bytes, std::uint16_t port);
    static Address unix_path(std::string path);
    static Address any(Family family, std::uint16_t port);       // 0.0.0.0 / ::
    static Address loopback(Family family, std::uint16_t port);  // 127.0.0.1 / ::1

    // Parses a numeric IPv4 or IPv6 literal ("10.0.0.1", "::1", "fe80::1%3");
    // nothing for names, which need the resolver.
    static std::optional<Address> parse_ip(std::string_view text, std::uint16_t port);

    std::size_t ip_size() const { return family == Family::Inet ? 4 : family == Family::Inet6 ? 16 : 0; }
    bool is_ip() const { return family == Family::Inet || family == Family::Inet6; }

    // "10.0.0.1", "::1" (RFC 5952 form), or the unix path.
    std::string ip_text() const;
    // "10.0.0.1:80", "[::1]:80", or the unix path.
    std::string to_string() const;

    friend bool operator==(const Address& a, const Address& b);
    friend bool operator!=(const Address& a, const Address& b) { return !(a == b); }
};

}  // namespace lsock
