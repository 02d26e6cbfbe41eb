// The byte stream every connection sends: byte N of a stream is a fixed
// pseudo-random function of N. Echoed bytes are checked with one memcmp
// against the same table, so the check costs the load generator little and
// catches lost, duplicated, reordered or crossed bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace bench {

class Pattern {
public:
    // A prime period, so 64 KiB writes never line up with the table.
    static constexpr std::size_t period = 65521;
    static constexpr std::size_t max_span = 65536;

    Pattern() : table_(period + max_span) {
        std::uint32_t x = 2463534242u;  // xorshift32: any fixed seed will do
        for (std::size_t i = 0; i < period; ++i) {
            x ^= x << 13; x ^= x >> 17; x ^= x << 5;
            table_[i] = static_cast<unsigned char>(x);
        }
        for (std::size_t i = 0; i < max_span; ++i) table_[period + i] = table_[i];
    }

    // Bytes [offset, offset + len) of the stream; len <= max_span.
    const unsigned char* at(std::uint64_t offset) const { return &table_[offset % period]; }

    bool matches(std::uint64_t offset, const unsigned char* data, std::size_t len) const {
        while (len > 0) {
            std::size_t piece = len < max_span ? len : max_span;
            if (std::memcmp(at(offset), data, piece) != 0) return false;
            offset += piece; data += piece; len -= piece;
        }
        return true;
    }

private:
    std::vector<unsigned char> table_;
};

}  // namespace bench
