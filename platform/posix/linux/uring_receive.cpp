// UringPoller's receives through the ring (uring_poller.hpp says how they
// meet PosixOs::receive; docs/design.md, "io_uring", why).
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>
#include <string>

#include "posix/linux/kernel_release.hpp"
#include "posix/linux/uring_poller.hpp"
#include "posix/linux/uring_requests.hpp"
#include "posix/monotonic_clock.hpp"

namespace lsock::posix {

using namespace uring_requests;

namespace {

// One provided buffer ring per loop: kBuffers buffers of kBufferSize bytes
// (4 MiB of address space, touched as the kernel fills it). Where the kernel
// consumes them incrementally (Linux 6.12), a receive takes only the bytes
// it brings, so that 64-byte requests on 10,000 connections fill some 160
// buffers in a turn. Elsewhere a completion takes a whole buffer however few
// bytes it brings, and the count bounds how many receives can wait unread
// in one turn (past it, ENOBUFS sends the sockets back to readiness).
constexpr unsigned kBuffers = 1024;
constexpr std::size_t kBufferSize = 4096;
constexpr int kBufferGroup = 1;
// A socket holding this many unread completions stops receiving into the
// ring, so that a peer that sends faster than its reader reads meets the
// kernel's flow control (its receive window) instead of taking every buffer
// of the loop; `receive` reads the kernel, then arms again, once they are taken.
constexpr std::size_t kMostChunks = 16;

constexpr std::uint32_t kFullMask = POLLIN | POLLOUT | POLLRDHUP;

// Incremental consumption (Linux 6.12), which liburing 2.3's headers
// predate: the registration's flag, and the completion's mark that the
// kernel goes on filling the buffer.
constexpr std::uint16_t kIncrementalRing = 2;  // IOU_PBUF_RING_INC
constexpr std::uint32_t kBufferMore = 1u << 4;  // IORING_CQE_F_BUF_MORE

// Multishot receives came in Linux 6.0 (provided buffer rings in 5.19).
bool kernel_has_multishot_receive() { return linux_release_at_least(6, 0); }

}  // namespace

void UringPoller::reset_on_close(Fd fd) {
    linger reset{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
}

std::uint32_t UringPoller::claimed_mask(Fd fd) const {
    bool claimed = std::size_t(fd) < streams_.size() && streams_[fd].claimed;
    return claimed ? std::uint32_t(POLLOUT) : kFullMask;
}

bool UringPoller::start_receives() {
    if (receives_) return receives_ > 0;
    receives_ = -1;
    if (!kernel_has_multishot_receive()) return false;
    std::size_t ring_bytes = kBuffers * sizeof(io_uring_buf);
    std::size_t area = ring_bytes + kBuffers * kBufferSize;
    void* memory = ::mmap(nullptr, area, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) return false;
    try {
        buffer_uses_.assign(kBuffers, BufferUse{});
    } catch (const std::bad_alloc&) {
        ::munmap(memory, area);
        return false;
    }
    io_uring_buf_reg registration{};
    registration.ring_addr = reinterpret_cast<std::uintptr_t>(memory);
    registration.ring_entries = kBuffers;
    registration.bgid = kBufferGroup;
    // Incremental where the kernel has it (older ones refuse the flag).
    registration.pad = kIncrementalRing;
    incremental_ = io_uring_register_buf_ring(&ring_, &registration, 0) == 0;
    registration.pad = 0;
    if (!incremental_ && io_uring_register_buf_ring(&ring_, &registration, 0) != 0) {
        ::munmap(memory, area);
        return false;
    }
    buffer_area_ = area;
    buffer_ring_ = static_cast<io_uring_buf_ring*>(memory);
    buffers_ = static_cast<char*>(memory) + ring_bytes;
    io_uring_buf_ring_init(buffer_ring_);
    for (unsigned i = 0; i < kBuffers; ++i) {
        io_uring_buf_ring_add(buffer_ring_, buffers_ + i * kBufferSize, kBufferSize, std::uint16_t(i),
                              io_uring_buf_ring_mask(kBuffers), int(i));
    }
    io_uring_buf_ring_advance(buffer_ring_, kBuffers);
    receives_ = 1;
    return true;
}

void UringPoller::stop_receives() {
    if (buffer_area_) ::munmap(buffer_ring_, buffer_area_);
    buffer_area_ = 0;
    buffer_ring_ = nullptr;
    buffers_ = nullptr;
    buffer_uses_.clear();
}

UringPoller::Chunk UringPoller::take_buffer(const io_uring_cqe& cqe) {
    auto buffer = std::uint16_t(cqe.flags >> IORING_CQE_BUFFER_SHIFT);
    BufferUse& use = buffer_uses_[buffer];
    Chunk chunk{buffer, use.filled, std::uint32_t(cqe.res > 0 ? cqe.res : 0), 0};
    // Consumed incrementally, the buffer's next receive starts where this one ended.
    if (incremental_) use.filled += chunk.length;
    use.kernel_holds = incremental_ && (cqe.flags & kBufferMore) != 0;
    ++use.unread;
    return chunk;
}

void UringPoller::release(std::uint16_t buffer) {
    BufferUse& use = buffer_uses_[buffer];
    if (--use.unread == 0 && !use.kernel_holds) give_back(buffer);
}

void UringPoller::release_unread(const Stream& stream) {
    for (std::size_t i = stream.first; i < stream.chunks.size(); ++i) release(stream.chunks[i].buffer);
}

const char* UringPoller::bytes_of(const Chunk& chunk) const {
    return buffers_ + std::size_t(chunk.buffer) * kBufferSize + chunk.offset + chunk.taken;
}

void UringPoller::give_back(std::uint16_t buffer) {
    buffer_uses_[buffer] = BufferUse{};
    io_uring_buf_ring_add(buffer_ring_, buffers_ + std::size_t(buffer) * kBufferSize, kBufferSize, buffer,
                          io_uring_buf_ring_mask(kBuffers), 0);
    io_uring_buf_ring_advance(buffer_ring_, 1);
}

void UringPoller::replace_poll(Fd fd, std::uint32_t mask) {
    Slot& slot = slots_[fd];
    if (!slot.request || slot.mask == mask) return;
    cancel(user_data_of(fd, slot.request));
    slot.mask = mask;
    slot.request = new_request();
    if (arm(fd, slot) != 0) slot = Slot{};
}

bool UringPoller::arm_receive(Fd fd, Stream& stream) {
    if (!start_receives()) return false;
    io_uring_sqe* sqe = next_sqe();
    if (!sqe) return false;
    io_uring_prep_recv_multishot(sqe, fd, nullptr, 0, 0);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = kBufferGroup;
    stream.request = new_request();
    stream.stopping = false;
    io_uring_sqe_set_data64(sqe, user_data_of(fd, stream.request));
    if (!stream.claimed) {
        // The recv reports data, the end and errors; the poll is left
        // with room to send, so that an arriving request wakes once.
        stream.claimed = true;
        replace_poll(fd, claimed_mask(fd));
    }
    return true;
}

void UringPoller::stop_receive(Fd fd, Stream& stream) {
    if (!stream.request || stream.stopping) return;
    cancel(user_data_of(fd, stream.request));
    stream.stopping = true;
}

void UringPoller::complete_receive(Fd fd, Stream& stream, const io_uring_cqe& cqe, std::vector<PollerEvent>* out) {
    bool more = (cqe.flags & IORING_CQE_F_MORE) != 0;
    unsigned events = 0;
    if (cqe.res > 0 && (cqe.flags & IORING_CQE_F_BUFFER)) {
        Chunk chunk = take_buffer(cqe);
        try {
            stream.chunks.push_back(chunk);
        } catch (const std::bad_alloc&) {
            // The bytes are lost: the connection cannot go on, say so.
            release(chunk.buffer);
            stream.end = ENOMEM;
            stop_receive(fd, stream);
        }
        events = kReadable;
        if (more && stream.chunks.size() - stream.first >= kMostChunks) stop_receive(fd, stream);
    } else if (cqe.res == 0) {
        stream.end = ring_streams::kEndOfStream;
        events = kReadable | kHangup;
    } else if (cqe.res == -ENOBUFS) {
        // Every buffer waits unread somewhere: back to readiness, which
        // reports this socket's data, until a receive finds the kernel empty.
        stream.claimed = false;
        replace_poll(fd, claimed_mask(fd));
    } else if (cqe.res < 0 && cqe.res != -ECANCELED) {
        stream.end = -cqe.res;
        events = kReadable | kFailed;
    }
    if (!more) {
        bool ended_by_kernel = cqe.res > 0 && !stream.stopping && !stream.end;
        stream.request = 0;
        stream.stopping = false;
        // A recv the kernel ended with bytes (its completion queue was
        // full) is armed again at once: reading the kernel first would cost
        // a recv(2) per socket, on every socket, whenever a turn's
        // completions overflow the queue.
        // Otherwise whoever waits tries again: with no recv in the ring,
        // `receive` reads the kernel.
        if (!(ended_by_kernel && arm_receive(fd, stream))) events |= kReadable;
    }
    if (events && stream.tag) {
        try {
            out->push_back(PollerEvent{stream.tag, events});
        } catch (const std::bad_alloc&) {
            // Lost: the waiters' deadline still ends their wait.
        }
    }
}

std::size_t UringPoller::take_chunks(Stream& stream, char* out, std::size_t size) {
    std::size_t copied = 0;
    while (copied < size && stream.first < stream.chunks.size()) {
        Chunk& chunk = stream.chunks[stream.first];
        std::size_t count = std::min(size - copied, std::size_t(chunk.length - chunk.taken));
        std::memcpy(out + copied, bytes_of(chunk), count);
        chunk.taken += std::uint32_t(count);
        copied += count;
        if (chunk.taken == chunk.length) {
            release(chunk.buffer);
            ++stream.first;
        }
    }
    if (stream.first == stream.chunks.size()) {
        stream.chunks.clear();
        stream.first = 0;
    }
    return copied;
}

IoResult UringPoller::receive(Fd fd, void* buffer, std::size_t size) {
    Stream& stream = streams_[fd];
    char* out = static_cast<char*>(buffer);
    std::size_t copied = take_chunks(stream, out, size);
    if (copied == size) return {copied, 0};
    // A short read promises the caller that the ring will report more.
    if (stream.request) return copied ? IoResult{copied, 0} : IoResult{0, EAGAIN};
    if (stream.end) {
        if (copied) return {copied, 0};
        int end = stream.end;
        if (end == ring_streams::kEndOfStream) return {0, 0};
        stream.end = ring_streams::kEndOfStream;  // reported once, as the kernel does
        return {0, end};
    }
    // No recv in the ring: what it did not read is still in the kernel.
    // (A stream let go of while it sends arms none: it is nobody's to watch.)
    ssize_t n = ::recv(fd, out + copied, size - copied, 0);
    if (n > 0) {
        copied += std::size_t(n);
        if (copied < size && !stream.released) arm_receive(fd, stream);  // the kernel is empty now
        return {copied, 0};
    }
    if (n == 0) {
        stream.end = ring_streams::kEndOfStream;
        return {copied, 0};
    }
    int error = errno;
    if (error == EAGAIN || error == EWOULDBLOCK) {
        if (!stream.released) arm_receive(fd, stream);
        return copied ? IoResult{copied, 0} : IoResult{0, error};
    }
    if (copied) {
        if (error != EINTR) stream.end = error;
        return {copied, 0};
    }
    return {0, error};
}

void UringPoller::let_go(Fd fd) {
    if (std::size_t(fd) >= streams_.size() || !streams_[fd].entered) return;
    Stream& stream = streams_[fd];
    stop_receive(fd, stream);
    if (stream.out.request) {
        // Its send is still in the ring: the socket stays this ring's, so
        // that nothing else is sent before those bytes, until the send is
        // over (after_send lets go then).
        stream.released = true;
        stream.tag = 0;
        return;
    }
    ring_streams::leave(fd);
    std::string unread;
    bool kept = true;
    try {
        for (std::size_t i = stream.first; i < stream.chunks.size(); ++i) {
            const Chunk& chunk = stream.chunks[i];
            unread.append(bytes_of(chunk), chunk.length - chunk.taken);
        }
    } catch (const std::bad_alloc&) {
        kept = false;
    }
    release_unread(stream);
    int end = stream.end;
    streams_[fd] = Stream{};
    if (kept && (!unread.empty() || end > 0)) kept = ring_streams::keep_unread(fd, std::move(unread), end);
    // Bytes the peer was told arrived cannot be kept: the connection is reset.
    if (!kept) reset_on_close(fd);
}

void UringPoller::release_stream(Fd fd) {
    if (std::size_t(fd) >= streams_.size() || !streams_[fd].entered) return;
    stop_receive(fd, streams_[fd]);
    // Now, not at the next wait: a request holds the socket open. Then
    // whatever the receive completed meanwhile is folded in before it goes.
    submit();
    if (reap(&reaped_)) rung_ = true;
    let_go(fd);
}

bool UringPoller::closing(Fd fd) {
    release_stream(fd);
    if (std::size_t(fd) < streams_.size() && streams_[fd].entered && streams_[fd].out.request) {
        // Closed while its send is in the ring: the poller closes it when
        // the send is over. Unread bytes make that close a reset, as the
        // kernel resets a socket closed with data unread.
        Stream& stream = streams_[fd];
        if (stream.first < stream.chunks.size()) reset_on_close(fd);
        ring_streams::leave(fd);
        stream.out.close = true;
        stream.out.close_by = monotonic_now() + kDrainSeconds;
        try {
            closes_.push_back(fd);
        } catch (const std::bad_alloc&) {
            // Not timed: it is closed when the send ends or the poller does.
        }
        submit();
        return true;
    }
    submit();
    return false;
}

}  // namespace lsock::posix
