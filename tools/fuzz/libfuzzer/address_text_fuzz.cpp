// libFuzzer target: address parsing and printing (src/os/address.cpp).
//
// Two halves, by the first byte:
// - text: Address::parse_ip must accept exactly what the C library's
//   inet_pton accepts (with an optional numeric "%zone" after an IPv6
//   literal), give the same bytes, and what it accepted must print
//   (ip_text, to_string) as text that parses back to the same address;
// - bytes: any IPv4 or IPv6 address (port, scope) must print as text
//   that parses back to it, and print as inet_ntop prints it, except
//   where RFC 5952 and the C library part ways on purpose (below).
#include <arpa/inet.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>

#include "fuzz_check.hpp"
#include "fuzz_input.hpp"
#include "lsock/address.hpp"

using lsock::Address;
using lsock::Family;
using lsock::fuzz::FuzzInput;

namespace {

// The reference: inet_pton, with the zone rule of parse_ip (a decimal
// number of 1 to 10 digits that fits in 32 bits).
std::optional<Address> reference_parse(const std::string& text, std::uint16_t port) {
    if (text.find('\0') != std::string::npos) return std::nullopt;
    unsigned char bytes[16];
    if (inet_pton(AF_INET, text.c_str(), bytes) == 1) return Address::inet({bytes[0], bytes[1], bytes[2], bytes[3]}, port);
    std::string ip = text;
    std::uint32_t scope = 0;
    std::size_t percent = text.find('%');
    if (percent != std::string::npos) {
        std::string zone = text.substr(percent + 1);
        if (zone.empty() || zone.size() > 10 || zone.find_first_not_of("0123456789") != std::string::npos)
            return std::nullopt;
        unsigned long long value = std::stoull(zone);
        if (value > 0xffffffffull) return std::nullopt;
        scope = std::uint32_t(value);
        ip = text.substr(0, percent);
    }
    if (inet_pton(AF_INET6, ip.c_str(), bytes) != 1) return std::nullopt;
    std::array<std::uint8_t, 16> v6;
    std::memcpy(v6.data(), bytes, 16);
    Address a = Address::inet6(v6, port);
    a.scope_id = scope;
    return a;
}

// What parse_ip's printing must give back when parsed.
void check_prints_back(const Address& a) {
    std::string text = a.ip_text();
    std::optional<Address> again = Address::parse_ip(text, a.port);
    FUZZ_CHECK(again && *again == a, "\"%s\" does not parse back to the address it prints", text.c_str());
    std::string full = a.to_string();
    std::string expected = a.family == Family::Inet6 ? "[" + text + "]:" + std::to_string(a.port)
                                                     : text + ":" + std::to_string(a.port);
    FUZZ_CHECK(full == expected, "to_string gave \"%s\", not \"%s\"", full.c_str(), expected.c_str());
}

// inet_ntop's text, and whether this address is one where glibc and RFC
// 5952 differ: glibc writes the deprecated IPv4-compatible form ::a.b.c.d
// (the first six groups zero, the seventh not); RFC 5952 keeps the
// dotted form for ::ffff:a.b.c.d only.
bool ntop_comparable(const std::array<std::uint8_t, 16>& ip) {
    bool first_six_zero = true;
    for (int i = 0; i < 12; ++i) first_six_zero = first_six_zero && ip[i] == 0;
    bool seventh_zero = ip[12] == 0 && ip[13] == 0;
    return !(first_six_zero && !seventh_zero);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzInput in(data, size);
    const std::uint8_t mode = in.byte();
    const std::uint16_t port = in.u16();
    if (mode % 2 == 0) {
        std::string text = in.rest();
        std::optional<Address> parsed = Address::parse_ip(text, port);
        std::optional<Address> expected = reference_parse(text, port);
        FUZZ_CHECK(parsed.has_value() == expected.has_value(), "parse_ip %s \"%s\", inet_pton %s it",
                   parsed ? "accepts" : "refuses", text.c_str(), expected ? "accepts" : "refuses");
        if (!parsed) return 0;
        FUZZ_CHECK(*parsed == *expected, "parse_ip and inet_pton read \"%s\" as different addresses", text.c_str());
        check_prints_back(*parsed);
        return 0;
    }
    Address a;
    char reference[INET6_ADDRSTRLEN];
    if (mode & 2) {
        std::array<std::uint8_t, 16> ip{};
        for (auto& b : ip) b = in.byte();
        if (mode & 4) {  // the shapes a random draw rarely makes: runs of zeros, ::ffff:
            int from = in.byte() % 8, count = in.byte() % 9;
            for (int g = from; g < from + count && g < 8; ++g) ip[2 * g] = ip[2 * g + 1] = 0;
            if (mode & 8) ip[10] = ip[11] = 0xff;
        }
        a = Address::inet6(ip, port);
        if (mode & 16) a.scope_id = in.u32();
        FUZZ_CHECK(inet_ntop(AF_INET6, ip.data(), reference, sizeof reference) != nullptr, "inet_ntop failed");
        if (ntop_comparable(ip)) {
            std::string mine = Address::inet6(ip, 0).ip_text();
            FUZZ_CHECK(mine == reference, "ip_text \"%s\", inet_ntop \"%s\"", mine.c_str(), reference);
        }
    } else {
        a = Address::inet({in.byte(), in.byte(), in.byte(), in.byte()}, port);
        FUZZ_CHECK(inet_ntop(AF_INET, a.ip.data(), reference, sizeof reference) != nullptr, "inet_ntop failed");
        FUZZ_CHECK(a.ip_text() == reference, "ip_text \"%s\", inet_ntop \"%s\"", a.ip_text().c_str(), reference);
    }
    check_prints_back(a);
    return 0;
}
