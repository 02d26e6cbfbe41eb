// TcpSocket: segments leaving, and the timers that make them leave again.
#include <algorithm>
#include <cmath>
#include <limits>

#include "sim/sim_host.hpp"
#include "sim/tcp_socket.hpp"
#include "sim/world.hpp"

namespace lsock::sim {

std::uint32_t TcpSocket::receive_window() const {
    std::size_t used = receive_buffer_.size();
    std::size_t free = receive_capacity_ > used ? receive_capacity_ - used : 0;
    return std::uint32_t(std::min<std::size_t>(free, std::numeric_limits<std::uint32_t>::max()));
}

Packet TcpSocket::make_segment(std::uint8_t flags, std::uint64_t seq) {
    Packet p;
    p.transport = Transport::Tcp;
    p.src = local_wire_;
    p.dst = peer_wire_;
    p.flags = flags;
    p.seq = seq;
    if (flags & kAck) {
        p.ack = rcv_nxt_;
        p.window = receive_window();
        rcv_adv_ = rcv_nxt_ + p.window;
        rcv_acked_ = rcv_nxt_;
        delayed_ack_timer_.cancel();  // this segment carries the ACK that waited
    }
    return p;
}

void TcpSocket::send_syn() {
    if (state_ == State::SynSent)
        host_.transmit(make_segment(kSyn, iss_));
    else
        host_.transmit(make_segment(kSyn | kAck, iss_));
}

void TcpSocket::send_ack() { host_.transmit(make_segment(kAck, snd_nxt_)); }

// Linux's __tcp_ack_snd_check, reduced: outside the interactive mode every
// data segment is acknowledged at once (Linux's quick ACKs at a
// connection's start and its ACK of every second full segment in bulk
// flows, which this model simplifies to every one); in it, the ACK of new
// in-order data waits up to delayed_ack for a segment of ours to carry it,
// unless more than one MSS is unacknowledged. A FIN, a duplicate, data out
// of order or a hole filled are acknowledged at once, as on Linux.
void TcpSocket::acknowledge_data(bool in_order) {
    last_data_received_ = host_.world().now();
    const SimConfig& c = host_.world().config();
    if (!interactive_ || !in_order || rcv_nxt_ - rcv_acked_ > c.mss) {
        send_ack();
        return;
    }
    if (!delayed_ack_timer_.armed())
        delayed_ack_timer_.arm(host_.world().now() + c.delayed_ack, [this] { on_delayed_ack(); });
}

void TcpSocket::on_delayed_ack() {
    auto keep = self();
    if (state_ != State::Established) return;
    // No reply came in time: the peer is not answering each segment, so
    // the next ones are acknowledged at once again (tcp_delack_timer_handler).
    interactive_ = false;
    send_ack();
}
void TcpSocket::send_reset() {
    // snd_max lies inside the peer's window: it is at or past what the peer
    // has received and within what it allowed us to send.
    host_.transmit(make_segment(kRst | kAck, snd_max_));
}

void TcpSocket::send_data(std::uint64_t seq, std::size_t length, bool fin) {
    // Data sent soon after data came: the connection is interactive
    // (Linux's tcp_event_data_sent entering pingpong mode).
    if (length > 0 && last_data_received_ >= 0 &&
        host_.world().now() - last_data_received_ < host_.world().config().delayed_ack)
        interactive_ = true;
    Packet p = make_segment(std::uint8_t(kAck | (fin ? kFin : 0)), seq);
    // The payload goes into a buffer of an earlier segment, and the wire
    // gives one back: a connection sends without allocating.
    p.payload.swap(spare_payload_);
    p.payload.clear();
    send_buffer_.copy_out(std::size_t(seq - snd_una_), length, &p.payload);
    host_.transmit(std::move(p));
    spare_payload_.swap(p.payload);
}

void TcpSocket::output() {
    if (state_ != State::Established || fin_acked_) return;
    const std::size_t mss = host_.world().config().mss;
    while (!fin_sent_) {
        std::uint64_t data_end = snd_una_ + send_buffer_.size();
        std::uint64_t unsent = data_end > snd_nxt_ ? data_end - snd_nxt_ : 0;
        std::uint64_t in_flight = snd_nxt_ - snd_una_;
        std::uint64_t room = snd_wnd_ > in_flight ? snd_wnd_ - in_flight : 0;
        std::size_t n = std::size_t(std::min<std::uint64_t>({mss, unsent, room}));
        if (n == 0) {
            if (unsent == 0 && fin_queued_) {  // a FIN needs no window
                send_data(snd_nxt_, 0, true);
                fin_sent_ = true;
                snd_nxt_ += 1;
            }
            break;
        }
        // Nagle (RFC 896): while data is unacknowledged, hold back a short
        // segment so that small writes coalesce; also avoids silly windows.
        bool last = fin_queued_ && n == unsent;
        if (n < mss && in_flight > 0 && !nodelay_ && !last) break;
        if (!timing_ && snd_nxt_ == snd_max_) {  // Karn: time only new data
            timing_ = true;
            rtt_seq_ = snd_nxt_ + n;
            rtt_start_ = host_.world().now();
        }
        send_data(snd_nxt_, n, last);
        snd_nxt_ += n + (last ? 1 : 0);
        if (last) fin_sent_ = true;
        snd_max_ = std::max(snd_max_, snd_nxt_);
    }
    snd_max_ = std::max(snd_max_, snd_nxt_);
    if (snd_max_ > snd_una_ && !rto_timer_.armed()) arm_rto();
    std::uint64_t data_end = snd_una_ + send_buffer_.size();
    bool waiting_data = data_end > snd_nxt_;
    if (snd_wnd_ == 0 && waiting_data && snd_nxt_ == snd_una_) {
        if (!persist_timer_.armed()) {
            persist_backoff_ = std::max(rto_, host_.world().config().min_rto);
            arm_persist(host_.world().now() + persist_backoff_, false);
        }
    } else {
        persist_timer_.cancel();
    }
}

void TcpSocket::arm_rto() {
    rto_timer_.arm(host_.world().now() + rto_, [this] { on_rto(); });
}

void TcpSocket::on_rto() {
    auto keep = self();
    const SimConfig& c = host_.world().config();
    switch (state_) {
        case State::SynSent:
            if (++retries_ > c.syn_retries) {
                host_.record("tcp-connect-timeout", local_wire_.to_string() + ">" + peer_wire_.to_string());
                last_connect_error_ = ETIMEDOUT;
                die(ETIMEDOUT);
                return;
            }
            break;
        case State::SynReceived:
            if (++retries_ > c.synack_retries) {
                die(0);
                return;
            }
            break;
        case State::Established:
            if (snd_una_ == snd_max_) return;
            if (++retries_ > c.data_retries) {
                host_.record("tcp-timeout", local_wire_.to_string() + ">" + peer_wire_.to_string());
                die(closed_by_app_ ? 0 : ETIMEDOUT);
                return;
            }
            break;
        default: return;
    }
    timing_ = false;
    rto_ = std::min(rto_ * 2, c.max_rto);
    if (state_ != State::Established) {
        send_syn();
        arm_rto();
        return;
    }
    // Go back to the oldest unacknowledged byte and send again from there.
    host_.record("tcp-rto", local_wire_.to_string() + ">" + peer_wire_.to_string() +
                                " retry=" + std::to_string(retries_));
    duplicate_acks_ = 0;
    snd_nxt_ = snd_una_;
    if (!fin_acked_) fin_sent_ = false;
    output();
    if (!rto_timer_.armed()) arm_rto();
}

// A zero-window probe asks whether the receiver has room again. While the
// last answer said "no room", the next probe cannot change anything by itself
// (the reader must act first), so it is a background event and a world where
// everybody waits is still seen as deadlocked. While an answer is missing, the
// probe is what recovers a lost window update, so it is busy.
void TcpSocket::arm_persist(double at, bool busy) {
    persist_busy_ = busy;
    persist_timer_.arm(at, [this] { on_persist(); }, busy);
}

void TcpSocket::on_persist() {
    auto keep = self();
    if (state_ != State::Established || snd_wnd_ > 0) return;
    if (++probes_out_ > host_.world().config().data_retries) {
        // Nobody answers: Linux gives up after tcp_retries2 probes, too.
        host_.record("tcp-timeout", local_wire_.to_string() + ">" + peer_wire_.to_string());
        die(closed_by_app_ ? 0 : ETIMEDOUT);
        return;
    }
    host_.transmit(make_segment(kAck | kProbe, snd_nxt_));
    persist_backoff_ = std::min(persist_backoff_ * 2, 60.0);
    arm_persist(host_.world().now() + persist_backoff_, true);
}

void TcpSocket::update_rtt(double sample) {
    // RFC 6298.
    const SimConfig& c = host_.world().config();
    if (!have_rtt_) {
        srtt_ = sample;
        rttvar_ = sample / 2;
        have_rtt_ = true;
    } else {
        rttvar_ = 0.75 * rttvar_ + 0.25 * std::fabs(srtt_ - sample);
        srtt_ = 0.875 * srtt_ + 0.125 * sample;
    }
    rto_ = std::clamp(srtt_ + 4 * rttvar_, c.min_rto, c.max_rto);
}

void TcpSocket::window_opened() {
    if (state_ != State::Established || fin_received_ || !registered_) return;
    // Receiver-side silly window avoidance (RFC 1122): announce a larger
    // window only once it grew by an MSS or half the buffer.
    std::uint64_t edge = rcv_nxt_ + receive_window();
    std::uint64_t step = std::min<std::uint64_t>(host_.world().config().mss, receive_capacity_ / 2);
    if (edge >= rcv_adv_ + step) send_ack();
}

void TcpSocket::die(int error) {
    auto keep = self();
    if (error) error_ = error;
    state_ = State::Dead;
    rto_timer_.cancel();
    persist_timer_.cancel();
    keepalive_timer_.cancel();
    fin_timer_.cancel();
    delayed_ack_timer_.cancel();
    send_buffer_.clear();
    out_of_order_.clear();
    unregister_connection();
    notify();
}

void TcpSocket::enter_time_wait() {
    state_ = State::TimeWait;
    time_wait_until_ = host_.world().now() + host_.world().config().time_wait;
    rto_timer_.cancel();
    persist_timer_.cancel();
    keepalive_timer_.cancel();
    fin_timer_.cancel();
    delayed_ack_timer_.cancel();
    host_.record("tcp-time-wait", local_wire_.to_string() + ">" + peer_wire_.to_string());
    notify();
}

}  // namespace lsock::sim
