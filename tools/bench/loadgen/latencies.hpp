// Round-trip times of one run, kept whole (a few million at most) so that
// percentiles are exact rather than read off histogram buckets.
#pragma once

#include <cstdint>
#include <vector>

namespace bench {

class Latencies {
public:
    void reserve(std::size_t n) { samples_.reserve(n); }
    void add(std::uint64_t ns) { samples_.push_back(ns); }
    std::size_t count() const { return samples_.size(); }

    // The q-quantile (0 <= q <= 1) in microseconds; 0 with no samples.
    double quantile_us(double q);

private:
    std::vector<std::uint64_t> samples_;
};

}  // namespace bench
