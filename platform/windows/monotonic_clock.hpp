// The one reading of QueryPerformanceCounter in platform/windows, and the
// one conversion of a deadline on it into the milliseconds of Win32 waits:
// `WindowsOs::now` and the IOCP poller share them, so a deadline a script
// set through `Os::now` means the same instant to both (as
// platform/posix/monotonic_clock.hpp does for POSIX).
#pragma once

#include <winsock2.h>
#include <windows.h>

#include <cmath>

#include "lsock/os.hpp"

namespace lsock {
namespace windows {

inline double monotonic_now() {
    // The counter's frequency is fixed at boot: read once.
    static const double ticks_per_second = [] {
        LARGE_INTEGER frequency;
        ::QueryPerformanceFrequency(&frequency);
        return double(frequency.QuadPart);
    }();
    LARGE_INTEGER counter;
    ::QueryPerformanceCounter(&counter);
    return double(counter.QuadPart) / ticks_per_second;
}

// Milliseconds to wait for `deadline`: INFINITE forever, 0 for a past one,
// and rounded up, so a wait never ends before its deadline by less than a
// millisecond (callers would spin on a zero timeout until it passes).
inline DWORD timeout_ms(double deadline) {
    if (deadline == kNoDeadline) return INFINITE;
    double left = deadline - monotonic_now();
    if (left <= 0) return 0;
    return left > 2e6 ? DWORD(2000000000) : DWORD(std::ceil(left * 1000));
}

}  // namespace windows
}  // namespace lsock
