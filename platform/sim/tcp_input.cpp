// TcpSocket: segments arriving. RFC 793's event processing, reduced to the
// states this model keeps (see tcp_socket.hpp).
#include <algorithm>

#include "sim/sim_host.hpp"
#include "sim/tcp_socket.hpp"
#include "sim/world.hpp"

namespace lsock::sim {

void TcpSocket::on_segment(const Packet& p) {
    auto keep = self();
    switch (state_) {
        case State::SynSent: on_syn_sent_segment(p); return;
        case State::SynReceived: on_syn_received_segment(p); return;
        case State::TimeWait:
            if (p.flags & kRst) {
                die(0);
            } else if ((p.flags & kSyn) && !(p.flags & kAck)) {
                // A new connection reusing the pair ends TIME_WAIT early, as Linux allows.
                die(0);
                host_.deliver(p);
            } else if (p.flags & kFin) {
                send_ack();  // our last ACK was lost: say it again
            }
            return;
        case State::Established: break;
        default: return;
    }
    heard_peer(!p.payload.empty() || (p.flags & kFin));
    if (p.flags & kRst) {
        on_reset(p);
        return;
    }
    if (p.flags & kSyn) {
        // A retransmitted SYN-ACK (our ACK was lost), or a SYN from a peer that
        // forgot us: answer with an ACK; a forgetful peer resets on seeing it.
        send_ack();
        return;
    }
    if (p.flags & kAck) on_ack(p);
    if (state_ != State::Established) return;
    on_data(p);
    maybe_finish();
}

void TcpSocket::on_syn_sent_segment(const Packet& p) {
    if ((p.flags & kAck) && p.ack != iss_ + 1) {
        if (!(p.flags & kRst)) host_.reply_reset(p);
        return;
    }
    if (p.flags & kRst) {
        if (!(p.flags & kAck)) return;
        host_.record("tcp-refused", local_wire_.to_string() + ">" + peer_wire_.to_string());
        last_connect_error_ = ECONNREFUSED;
        die(ECONNREFUSED);
        return;
    }
    if (!((p.flags & kSyn) && (p.flags & kAck))) return;  // no simultaneous open
    irs_ = p.seq;
    rcv_nxt_ = irs_ + 1;
    snd_una_ = iss_ + 1;
    snd_wnd_ = p.window;
    snd_wl1_ = p.seq;
    snd_wl2_ = p.ack;
    if (timing_) update_rtt(host_.world().now() - rtt_start_);
    timing_ = false;
    retries_ = 0;
    rto_timer_.cancel();
    state_ = State::Established;
    was_established_ = true;
    host_.record("tcp-established", local_wire_.to_string() + ">" + peer_wire_.to_string());
    last_heard_ = host_.world().now();
    if (keepalive_) schedule_keepalive(last_heard_ + host_.world().config().keepalive_time);
    send_ack();
    output();  // a FIN queued by an early shutdown
    notify();
}

void TcpSocket::on_syn_received_segment(const Packet& p) {
    if (p.flags & kRst) {
        die(0);
        return;
    }
    if ((p.flags & kSyn) && !(p.flags & kAck)) {
        send_syn();  // the client did not get our SYN-ACK
        return;
    }
    if (!(p.flags & kAck)) return;
    if (p.ack != iss_ + 1) {
        host_.reply_reset(p);
        return;
    }
    become_established_child();
    if (state_ == State::Established) on_segment(p);  // the ACK may carry data or FIN
}

void TcpSocket::become_established_child() {
    snd_una_ = iss_ + 1;
    if (timing_) update_rtt(host_.world().now() - rtt_start_);
    timing_ = false;
    retries_ = 0;
    rto_timer_.cancel();
    state_ = State::Established;
    was_established_ = true;
    last_heard_ = host_.world().now();
    if (keepalive_) schedule_keepalive(last_heard_ + host_.world().config().keepalive_time);
    auto listener = listener_.lock();
    if (!listener || listener->state_ != State::Listen) {
        send_reset();
        die(0);
        return;
    }
    // This socket stays in the listener's embryo list until the next sweep
    // there (on_syn): finding it now would cost a walk of the list per accept.
    // Only now is the connection in the accept queue, as on Linux.
    listener->accept_queue_.push_back(self());
    host_.record("tcp-accept-ready", local_wire_.to_string() + "<" + peer_wire_.to_string());
    listener->notify();
}

void TcpSocket::on_syn(const Packet& p) {
    auto keep = self();
    // Embryos that have left SYN_RECEIVED are swept out only when the list,
    // counted as it is, would reach the limit: the count with them is never
    // smaller, so below the limit the answer is the same, and a burst of
    // SYNs does not walk the list once each.
    std::size_t pending = accept_queue_.size() + embryos_.size();
    if (pending > std::size_t(backlog_)) {
        embryos_.erase(std::remove_if(embryos_.begin(), embryos_.end(),
                                      [](const std::weak_ptr<TcpSocket>& w) {
                                          auto s = w.lock();
                                          return !s || s->state_ != State::SynReceived;
                                      }),
                       embryos_.end());
        pending = accept_queue_.size() + embryos_.size();
    }
    // Linux admits backlog + 1 and then drops SYNs: the client retries its
    // SYN and its connect stays pending (and times out if nobody accepts).
    if (pending > std::size_t(backlog_)) {
        host_.record("drop", "backlog-full", p);
        return;
    }
    auto child = std::make_shared<TcpSocket>(host_, family_);
    child->reuse_addr_ = reuse_addr_;
    child->reuse_port_ = reuse_port_;
    child->nodelay_ = nodelay_;
    child->keepalive_ = keepalive_;
    child->linger_ = linger_;
    child->send_capacity_ = send_capacity_;
    child->receive_capacity_ = receive_capacity_;
    child->bound_ = true;
    child->local_wire_ = p.dst;
    child->peer_wire_ = p.src;
    child->local_ = to_socket_form(p.dst, family_);
    child->peer_ = to_socket_form(p.src, family_);
    child->listener_ = self();
    child->irs_ = p.seq;
    child->rcv_nxt_ = p.seq + 1;
    child->snd_wnd_ = p.window;
    child->snd_wl1_ = p.seq;
    child->iss_ = host_.world().random().next() & 0xffffffffu;
    child->snd_una_ = child->iss_;
    child->snd_nxt_ = child->snd_max_ = child->iss_ + 1;
    child->snd_wl2_ = child->iss_;
    child->state_ = State::SynReceived;
    child->timing_ = true;
    child->rtt_start_ = host_.world().now();
    child->register_connection();
    // Accepted connections share the listener's port, so a new bind of that
    // port fails while they live (unless SO_REUSEADDR), as on Linux.
    host_.tables().tcp_ports.add(child->local_.port, child);
    embryos_.push_back(child);
    child->send_syn();
    child->arm_rto();
}

void TcpSocket::on_reset(const Packet& p) {
    // Only an RST inside the receive window counts (RFC 793): a stale,
    // duplicated RST must not kill a newer connection on the same pair.
    std::uint64_t window = std::max<std::uint64_t>(receive_capacity_, 1);
    if (p.seq < rcv_nxt_ || p.seq > rcv_nxt_ + window) return;
    host_.record("tcp-reset", local_wire_.to_string() + "<" + peer_wire_.to_string());
    // Linux's tcp_reset: EPIPE once the peer's FIN came, else ECONNRESET.
    die(closed_by_app_ ? 0 : (fin_received_ ? EPIPE : ECONNRESET));
}

void TcpSocket::on_ack(const Packet& p) {
    const std::uint64_t ack = p.ack;
    if (ack > snd_max_) {
        send_ack();  // acknowledges what was never sent (RFC 793): answer, ignore
        return;
    }
    std::uint64_t old_window = snd_wnd_;
    if (ack >= snd_una_ && (p.seq > snd_wl1_ || (p.seq == snd_wl1_ && ack >= snd_wl2_))) {
        snd_wnd_ = p.window;
        snd_wl1_ = p.seq;
        snd_wl2_ = ack;
    }
    probes_out_ = 0;  // the peer is there
    if (snd_wnd_ == 0 && persist_timer_.armed() && persist_busy_)
        arm_persist(persist_timer_.due(), false);  // answered "no room": only the reader can change that
    if (ack > snd_una_) {
        std::uint64_t data_end = snd_una_ + send_buffer_.size();
        std::uint64_t acked = std::min(ack, data_end) - snd_una_;
        send_buffer_.consume(std::size_t(acked));
        snd_una_ += acked;
        if (fin_queued_ && ack == data_end + 1) {
            fin_acked_ = true;
            fin_sent_ = true;
            snd_una_ = ack;
            maybe_arm_fin_timeout();
        }
        if (snd_nxt_ < snd_una_) snd_nxt_ = snd_una_;
        if (timing_ && ack >= rtt_seq_) {
            update_rtt(host_.world().now() - rtt_start_);
            timing_ = false;
        }
        retries_ = 0;
        duplicate_acks_ = 0;
        persist_backoff_ = 0;
        rto_timer_.cancel();
        if (snd_una_ < snd_max_) arm_rto();
        notify();
    } else if (ack == snd_una_ && p.payload.empty() && !(p.flags & (kFin | kSyn | kProbe)) &&
               snd_max_ > snd_una_ && p.window == old_window) {
        // Three duplicate ACKs: the segment at snd_una is lost; resend it now
        // instead of waiting for the RTO (fast retransmit, RFC 5681).
        if (++duplicate_acks_ == 3) {
            timing_ = false;
            // Only what was sent before: bytes written since lie past snd_max,
            // and an ACK for them would look like one for data never sent.
            std::uint64_t data_end = snd_una_ + send_buffer_.size();
            std::uint64_t sent_end = std::min(snd_max_, data_end);
            std::size_t length = std::size_t(std::min<std::uint64_t>(host_.world().config().mss, sent_end - snd_una_));
            bool fin = fin_sent_ && snd_una_ + length == data_end;
            host_.record("tcp-fast-retransmit", local_wire_.to_string() + ">" + peer_wire_.to_string());
            send_data(snd_una_, length, fin);
        }
    }
    output();
}

void TcpSocket::on_data(const Packet& p) {
    const std::size_t length = p.payload.size();
    const bool fin = p.flags & kFin;
    if (length == 0 && !fin) {
        if (p.flags & kProbe) send_ack();  // tell the prober our window
        return;
    }
    if (closed_by_app_ && length > 0 && p.seq + length > rcv_nxt_) {
        // Data for a socket that was closed: nobody will read it. Linux resets.
        host_.record("tcp-data-after-close", local_wire_.to_string() + "<" + peer_wire_.to_string());
        send_reset();
        die(0);
        return;
    }
    if (fin && !peer_fin_known_) {
        peer_fin_known_ = true;
        peer_fin_seq_ = p.seq + length;
    }
    const std::uint64_t seq = p.seq;
    bool in_order = false;  // all of it new, taken whole, no hole before or after
    if (seq <= rcv_nxt_ && seq + length > rcv_nxt_) {
        std::size_t skip = std::size_t(rcv_nxt_ - seq);
        std::size_t used = receive_buffer_.size();
        std::size_t room = receive_capacity_ > used ? receive_capacity_ - used : 0;
        std::size_t take = std::min(length - skip, room);
        in_order = skip == 0 && take == length && out_of_order_.empty();
        receive_buffer_.append(p.payload.data() + skip, take);
        rcv_nxt_ += take;
        take_out_of_order();
    } else if (seq > rcv_nxt_) {
        std::uint64_t window = receive_window();
        if (seq < rcv_nxt_ + window) {
            std::size_t keep = std::size_t(std::min<std::uint64_t>(length, rcv_nxt_ + window - seq));
            std::string& slot = out_of_order_[seq];
            if (slot.size() < keep) slot.assign(p.payload.data(), keep);
        }
    }
    if (peer_fin_known_ && !fin_received_ && rcv_nxt_ == peer_fin_seq_) {
        fin_received_ = true;
        rcv_nxt_ += 1;
        host_.record("tcp-fin", local_wire_.to_string() + "<" + peer_wire_.to_string());
    }
    acknowledge_data(in_order && !fin);
    notify();
}

void TcpSocket::take_out_of_order() {
    while (!out_of_order_.empty()) {
        auto it = out_of_order_.begin();
        if (it->first > rcv_nxt_) break;
        std::uint64_t end = it->first + it->second.size();
        if (end > rcv_nxt_) {
            std::size_t skip = std::size_t(rcv_nxt_ - it->first);
            std::size_t used = receive_buffer_.size();
            std::size_t room = receive_capacity_ > used ? receive_capacity_ - used : 0;
            std::size_t take = std::min(std::size_t(end - rcv_nxt_), room);
            receive_buffer_.append(it->second.data() + skip, take);
            rcv_nxt_ += take;
        }
        out_of_order_.erase(it);  // what did not fit comes again by retransmission
    }
}

void TcpSocket::maybe_finish() {
    if (state_ != State::Established || !fin_acked_ || !fin_received_) return;
    if (active_close_)
        enter_time_wait();
    else
        die(0);
}

}  // namespace lsock::sim
