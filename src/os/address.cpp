// Address parsing and formatting, done here rather than with inet_pton and
// inet_ntop so that the core never calls the OS and every backend (the
// simulated one included) prints addresses the same way. Part of the OS
// interface library (lsock_os), which backends link without the core.
#include "lsock/address.hpp"

#include <cstdio>
#include <cstring>

namespace lsock {

namespace {

// Appends `value` in decimal (what snprintf's %u writes, without its cost).
void append_decimal(std::string* text, unsigned value) {
    char digits[10];
    char* first = digits + sizeof digits;
    do {
        *--first = char('0' + value % 10);
        value /= 10;
    } while (value != 0);
    text->append(first, std::size_t(digits + sizeof digits - first));
}


bool parse_ipv4(std::string_view text, std::array<std::uint8_t, 4>* out) {
    int part = 0;
    std::size_t i = 0;
    while (part < 4) {
        if (i >= text.size() || text[i] < '0' || text[i] > '9') return false;
        unsigned value = 0;
        std::size_t digits = 0;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
            if (digits > 0 && value == 0) return false;  // no leading zeros: "01" is ambiguous
            value = value * 10 + unsigned(text[i] - '0');
            if (value > 255) return false;
            ++i, ++digits;
        }
        (*out)[part++] = std::uint8_t(value);
        if (part < 4) {
            if (i >= text.size() || text[i] != '.') return false;
            ++i;
        }
    }
    return i == text.size();
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// RFC 4291 text forms: groups of hex, one "::", an optional trailing IPv4.
bool parse_ipv6(std::string_view text, std::array<std::uint8_t, 16>* out) {
    std::array<std::uint16_t, 8> groups{};
    int count = 0;
    int gap = -1;  // index in groups where "::" stands
    std::size_t i = 0;
    if (text.substr(0, 2) == "::") {
        gap = 0;
        i = 2;
        if (i == text.size()) {
            out->fill(0);
            return true;
        }
    } else if (!text.empty() && text[0] == ':') {
        return false;
    }
    while (i < text.size()) {
        if (count == 8) return false;
        // A trailing dotted quad fills the last two groups.
        std::size_t end = text.find(':', i);
        std::string_view piece = text.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i);
        if (piece.find('.') != std::string_view::npos) {
            std::array<std::uint8_t, 4> v4;
            if (end != std::string_view::npos || count > 6 || !parse_ipv4(piece, &v4)) return false;
            groups[count++] = std::uint16_t(v4[0] << 8 | v4[1]);
            groups[count++] = std::uint16_t(v4[2] << 8 | v4[3]);
            i = text.size();
            break;
        }
        if (piece.empty() || piece.size() > 4) return false;
        unsigned value = 0;
        for (char c : piece) {
            int h = hex_value(c);
            if (h < 0) return false;
            value = value << 4 | unsigned(h);
        }
        groups[count++] = std::uint16_t(value);
        i += piece.size();
        if (i == text.size()) break;
        ++i;  // the ':'
        if (i < text.size() && text[i] == ':') {
            if (gap >= 0) return false;
            gap = count;
            ++i;
        } else if (i == text.size()) {
            return false;  // trailing single ':'
        }
    }
    if (gap < 0 && count != 8) return false;
    if (gap >= 0 && count == 8) return false;
    std::array<std::uint16_t, 8> full{};
    if (gap < 0) {
        full = groups;
    } else {
        int tail = count - gap;
        for (int k = 0; k < gap; ++k) full[k] = groups[k];
        for (int k = 0; k < tail; ++k) full[8 - tail + k] = groups[gap + k];
    }
    for (int k = 0; k < 8; ++k) {
        (*out)[2 * k] = std::uint8_t(full[k] >> 8);
        (*out)[2 * k + 1] = std::uint8_t(full[k] & 0xff);
    }
    return true;
}

std::string format_ipv6(const std::array<std::uint8_t, 16>& ip) {
    std::uint16_t groups[8];
    for (int k = 0; k < 8; ++k) groups[k] = std::uint16_t(ip[2 * k] << 8 | ip[2 * k + 1]);
    // RFC 5952: compress the longest run (of at least two) of zero groups.
    int best = -1, best_len = 0;
    for (int k = 0; k < 8;) {
        if (groups[k] != 0) {
            ++k;
            continue;
        }
        int start = k;
        while (k < 8 && groups[k] == 0) ++k;
        if (k - start > best_len) best = start, best_len = k - start;
    }
    if (best_len < 2) best = -1;
    // IPv4-mapped addresses read as ::ffff:a.b.c.d.
    bool mapped = best == 0 && best_len == 5 && groups[5] == 0xffff;
    std::string text;
    char piece[16];
    for (int k = 0; k < 8; ++k) {
        if (k == best) {
            text += "::";
            k += best_len - 1;
            continue;
        }
        if (mapped && k == 6) {
            text += ':';
            std::snprintf(piece, sizeof piece, "%u.%u", ip[12], ip[13]);
            text += piece;
            std::snprintf(piece, sizeof piece, ".%u.%u", ip[14], ip[15]);
            text += piece;
            break;
        }
        if (!text.empty() && text.back() != ':') text += ':';
        std::snprintf(piece, sizeof piece, "%x", groups[k]);
        text += piece;
    }
    return text;
}

}  // namespace

