// Links between hosts: the faults a packet meets on its way.
//
// A link is one direction between two hosts (a host's link to itself is its
// loopback). Each direction has its own settings and its own transmitter, so
// a slow uplink and a fast downlink, or a one-way partition, are expressible.
#pragma once

#include <cstddef>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "sim/random.hpp"

namespace lsock::sim {

using HostId = int;

struct LinkConfig {
    double latency = 0;        // one-way propagation delay, seconds
    double jitter = 0;         // extra delay, uniform in [0, jitter)
    double bandwidth = 0;      // bytes per second; 0 = unlimited (no serialization delay)
    double loss = 0;           // probability that a packet is dropped
    double duplicate = 0;      // probability that a packet arrives twice
    double reorder = 0;        // probability that a packet is held back ...
    double reorder_delay = 0.01;  // ... by up to this many extra seconds, so later ones pass it
};

// What happened to one packet put on a link.
struct LinkFate {
    // When the copies arrive: none when dropped, two when duplicated. A
    // fixed array: a fate is decided for every packet, so no allocation.
    double arrivals[2] = {0, 0};
    int arrival_count = 0;
    const char* drop_reason = nullptr;  // "loss" or "partition" when dropped
    bool reordered = false;
};

class Links {
public:
    Links();

    void set(HostId from, HostId to, const LinkConfig& config);
    const LinkConfig& get(HostId from, HostId to) const;
    // Settings for pairs never set: between hosts, and of each host's loopback.
    void set_default(const LinkConfig& config) { default_ = config; }
    void set_loopback_default(const LinkConfig& config) { loopback_default_ = config; }

    void block(HostId from, HostId to) { blocked_.insert({from, to}); }
    void unblock(HostId from, HostId to) { blocked_.erase({from, to}); }
    void unblock_all() { blocked_.clear(); }
    bool blocked(HostId from, HostId to) const { return blocked_.count({from, to}) != 0; }

    // Decides when (and whether) a packet of `bytes` sent now arrives. Draws
    // from `random` in a fixed order: loss, jitter, reorder, duplicate.
    LinkFate send(HostId from, HostId to, double now, std::size_t bytes, Random& random);

private:
    using Pair = std::pair<HostId, HostId>;
    LinkConfig default_;
    LinkConfig loopback_default_;
    std::map<Pair, LinkConfig> configs_;
    std::set<Pair> blocked_;
    // When each direction's transmitter is free again (bandwidth model).
    std::map<Pair, double> busy_until_;
};

}  // namespace lsock::sim
