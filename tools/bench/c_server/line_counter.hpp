// Counts CRLF-terminated lines in a stream that arrives in pieces, with
// memchr: the fastest line splitting there is, the limit for the
// readuntil row. Payload bytes exclude the CRLF, as a line reader returns.
#pragma once

#include <cstdint>
#include <cstring>

namespace cbench {

class LineCounter {
public:
    void feed(const char* data, std::size_t len) {
        total_ += len;
        const char* end = data + len;
        while (const char* lf = static_cast<const char*>(std::memchr(data, '\n', static_cast<std::size_t>(end - data)))) {
            ++lines_;
            data = lf + 1;
        }
    }
    std::uint64_t lines() const { return lines_; }
    // Every line the load generator sends ends in CRLF, so the payload is
    // what is left after two bytes per line.
    std::uint64_t payload() const { return total_ - 2 * lines_; }

private:
    std::uint64_t lines_ = 0;
    std::uint64_t total_ = 0;
};

}  // namespace cbench
