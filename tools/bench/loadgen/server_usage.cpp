#include "server_usage.hpp"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

namespace bench {
namespace {

// utime and stime are fields 14 and 15 of /proc/PID/stat. The command name
// (field 2) may hold spaces, so counting starts after its closing ')'.
bool read_cpu(int pid, double& seconds) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(in, line)) return false;
    auto close_paren = line.rfind(')');
    if (close_paren == std::string::npos) return false;
    std::istringstream fields(line.substr(close_paren + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int index = 3; fields >> field; ++index) {
        if (index == 14) utime = std::stoull(field);
        if (index == 15) { stime = std::stoull(field); break; }
    }
    seconds = static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
    return true;
}

bool read_rss(int pid, long& kb) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.compare(0, 6, "VmRSS:") == 0) {
            kb = std::stol(line.substr(6));
            return true;
        }
    }
    return false;
}

}  // namespace

ServerUsage sample_server(int pid) {
    ServerUsage usage;
    if (pid > 0) usage.ok = read_cpu(pid, usage.cpu_seconds) && read_rss(pid, usage.rss_kb);
    return usage;
}

}  // namespace bench
