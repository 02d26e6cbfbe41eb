// A simulated TCP socket: handshake, sliding window, retransmission, FIN/RST.
//
// The model is a real TCP reduced to what behaviour shows: 64-bit sequence
// numbers (no wrap), segments of at most one MSS cut from a byte stream (so
// writes coalesce and split), a receive window that stops the sender when the
// reader is slow, cumulative ACKs with an out-of-order store at the receiver,
// go-back-N retransmission on RTO (RFC 6298 estimator, Karn's rule) plus fast
// retransmit on three duplicate ACKs, Nagle unless TCP_NODELAY, zero-window
// probes, keepalive probes (SO_KEEPALIVE), ICMP unreachable, and Linux's
// close/reset rules (an orphan in FIN_WAIT2 gives up after tcp_fin_timeout).
// Congestion control is not modelled: the window is the receiver's.
//
// Files: tcp_socket.cpp (the calls a program makes), tcp_input.cpp (segments
// arriving), tcp_output.cpp (segments leaving, timers), tcp_idle.cpp (the
// timers of a quiet connection: keepalive, the orphan's FIN_WAIT2 timeout).
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <string>

#include "sim/byte_queue.hpp"
#include "sim/packet.hpp"
#include "sim/sim_socket.hpp"
#include "sim/timer.hpp"

namespace lsock::sim {

class TcpSocket final : public SimSocket {
public:
    enum class State { Closed, Listen, SynSent, SynReceived, Established, TimeWait, Dead };

    TcpSocket(SimHost& host, Family family);
    ~TcpSocket() override;

    // ---- Calls (tcp_socket.cpp) ----
    int bind(const Address& address) override;
    int listen(int backlog) override;
    int connect(const Address& address) override;
    int finish_connect() override;
    int accept(std::shared_ptr<SimSocket>* out, Address* peer) override;
    IoResult send(const void* data, std::size_t size) override;
    IoResult send_to(const void* data, std::size_t size, const Address& to) override;
    IoResult receive(void* buffer, std::size_t size) override;
    int shutdown(ShutdownHow how) override;
    int local_address(Address* out) override;
    int peer_address(Address* out) override;
    void close() override;
    unsigned poll() const override;
    bool holds_port() const override;
    BindInfo bind_info() const override;
    int set_option(SocketOption option, int value) override;

    // ---- Segments arriving (tcp_input.cpp) ----
    // A segment of this connection (found by its addresses).
    void on_segment(const Packet& packet);
    // A SYN for this listener.
    void on_syn(const Packet& packet);
    // An ICMP destination unreachable about this connection (error:
    // EHOSTUNREACH or ECONNREFUSED). Fatal while connecting, as in Linux's
    // tcp_v4_err; later only a soft error (not modelled further).
    void on_unreachable(int error);

    State state() const { return state_; }
    // TIME_WAIT is left lazily: the connection table asks when it looks.
    bool expired(double now) const { return state_ == State::TimeWait && now >= time_wait_until_; }

private:
    std::shared_ptr<TcpSocket> self() { return std::static_pointer_cast<TcpSocket>(shared_from_this()); }
    int bind_ephemeral(const Address& wire_source);
    void register_connection();
    void unregister_connection();

    // tcp_input.cpp
    void on_syn_sent_segment(const Packet& packet);
    void on_syn_received_segment(const Packet& packet);
    void on_reset(const Packet& packet);
    void on_ack(const Packet& packet);
    void on_data(const Packet& packet);
    void take_out_of_order();
    void maybe_finish();
    void become_established_child();

    // tcp_output.cpp
    Packet make_segment(std::uint8_t flags, std::uint64_t seq);
    void send_syn();
    void send_ack();
    // The ACK for data just taken in: now, or later in the interactive mode
    // (delayed ACK, see tcp_output.cpp). `in_order`: the segment was new
    // data that filled no hole and left nothing out of order.
    void acknowledge_data(bool in_order);
    void on_delayed_ack();
    void send_reset();
    void stop_listening();  // reset what waits in the accept queue (close, shutdown)
    void send_data(std::uint64_t seq, std::size_t length, bool fin);
    void output();
    void on_rto();
    void on_persist();
    void arm_persist(double at, bool busy);
    void arm_rto();
    void update_rtt(double sample);
    void window_opened();
    std::uint32_t receive_window() const;
    // Ends the connection: error_ is set (if any), timers stop, the
    // connection table forgets it. Buffered received data stays readable.
    void die(int error);
    void enter_time_wait();

