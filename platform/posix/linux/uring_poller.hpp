// The `sock` loop's poller over io_uring (liburing): a completion kernel met
// at the readiness seam, as IOCP is met with AFD poll (docs/design.md,
// "Completion kernels").
//
// Each watched descriptor has one poll request in the ring: multishot
// (IORING_POLL_ADD_MULTI, edge-triggered like EPOLLET) for Trigger::Edge,
// single-shot for Trigger::OneShot; a multishot the kernel ends (a full
// completion queue, say) is armed again when its last completion is seen.
// `watch` only queues a submission entry; everything queued goes to the
// kernel with the next `wait`, in the same io_uring_enter that waits, so a
// loop turn costs one system call however many watches changed (epoll costs
// an epoll_ctl each). `unwatch` submits at once: a poll request holds a
// reference to the socket, so a socket closed after it would not really
// close (no FIN) until the removal reached the kernel.
//
// Sharing: a ring's queues belong to one thread, so every loop has a ring
// of its own. `sock.uring_fd(fd)` in another state checks that `fd` is a
// ring and makes the new ring share its kernel workers (IORING_SETUP_ATTACH_WQ);
// each loop's sockets complete in its own ring, so an event is handled by
// the state that owns the socket by construction, with no hand-over between
// threads (the epoll poller needs its mailboxes for that).
//
// Receives through the ring (docs/design.md, "io_uring"): a stream socket
// the loop watches is entered in ring_streams, so that PosixOs::receive
// asks this poller. The first receive that finds the kernel empty claims
// it: a multishot recv goes into the ring, with buffers from the loop's
// provided buffer ring, and the socket's poll asks for POLLOUT only; the
// completions' bytes wait here, in order, until `receive` takes them, and
// each one reports the socket readable (the end of stream or an error
// after the bytes before it). Whenever no recv is in the ring (the kernel
// ended it: no free buffer, a socket that holds too many), `receive` reads
// the kernel itself and arms a new one when that finds the kernel empty,
// so a short read always means that the ring will report more.
//
// Sends through the ring (docs/design.md, "Sends through the ring"): a
// send on such a socket copies its bytes here and queues an IORING_OP_SEND
// (MSG_WAITALL) that goes to the kernel with the loop's next wait, so the
// sends of a loop turn cost no system call of their own; more sends on the
// same socket in the same turn join the queued one. While a send is in the
// ring, the next one answers EAGAIN and its thread waits until the send
// completes (reported writable); a failed send's error goes to the next
// send. Only sockets the ring receives for send so (a reset, a failed
// connect, our shutdown: the kernel refuses the send itself; a datagram
// socket is never claimed); elsewhere, and for a send larger than
// kMostSent when the ring sends nothing for the socket (the copy would
// cost more than the system call), the kernel takes the send. A socket closed while its send is in the ring is closed by the
// poller when the send completes, as the kernel sends what its buffer held
// after a close, or reset after kDrainSeconds; when the poller ends it waits
// up to kSendsAtExitSeconds for the sends still in the ring, then cancels
// them and makes their sockets' close a reset, so that a peer never takes a
// cut-short stream for a whole one.
//
// The wake-up doorbell is an eventfd with a multishot poll in the ring.
#pragma once

#include <liburing.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "lsock/poller.hpp"
#include "posix/ring_streams.hpp"
#include "posix/wake_fd.hpp"

namespace lsock::posix {

class UringPoller final : public Poller, public RingIo {
public:
    // A new poller; `shared` (another poller's ring, or kNoFd) is checked to
    // be a ring and its workers shared. ENOTSUP where the kernel lacks what
    // the poller needs (multishot poll, waits with a timeout argument).
    static int open(Fd shared, std::unique_ptr<Poller>* out);
    // Whether the kernel here can run the poller (tried once, then known).
    static bool available();
    ~UringPoller() override;

