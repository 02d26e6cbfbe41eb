// Bytes received but not yet handed to Lua, and the delimiter search of
// `readuntil`. Written once for every transport: the kernel, the simulated
// network and anything layered on them read into it the same way.
#pragma once

#include <cstddef>
#include <string_view>

namespace lsock {

class ReceiveBuffer {
public:
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);

    ReceiveBuffer() = default;
    ~ReceiveBuffer();
    ReceiveBuffer(const ReceiveBuffer&) = delete;
    ReceiveBuffer& operator=(const ReceiveBuffer&) = delete;

    std::size_t size() const { return end_ - begin_; }
    bool empty() const { return end_ == begin_; }
    const char* data() const { return storage_ + begin_; }
    std::string_view view() const { return {data(), size()}; }

    // Room for at least `min_free` more bytes at the end; returns where to
    // write. Compacts before it grows, so a buffer that is read as fast as
    // it fills stays small. Null when memory runs out.
    char* prepare(std::size_t min_free);
    std::size_t free_space() const { return capacity_ - end_; }
    // Marks `count` bytes written after prepare() as received.
    void commit(std::size_t count) { end_ += count; }
    // Drops `count` bytes from the front (they were handed out). A buffer
    // that this empties gives back its memory when it holds more than
    // kIdleCapacity: a connection that once read a large message must not
    // keep its peak for life (2,000 idle connections kept up to 128 KiB each).
    void consume(std::size_t count);
    static constexpr std::size_t kIdleCapacity = 64 * 1024;
    void clear() { begin_ = end_ = 0; }
    // Gives back memory above `keep` bytes of capacity when the buffer is empty.
    void shrink_if_idle(std::size_t keep);

    // Position of the first `pattern` at or after `from`, or npos.
    // Callers that wait for more data resume at `resume_point(pattern)`, so
    // a search never rescans what it already cleared, yet still finds a
    // pattern that spans the old end.
    // Linear in the bytes searched, whatever the pattern.
    std::size_t find(std::string_view pattern, std::size_t from = 0) const;
    // Bytes of false-start comparisons find() allows beyond the bytes it
    // has scanned before it hands the search to Boyer-Moore (std::boyer_moore_searcher).
    static constexpr std::size_t kFalseStartAllowance = 256;
    std::size_t resume_point(std::size_t pattern_size) const {
        return size() >= pattern_size ? size() - pattern_size + 1 : 0;
    }

private:
    char* storage_ = nullptr;
    std::size_t capacity_ = 0;
    std::size_t begin_ = 0;
    std::size_t end_ = 0;
};

}  // namespace lsock