Address Address::inet(std::array<std::uint8_t, 4> bytes, std::uint16_t port) {
    Address a;
    a.family = Family::Inet;
    std::memcpy(a.ip.data(), bytes.data(), 4);
    a.port = port;
    return a;
}

Address Address::inet6(const std::array<std::uint8_t, 16>& bytes, std::uint16_t port) {
    Address a;
    a.family = Family::Inet6;
    a.ip = bytes;
    a.port = port;
    return a;
}

Address Address::unix_path(std::string path) {
    Address a;
    a.family = Family::Unix;
    a.path = std::move(path);
    return a;
}

Address Address::any(Family family, std::uint16_t port) {
    return family == Family::Inet6 ? inet6({}, port) : inet({0, 0, 0, 0}, port);
}

Address Address::loopback(Family family, std::uint16_t port) {
    if (family == Family::Inet6) {
        std::array<std::uint8_t, 16> one{};
        one[15] = 1;
        return inet6(one, port);
    }
    return inet({127, 0, 0, 1}, port);
}

std::optional<Address> Address::parse_ip(std::string_view text, std::uint16_t port) {
    std::array<std::uint8_t, 4> v4;
    if (parse_ipv4(text, &v4)) return inet(v4, port);
    std::uint32_t scope = 0;
    std::size_t percent = text.find('%');
    if (percent != std::string_view::npos) {
        // Any scope id ip_text prints must read back: every 32-bit value,
        // so up to ten digits, checked for overflow.
        std::string_view zone = text.substr(percent + 1);
        if (zone.empty() || zone.size() > 10) return std::nullopt;
        std::uint64_t value = 0;
        for (char c : zone) {
            if (c < '0' || c > '9') return std::nullopt;  // numeric zones only: names need the OS
            value = value * 10 + std::uint64_t(c - '0');
        }
        if (value > UINT32_MAX) return std::nullopt;
        scope = std::uint32_t(value);
        text = text.substr(0, percent);
    }
    std::array<std::uint8_t, 16> v6;
    if (!parse_ipv6(text, &v6)) return std::nullopt;
    Address a = inet6(v6, port);
    a.scope_id = scope;
    return a;
}

std::string Address::ip_text() const {
    switch (family) {
        case Family::Inet: {
            // By hand: the simulator names addresses in every trace entry,
            // and snprintf was most of the cost of that.
            std::string text;
            text.reserve(15);
            for (int i = 0; i < 4; ++i) {
                if (i) text += '.';
                append_decimal(&text, ip[std::size_t(i)]);
            }
            return text;
        }
        case Family::Inet6: {
            std::string text = format_ipv6(ip);
            if (scope_id != 0) text += "%" + std::to_string(scope_id);
            return text;
        }
        case Family::Unix:
            return path;
        default:
            return "";
    }
}

std::string Address::to_string() const {
    switch (family) {
        case Family::Inet: {
            std::string text = ip_text();
            text += ':';
            append_decimal(&text, port);
            return text;
        }
        case Family::Inet6:
            return "[" + ip_text() + "]:" + std::to_string(port);
        default:
            return ip_text();
    }
}

bool operator==(const Address& a, const Address& b) {
    if (a.family != b.family) return false;
    if (a.family == Family::Unix) return a.path == b.path;
    return a.port == b.port && a.scope_id == b.scope_id &&
           std::memcmp(a.ip.data(), b.ip.data(), a.ip_size()) == 0;
}

}  // namespace lsock