    int watch(Fd fd, unsigned events, std::uint64_t tag, Trigger trigger) override;
    int unwatch(Fd fd) override;
    int wait(double deadline, std::vector<PollerEvent>* out) override;
    void wait_items(std::vector<PollItem>* out) override;
    void flush() override;
    int wake() override;
    Fd native_handle() const override { return ring_.ring_fd; }
    const char* kind() const override { return "io_uring"; }

    IoResult receive(Fd fd, void* buffer, std::size_t size) override;
    IoResult send(Fd fd, const void* data, std::size_t size) override;
    int shutdown(Fd fd, int how) override;
    bool closing(Fd fd) override;

private:
    // Sends of up to this many bytes (and the sends that join them) go
    // through the ring; the copy of a larger one would cost more than the
    // system call it saves.
    static constexpr std::size_t kMostSent = 16384;
    // How long a closed socket's send may wait for its peer to read.
    static constexpr double kDrainSeconds = 30;
    // How long the poller's end waits for the sends in the ring.
    static constexpr double kSendsAtExitSeconds = 1;

    // What the ring holds for one descriptor. The request's user_data is
    // the descriptor with `request` above it, so a completion of a request
    // that was removed or replaced is told from the live one's.
    struct Slot {
        std::uint64_t tag = 0;
        std::uint32_t request = 0;  // 0: no request in the ring
        std::uint32_t mask = 0;     // poll(2) bits asked for
        bool multishot = false;
    };

    // Bytes of one completed receive, in a provided buffer, from `offset`.
    struct Chunk {
        std::uint16_t buffer = 0;
        std::uint32_t offset = 0;
        std::uint32_t length = 0;
        std::uint32_t taken = 0;
    };
    // One provided buffer while it is out of the buffer ring. Consumed
    // incrementally (IOU_PBUF_RING_INC), a buffer holds the receives of
    // many sockets one after the other: it goes back to the ring once the
    // kernel has filled it and every chunk in it has been taken.
    struct BufferUse {
        std::uint32_t filled = 0;   // where the kernel's next receive into it starts
        std::uint16_t unread = 0;   // chunks in it not yet taken
        bool kernel_holds = false;  // the kernel goes on filling it
    };
    // The bytes of a socket's send in the ring, kept until it completes.
    struct Outgoing {
        // From `done` on, not yet sent. On the heap, not in a string's
        // small buffer: the kernel reads them where they were when queued,
        // and streams_ may move its entries meanwhile (a vector's move keeps
        // its storage where it is).
        std::vector<char> bytes;
        std::size_t done = 0;
        std::uint32_t request = 0;        // the send in the ring; 0: none
        io_uring_sqe* queued = nullptr;   // its entry, while in the queue of
        std::uint64_t batch = 0;          //   this submission (more bytes join it)
        bool waiting = false;             // a send found it busy: report kWritable
        int error = 0;                    // a failed send's errno, for the next send
        int shutdown = -1;                // a shutdown(2) `how` to do once sent
        bool shut = false;                // shut for writing: sends are the kernel's to refuse
        bool close = false;               // closed: the poller closes it once sent
        double close_by = 0;              // ... or resets it at this time
    };
    // A watched stream socket's receives and sends (by descriptor, beside slots_).
    struct Stream {
        std::uint64_t tag = 0;
        std::uint32_t request = 0;  // the multishot recv in the ring; 0: none
        bool entered = false;       // in ring_streams: receive() asks us
        bool claimed = false;       // receives go through the ring
        bool stopping = false;      // a cancel of `request` is on its way
        int end = 0;                // after the chunks: kEndOfStream or an errno value
        std::vector<Chunk> chunks;  // from `first` on, in order
        std::size_t first = 0;
        bool released = false;      // let go of while sending: done when the send is
        Outgoing out;
    };
    // streams_ grows by moving its entries; a copy would move the bytes of
    // a send the kernel reads.
    static_assert(std::is_nothrow_move_constructible<Stream>::value, "streams_ must move, not copy");

