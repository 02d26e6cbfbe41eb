// UringPoller's sends through the ring (uring_poller.hpp says how they meet
// PosixOs::send; docs/design.md, "Sends through the ring", why).
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <new>

#include "posix/linux/uring_poller.hpp"
#include "posix/linux/uring_requests.hpp"
#include "posix/monotonic_clock.hpp"
#include "posix/socket_calls.hpp"

namespace lsock::posix {

using namespace uring_requests;

bool UringPoller::queue_send(Fd fd, Outgoing& out) {
    io_uring_sqe* sqe = next_sqe();  // may submit what is queued: before this entry's batch
    if (!sqe) return false;
    // MSG_WAITALL: the kernel goes on after a short send (a full socket
    // buffer) until every byte is sent or the socket fails.
    io_uring_prep_send(sqe, fd, out.bytes.data() + out.done, out.bytes.size() - out.done, kSendFlags | MSG_WAITALL);
    out.request = new_request();
    out.queued = sqe;
    out.batch = submissions_;
    io_uring_sqe_set_data64(sqe, user_data_of(fd, out.request));
    ++sends_;
    return true;
}

IoResult UringPoller::send(Fd fd, const void* data, std::size_t size) {
    Stream& stream = streams_[fd];
    Outgoing& out = stream.out;
    if (out.error) {
        int error = out.error;
        out.error = 0;
        return {0, error};
    }
    if (out.request) {
        // Bytes join a send still in this turn's queue (its entry not yet
        // read by the kernel): the turn's sends on a socket go as one.
        if (out.queued && out.batch == submissions_ && out.bytes.size() + size <= kMostSent) {
            try {
                const char* bytes = static_cast<const char*>(data);
                out.bytes.insert(out.bytes.end(), bytes, bytes + size);
            } catch (const std::bad_alloc&) {
                return {0, ENOMEM};
            }
            out.queued->addr = reinterpret_cast<std::uintptr_t>(out.bytes.data() + out.done);
            out.queued->len = std::uint32_t(out.bytes.size() - out.done);
            return {size, 0};
        }
        // In the kernel: the next bytes wait for it, so that they go in order.
        out.waiting = true;
        return {0, EAGAIN};
    }
    // The ring takes a send only where the kernel's send would succeed as
    // far as the loop knows: the ring receives for the socket (so it is
    // connected, and a reset or the end of stream would have completed its
    // recv), and neither end of the stream is over. Anywhere else the
    // kernel answers, so that a send after a reset, a failed connect or our
    // own shutdown fails at once, as it does on epoll (spec/parity). A
    // connected datagram socket the loop watches sends here too, and is
    // never claimed (only stream sockets are received from with
    // Os::receive): its datagrams stay its own, never joined.
    bool sound = stream.claimed && stream.request && !stream.stopping && !stream.end && !out.shut;
    if (!sound || size == 0 || size > kMostSent || stream.released) return kernel_send(fd, data, size);
    try {
        const char* bytes = static_cast<const char*>(data);
        out.bytes.assign(bytes, bytes + size);
    } catch (const std::bad_alloc&) {
        return kernel_send(fd, data, size);
    }
    out.done = 0;
    if (!queue_send(fd, out)) {
        out.bytes.clear();
        return kernel_send(fd, data, size);
    }
    return {size, 0};
}

void UringPoller::complete_send(Fd fd, Stream& stream, const io_uring_cqe& cqe, std::vector<PollerEvent>* out) {
    Outgoing& outgoing = stream.out;
    outgoing.request = 0;
    outgoing.queued = nullptr;
    --sends_;
    if (cqe.res > 0) outgoing.done += std::size_t(cqe.res);
    bool failed = cqe.res < 0;
    // Short without an error (a kernel that does not go on by itself): the
    // rest goes as a new send, still before anything sent after it.
    if (!failed && outgoing.done < outgoing.bytes.size()) {
        if (queue_send(fd, outgoing)) return;
        failed = true;
    }
    if (failed && cqe.res != -ECANCELED) outgoing.error = -cqe.res;
    after_send(fd, stream, failed, out);
}

void UringPoller::after_send(Fd fd, Stream& stream, bool failed, std::vector<PollerEvent>* out) {
    Outgoing& outgoing = stream.out;
    outgoing.bytes.clear();
    // A socket that sent something large once need not keep its size.
    if (outgoing.bytes.capacity() > 4096) std::vector<char>().swap(outgoing.bytes);
    outgoing.done = 0;
    if (outgoing.close) {
        close_sent(fd, stream);
        return;
    }
    if (outgoing.shutdown >= 0) {
        ::shutdown(fd, outgoing.shutdown);
        outgoing.shutdown = -1;
    }
    if (stream.released) {
        stream.released = false;
        let_go(fd);
        return;
    }
    if (outgoing.waiting) {
        outgoing.waiting = false;
        if (stream.tag) {
            try {
                out->push_back(PollerEvent{stream.tag, kWritable | (failed ? unsigned(kFailed) : 0u)});
            } catch (const std::bad_alloc&) {
                // Lost: the waiter's deadline still ends its wait.
            }
        }
    }
}

void UringPoller::close_sent(Fd fd, Stream& stream) {
    // The receives were let go of at the close; what they read unread
    // made the close a reset (closing()).
    release_unread(stream);
    stream = Stream{};
    closes_.erase(std::remove(closes_.begin(), closes_.end(), fd), closes_.end());
    ::close(fd);
}

void UringPoller::reset_late_closes() {
    double now = monotonic_now();
    for (Fd fd : closes_) {
        Outgoing& outgoing = streams_[fd].out;
        if (!outgoing.request || now < outgoing.close_by) continue;
        // The peer has not read them in kDrainSeconds: the connection is
        // reset when the cancelled send completes (close_sent).
        reset_on_close(fd);
        cancel(user_data_of(fd, outgoing.request));
        outgoing.close_by = kNoDeadline;
    }
}

int UringPoller::shutdown(Fd fd, int how) {
    Outgoing& outgoing = streams_[fd].out;
    if (how != SHUT_RD) outgoing.shut = true;
    if (outgoing.request && how != SHUT_RD) {
        // The end of stream goes after the bytes in the ring.
        if (how == SHUT_RDWR && ::shutdown(fd, SHUT_RD) != 0) return errno;
        outgoing.shutdown = SHUT_WR;
        return 0;
    }
    return ::shutdown(fd, how) == 0 ? 0 : errno;
}

void UringPoller::finish_sends() {
    double until = monotonic_now() + kSendsAtExitSeconds;
    bool cancelled = false;
    while (sends_ > 0) {
        double left = until - monotonic_now();
        if (left <= 0) {
            if (cancelled) break;
            // The peers did not take them in time: their connections are
            // reset, so that none takes a cut-short stream for a whole one.
            for (std::size_t fd = 0; fd < streams_.size(); ++fd) {
                if (!streams_[fd].out.request) continue;
                reset_on_close(Fd(fd));
                cancel(user_data_of(Fd(fd), streams_[fd].out.request));
            }
            cancelled = true;
            until = monotonic_now() + kSendsAtExitSeconds;  // cancels complete at once
            continue;
        }
        __kernel_timespec ts{};
        ts.tv_sec = (long long)left;
        ts.tv_nsec = (long long)((left - double(ts.tv_sec)) * 1e9);
        io_uring_cqe* first = nullptr;
        ++submissions_;
        io_uring_submit_and_wait_timeout(&ring_, &first, 1, &ts, nullptr);
        if (reap(&reaped_)) rung_ = true;
    }
}

}  // namespace lsock::posix
