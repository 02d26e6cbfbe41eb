#include "fleet.hpp"

#include <cerrno>
#include <unistd.h>

#include "clock.hpp"
#include "net.hpp"

namespace bench {
namespace {

// Handshakes in flight at once. Linux answers SYNs on loopback at once, but
// a listen queue that overflows drops SYNs and costs a 1 s retransmit.
constexpr std::size_t max_handshakes = 256;

}  // namespace

Fleet::Fleet(const Options& o)
    : o_(o), conns_(static_cast<std::size_t>(o.conns)), inbox_(o.message) {}

Fleet::~Fleet() {
    for (auto& c : conns_)
        if (c.fd >= 0) close_with_reset(c.fd);
}

void Fleet::connect_all(std::uint64_t deadline) {
    ramping_ = true;
    while (now_ns() < deadline) {
        while (in_ramp_ < max_handshakes && opened_ < conns_.size()) open_next();
        if (in_ramp_ == 0 && opened_ == conns_.size()) break;
        poll_once(deadline);
    }
    // Whatever has not made its first round trip by now counts as failed.
    for (auto& c : conns_)
        if (c.state == State::connecting || c.state == State::busy) kill(c, true);
    counters_.connect_failed += conns_.size() - opened_;
    ramping_ = false;
}

void Fleet::run(std::uint64_t end, bool measured) {
    measuring_ = measured;
    keep_going_ = true;
    if (measured) latencies_.reserve(1 << 20);
    for (std::size_t i = 0; i < conns_.size(); ++i)
        if (conns_[i].state == State::idle) start_request(conns_[i], i);
    while (now_ns() < end) poll_once(end);
    keep_going_ = false;
    measuring_ = false;
}

std::uint64_t Fleet::starved() const {
    std::uint64_t n = 0;
    for (const auto& c : conns_)
        if (c.state != State::dead && c.window_completed == 0) ++n;
    return n;
}

void Fleet::poll_once(std::uint64_t until) {
    std::uint64_t now = now_ns();
    int wait_ms = until > now ? static_cast<int>((until - now) / 1000000) : 0;
    if (wait_ms > 10) wait_ms = 10;
    int n = poller_.wait(wait_ms);
    for (int i = 0; i < n; ++i) handle(poller_.event(i).data.u64, poller_.event(i).events);
}

void Fleet::open_next() {
    std::size_t index = opened_++;
    Connection& c = conns_[index];
    // Connections start at different places of the stream, so bytes crossed
    // between two connections do not compare equal.
    c.offset = static_cast<std::uint64_t>(index) * 977;
    c.fd = start_connect(o_.port);
    if (c.fd < 0) {
        c.fd = -1;
        ++counters_.connect_failed;
        return;
    }
    c.state = State::connecting;
    ++in_ramp_;
    poller_.add(c.fd, EPOLLOUT, index);
}

void Fleet::handle(std::size_t index, std::uint32_t events) {
    Connection& c = conns_[index];
    if (c.state == State::connecting) {
        finish_connect(c, index);
        return;
    }
    if (c.state != State::busy) {
        // An idle connection that became readable: the server closed it.
        if (c.state == State::idle) kill(c, false);
        return;
    }
    if ((events & EPOLLOUT) && c.written < o_.message) push_request(c, index);
    if (c.state == State::busy && (events & (EPOLLIN | EPOLLHUP | EPOLLERR))) read_echo(c, index);
}

void Fleet::finish_connect(Connection& c, std::size_t index) {
    if (socket_error(c.fd) != 0) {
        kill(c, true);
        return;
    }
    poller_.modify(c.fd, EPOLLIN, index);
    start_request(c, index);
}

void Fleet::start_request(Connection& c, std::size_t index) {
    c.state = State::busy;
    c.written = 0;
    c.echoed = 0;
    c.sent_at = now_ns();
    push_request(c, index);
}

void Fleet::push_request(Connection& c, std::size_t index) {
    ssize_t n = write_some(c.fd, pattern_.at(c.offset + c.written), o_.message - c.written);
    if (n < 0 && errno != EAGAIN) {
        kill(c, ramping_);
        return;
    }
    if (n > 0) c.written += static_cast<std::size_t>(n);
    // Output readiness is watched only while a write is unfinished, which
    // keeps the steady state free of epoll_ctl calls.
    bool need_output = c.written < o_.message;
    if (need_output != c.watching_output) {
        poller_.modify(c.fd, need_output ? (EPOLLIN | EPOLLOUT) : EPOLLIN, index);
        c.watching_output = need_output;
    }
}

void Fleet::read_echo(Connection& c, std::size_t index) {
    ssize_t n = read_some(c.fd, inbox_.data(), o_.message - c.echoed);
    if (n == 0 || (n < 0 && errno != EAGAIN)) {
        kill(c, ramping_);
        return;
    }
    if (n < 0) return;
    std::size_t got = static_cast<std::size_t>(n);
    if (c.echoed + got > c.written || !pattern_.matches(c.offset + c.echoed, inbox_.data(), got)) {
        ++counters_.corrupt;
        kill(c, false);
        return;
    }
    c.echoed += got;
    if (c.echoed == o_.message) complete(c, index);
}

void Fleet::complete(Connection& c, std::size_t index) {
    const std::uint64_t now = now_ns();
    c.offset += o_.message;
    c.state = State::idle;
    if (ramping_) {
        --in_ramp_;
        ++counters_.established;
        return;
    }
    if (measuring_) {
        latencies_.add(now - c.sent_at);
        ++counters_.completed;
        ++c.window_completed;
    }
    if (keep_going_) start_request(c, index);
}

void Fleet::kill(Connection& c, bool during_ramp) {
    if (c.state == State::dead) return;
    if (during_ramp) {
        --in_ramp_;
        ++counters_.connect_failed;
    } else {
        ++counters_.dropped;
    }
    c.state = State::dead;
    poller_.remove(c.fd);
    close_with_reset(c.fd);
    c.fd = -1;
}

}  // namespace bench
