// lsock_c_uring_echo: a plain C++ io_uring server, the second limit beside
// the epoll one (lsock_c_echo). Same protocol as every bench server:
//
//   lsock_c_uring_echo MODE LIFETIME     MODE = echo | lines
//
// Listens on 127.0.0.1 on a free port, prints "listening on PORT", and exits
// by itself after LIFETIME seconds. What it does the way io_uring is meant to
// be used, so that it is a fair limit for a completion backend:
// - one multishot accept for the listener;
// - one multishot receive per connection, into a ring of provided buffers
//   (the kernel picks the buffer; no buffer is tied up by an idle socket);
// - echo sends straight from the received buffer, which goes back to the
//   ring when the send completes; one send in flight per connection, the
//   rest queued in order (two sends in flight on one stream could reorder
//   after a short send);
// - every submission of a loop turn goes in with one io_uring_enter, which
//   also waits for the next completions.
// When the buffer ring runs dry (a client that sends faster than its echo
// drains), the multishot receive ends with ENOBUFS and is armed again once
// buffers come back: that is the back-pressure.
#include <arpa/inet.h>
#include <liburing.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "line_counter.hpp"
#include "server_basics.hpp"

namespace {

constexpr unsigned kRingEntries = 4096;
// Completions: room for two per connection at 10,000 busy connections, so
// the limit never pays for the kernel's overflow list (the default, twice
// kRingEntries, overflowed at 10,000).
constexpr unsigned kCompletionEntries = 32768;
constexpr unsigned kBufferCount = 4096;  // a power of two, as the buffer ring needs
constexpr unsigned kBufferSize = 16384;
constexpr int kBufferGroup = 0;

// What a completion is for, packed into its 64-bit user_data.
enum class Op : std::uint64_t { Accept = 1, Receive = 2, Send = 3 };

std::uint64_t tag(Op op, int fd) { return (std::uint64_t(op) << 32) | std::uint32_t(fd); }
Op op_of(std::uint64_t data) { return Op(data >> 32); }
int fd_of(std::uint64_t data) { return int(std::uint32_t(data)); }

// A send waiting its turn: a received buffer (bid >= 0) or an owned text.
struct Outgoing {
    int bid = -1;
    std::string text;
    std::size_t offset = 0;
    std::size_t size = 0;
};

struct Connection {
    std::deque<Outgoing> sends;  // the front one is in flight
    bool receiving = false;      // a multishot receive is armed
    bool ended = false;          // end of stream or an error: close when the sends are done
    cbench::LineCounter counter;
};

class Server {
public:
    Server(int listener, bool lines) : listener_(listener), lines_(lines), buffers_(std::size_t(kBufferCount) * kBufferSize) {
        io_uring_params params{};
        params.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_CQSIZE;
        params.cq_entries = kCompletionEntries;
        if (io_uring_queue_init_params(kRingEntries, &ring_, &params) < 0) {
            params = io_uring_params{};  // an older kernel: no hints
            if (int rc = io_uring_queue_init_params(kRingEntries, &ring_, &params); rc < 0) fail("io_uring_queue_init", rc);
        }
        set_up_buffer_ring();
        arm_accept();
    }

    void run_until(double deadline) {
        while (true) {
            double left = deadline - cbench::now_seconds();
            if (left <= 0) return;
            double wait = left > 1 ? 1 : left;
            __kernel_timespec timeout{};
            timeout.tv_sec = static_cast<long long>(wait);
            timeout.tv_nsec = static_cast<long long>((wait - static_cast<double>(timeout.tv_sec)) * 1e9);
            io_uring_cqe* first = nullptr;
            int rc = io_uring_submit_and_wait_timeout(&ring_, &first, 1, &timeout, nullptr);
            if (rc < 0 && rc != -ETIME && rc != -EINTR) fail("io_uring_submit_and_wait_timeout", rc);
            unsigned head = 0, seen = 0;
            io_uring_cqe* cqe = nullptr;
            io_uring_for_each_cqe(&ring_, head, cqe) {
                complete(*cqe);
                ++seen;
            }
            io_uring_cq_advance(&ring_, seen);
            if (buffers_returned_) {
                io_uring_buf_ring_advance(buffer_ring_, buffers_returned_);
                buffers_returned_ = 0;
                rearm_starved();
            }
        }
    }

private:
    [[noreturn]] static void fail(const char* what, int rc) {
        std::fprintf(stderr, "%s: %s\n", what, std::strerror(-rc));
        std::exit(1);
    }

    io_uring_sqe* next_sqe() {
        io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
        if (!sqe) {  // the submission queue is full: hand it to the kernel and go on
            io_uring_submit(&ring_);
            sqe = io_uring_get_sqe(&ring_);
        }
        return sqe;
    }

    void set_up_buffer_ring() {
        std::size_t bytes = sizeof(io_uring_buf) * kBufferCount;
        void* memory = nullptr;
        if (posix_memalign(&memory, 4096, bytes) != 0) fail("posix_memalign", -ENOMEM);
        buffer_ring_ = static_cast<io_uring_buf_ring*>(memory);
        io_uring_buf_ring_init(buffer_ring_);
        io_uring_buf_reg reg{};
        reg.ring_addr = reinterpret_cast<std::uint64_t>(buffer_ring_);
        reg.ring_entries = kBufferCount;
        reg.bgid = kBufferGroup;
        if (int rc = io_uring_register_buf_ring(&ring_, &reg, 0); rc < 0) fail("io_uring_register_buf_ring", rc);
        for (unsigned bid = 0; bid < kBufferCount; ++bid)
            io_uring_buf_ring_add(buffer_ring_, buffer(int(bid)), kBufferSize, bid, io_uring_buf_ring_mask(kBufferCount), int(bid));
        io_uring_buf_ring_advance(buffer_ring_, kBufferCount);
    }

