#pragma once

#include <cstdint>

namespace lsock::sim {

// A multiply-xorshift fold of one 64-bit word into a hash: what the trace
// hash and the connection table's hash are built from (fast, and the same
// on every machine).
inline std::uint64_t fold_number(std::uint64_t hash, std::uint64_t number) {
    hash = (hash ^ number) * 0x9e3779b97f4a7c15ull;
    return hash ^ (hash >> 29);
}

}  // namespace lsock::sim
