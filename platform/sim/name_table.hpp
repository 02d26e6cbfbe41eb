// The simulated resolver: names the world knows (each host's name, plus any
// alias added), "localhost", and numeric literals. It answers at once and
// fails as getaddrinfo fails: an unknown name is ResolveError::NotFound
// ("Name or service not known").
#pragma once

#include <map>
#include <string>
#include <vector>

#include "lsock/os.hpp"

namespace lsock::sim {

class NameTable {
public:
    // Adds or replaces a name (case-insensitive, as DNS names are).
    void add(const std::string& name, std::vector<Address> addresses);
    bool known(const std::string& name) const;

    ResolveError resolve(const char* host, const char* service, const ResolveHints& hints,
                         std::vector<ResolvedAddress>* out) const;

    // glibc's gai_strerror texts.
    static std::string message(ResolveError error);

private:
    std::map<std::string, std::vector<Address>> names_;
};

}  // namespace lsock::sim
