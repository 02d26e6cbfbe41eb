#include "core/name_lookup.hpp"

namespace lsock {

namespace {

bool parse_port(std::string_view text, std::uint16_t* port) {
    if (text.empty() || text.size() > 5) return false;
    unsigned value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return false;
        value = value * 10 + unsigned(c - '0');
    }
    if (value > 65535) return false;
    *port = std::uint16_t(value);
    return true;
}

bool family_accepts(Family wanted, Family have) { return wanted == Family::Unspec || wanted == have; }

}  // namespace

bool parse_unix_target(std::string_view text, std::string* path) {
    constexpr std::string_view prefix = "unix:";
    if (text.substr(0, prefix.size()) != prefix) return false;
    *path = std::string(text.substr(prefix.size()));
    return true;
}

ResolveError lookup_addresses(Os& os, const LookupRequest& request, std::vector<Address>* out) {
    out->clear();
    std::uint16_t port = 0;
    bool numeric_port = parse_port(request.service, &port);
    if (numeric_port) {
        if (request.host == "*" || (request.host.empty() && request.passive)) {
            out->push_back(Address::any(request.family == Family::Inet6 ? Family::Inet6 : Family::Inet, port));
            return ResolveError::None;
        }
        if (auto literal = Address::parse_ip(request.host, port)) {
            if (!family_accepts(request.family, literal->family)) return ResolveError::BadFamily;
            out->push_back(*literal);
            return ResolveError::None;
        }
    }
    ResolveHints hints;
    hints.family = request.family;
    hints.type = request.type;
    bool any = request.host == "*";
    hints.flags = request.passive || any ? kResolvePassive : 0;
    std::string host(any ? std::string_view() : request.host);
    std::string service(request.service);
    std::vector<ResolvedAddress> found;
    ResolveError error = os.resolve(host.empty() ? nullptr : host.c_str(), service.empty() ? nullptr : service.c_str(),
                                    hints, &found);
    if (error != ResolveError::None) return error;
    for (const ResolvedAddress& entry : found) {
        if (!family_accepts(request.family, entry.address.family)) continue;
        // The resolver lists one entry per socket type; keep each address once.
        bool seen = false;
        for (const Address& have : *out) seen = seen || have == entry.address;
        if (!seen) out->push_back(entry.address);
    }
    return out->empty() ? ResolveError::NotFound : ResolveError::None;
}

}  // namespace lsock
