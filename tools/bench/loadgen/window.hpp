// The edges of a measured window: the server's CPU time, and the load
// generator's own. The second tells whether a row measured the server or
// the load generator: a load generator busy for the whole window was the
// bottleneck, and the report says so.
#pragma once

#include "result.hpp"
#include "server_usage.hpp"

namespace bench {

struct WindowEdge {
    ServerUsage server;
    double own_cpu_seconds = 0;
};

WindowEdge sample_edge(int server_pid);

// Adds cpu_s (server) and loadgen_busy (our CPU / wall seconds) to result.
void report_window(Result& result, const WindowEdge& start, const WindowEdge& end, double seconds);

}  // namespace bench
