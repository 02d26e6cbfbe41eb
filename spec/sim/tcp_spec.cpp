// TCP as a real one behaves: handshake timing, refusal, backlog, windows and
// back-pressure, FIN and half-close, RST rules, addresses and ports.
#include "sim_harness.hpp"

using namespace simtest;

namespace {
struct TwoHosts {
    World world{1};
    SimHost& a = *world.add_host("a", {"10.0.0.1"});
    SimHost& b = *world.add_host("b", {"10.0.0.2"});
    explicit TwoHosts(double latency = 0.0005) {
        LinkConfig link;
        link.latency = latency;
        world.set_link(a, b, link);
    }
};
}  // namespace

TEST_CASE("tcp handshake: connect completes after one round trip, accept after one and a half", "[sim][tcp]") {
    TwoHosts net(0.05);
    Fd listener = listen_on(net.b, 80);
    Fd c = open_tcp(net.a);
    REQUIRE(net.a.connect(c, ip("10.0.0.2", 80)) == EINPROGRESS);
    REQUIRE(net.a.finish_connect(c) == EINPROGRESS);
    REQUIRE_FALSE(is_ready(net.a, c, kWritable));
    REQUIRE(step_until(net.world, [&] { return is_ready(net.a, c, kWritable); }));
    REQUIRE(net.world.now() == Approx(0.10));  // SYN there, SYN-ACK back
    REQUIRE(net.a.finish_connect(c) == 0);
    REQUIRE_FALSE(is_ready(net.b, listener, kReadable));
    REQUIRE(step_until(net.world, [&] { return is_ready(net.b, listener, kReadable); }));
    REQUIRE(net.world.now() == Approx(0.15));  // the final ACK puts it in the accept queue
    Fd s;
    Address peer;
    REQUIRE(net.b.accept(listener, &s, &peer) == 0);
    Address client_local;
    REQUIRE(net.a.local_address(c, &client_local) == 0);
    REQUIRE(peer == client_local);
    REQUIRE(peer.ip_text() == "10.0.0.1");
    REQUIRE(peer.port >= 32768);
    REQUIRE(peer.port <= 60999);
    Address server_seen;
    REQUIRE(net.a.peer_address(c, &server_seen) == 0);
    REQUIRE(server_seen.to_string() == "10.0.0.2:80");
}

TEST_CASE("tcp connect to a closed port is refused after one round trip", "[sim][tcp]") {
    TwoHosts net(0.02);
    Fd c = open_tcp(net.a);
    REQUIRE(net.a.connect(c, ip("10.0.0.2", 81)) == EINPROGRESS);
    REQUIRE(step_until(net.world, [&] { return is_ready(net.a, c, kWritable); }));
    REQUIRE(net.world.now() == Approx(0.04));
    REQUIRE((net.a.poll_descriptor(c) & kFailed) != 0);
    int error = -1;
    REQUIRE(net.a.get_option(c, SocketOption::Error, &error) == 0);
    REQUIRE(error == ECONNREFUSED);
    REQUIRE(net.a.finish_connect(c) == ECONNREFUSED);  // still reported after SO_ERROR was read
    REQUIRE(net.a.error_message(ECONNREFUSED) == "Connection refused");
    REQUIRE(net.a.send(c, "x", 1).error == EPIPE);
}

TEST_CASE("tcp backlog full: extra SYNs are dropped, connect stays pending, then completes once accepted",
          "[sim][tcp][backlog]") {
    TwoHosts net(0.01);
    Fd listener = listen_on(net.b, 80, 1);  // Linux admits backlog + 1 = 2
    Fd c[3];
    for (Fd& fd : c) {
        fd = open_tcp(net.a);
        REQUIRE(net.a.connect(fd, ip("10.0.0.2", 80)) == EINPROGRESS);
    }
    run_to(net.world, 0.5);
    REQUIRE(net.a.finish_connect(c[0]) == 0);
    REQUIRE(net.a.finish_connect(c[1]) == 0);
    REQUIRE(net.a.finish_connect(c[2]) == EINPROGRESS);
    REQUIRE(count_trace(net.world, {"backlog-full"}) >= 1);
    run_to(net.world, 2.5);
    REQUIRE(net.a.finish_connect(c[2]) == EINPROGRESS);  // the retries at 1 s and 3 s still find it full
    Fd s;
    Address peer;
    REQUIRE(net.b.accept(listener, &s, &peer) == 0);
    REQUIRE(step_until(net.world, [&] { return net.a.finish_connect(c[2]) != EINPROGRESS; }));
    REQUIRE(net.a.finish_connect(c[2]) == 0);
    REQUIRE(net.world.now() == Approx(3.02));  // SYN retries at 1 s and then 1 + 2 s
}

