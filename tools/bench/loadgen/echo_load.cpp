// Closed-loop echo load on `conns` connections: every connection keeps one
// request in flight. Connecting is not measured; a warm-up follows, then
// the measured window, with the server's CPU sampled at both of its edges.
#include "clock.hpp"
#include "fleet.hpp"
#include "modes.hpp"
#include "result.hpp"
#include "window.hpp"

namespace bench {

int run_echo(const Options& o) {
    Fleet fleet(o);
    const std::uint64_t ramp_start = now_ns();
    fleet.connect_all(ramp_start + seconds_to_ns(o.ramp_timeout));
    const double ramp_seconds = ns_to_seconds(now_ns() - ramp_start);

    fleet.run(now_ns() + seconds_to_ns(o.warmup), false);
    const WindowEdge before = sample_edge(o.watch_pid);
    const std::uint64_t window_start = now_ns();
    fleet.run(window_start + seconds_to_ns(o.duration), true);
    const WindowEdge after = sample_edge(o.watch_pid);
    const double seconds = ns_to_seconds(now_ns() - window_start);

    const FleetCounters& k = fleet.counters();
    Result result;
    result.set("mode", "echo").set("conns", o.conns).set("message", o.message)
        .set("ramp_s", ramp_seconds).set("seconds", seconds)
        .set("established", k.established).set("requests", k.completed)
        .set("rps", static_cast<double>(k.completed) / seconds)
        .set("p50_us", fleet.latencies().quantile_us(0.50))
        .set("p99_us", fleet.latencies().quantile_us(0.99))
        .set("connect_failed", k.connect_failed).set("dropped", k.dropped)
        .set("corrupt", k.corrupt).set("starved", fleet.starved())
        .set("errors", k.connect_failed + k.dropped + k.corrupt);
    report_window(result, before, after, seconds);
    result.print();
    return k.established > 0 && k.corrupt == 0 ? 0 : 1;
}

}  // namespace bench
