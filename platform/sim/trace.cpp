#include "sim/trace.hpp"

#include <cstdio>

namespace lsock::sim {

void Trace::record(double time, const char* kind, const std::string& host, const std::string& detail) {
    // Nine decimals keep every distinct virtual time distinct in the text, so
    // the hash sees timing differences, not only differences of order.
    char stamp[40];
    std::snprintf(stamp, sizeof stamp, "%.9f ", time);
    std::string line = stamp;
    line += kind;
    line += ' ';
    line += host;
    if (!detail.empty()) {
        line += ' ';
        line += detail;
    }
    for (unsigned char c : line) hash_ = (hash_ ^ c) * 0x100000001b3ull;
    hash_ = (hash_ ^ '\n') * 0x100000001b3ull;
    ++count_;
    if (listener_) listener_(listener_context_, line);
    if (limit_ == 0) return;
    lines_.push_back(std::move(line));
    while (lines_.size() > limit_) lines_.pop_front();
}

void Trace::set_limit(std::size_t lines) {
    limit_ = lines;
    while (lines_.size() > limit_) lines_.pop_front();
}

std::string Trace::text() const {
    std::string all;
    for (const auto& line : lines_) {
        all += line;
        all += '\n';
    }
    return all;
}

}  // namespace lsock::sim
