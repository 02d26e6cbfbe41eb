// From what Lua passes (host, port) to the addresses a call should try.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "lsock/os.hpp"

namespace lsock {

struct LookupRequest {
    std::string_view host;     // name, numeric IP, "*" (any interface) or empty
    std::string_view service;  // port number or service name
    Family family = Family::Unspec;
    SocketType type = SocketType::Stream;
    bool passive = false;      // for bind: "*" and an empty host mean "any"
};

// "unix:/path" names a unix socket; fills *path and returns true.
bool parse_unix_target(std::string_view text, std::string* path);

// Numeric hosts and "*" are answered here, without a resolver round trip;
// names go to the Os. Candidates come in the resolver's order.
ResolveError lookup_addresses(Os& os, const LookupRequest& request, std::vector<Address>* out);

}  // namespace lsock