    UringPoller() = default;
    std::uint32_t new_request();
    // What the poll of an edge watch asks for: everything, or only room to
    // send once the socket's receives go through the ring.
    std::uint32_t claimed_mask(Fd fd) const;
    // The provided buffer ring, made at the first claim; false where the
    // kernel or the memory cannot give it (receives then stay the kernel's).
    bool start_receives();
    void stop_receives();
    // The chunk a receive's completion brought (its buffer marked used).
    Chunk take_buffer(const io_uring_cqe& cqe);
    // A chunk was taken, or dropped: its buffer goes back when it was the last.
    void release(std::uint16_t buffer);
    // Every chunk the stream holds untaken is dropped.
    void release_unread(const Stream& stream);
    void give_back(std::uint16_t buffer);
    const char* bytes_of(const Chunk& chunk) const;
    // Puts a multishot recv for `fd` in the ring and makes the socket's
    // poll ask for what the recv does not report; false when it could not.
    bool arm_receive(Fd fd, Stream& stream);
    // Queues the cancel of the socket's recv (its last completions still come).
    void stop_receive(Fd fd, Stream& stream);
    void replace_poll(Fd fd, std::uint32_t mask);
    void complete_receive(Fd fd, Stream& stream, const io_uring_cqe& cqe, std::vector<PollerEvent>* out);
    std::size_t take_chunks(Stream& stream, char* out, std::size_t size);
    // Stops receiving for `fd`: what was read and not taken goes to
    // ring_streams' unread table, and `fd` leaves the table.
    void let_go(Fd fd);
    // The same once the cancel reached the kernel and what it completed
    // before is folded in: before a socket stops being watched or closes.
    void release_stream(Fd fd);
    // The socket's close (now or later) resets the connection.
    static void reset_on_close(Fd fd);
    // Sends through the ring (uring_send.cpp).
    bool queue_send(Fd fd, Outgoing& out);
    void complete_send(Fd fd, Stream& stream, const io_uring_cqe& cqe, std::vector<PollerEvent>* out);
    // The socket's send is over (sent or failed): what waited on it goes on.
    void after_send(Fd fd, Stream& stream, bool failed, std::vector<PollerEvent>* out);
    void close_sent(Fd fd, Stream& stream);
    // Resets the closed sockets whose sends did not go in time (kDrainSeconds).
    void reset_late_closes();
    // Waits (bounded) for the sends in the ring before the ring goes.
    void finish_sends();
    int submit();
    // Handles the completions waiting in the queue; true when the doorbell rang.
    bool reap(std::vector<PollerEvent>* out);
    int start_ring(Fd shared);
    // A free submission entry, flushing the queue to the kernel when full.
    io_uring_sqe* next_sqe();
    int arm(Fd fd, Slot& slot);
    int arm_doorbell();
    void cancel(std::uint64_t user_data);
    // Handles one completion; true when it was the doorbell.
    bool complete(const io_uring_cqe& cqe, std::vector<PollerEvent>* out);

    io_uring ring_{};
    bool ring_open_ = false;
    WakeFd doorbell_;
    std::vector<Slot> slots_;           // by descriptor
    std::vector<Stream> streams_;       // by descriptor
    std::vector<PollerEvent> reaped_;   // reaped outside wait (unwatch), reported by the next
    // The provided buffers: a ring of kBuffers entries, then the buffers.
    io_uring_buf_ring* buffer_ring_ = nullptr;
    char* buffers_ = nullptr;
    std::vector<BufferUse> buffer_uses_;  // by buffer id
    bool incremental_ = false;          // buffers consumed incrementally (Linux 6.12)
    std::size_t buffer_area_ = 0;       // bytes mapped, 0: not made
    int receives_ = 0;                  // 0: not tried, 1: running, -1: not here
    bool rung_ = false;                 // the doorbell rang outside wait
    std::uint64_t submissions_ = 0;     // io_uring_submit calls so far
    std::size_t sends_ = 0;             // sends in the ring
    std::vector<Fd> closes_;            // closed sockets whose sends are in the ring
    std::atomic<std::thread::id> owner_{};  // the thread that waits on the ring (read by the exit hook)
    std::uint32_t next_request_ = 1;    // wraps within 31 bits, never 0
};

}  // namespace lsock::posix