TEST_CASE("tcp listener closed: connections accepted or queued before stay, and only half-open ones are reset",
          "[sim][tcp][backlog]") {
    TwoHosts net(0.01);
    Fd listener = listen_on(net.b, 80, 4);
    Fd accepted_client = open_tcp(net.a);
    REQUIRE(net.a.connect(accepted_client, ip("10.0.0.2", 80)) == EINPROGRESS);
    REQUIRE(step_until(net.world, [&] { return is_ready(net.b, listener, kReadable); }));
    Fd accepted;
    Address peer;
    REQUIRE(net.b.accept(listener, &accepted, &peer) == 0);
    // A second connection whose SYN is still on its way when the listener goes.
    Fd late_client = open_tcp(net.a);
    REQUIRE(net.a.connect(late_client, ip("10.0.0.2", 80)) == EINPROGRESS);
    run_to(net.world, net.world.now() + 0.015);  // the SYN arrived, the SYN-ACK is on the wire
    REQUIRE(net.b.close(listener) == 0);
    run_to(net.world, net.world.now() + 1.0);
    // The accepted connection still carries data both ways.
    REQUIRE(net.a.send(accepted_client, "ping", 4).error == 0);
    REQUIRE(step_until(net.world, [&] { return is_ready(net.b, accepted, kReadable); }));
    char buffer[8];
    IoResult got = net.b.receive(accepted, buffer, sizeof buffer);
    REQUIRE(got.error == 0);
    REQUIRE(std::string(buffer, got.bytes) == "ping");
    // The half-open one was reset (its SYN-ACK got there first: it saw the
    // connection made, then the RST).
    REQUIRE(net.a.receive(late_client, buffer, sizeof buffer).error == ECONNRESET);
}

TEST_CASE("tcp shutdown of a listener: SHUT_WR does nothing, SHUT_RD stops it listening, both 0",
          "[sim][tcp][backlog]") {
    // spec/parity: "tcp: shutdown of a listener" (the simulator said ENOTCONN).
    TwoHosts net(0.01);
    Fd listener = listen_on(net.b, 80, 4);
    REQUIRE(net.b.shutdown(listener, ShutdownHow::Write) == 0);
    Fd queued = open_tcp(net.a);
    REQUIRE(net.a.connect(queued, ip("10.0.0.2", 80)) == EINPROGRESS);
    REQUIRE(step_until(net.world, [&] { return is_ready(net.b, listener, kReadable); }));
    REQUIRE(net.b.shutdown(listener, ShutdownHow::Read) == 0);
    Fd accepted;
    Address peer;
    REQUIRE(net.b.accept(listener, &accepted, &peer) == EINVAL);  // no longer listening
    run_to(net.world, net.world.now() + 1.0);
    char buffer[4];
    REQUIRE(net.a.receive(queued, buffer, sizeof buffer).error == ECONNRESET);  // it was in the queue
    Fd later = open_tcp(net.a);
    REQUIRE(net.a.connect(later, ip("10.0.0.2", 80)) == EINPROGRESS);
    run_to(net.world, net.world.now() + 1.0);
    REQUIRE(net.a.finish_connect(later) == ECONNREFUSED);
}

TEST_CASE("tcp connect to a listener that never accepts times out after Linux's 127 s", "[sim][tcp][backlog]") {
    TwoHosts net(0.01);
    listen_on(net.b, 80, 0);
    Fd first = open_tcp(net.a), second = open_tcp(net.a);
    REQUIRE(net.a.connect(first, ip("10.0.0.2", 80)) == EINPROGRESS);
    REQUIRE(net.a.connect(second, ip("10.0.0.2", 80)) == EINPROGRESS);
    REQUIRE(step_until(net.world, [&] { return net.a.finish_connect(second) != EINPROGRESS; }));
    REQUIRE(net.a.finish_connect(first) == 0);
    REQUIRE(net.a.finish_connect(second) == ETIMEDOUT);
    REQUIRE(net.world.now() == Approx(127.0));
}

