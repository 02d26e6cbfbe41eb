#include "core/name_lookup.hpp"

#include <memory>

namespace lsock {

namespace {

enum class PortText { Name, Port, OutOfRange };

// A service of decimal digits is a port number; one above 65535 is out of
// range (a resolver would cut it to 16 bits: "65617" became port 81).
PortText parse_port(std::string_view text, std::uint16_t* port) {
    if (text.empty()) return PortText::Name;
    unsigned long value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return PortText::Name;
        if (value <= 65535) value = value * 10 + unsigned(c - '0');
    }
    if (value > 65535) return PortText::OutOfRange;
    *port = std::uint16_t(value);
    return PortText::Port;
}

bool family_accepts(Family wanted, Family have) { return wanted == Family::Unspec || wanted == have; }

Family ip_family(Family wanted) { return wanted == Family::Inet6 ? Family::Inet6 : Family::Inet; }

ResolvedAddress answer(const LookupQuery& query, const Address& address) {
    ResolvedAddress out;
    out.family = address.family;
    out.type = query.type;
    out.protocol = query.protocol ? query.protocol : default_protocol(query.type, address.family);
    out.address = address;
    return out;
}

// The answers that need no resolver: a unix path, Any, Loopback and numeric
// IPs with a numeric port. Returns true when it answered (or failed).
bool answer_without_resolver(const LookupQuery& query, std::uint16_t port, std::vector<ResolvedAddress>* out,
                             ResolveError* error) {
    *error = ResolveError::None;
    switch (query.host_kind) {
        case LookupHost::Any: out->push_back(answer(query, Address::any(ip_family(query.family), port))); return true;
        case LookupHost::Loopback:
            out->push_back(answer(query, Address::loopback(ip_family(query.family), port)));
            return true;
        case LookupHost::Default: return false;
        case LookupHost::Named: break;
    }
    auto literal = Address::parse_ip(query.host, port);
    if (!literal) return false;
    if (!family_accepts(query.family, literal->family)) {
        *error = ResolveError::BadFamily;
        return true;
    }
    out->push_back(answer(query, *literal));
    // The resolver names a numeric host after itself: so do we.
    if (query.flags & kResolveCanonName) out->back().canonical_name = std::string(query.host);
    return true;
}

}  // namespace

int default_protocol(SocketType type, Family family) {
    if (family == Family::Unix) return 0;
    return type == SocketType::Stream ? int(Protocol::Tcp) : type == SocketType::Datagram ? int(Protocol::Udp) : 0;
}

bool answer_or_ask(const LookupQuery& query, std::vector<ResolvedAddress>* out, ResolveError* error,
                   ResolverQuestion* question) {
    out->clear();
    *error = ResolveError::None;
    bool endpoint = query.mode == LookupMode::Endpoint;
    if (endpoint && query.family == Family::Unix) {
        out->push_back(answer(query, Address::unix_path(std::string(query.host))));
        return true;
    }
    std::uint16_t port = query.port;
    PortText service_kind = query.port_given ? PortText::Port : parse_port(query.service, &port);
    if (service_kind == PortText::OutOfRange) {
        *error = ResolveError::BadService;
        return true;
    }
    bool numeric_port = service_kind == PortText::Port;
    if (endpoint && numeric_port && answer_without_resolver(query, port, out, error)) return true;
    ResolveHints& hints = question->hints;
    hints.family = query.family;
    hints.type = query.type;
    hints.protocol = query.protocol;
    hints.flags = query.flags;
    if (query.host_kind == LookupHost::Any) hints.flags |= kResolvePassive;
    if (query.host_kind == LookupHost::Loopback) hints.flags &= ~kResolvePassive;
    bool named = query.host_kind == LookupHost::Named;
    question->has_host = named;
    question->host = named ? std::string(query.host) : std::string();
    question->service = std::string(query.service);
    // A port already read is set on the answers, not asked of the resolver:
    // some resolvers refuse any service for raw sockets. A lookup with no
    // host needs some service, though.
    if (query.port_given) question->service = named ? "" : "0";
    question->has_service = !question->service.empty();
    return false;
}

ResolveError finish_lookup(const LookupQuery& query, ResolveError error, std::vector<ResolvedAddress>* out) {
    if (error != ResolveError::None) {
        out->clear();
        return error;
    }
    if (query.mode == LookupMode::Endpoint) {
        for (ResolvedAddress& found : *out) {
            if (query.port_given) found.address.port = query.port;
            if (found.type == SocketType::Any) found.type = query.type;
            if (!found.protocol) found.protocol = query.protocol ? query.protocol : default_protocol(found.type, found.family);
        }
    }
    return out->empty() ? ResolveError::NotFound : ResolveError::None;
}

ResolveError lookup(Os& os, const LookupQuery& query, std::vector<ResolvedAddress>* out) {
    ResolveError error;
    ResolverQuestion question;
    if (answer_or_ask(query, out, &error, &question)) return error;
    error = os.resolve(question.host_arg(), question.service_arg(), question.hints, out);
    return finish_lookup(query, error, out);
}

ResolveError lookup_until(Os& os, const LookupQuery& query, double deadline, std::vector<ResolvedAddress>* out,
                          bool* timed_out) {
    *timed_out = false;
    if (deadline == kNoDeadline || os.wait_style() != WaitStyle::Block) return lookup(os, query, out);
    ResolveError error;
    ResolverQuestion question;
    if (answer_or_ask(query, out, &error, &question)) return error;
    std::unique_ptr<PendingResolve> pending = os.start_resolve(question.host_arg(), question.service_arg(), question.hints);
    if (!pending) {
        error = os.resolve(question.host_arg(), question.service_arg(), question.hints, out);
        return finish_lookup(query, error, out);
    }
    while (!pending->ready()) {
        if (os.now() >= deadline) {
            *timed_out = true;
            return ResolveError::Failed;
        }
        PollItem item{pending->ready_fd(), kReadable, 0};
        // ETIMEDOUT, EINTR or readiness alike: the loop looks again.
        os.wait(&item, 1, deadline);
    }
    error = pending->take(out);
    return finish_lookup(query, error, out);
}

bool parse_unix_target(std::string_view text, std::string* path) {
    constexpr std::string_view prefix = "unix:";
    if (text.substr(0, prefix.size()) != prefix) return false;
    *path = std::string(text.substr(prefix.size()));
    return true;
}

LookupQuery address_query(const LookupRequest& request) {
    LookupQuery query;
    bool any = request.host == "*" || (request.host.empty() && request.passive);
    query.host_kind = any ? LookupHost::Any : request.host.empty() ? LookupHost::Default : LookupHost::Named;
    query.host = request.host;
    query.service = request.service;
    query.family = request.family;
    query.type = request.type;
    query.flags = request.passive ? kResolvePassive : 0;
    return query;
}

ResolveError collect_addresses(const LookupRequest& request, ResolveError error,
                               const std::vector<ResolvedAddress>& found, std::vector<Address>* out) {
    out->clear();
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

ResolveError lookup_addresses(Os& os, const LookupRequest& request, double deadline, std::vector<Address>* out,
                              bool* timed_out) {
    std::vector<ResolvedAddress> found;
    ResolveError error = lookup_until(os, address_query(request), deadline, &found, timed_out);
    return collect_addresses(request, error, found, out);
}

}  // namespace lsock
