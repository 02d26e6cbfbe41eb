// Memory per idle connection: the server's resident set before any client
// connects, and again once every connection has made one round trip (so the
// server has set up whatever it keeps per connection) and has sat idle for
// a moment.
#include <ctime>

#include "clock.hpp"
#include "fleet.hpp"
#include "modes.hpp"
#include "result.hpp"
#include "server_usage.hpp"

namespace bench {
namespace {

void sleep_seconds(double s) {
    timespec ts{};
    ts.tv_sec = static_cast<time_t>(s);
    ts.tv_nsec = static_cast<long>((s - static_cast<double>(ts.tv_sec)) * 1e9);
    nanosleep(&ts, nullptr);
}

}  // namespace

int run_idle(const Options& o) {
    const ServerUsage before = sample_server(o.watch_pid);
    Fleet fleet(o);
    fleet.connect_all(now_ns() + seconds_to_ns(o.ramp_timeout));
    sleep_seconds(o.settle);
    const ServerUsage after = sample_server(o.watch_pid);

    const FleetCounters& k = fleet.counters();
    Result result;
    result.set("mode", "idle").set("conns", o.conns).set("established", k.established)
        .set("errors", k.connect_failed + k.dropped + k.corrupt);
    if (before.ok && after.ok) {
        long delta_kb = after.rss_kb - before.rss_kb;
        result.set("rss_before_kb", before.rss_kb).set("rss_after_kb", after.rss_kb);
        if (k.established > 0)
            result.set("bytes_per_conn", static_cast<double>(delta_kb) * 1024.0 / static_cast<double>(k.established));
    }
    result.print();
    return k.established == static_cast<std::uint64_t>(o.conns) ? 0 : 1;
}

}  // namespace bench
