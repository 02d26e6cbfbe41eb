// A growable ring of bytes: the send and receive buffers of stream sockets.
//
// TCP needs to copy bytes at an offset (a retransmission resends from the
// oldest unacknowledged byte) without consuming them, and to drop bytes from
// the front once they are acknowledged; a ring does both without moving data.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace lsock::sim {

class ByteQueue {
public:
    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }

    void append(const void* data, std::size_t n);
    // Copies up to n bytes from the front into out and drops them.
    std::size_t read(void* out, std::size_t n);
    // Appends n bytes starting at offset to *out, leaving the queue as it is.
    void copy_out(std::size_t offset, std::size_t n, std::string* out) const;
    void consume(std::size_t n);
    void clear();

private:
    // A small first ring, doubled as needed: a simulated world holds four
    // rings per connection, and an interactive one (the head returns to the
    // start whenever the queue empties) only ever touches its first bytes.
    // 4 KiB rings were a page each to fault in, a third of the page faults
    // of 1,000 echo connections.
    static constexpr std::size_t kFirstCapacity = 256;
    void grow(std::size_t needed);

    std::vector<char> ring_;
    std::size_t head_ = 0;
    std::size_t size_ = 0;
};

}  // namespace lsock::sim