TEST_CASE("tcp partial writes under back-pressure, then a reader drains everything in order",
          "[sim][tcp][window]") {
    TwoHosts net(0.01);
    Fd listener = listen_on(net.b, 80);
    Fd c, s;
    std::tie(c, s) = connect_pair(net.world, net.a, net.b, listener, ip("10.0.0.2", 80));
    std::string data = pattern(1 << 20);
    std::size_t sent = 0;
    bool saw_partial = false;
    // Nobody reads: the sender fills its buffer and the receiver's, then stops.
    for (int round = 0; round < 50; ++round) {
        IoResult r = net.a.send(c, data.data() + sent, data.size() - sent);
        if (r.ok()) {
            if (r.bytes < data.size() - sent) saw_partial = true;
            sent += r.bytes;
        } else {
            REQUIRE(r.error == EAGAIN);
        }
        run_to(net.world, net.world.now() + 0.05);
    }
    REQUIRE(saw_partial);
    REQUIRE(sent == 2 * 64 * 1024);  // send buffer + receive window, nothing more
    REQUIRE(net.a.send(c, data.data() + sent, 100).error == EAGAIN);
    REQUIRE_FALSE(is_ready(net.a, c, kWritable));
    // Now a reader drains; the writer follows.
    std::string got;
    REQUIRE(step_until(net.world, [&] {
        got += read_now(net.b, s);
        while (sent < data.size()) {
            IoResult r = net.a.send(c, data.data() + sent, data.size() - sent);
            if (!r.ok()) break;
            sent += r.bytes;
        }
        return got.size() == data.size();
    }));
    REQUIRE(got == data);
}

TEST_CASE("tcp small writes coalesce into segments of at most one MSS", "[sim][tcp]") {
    TwoHosts net(0.01);
    Fd listener = listen_on(net.b, 80);
    Fd c, s;
    std::tie(c, s) = connect_pair(net.world, net.a, net.b, listener, ip("10.0.0.2", 80));
    for (int i = 0; i < 200; ++i) REQUIRE(net.a.send(c, "0123456789", 10).bytes == 10);
    std::string got;
    REQUIRE(step_until(net.world, [&] { return (got += read_now(net.b, s)).size() == 2000; }));
    // Nagle: the first write goes alone, the other 199 wait for its ACK and
    // leave as two segments (1460 + 530), not as 199 packets.
    std::size_t data_segments = 0;
    for (const auto& line : net.world.trace().recent())
        if (line.find(" send a tcp 10.0.0.1:") != std::string::npos && line.find("len=0") == std::string::npos)
            ++data_segments;
    REQUIRE(data_segments == 3);
    REQUIRE(count_trace(net.world, {"send a tcp", "len=1460"}) == 1);
}

TEST_CASE("tcp half-close: the peer reads EOF after the data and can still send back", "[sim][tcp][fin]") {
    TwoHosts net(0.01);
    Fd listener = listen_on(net.b, 80);
    Fd c, s;
    std::tie(c, s) = connect_pair(net.world, net.a, net.b, listener, ip("10.0.0.2", 80));
    REQUIRE(net.a.send(c, "request", 7).bytes == 7);
    REQUIRE(net.a.shutdown(c, ShutdownHow::Write) == 0);
    REQUIRE(net.a.send(c, "more", 4).error == EPIPE);
    std::string got;
    bool eof = false;
    REQUIRE(step_until(net.world, [&] {
        got += read_now(net.b, s, nullptr, &eof);
        return eof;
    }));
    REQUIRE(got == "request");
    REQUIRE(net.b.send(s, "response", 8).bytes == 8);
    REQUIRE(net.b.close(s) == 0);
    std::string back;
    bool client_eof = false;
    REQUIRE(step_until(net.world, [&] {
        back += read_now(net.a, c, nullptr, &client_eof);
        return client_eof;
    }));
    REQUIRE(back == "response");
    REQUIRE(net.a.close(c) == 0);
    run_to(net.world, net.world.now() + 1);
    REQUIRE(count_trace(net.world, {"tcp-reset"}) == 0);
}

TEST_CASE("tcp close with unread data sends RST: the peer gets ECONNRESET", "[sim][tcp][rst]") {
    TwoHosts net(0.01);
    Fd listener = listen_on(net.b, 80);
    Fd c, s;
    std::tie(c, s) = connect_pair(net.world, net.a, net.b, listener, ip("10.0.0.2", 80));
    REQUIRE(net.a.send(c, "unread", 6).bytes == 6);
    REQUIRE(step_until(net.world, [&] { return is_ready(net.b, s, kReadable); }));
    REQUIRE(net.b.close(s) == 0);  // never read it
    REQUIRE(count_trace(net.world, {"tcp-abort"}) == 1);
    REQUIRE(step_until(net.world, [&] { return is_ready(net.a, c, kFailed); }));
    char buffer[16];
    IoResult r = net.a.receive(c, buffer, sizeof buffer);
    REQUIRE(r.error == ECONNRESET);
    REQUIRE(net.a.receive(c, buffer, sizeof buffer).bytes == 0);  // reported once, then EOF
    REQUIRE(net.a.send(c, "x", 1).error == EPIPE);
}