    char* buffer(int bid) { return buffers_.data() + std::size_t(bid) * kBufferSize; }

    void give_back(int bid) {
        io_uring_buf_ring_add(buffer_ring_, buffer(bid), kBufferSize, unsigned(bid), io_uring_buf_ring_mask(kBufferCount),
                              buffers_returned_++);
    }

    void arm_accept() {
        io_uring_sqe* sqe = next_sqe();
        io_uring_prep_multishot_accept(sqe, listener_, nullptr, nullptr, SOCK_CLOEXEC);
        io_uring_sqe_set_data64(sqe, tag(Op::Accept, listener_));
    }

    void arm_receive(int fd, Connection& c) {
        io_uring_sqe* sqe = next_sqe();
        io_uring_prep_recv_multishot(sqe, fd, nullptr, 0, 0);
        sqe->flags |= IOSQE_BUFFER_SELECT;
        sqe->buf_group = kBufferGroup;
        io_uring_sqe_set_data64(sqe, tag(Op::Receive, fd));
        c.receiving = true;
    }

    void submit_send(int fd, Outgoing& out) {
        const char* bytes = out.bid >= 0 ? buffer(out.bid) : out.text.data();
        io_uring_sqe* sqe = next_sqe();
        io_uring_prep_send(sqe, fd, bytes + out.offset, out.size - out.offset, MSG_NOSIGNAL);
        io_uring_sqe_set_data64(sqe, tag(Op::Send, fd));
    }

    void queue_send(int fd, Connection& c, Outgoing out) {
        c.sends.push_back(std::move(out));
        if (c.sends.size() == 1) submit_send(fd, c.sends.front());
    }

    void complete(const io_uring_cqe& cqe) {
        int fd = fd_of(cqe.user_data);
        switch (op_of(cqe.user_data)) {
        case Op::Accept:
            if (cqe.res >= 0) arm_receive(cqe.res, connections_[cqe.res]);
            if (!(cqe.flags & IORING_CQE_F_MORE)) arm_accept();
            return;
        case Op::Receive: received(fd, cqe); return;
        case Op::Send: sent(fd, cqe.res); return;
        }
    }

    void received(int fd, const io_uring_cqe& cqe) {
        Connection& c = connections_[fd];
        bool more = cqe.flags & IORING_CQE_F_MORE;
        if (!more) c.receiving = false;
        if (cqe.res > 0) {
            int bid = int(cqe.flags >> IORING_CQE_BUFFER_SHIFT);
            if (lines_) {
                c.counter.feed(buffer(bid), std::size_t(cqe.res));
                give_back(bid);
            } else {
                queue_send(fd, c, Outgoing{bid, {}, 0, std::size_t(cqe.res)});
            }
            if (!more) starved_.push_back(fd);  // the ring ran dry or the kernel ended it: arm again later
            return;
        }
        if (cqe.res == -ENOBUFS) {
            starved_.push_back(fd);
            return;
        }
        // End of stream (0) or an error.
        if (cqe.res == 0 && lines_) {
            std::string answer = std::to_string(c.counter.lines()) + " " + std::to_string(c.counter.payload()) + "\n";
            std::size_t size = answer.size();
            queue_send(fd, c, Outgoing{-1, std::move(answer), 0, size});
        }
        c.ended = true;
        if (c.sends.empty()) drop(fd);
    }

    void sent(int fd, int res) {
        Connection& c = connections_[fd];
        Outgoing& out = c.sends.front();
        if (res > 0) out.offset += std::size_t(res);
        if (res > 0 && out.offset < out.size) {  // a short send: the rest first
            submit_send(fd, out);
            return;
        }
        if (out.bid >= 0) give_back(out.bid);
        c.sends.pop_front();
        if (res < 0) {  // the client is gone: what is queued for it goes nowhere
            c.ended = true;
            while (!c.sends.empty()) {
                if (c.sends.front().bid >= 0) give_back(c.sends.front().bid);
                c.sends.pop_front();
            }
        }
        if (!c.sends.empty()) submit_send(fd, c.sends.front());
        else if (c.ended && !c.receiving) drop(fd);
    }

    void rearm_starved() {
        std::vector<int> starved;
        starved.swap(starved_);
        for (int fd : starved) {
            auto it = connections_.find(fd);
            if (it != connections_.end() && !it->second.ended && !it->second.receiving) arm_receive(fd, it->second);
        }
    }

    void drop(int fd) {
        connections_.erase(fd);
        close(fd);
    }

    int listener_;
    bool lines_;
    io_uring ring_{};
    io_uring_buf_ring* buffer_ring_ = nullptr;
    std::vector<char> buffers_;
    int buffers_returned_ = 0;  // added to the ring this turn, published at its end
    std::vector<int> starved_;  // connections whose multishot receive ended for want of buffers
    std::unordered_map<int, Connection> connections_;
};

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3 || (std::strcmp(argv[1], "echo") != 0 && std::strcmp(argv[1], "lines") != 0)) {
        std::fprintf(stderr, "usage: lsock_c_uring_echo echo|lines LIFETIME\n");
        return 2;
    }
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) == 0) {
        lim.rlim_cur = lim.rlim_max;
        setrlimit(RLIMIT_NOFILE, &lim);
    }
    int port = 0;
    int listener = cbench::listen_on_loopback(SOCK_CLOEXEC, port);
    if (listener < 0) {
        std::perror("listen");
        return 1;
    }
    std::printf("listening on %d\n", port);
    std::fflush(stdout);
    Server server(listener, std::strcmp(argv[1], "lines") == 0);
    server.run_until(cbench::now_seconds() + std::atof(argv[2]));
    return 0;
}
