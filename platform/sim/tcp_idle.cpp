// TcpSocket: the timers of a quiet connection. Keepalive (SO_KEEPALIVE) asks
// a silent peer whether it is still there, as Linux's tcp_keepalive_timer
// does; the FIN_WAIT2 timeout ends an orphan whose peer never closes
// (tcp_fin_timeout). Both follow SimConfig.
#include "sim/sim_host.hpp"
#include "sim/tcp_socket.hpp"
#include "sim/world.hpp"

namespace lsock::sim {

void TcpSocket::heard_peer(bool data) {
    last_heard_ = host_.world().now();
    if (data) keepalive_quiet_ = false;
    if (keepalive_probes_out_ == 0) return;
    // The answer to a probe: the peer is alive. Silence starts again now.
    keepalive_probes_out_ = 0;
    if (!data) keepalive_quiet_ = true;
    schedule_keepalive(last_heard_ + host_.world().config().keepalive_time);
}

void TcpSocket::schedule_keepalive(double at) {
    if (!keepalive_ || state_ != State::Established || closed_by_app_) {
        keepalive_timer_.cancel();
        keepalive_probes_out_ = 0;
        return;
    }
    keepalive_timer_.arm(at, [this] { on_keepalive(); }, !keepalive_quiet_);
}

void TcpSocket::on_keepalive() {
    auto keep = self();
    if (!keepalive_ || state_ != State::Established || closed_by_app_) return;
    const SimConfig& c = host_.world().config();
    const double now = host_.world().now();
    if (snd_max_ > snd_una_ || !send_buffer_.empty()) {
        // Data in flight or waiting: retransmission (or the zero-window
        // probe) watches the peer; look again a keepalive time later.
        keepalive_probes_out_ = 0;
        schedule_keepalive(now + c.keepalive_time);
        return;
    }
    if (keepalive_probes_out_ == 0 && now < last_heard_ + c.keepalive_time) {
        schedule_keepalive(last_heard_ + c.keepalive_time);  // heard from since the timer was set
        return;
    }
    if (keepalive_probes_out_ >= c.keepalive_probes) {
        // Linux gives up with a reset (tcp_send_active_reset) and ETIMEDOUT.
        host_.record("tcp-keepalive-timeout", local_wire_.to_string() + ">" + peer_wire_.to_string());
        send_reset();
        die(ETIMEDOUT);
        return;
    }
    ++keepalive_probes_out_;
    host_.record("tcp-keepalive", local_wire_.to_string() + ">" + peer_wire_.to_string() +
                                      " probe=" + std::to_string(keepalive_probes_out_));
    // An empty segment marked as a probe: the peer answers with an ACK, as a
    // real stack answers the one-byte-old segment Linux sends.
    host_.transmit(make_segment(kAck | kProbe, snd_nxt_));
    keepalive_timer_.arm(now + c.keepalive_interval, [this] { on_keepalive(); }, true);  // an answer is missing
}

void TcpSocket::maybe_arm_fin_timeout() {
    if (!closed_by_app_ || state_ != State::Established || !fin_acked_ || fin_received_ || fin_timer_.armed()) return;
    // Background: nobody on this host waits for an orphan; the peer learns
    // of the timeout only when it sends again (and is reset).
    fin_timer_.arm(host_.world().now() + host_.world().config().fin_timeout, [this] {
        auto keep = self();
        if (state_ != State::Established || fin_received_) return;
        host_.record("tcp-fin-timeout", local_wire_.to_string() + ">" + peer_wire_.to_string());
        die(0);
    }, false);
}

}  // namespace lsock::sim
