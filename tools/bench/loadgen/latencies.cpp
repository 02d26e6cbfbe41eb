#include "latencies.hpp"

#include <algorithm>

namespace bench {

double Latencies::quantile_us(double q) {
    if (samples_.empty()) return 0;
    auto rank = static_cast<std::size_t>(q * static_cast<double>(samples_.size() - 1));
    std::nth_element(samples_.begin(), samples_.begin() + static_cast<std::ptrdiff_t>(rank), samples_.end());
    return static_cast<double>(samples_[rank]) / 1000.0;
}

}  // namespace bench
