// The one reading of CLOCK_MONOTONIC in platform/posix, and the one
// conversion of a deadline on it into poll(2)/epoll_wait(2)'s milliseconds:
// `PosixOs::now`, `PosixOs::wait` and every poller share them, so a deadline
// a script set through `Os::now` means the same instant to each of them.
#pragma once

#include <cmath>
#include <ctime>

#include "lsock/os.hpp"

namespace lsock {
namespace posix {

inline double monotonic_now() {
    timespec ts;
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

// Milliseconds to wait for `deadline`: -1 forever, 0 for a past one, and
// rounded up, so a wait never ends before its deadline by less than a
// millisecond (callers would spin on a zero timeout until it passes).
inline int timeout_ms(double deadline) {
    if (deadline == kNoDeadline) return -1;
    double left = deadline - monotonic_now();
    if (left <= 0) return 0;
    return left > 2e6 ? 2000000000 : int(std::ceil(left * 1000));
}

}  // namespace posix
}  // namespace lsock