TEST_CASE("tcp reset mid-stream delivers the data already received, then ECONNRESET", "[sim][tcp][rst]") {
    TwoHosts net(0.01);
    Fd listener = listen_on(net.b, 80);
    Fd c, s;
    std::tie(c, s) = connect_pair(net.world, net.a, net.b, listener, ip("10.0.0.2", 80));
    REQUIRE(net.b.send(s, "partial answer", 14).bytes == 14);
    REQUIRE(net.b.set_option(s, SocketOption::Linger, 0) == 0);  // abortive close
    run_to(net.world, net.world.now() + 0.02);                  // the data arrives
    REQUIRE(net.b.close(s) == 0);
    run_to(net.world, net.world.now() + 0.02);  // then the RST
    char buffer[64];
    IoResult r = net.a.receive(c, buffer, sizeof buffer);
    REQUIRE(r.ok());
    REQUIRE(std::string(buffer, r.bytes) == "partial answer");
    REQUIRE(net.a.receive(c, buffer, sizeof buffer).error == ECONNRESET);
}

TEST_CASE("tcp write to a peer that closed: RST comes back, send gives ECONNRESET then EPIPE",
          "[sim][tcp][rst]") {
    TwoHosts net(0.01);
    Fd listener = listen_on(net.b, 80);
    Fd c, s;
    std::tie(c, s) = connect_pair(net.world, net.a, net.b, listener, ip("10.0.0.2", 80));
    REQUIRE(net.b.close(s) == 0);  // FIN
    bool eof = false;
    REQUIRE(step_until(net.world, [&] { return read_now(net.a, c, nullptr, &eof), eof; }));
    REQUIRE(net.a.send(c, "hello?", 6).bytes == 6);  // the half-open side may still write
    REQUIRE(step_until(net.world, [&] { return is_ready(net.a, c, kFailed); }));
    REQUIRE(net.a.send(c, "x", 1).error == EPIPE);  // CLOSE_WAIT reset: Linux says EPIPE
    REQUIRE(net.a.send(c, "x", 1).error == EPIPE);
}

TEST_CASE("tcp port rules: EADDRINUSE, SO_REUSEADDR over TIME_WAIT, bind to any", "[sim][tcp][ports]") {
    TwoHosts net(0.01);
    Fd first = listen_on(net.b, 80);
    Fd second = open_tcp(net.b);
    REQUIRE(net.b.bind(second, ip("10.0.0.2", 80)) == EADDRINUSE);
    REQUIRE(net.b.bind(second, ip("10.0.0.9", 81)) == EADDRNOTAVAIL);
    REQUIRE(net.b.bind(second, ip("127.0.0.1", 80)) == EADDRINUSE);  // overlaps 0.0.0.0:80
    REQUIRE(net.b.bind(second, ip("10.0.0.2", 81)) == 0);
    REQUIRE(net.b.bind(second, ip("10.0.0.2", 82)) == EINVAL);  // already bound

    // The server closes first: the accepted connection's port lingers in TIME_WAIT.
    Fd c, s;
    std::tie(c, s) = connect_pair(net.world, net.a, net.b, first, ip("10.0.0.2", 80));
    REQUIRE(net.b.close(first) == 0);
    REQUIRE(net.b.close(s) == 0);
    bool eof = false;
    REQUIRE(step_until(net.world, [&] { return read_now(net.a, c, nullptr, &eof), eof; }));
    REQUIRE(net.a.close(c) == 0);
    run_to(net.world, net.world.now() + 1);
    Fd again = open_tcp(net.b);
    REQUIRE(net.b.bind(again, Address::any(Family::Inet, 80)) == EADDRINUSE);
    REQUIRE(net.b.set_option(again, SocketOption::ReuseAddr, 1) == 0);
    // The connection in TIME_WAIT came from a listener without SO_REUSEADDR:
    // Linux refuses the port even to a socket with it (spec/parity: "tcp:
    // bind a port in TIME_WAIT").
    REQUIRE(net.b.bind(again, Address::any(Family::Inet, 80)) == EADDRINUSE);
    // After TIME_WAIT (60 s) the port is free even without SO_REUSEADDR.
    REQUIRE(net.b.close(again) == 0);
    run_to(net.world, net.world.now() + 61);
    Fd later = open_tcp(net.b);
    REQUIRE(net.b.bind(later, Address::any(Family::Inet, 80)) == 0);
}

