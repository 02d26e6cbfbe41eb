#include "sim/byte_queue.hpp"

#include <algorithm>
#include <cstring>

namespace lsock::sim {

void ByteQueue::grow(std::size_t needed) {
    std::size_t capacity = std::max<std::size_t>(ring_.size() * 2, kFirstCapacity);
    while (capacity < needed) capacity *= 2;
    std::vector<char> bigger(capacity);
    std::string flat;
    copy_out(0, size_, &flat);
    if (!flat.empty()) std::memcpy(bigger.data(), flat.data(), flat.size());
    ring_.swap(bigger);
    head_ = 0;
}

void ByteQueue::append(const void* data, std::size_t n) {
    if (n == 0) return;
    if (size_ + n > ring_.size()) grow(size_ + n);
    const char* bytes = static_cast<const char*>(data);
    std::size_t tail = (head_ + size_) % ring_.size();
    std::size_t first = std::min(n, ring_.size() - tail);
    std::memcpy(ring_.data() + tail, bytes, first);
    if (first < n) std::memcpy(ring_.data(), bytes + first, n - first);
    size_ += n;
}

void ByteQueue::copy_out(std::size_t offset, std::size_t n, std::string* out) const {
    if (offset >= size_) return;
    n = std::min(n, size_ - offset);
    if (n == 0) return;
    std::size_t start = (head_ + offset) % ring_.size();
    std::size_t first = std::min(n, ring_.size() - start);
    out->append(ring_.data() + start, first);
    if (first < n) out->append(ring_.data(), n - first);
}

std::size_t ByteQueue::read(void* out, std::size_t n) {
    n = std::min(n, size_);
    if (n == 0) return 0;
    char* bytes = static_cast<char*>(out);
    std::size_t first = std::min(n, ring_.size() - head_);
    std::memcpy(bytes, ring_.data() + head_, first);
    if (first < n) std::memcpy(bytes + first, ring_.data(), n - first);
    consume(n);
    return n;
}

void ByteQueue::consume(std::size_t n) {
    n = std::min(n, size_);
    if (n == 0) return;
    head_ = (head_ + n) % ring_.size();
    size_ -= n;
    if (size_ == 0) head_ = 0;
}

void ByteQueue::clear() {
    head_ = 0;
    size_ = 0;
}

}  // namespace lsock::sim
