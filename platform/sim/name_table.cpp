#include "sim/name_table.hpp"

#include <algorithm>
#include <cctype>

#include "lsock/error_text.hpp"
#include "sim/address_util.hpp"

namespace lsock::sim {

namespace {

std::string lowercase(std::string text) {
    for (char& c : text) c = char(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

// The services a test is likely to name; /etc/services is the kernel's, not ours.
// A few services of Debian's /etc/services, with the transports each is
// listed for there: glibc gives an entry for a socket type only when the
// service exists for its protocol (http is tcp only, ntp udp only).
struct Service {
    const char* name;
    int port;
    bool tcp, udp;
};

const Service* known_service(const std::string& name) {
    static const Service services[] = {
        {"echo", 7, true, true},     {"discard", 9, true, true}, {"daytime", 13, true, true},
        {"ftp", 21, true, false},    {"ssh", 22, true, false},   {"telnet", 23, true, false},
        {"smtp", 25, true, false},   {"domain", 53, true, true}, {"http", 80, true, false},
        {"pop3", 110, true, false},  {"ntp", 123, false, true},  {"imap", 143, true, false},
        {"https", 443, true, true},  {"imaps", 993, true, false}, {"pop3s", 995, true, false},
    };
    for (const auto& service : services)
        if (name == service.name) return &service;
    return nullptr;
}

bool family_wanted(Family wanted, Family have) { return wanted == Family::Unspec || wanted == have; }

}  // namespace

void NameTable::add(const std::string& name, std::vector<Address> addresses) {
    std::string key = lowercase(name);
    faults_.erase(key);
    names_[key] = std::move(addresses);
}

void NameTable::add_fault(const std::string& name, NameFault fault) {
    std::string key = lowercase(name);
    names_.erase(key);
    if (fault == NameFault::None) faults_.erase(key);
    else faults_[key] = fault;
}

bool NameTable::asks_resolver(const char* host) {
    return host && !Address::parse_ip(host, 0) && lowercase(host) != "localhost";
}

NameFault NameTable::fault_of(const char* host) const {
    if (!host || faults_.empty()) return NameFault::None;
    auto it = faults_.find(lowercase(host));
    return it == faults_.end() ? NameFault::None : it->second;
}

bool NameTable::known(const std::string& name) const { return names_.count(lowercase(name)) != 0; }

ResolveError NameTable::resolve(const char* host, const char* service, const ResolveHints& hints,
                                std::vector<ResolvedAddress>* out) const {
    out->clear();
    if (!host && !service) return ResolveError::NotFound;
    if (hints.family != Family::Unspec && hints.family != Family::Inet && hints.family != Family::Inet6)
        return ResolveError::BadFamily;

    // The port.
    int port = 0;
    const Service* named = nullptr;  // a service given by name
    if (service && *service) {
        std::string s = service;
        if (std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            if (s.size() > 5 || std::stoi(s) > 65535) return ResolveError::BadService;
            port = std::stoi(s);
        } else if (hints.flags & kResolveNumericServ) {
            return ResolveError::NotFound;
        } else {
            named = known_service(lowercase(s));
            if (!named) return ResolveError::BadService;
            port = named->port;
        }
        // glibc: a raw socket has no ports.
        if (hints.type == SocketType::Raw) return ResolveError::BadService;
    }

    // The addresses, in the order given for the name.
    std::vector<Address> found;
    std::string canonical;
    if (!host) {
        bool passive = hints.flags & kResolvePassive;
        found.push_back(passive ? Address::any(Family::Inet, 0) : Address::loopback(Family::Inet, 0));
        found.push_back(passive ? Address::any(Family::Inet6, 0) : Address::loopback(Family::Inet6, 0));
    } else if (auto literal = Address::parse_ip(host, 0)) {
        if (!family_wanted(hints.family, literal->family)) {
            bool map = hints.family == Family::Inet6 && literal->family == Family::Inet &&
                       (hints.flags & kResolveV4Mapped);
            if (!map) return ResolveError::BadFamily;
        }
        found.push_back(*literal);
        canonical = host;
    } else if (hints.flags & kResolveNumericHost) {
        return ResolveError::NotFound;
    } else {
        std::string name = lowercase(host);
        canonical = host;
        if (name == "localhost") {
            found.push_back(Address::loopback(Family::Inet, 0));
            found.push_back(Address::loopback(Family::Inet6, 0));
        } else {
            // The answer (or silence) of a resolver told to fail.
            if (config_.down || faults_.count(name)) return ResolveError::TryAgain;
            auto it = names_.find(name);
            if (it == names_.end()) return ResolveError::NotFound;
            found = it->second;
        }
    }

    // Filter by family; AI_V4MAPPED turns IPv4 answers into IPv6 when no IPv6 one exists.
    std::vector<Address> chosen;
    for (const auto& a : found)
        if (family_wanted(hints.family, a.family)) chosen.push_back(a);
    if (chosen.empty() && hints.family == Family::Inet6 && (hints.flags & kResolveV4Mapped))
        for (const auto& a : found)
            if (a.family == Family::Inet) chosen.push_back(to_socket_form(a, Family::Inet6));
    if (chosen.empty()) return ResolveError::NotFound;

    // One entry per socket type, as getaddrinfo gives (stream, datagram,
    // raw). With no type asked for, glibc adds the raw entry unless a
    // protocol or a service name narrows the answer; a named service gives
    // only the types it is listed for.
    struct Kind {
        SocketType type;
        int protocol;
    };
    std::vector<Kind> kinds;
    bool any = hints.type == SocketType::Any;
    if (any || hints.type == SocketType::Stream) kinds.push_back({SocketType::Stream, 6});
    if (any || hints.type == SocketType::Datagram) kinds.push_back({SocketType::Datagram, 17});
    if (hints.type == SocketType::Raw || (any && hints.protocol == 0 && !named))
        kinds.push_back({SocketType::Raw, 0});
    if (hints.protocol != 0) {
        kinds.erase(std::remove_if(kinds.begin(), kinds.end(),
                                   [&](const Kind& k) { return k.protocol != hints.protocol && k.type != SocketType::Raw; }),
                    kinds.end());
        for (auto& k : kinds) k.protocol = hints.protocol;
    }
    if (kinds.empty()) return ResolveError::BadSocktype;
    if (named) {
        kinds.erase(std::remove_if(kinds.begin(), kinds.end(),
                                   [&](const Kind& k) {
                                       return (k.type == SocketType::Stream && !named->tcp) ||
                                              (k.type == SocketType::Datagram && !named->udp);
                                   }),
                    kinds.end());
        if (kinds.empty()) return ResolveError::BadService;
    }

    for (const auto& a : chosen) {
        for (const auto& k : kinds) {
            ResolvedAddress r;
            r.family = a.family;
            r.type = k.type;
            r.protocol = k.protocol;
            r.address = a;
            r.address.port = std::uint16_t(port);
            if (out->empty() && (hints.flags & kResolveCanonName)) r.canonical_name = canonical;
            out->push_back(std::move(r));
        }
    }
    return ResolveError::None;
}

std::string NameTable::message(ResolveError error) {
    return resolve_error_text(error);
}

}  // namespace lsock::sim
