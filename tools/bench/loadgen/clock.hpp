// The monotonic clock, in nanoseconds and seconds. Wall-clock time would
// make a measured window jump when NTP adjusts it.
#pragma once

#include <cstdint>
#include <ctime>

namespace bench {

inline std::uint64_t now_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

inline std::uint64_t seconds_to_ns(double s) { return static_cast<std::uint64_t>(s * 1e9); }

inline double ns_to_seconds(std::uint64_t ns) { return static_cast<double>(ns) / 1e9; }

}  // namespace bench
