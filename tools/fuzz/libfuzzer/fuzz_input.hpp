// The fuzzer's bytes read as a stream of small decisions. Past the end every
// read gives zeros, so any input is a complete program for a target.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace lsock::fuzz {

class FuzzInput {
public:
    FuzzInput(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

    bool empty() const { return at_ >= size_; }
    std::size_t left() const { return empty() ? 0 : size_ - at_; }

    std::uint8_t byte() { return empty() ? 0 : data_[at_++]; }
    std::uint16_t u16() { return std::uint16_t(byte() | byte() << 8); }
    std::uint32_t u32() { return std::uint32_t(u16()) | std::uint32_t(u16()) << 16; }
    std::uint64_t u64() { return std::uint64_t(u32()) | std::uint64_t(u32()) << 32; }
    // A number in [0, bound), bound > 0.
    std::size_t below(std::size_t bound) { return u16() % bound; }
    // Up to `count` bytes, fewer at the end of the input.
    std::string bytes(std::size_t count) {
        std::size_t n = count < left() ? count : left();
        std::string out(reinterpret_cast<const char*>(data_ + at_), n);
        at_ += n;
        return out;
    }
    // The rest of the input.
    std::string rest() { return bytes(left()); }

private:
    const std::uint8_t* data_;
    std::size_t size_;
    std::size_t at_ = 0;
};

}  // namespace lsock::fuzz
