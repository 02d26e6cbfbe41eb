// The simulated resolver: names the world knows (each host's name, plus any
// alias added), "localhost", and numeric literals. It fails as getaddrinfo
// fails: an unknown name is ResolveError::NotFound ("Name or service not
// known"). By default it answers at once; ResolverConfig gives lookups a
// latency in virtual time (sim/lookup.hpp), and a name can be made to fail.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "lsock/os.hpp"

namespace lsock::sim {

// How the world's resolver answers in virtual time.
struct ResolverConfig {
    double latency = 0;   // seconds from the question to the answer
    double jitter = 0;    // plus up to this much, drawn from the world's seed
    double timeout = 10;  // how long a lookup nobody answers takes to fail (glibc: 5 s x 2 tries)
    bool down = false;    // the resolver is cut off: every lookup times out
};

// A name that does not answer with addresses.
enum class NameFault {
    None,
    ServFail,  // the server answers SERVFAIL: "Temporary failure" after the latency
    Silent,    // no answer: "Temporary failure" after the timeout
};

class NameTable {
public:
    // Adds or replaces a name (case-insensitive, as DNS names are); a fault
    // the name had goes.
    void add(const std::string& name, std::vector<Address> addresses);
    // Makes lookups of `name` fail (its addresses go).
    void add_fault(const std::string& name, NameFault fault);
    // Whether looking `host` up asks the resolver: not for null (the any or
    // loopback address), a literal or "localhost", which are answered here.
    static bool asks_resolver(const char* host);
    // The fault of `host` (None for null, a literal or a name without one).
    NameFault fault_of(const char* host) const;
    bool known(const std::string& name) const;

    ResolveError resolve(const char* host, const char* service, const ResolveHints& hints,
                         std::vector<ResolvedAddress>* out) const;

    // glibc's gai_strerror texts.
    static std::string message(ResolveError error);

    ResolverConfig& config() { return config_; }
    const ResolverConfig& config() const { return config_; }

private:
    std::map<std::string, std::vector<Address>> names_;
    std::map<std::string, NameFault> faults_;
    ResolverConfig config_;
};

}  // namespace lsock::sim
