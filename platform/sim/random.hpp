// The world's one random source: xoshiro256** seeded through splitmix64.
//
// Written out here instead of using <random> distributions because those may
// give different numbers on another standard library, and a seed must name the
// same run everywhere. Every random choice of the simulation (loss, jitter,
// initial sequence numbers, ephemeral ports) draws from one instance, in event
// order, so the seed fixes the whole run.
#pragma once

#include <cstdint>

namespace lsock::sim {

class Random {
public:
    explicit Random(std::uint64_t seed) { reseed(seed); }

    void reseed(std::uint64_t seed) {
        std::uint64_t x = seed;
        for (auto& word : state_) word = splitmix64(&x);
    }

    std::uint64_t next() {
        const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
        const std::uint64_t t = state_[1] << 17;
        state_[2] ^= state_[0];
        state_[3] ^= state_[1];
        state_[1] ^= state_[2];
        state_[0] ^= state_[3];
        state_[2] ^= t;
        state_[3] = rotl(state_[3], 45);
        return result;
    }

    // Uniform in [0, 1), from the top 53 bits.
    double uniform() { return double(next() >> 11) * 0x1.0p-53; }

    // True with probability p. Certain outcomes draw nothing, so a link with
    // no faults leaves the stream of numbers (and so the run) unchanged.
    bool chance(double p) {
        if (p <= 0) return false;
        if (p >= 1) return true;
        return uniform() < p;
    }

    // Uniform in [0, n); the modulo bias is irrelevant for n far below 2^64.
    std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : next() % n; }

private:
    static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    static std::uint64_t splitmix64(std::uint64_t* x) {
        std::uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }

    std::uint64_t state_[4];
};

}  // namespace lsock::sim
