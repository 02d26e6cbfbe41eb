#include "sim/link.hpp"

#include <algorithm>

namespace lsock::sim {

Links::Links() {
    // Distinct hosts are a LAN apart unless told otherwise; a loopback is
    // immediate (delivery still waits for the event loop, as on a kernel).
    default_.latency = 0.0005;
    loopback_default_.latency = 0;
}

void Links::set(HostId from, HostId to, const LinkConfig& config) { configs_[{from, to}] = config; }

const LinkConfig& Links::get(HostId from, HostId to) const {
    auto it = configs_.find({from, to});
    if (it != configs_.end()) return it->second;
    return from == to ? loopback_default_ : default_;
}

LinkFate Links::send(HostId from, HostId to, double now, std::size_t bytes, Random& random) {
    LinkFate fate;
    if (blocked(from, to)) {
        fate.drop_reason = "partition";
        return fate;
    }
    const LinkConfig& link = get(from, to);
    // The transmitter serializes packets one after another; a lost packet
    // still took its time on the wire.
    double sent = now;
    if (link.bandwidth > 0) {
        double& busy = busy_until_[{from, to}];
        double start = std::max(now, busy);
        busy = start + double(bytes) / link.bandwidth;
        sent = busy;
    }
    if (random.chance(link.loss)) {
        fate.drop_reason = "loss";
        return fate;
    }
    auto delay = [&] {
        double d = link.latency;
        if (link.jitter > 0) d += random.uniform() * link.jitter;
        return d;
    };
    double arrival = sent + delay();
    if (random.chance(link.reorder)) {
        arrival += random.uniform() * link.reorder_delay;
        fate.reordered = true;
    }
    fate.arrivals[fate.arrival_count++] = arrival;
    if (random.chance(link.duplicate)) fate.arrivals[fate.arrival_count++] = sent + delay();
    return fate;
}

}  // namespace lsock::sim
