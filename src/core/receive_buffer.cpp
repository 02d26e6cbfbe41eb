#include "core/receive_buffer.hpp"

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <new>
#include <string_view>
#include <cstring>

namespace lsock {

namespace {

// The first `pattern` in [from, end), or end. Boyer-Moore needs tables (a
// few hundred bytes); without memory for them, the plain search is still
// right, only slower on pathological input.
const char* linear_search(const char* from, const char* end, std::string_view pattern) {
    try {
        return std::search(from, end, std::boyer_moore_searcher<std::string_view::const_iterator>(pattern.begin(), pattern.end()));
    } catch (const std::bad_alloc&) {
        return std::search(from, end, pattern.begin(), pattern.end());
    }
}

}  // namespace


ReceiveBuffer::~ReceiveBuffer() { std::free(storage_); }

char* ReceiveBuffer::prepare(std::size_t min_free) {
    if (storage_ && capacity_ - end_ >= min_free) return storage_ + end_;
    std::size_t used = size();
    // Slide the live bytes to the front when that alone makes the room and
    // the move is small next to what the caller is about to receive.
    if (begin_ > 0 && capacity_ - used >= min_free) {
        std::memmove(storage_, storage_ + begin_, used);
        begin_ = 0;
        end_ = used;
        return storage_ + end_;
    }
    std::size_t wanted = used + min_free;
    std::size_t capacity = capacity_ ? capacity_ : 4096;
    while (capacity < wanted) capacity *= 2;
    char* grown = static_cast<char*>(std::malloc(capacity));
    if (!grown) return nullptr;  // the caller reports ENOMEM; no exception may reach Lua
    if (used) std::memcpy(grown, storage_ + begin_, used);
    std::free(storage_);
    storage_ = grown;
    capacity_ = capacity;
    begin_ = 0;
    end_ = used;
    return storage_ + end_;
}

void ReceiveBuffer::consume(std::size_t count) {
    begin_ += count < size() ? count : size();
    if (begin_ != end_) return;
    begin_ = end_ = 0;
    shrink_if_idle(kIdleCapacity);
}

void ReceiveBuffer::shrink_if_idle(std::size_t keep) {
    if (!empty() || capacity_ <= keep) return;
    std::free(storage_);
    storage_ = nullptr;
    capacity_ = begin_ = end_ = 0;
}

std::size_t ReceiveBuffer::find(std::string_view pattern, std::size_t from) const {
    if (pattern.empty()) return from <= size() ? from : npos;
    if (from >= size() || size() - from < pattern.size()) return npos;
    const char* const base = data();
    const char* const start = base + from;
    const char* const last = base + size() - pattern.size();  // the last place a match can start
    const char first = pattern[0];
    const std::size_t rest = pattern.size() - 1;
    // memchr (vectorised) for the first byte, then compare the rest: a
    // delimiter such as "\r\n" in text is found at memory speed. A pattern
    // whose first byte keeps matching ("aab" in "aaaa...") would make that
    // quadratic, so once the false starts cost more than the bytes they
    // skipped, the rest of the search is Boyer-Moore's (linear for a first
    // match, and correct for repeated prefixes; memmem is not POSIX).
    std::size_t compared = 0;
    for (const char* at = start; at <= last;) {
        at = static_cast<const char*>(std::memchr(at, first, std::size_t(last - at) + 1));
        if (!at) return npos;
        if (rest == 0 || (at[1] == pattern[1] && (rest == 1 || std::memcmp(at + 2, pattern.data() + 2, rest - 1) == 0)))
            return std::size_t(at - base);
        ++at;
        compared += rest;
        if (compared > std::size_t(at - start) + kFalseStartAllowance) {
            const char* end = base + size();
            const char* hit = linear_search(at, end, pattern);
            return hit == end ? npos : std::size_t(hit - base);
        }
    }
    return npos;
}

}  // namespace lsock
