// What the server process has used so far, read from /proc: CPU time
// (user + system, all threads) and resident memory. Sampled by the load
// generator itself at the edges of a measured window, so the window the
// CPU is charged to is exactly the one the requests are counted in.
#pragma once

namespace bench {

struct ServerUsage {
    bool ok = false;
    double cpu_seconds = 0;  // utime + stime from /proc/PID/stat
    long rss_kb = 0;         // VmRSS from /proc/PID/status
};

ServerUsage sample_server(int pid);

}  // namespace bench