TEST_CASE("tcp port rules: SO_REUSEADDR on both passes TIME_WAIT; the first of two to listen wins",
          "[sim][tcp][ports]") {
    TwoHosts net(0.01);
    Fd first = open_tcp(net.b);
    REQUIRE(net.b.set_option(first, SocketOption::ReuseAddr, 1) == 0);
    REQUIRE(net.b.bind(first, ip("10.0.0.2", 80)) == 0);
    REQUIRE(net.b.listen(first, 4) == 0);
    Fd c, s;
    std::tie(c, s) = connect_pair(net.world, net.a, net.b, first, ip("10.0.0.2", 80));
    REQUIRE(net.b.close(first) == 0);
    REQUIRE(net.b.close(s) == 0);  // TIME_WAIT on 10.0.0.2:80, with the listener's SO_REUSEADDR
    bool eof = false;
    REQUIRE(step_until(net.world, [&] { return read_now(net.a, c, nullptr, &eof), eof; }));
    REQUIRE(net.a.close(c) == 0);
    run_to(net.world, net.world.now() + 1);
    Fd x = open_tcp(net.b), y = open_tcp(net.b);
    REQUIRE(net.b.set_option(x, SocketOption::ReuseAddr, 1) == 0);
    REQUIRE(net.b.set_option(y, SocketOption::ReuseAddr, 1) == 0);
    REQUIRE(net.b.bind(x, ip("10.0.0.2", 80)) == 0);
    REQUIRE(net.b.bind(y, ip("10.0.0.2", 80)) == 0);  // neither listens yet
    REQUIRE(net.b.listen(x, 4) == 0);                  // spec/parity: "tcp: reuseaddr: two binds, ..."
    REQUIRE(net.b.listen(y, 4) == EADDRINUSE);
}

TEST_CASE("tcp over loopback and IPv6, with a dual-stack listener", "[sim][tcp]") {
    World world(3);
    SimHost& h = *world.add_host("h", {"10.0.0.1", "fd00::1"});
    SimHost& other = *world.add_host("other", {"10.0.0.2", "fd00::2"});
    Fd listener = listen_on(h, 8080, 8, Family::Inet6);  // [::]:8080 takes IPv4 too
    Fd c4, s4;
    std::tie(c4, s4) = connect_pair(world, h, h, listener, ip("127.0.0.1", 8080));
    Address peer;
    REQUIRE(h.peer_address(s4, &peer) == 0);
    REQUIRE(peer == ip("::ffff:127.0.0.1", peer.port));
    Fd c6, s6;
    std::tie(c6, s6) = connect_pair(world, other, h, listener, ip("fd00::1", 8080));
    REQUIRE(h.peer_address(s6, &peer) == 0);
    REQUIRE(peer.ip_text() == "fd00::2");
    REQUIRE(other.send(c6, "six", 3).bytes == 3);
    std::string got;
    REQUIRE(step_until(world, [&] { return (got += read_now(h, s6)) == "six"; }));
    (void)c4;
}

TEST_CASE("tcp calls fail as Linux fails them", "[sim][tcp]") {
    TwoHosts net;
    Fd fd = open_tcp(net.a);
    char buffer[4];
    REQUIRE(net.a.receive(fd, buffer, 4).error == ENOTCONN);
    REQUIRE(net.a.send(fd, "x", 1).error == EPIPE);
    Address out;
    REQUIRE(net.a.peer_address(fd, &out) == ENOTCONN);
    REQUIRE(net.a.local_address(fd, &out) == 0);
    REQUIRE(out.to_string() == "0.0.0.0:0");
    REQUIRE(net.a.connect(fd, ip("fd00::1", 80)) == EAFNOSUPPORT);
    REQUIRE(net.a.shutdown(fd, ShutdownHow::Write) == ENOTCONN);
    Fd other;
    Address peer;
    REQUIRE(net.a.accept(fd, &other, &peer) == EINVAL);
    REQUIRE(net.a.close(fd) == 0);
    REQUIRE(net.a.close(fd) == EBADF);
    REQUIRE(net.a.open_socket(Family::Inet, SocketType::Raw, 0, &other) == EPERM);
    REQUIRE(net.a.open_socket(Family::Inet, SocketType::Stream, 17, &other) == EPROTONOSUPPORT);
    Fd reused;
    REQUIRE(net.a.open_socket(Family::Inet, SocketType::Stream, 0, &reused) == 0);
    REQUIRE(reused == fd);  // the lowest free descriptor, as POSIX gives
    int value = 0;
    REQUIRE(net.a.set_option(reused, SocketOption::ReceiveBuffer, 4096) == 0);
    REQUIRE(net.a.get_option(reused, SocketOption::ReceiveBuffer, &value) == 0);
    REQUIRE(value == 8192);  // Linux doubles what was set
}
