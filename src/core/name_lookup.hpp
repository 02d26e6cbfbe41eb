// Name lookup, once for every face: from what a Lua call names (a host and
// a port or service) to the addresses it should use. `socket`'s connect,
// bind and sendto, socket.getaddrinfo and sock.addr (with every sock call
// that takes host, port) all come through `lookup`; it is also the one place
// where a resolver that does not block plugs in.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lsock/os.hpp"

namespace lsock {

enum class LookupHost {
    Any,       // every interface: 0.0.0.0 / :: ("*", a passive empty host)
    Loopback,  // 127.0.0.1 / ::1 (sock's `false`)
    Default,   // no host: the resolver's own default (the loopback addresses)
    Named,     // `host` is a name or a numeric IP
};

enum class LookupMode {
    // For a socket call: numeric hosts, Any and Loopback are answered here
    // without a resolver round trip, and each answer gets the query's socket
    // type and protocol.
    Endpoint,
    // socket.getaddrinfo: exactly what the resolver answers.
    Resolver,
};

struct LookupQuery {
    LookupHost host_kind = LookupHost::Named;
    std::string_view host;     // Named: the name or IP; family Unix: the path
    std::string_view service;  // a port number or service name, as text
    // Instead of `service`: a port number the caller has already read.
    bool port_given = false;
    std::uint16_t port = 0;
    Family family = Family::Unspec;
    SocketType type = SocketType::Any;
    int protocol = 0;
    int flags = 0;  // kResolve* bits
    LookupMode mode = LookupMode::Endpoint;
};

// Fills *out (emptied first) with the answers, in the resolver's order.
ResolveError lookup(Os& os, const LookupQuery& query, std::vector<ResolvedAddress>* out);

// --- the same lookup in halves, for a caller that waits on its own loop ---

// What the resolver is asked for a query (copies: it outlives the query's
// strings).
struct ResolverQuestion {
    std::string host, service;
    bool has_host = false, has_service = false;
    ResolveHints hints;
    const char* host_arg() const { return has_host ? host.c_str() : nullptr; }
    const char* service_arg() const { return has_service ? service.c_str() : nullptr; }
};

// Answers `query` when it needs no resolver (returns true; *out and *error
// hold the result, as `lookup` gives it); else fills *question.
bool answer_or_ask(const LookupQuery& query, std::vector<ResolvedAddress>* out, ResolveError* error,
                   ResolverQuestion* question);
// The resolver's result for `query`, finished as `lookup` finishes it (the
// port, type and protocol of each answer). Reads neither query.host nor
// query.service, which may be gone by then.
ResolveError finish_lookup(const LookupQuery& query, ResolveError error, std::vector<ResolvedAddress>* out);

// The protocol an answer for `type` reports when none was asked for.
int default_protocol(SocketType type, Family family);

// `lookup` that gives up at `deadline` (an Os::now() time; kNoDeadline:
// none), for a caller that may block its OS thread: on a WaitStyle::Block
// kernel it waits in Os::wait on the lookup's descriptor. Sets *timed_out
// (and returns ResolveError::Failed) when the deadline came first; the
// lookup is then abandoned. An Os that answers at once answers in place.
ResolveError lookup_until(Os& os, const LookupQuery& query, double deadline, std::vector<ResolvedAddress>* out,
                          bool* timed_out);

// --- the `socket` module's form ---------------------------------------------

struct LookupRequest {
    std::string_view host;     // name, numeric IP, "*" (any interface) or empty
    std::string_view service;  // port number or service name
    Family family = Family::Unspec;
    SocketType type = SocketType::Stream;
    bool passive = false;      // for bind: "*" and an empty host mean "any"
};

// "unix:/path" names a unix socket; fills *path and returns true.
bool parse_unix_target(std::string_view text, std::string* path);

// The query a `socket` call's request asks (its host and service point
// into the request's strings).
LookupQuery address_query(const LookupRequest& request);
// The candidate addresses of `request.family` among a finished lookup's
// answers, each once (NotFound when none is left), or `error` as it is.
ResolveError collect_addresses(const LookupRequest& request, ResolveError error,
                               const std::vector<ResolvedAddress>& found, std::vector<Address>* out);

// `lookup_until` for a `socket` call: the candidate addresses of
// `request.family` (any family for Unspec), each once.
ResolveError lookup_addresses(Os& os, const LookupRequest& request, double deadline, std::vector<Address>* out,
                              bool* timed_out);
// The same with no deadline.
inline ResolveError lookup_addresses(Os& os, const LookupRequest& request, std::vector<Address>* out) {
    bool timed_out;
    return lookup_addresses(os, request, kNoDeadline, out, &timed_out);
}

}  // namespace lsock
