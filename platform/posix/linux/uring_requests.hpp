// How UringPoller names its requests in the ring (user_data), shared by
// its two files.
#pragma once

#include <cstdint>

#include "lsock/os.hpp"

namespace lsock::posix::uring_requests {

// Requests of the poller itself, told from a descriptor's (whose user_data
// has the top bit clear: a 31-bit request number above a 32-bit descriptor).
constexpr std::uint64_t kDoorbell = ~std::uint64_t(0);
constexpr std::uint64_t kIgnored = ~std::uint64_t(0) - 1;  // removals' own completions
constexpr std::uint32_t kLastRequest = (std::uint32_t(1) << 31) - 1;

inline std::uint64_t user_data_of(Fd fd, std::uint32_t request) {
    return (std::uint64_t(request) << 32) | std::uint32_t(fd);
}

}  // namespace lsock::posix::uring_requests
