#include "window.hpp"

#include <sys/resource.h>

namespace bench {
namespace {

double own_cpu_seconds() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    auto seconds = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6; };
    return seconds(ru.ru_utime) + seconds(ru.ru_stime);
}

}  // namespace

WindowEdge sample_edge(int server_pid) {
    WindowEdge edge;
    edge.server = sample_server(server_pid);
    edge.own_cpu_seconds = own_cpu_seconds();
    return edge;
}

void report_window(Result& result, const WindowEdge& start, const WindowEdge& end, double seconds) {
    if (start.server.ok && end.server.ok) result.set("cpu_s", end.server.cpu_seconds - start.server.cpu_seconds);
    if (seconds > 0) result.set("loadgen_busy", (end.own_cpu_seconds - start.own_cpu_seconds) / seconds);
}

}  // namespace bench