    // tcp_idle.cpp
    // A segment came from the peer (data: it carried bytes or a FIN).
    void heard_peer(bool data);
    // Arms the keepalive timer to look at time `at` (SO_KEEPALIVE on,
    // connection established, descriptor open), or stops it.
    void schedule_keepalive(double at);
    void on_keepalive();
    // Our FIN is acknowledged and the descriptor is gone: FIN_WAIT2 of an
    // orphan, which waits tcp_fin_timeout for the peer's FIN.
    void maybe_arm_fin_timeout();

    State state_ = State::Closed;
    bool bound_ = false;
    Address local_;  // socket form
    Address peer_;
    Address local_wire_;
    Address peer_wire_;
    bool registered_ = false;
    bool closed_by_app_ = false;  // the descriptor is gone: an orphan finishing its FIN
    bool was_established_ = false;
    int last_connect_error_ = 0;

    // Listener.
    int backlog_ = 0;
    std::deque<std::shared_ptr<TcpSocket>> accept_queue_;
    std::deque<std::weak_ptr<TcpSocket>> embryos_;
    std::weak_ptr<TcpSocket> listener_;  // of an embryonic connection

    // Send side. send_buffer_ holds the bytes [snd_una_, snd_una_ + size).
    std::uint64_t iss_ = 0;
    std::uint64_t snd_una_ = 0;
    std::uint64_t snd_nxt_ = 0;
    std::uint64_t snd_max_ = 0;
    std::uint64_t snd_wnd_ = 0;
    std::uint64_t snd_wl1_ = 0;
    std::uint64_t snd_wl2_ = 0;
    ByteQueue send_buffer_;
    std::string spare_payload_;  // send_data's buffer for the next segment (World::transmit)
    bool fin_queued_ = false;  // shutdown(WR) or close: FIN follows the data
    bool fin_sent_ = false;
    bool fin_acked_ = false;
    bool active_close_ = false;  // our FIN went first: we hold TIME_WAIT
    int duplicate_acks_ = 0;
    bool have_rtt_ = false;
    double srtt_ = 0;
    double rttvar_ = 0;
    double rto_;
    int retries_ = 0;
    bool timing_ = false;  // an RTT sample is running for rtt_seq_
    std::uint64_t rtt_seq_ = 0;
    double rtt_start_ = 0;
    double persist_backoff_ = 0;
    int probes_out_ = 0;          // zero-window probes not answered yet
    bool persist_busy_ = false;   // the next probe may end a stall (see arm_persist)
    Timer rto_timer_;
    Timer persist_timer_;

    // Keepalive (tcp_idle.cpp).
    Timer keepalive_timer_;
    Timer fin_timer_;
    double last_heard_ = 0;         // when a segment last came from the peer
    int keepalive_probes_out_ = 0;  // keepalive probes not answered yet
    // The last probe was answered and nothing was sent or received since:
    // the next probe cannot change anything by itself, so it is a background
    // event (as for zero-window probes, see arm_persist); a world where
    // everybody waits on live but silent peers is still seen as deadlocked.
    bool keepalive_quiet_ = false;

    // Receive side.
    std::uint64_t irs_ = 0;
    std::uint64_t rcv_nxt_ = 0;
    std::uint64_t rcv_adv_ = 0;  // right edge of the window last advertised
    std::uint64_t rcv_acked_ = 0;  // the ACK number last sent
    // Delayed ACK, as Linux's interactive ("pingpong") mode: a connection
    // that sends data within delayed_ack of receiving some lets the ACK of
    // the next arrivals wait for the reply (one segment instead of two);
    // when the timer has to send a bare ACK after all, the mode ends.
    bool interactive_ = false;
    double last_data_received_ = -1;
    Timer delayed_ack_timer_;
    ByteQueue receive_buffer_;
    std::map<std::uint64_t, std::string> out_of_order_;
    bool peer_fin_known_ = false;  // FIN seen, maybe before earlier data
    std::uint64_t peer_fin_seq_ = 0;
    bool fin_received_ = false;
    bool read_shut_ = false;
    double time_wait_until_ = 0;
};

}  // namespace lsock::sim
