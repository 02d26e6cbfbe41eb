// Where the kernel answers as Linux does in the cases a program notices: an
// address nobody owns (ICMP host unreachable after the neighbour timeout for
// TCP, silence for UDP; no route), the orphan's FIN_WAIT2 timeout, keepalive probes; and that their
// timers keep deadlock detection working (spec/lua/netsim_fidelity_spec.lua
// shows the same through Lua).
#include "sim_harness.hpp"

using namespace simtest;

namespace {
struct TwoHosts {
    World world{1};
    SimHost& a = *world.add_host("a", {"10.0.0.1", "fd00::1"});
    SimHost& b = *world.add_host("b", {"10.0.0.2", "fd00::2"});
    TwoHosts() {
        LinkConfig link;
        link.latency = 0.01;
        world.set_link(a, b, link);
    }
};
// a's end of a connection a -> b:80, with SO_KEEPALIVE on.
Fd keepalive_client(TwoHosts& net) {
    Fd listener = listen_on(net.b, 80);
    Fd c = connect_pair(net.world, net.a, net.b, listener, ip("10.0.0.2", 80)).first;
    REQUIRE(net.a.set_option(c, SocketOption::KeepAlive, 1) == 0);
    return c;
}
}  // namespace

TEST_CASE("routing: the world's networks are the /16 and /64 around its hosts' addresses", "[sim][route]") {
    TwoHosts net;
    REQUIRE(net.world.routable(net.a, ip("10.0.0.2")));    // a host
    REQUIRE(net.world.routable(net.a, ip("10.0.200.9")));  // unowned, on the network
    REQUIRE(net.world.routable(net.a, ip("fd00::99")));
    REQUIRE(net.world.routable(net.a, ip("127.0.0.5")));   // loopback
    REQUIRE(net.world.routable(net.a, ip("::ffff:10.0.9.9")));
    REQUIRE_FALSE(net.world.routable(net.a, ip("10.1.0.1")));
    REQUIRE_FALSE(net.world.routable(net.a, ip("192.0.2.1")));
    REQUIRE_FALSE(net.world.routable(net.a, ip("fd01::1")));
}

TEST_CASE("tcp connect to an unowned address on the network fails with EHOSTUNREACH at the neighbour timeout",
          "[sim][route]") {
    TwoHosts net;
    Fd c = open_tcp(net.a);
    REQUIRE(net.a.connect(c, ip("10.0.0.99", 80)) == EINPROGRESS);
    REQUIRE(step_until(net.world, [&] { return net.a.finish_connect(c) != EINPROGRESS; }));
    REQUIRE(net.world.now() == Approx(3.0));
    REQUIRE(net.a.finish_connect(c) == EHOSTUNREACH);
    REQUIRE(count_trace(net.world, {"drop a no-host"}) >= 1);
    REQUIRE(count_trace(net.world, {"icmp-host-unreachable tcp 10.0.0.99:80>10.0.0.1:"}) >= 1);
    run_to(net.world, 10);  // the retried SYN's ICMP finds nobody and changes nothing
    REQUIRE(net.world.idle());
    REQUIRE(net.a.finish_connect(c) == EHOSTUNREACH);
}

TEST_CASE("tcp connect outside every network fails at once with ENETUNREACH, taking no port", "[sim][route]") {
    TwoHosts net;
    Fd c = open_tcp(net.a);
    REQUIRE(net.a.connect(c, ip("192.0.2.1", 80)) == ENETUNREACH);
    Address local;
    REQUIRE(net.a.local_address(c, &local) == 0);
    REQUIRE(local.port == 0);
    REQUIRE(net.world.idle());
}

TEST_CASE("udp to an unowned address: no error for any socket (a soft error on Linux); ENETUNREACH without a route",
          "[sim][route][udp]") {
    TwoHosts net;
    Fd connected = open_udp(net.a);
    REQUIRE(net.a.connect(connected, ip("10.0.0.99", 9000)) == 0);
    REQUIRE(net.a.send(connected, "x", 1).ok());
    Fd loose = open_udp(net.a);
    REQUIRE(net.a.send_to(loose, "x", 1, ip("10.0.0.99", 9000)).ok());
    REQUIRE(net.world.idle());  // no ICMP is on its way
    run_to(net.world, 5);
    char buffer[8];
    REQUIRE(net.a.receive(connected, buffer, sizeof buffer).error == EAGAIN);
    REQUIRE(net.a.receive(loose, buffer, sizeof buffer).error == EAGAIN);
    REQUIRE(count_trace(net.world, {"drop a no-host udp"}) == 2);
    REQUIRE(net.a.send_to(loose, "x", 1, ip("192.0.2.1", 9000)).error == ENETUNREACH);
    REQUIRE(net.a.connect(loose, ip("192.0.2.1", 9000)) == ENETUNREACH);
}

TEST_CASE("tcp orphan in FIN_WAIT2 gives up after tcp_fin_timeout, as a background event", "[sim][tcp][close]") {
    TwoHosts net;
    Fd listener = listen_on(net.b, 80);
    auto [c, s] = connect_pair(net.world, net.a, net.b, listener, ip("10.0.0.2", 80));
    REQUIRE(net.b.close(s) == 0);
    REQUIRE(net.b.close(listener) == 0);
    run_to(net.world, 1);  // the FIN is acknowledged: FIN_WAIT2
    REQUIRE(net.world.idle());  // the timeout alone keeps nothing running
    Fd probe = open_tcp(net.b);
    REQUIRE(net.b.bind(probe, ip("10.0.0.2", 80)) == EADDRINUSE);
    run_to(net.world, 61.1);
    REQUIRE(count_trace(net.world, {"tcp-fin-timeout b 10.0.0.2:80>10.0.0.1:"}) == 1);
    REQUIRE(net.b.bind(probe, ip("10.0.0.2", 80)) == 0);
    // The peer, still in CLOSE_WAIT, writes: a fresh kernel answers with RST.
    REQUIRE(net.a.send(c, "late", 4).ok());
    run_to(net.world, 62);
    int error = 0;
    bool eof = false;
    read_now(net.a, c, &error, &eof);
    REQUIRE(eof);  // the FIN came first
    REQUIRE(net.a.send(c, "x", 1).error == EPIPE);
}

TEST_CASE("tcp keepalive: probes after idle, ETIMEDOUT after the count when the peer is gone", "[sim][tcp][keepalive]") {
    TwoHosts net;
    Fd c = keepalive_client(net);
    double set_at = net.world.now();  // the option was set just now
    net.world.partition(net.a, net.b);
    REQUIRE(step_until(net.world, [&] { return is_ready(net.a, c, kFailed); }));
    const SimConfig& config = net.world.config();
    REQUIRE(net.world.now() ==
            Approx(set_at + config.keepalive_time + config.keepalive_probes * config.keepalive_interval));
    char buffer[8];
    REQUIRE(net.a.receive(c, buffer, sizeof buffer).error == ETIMEDOUT);
    REQUIRE(count_trace(net.world, {"tcp-keepalive a"}) == std::size_t(config.keepalive_probes));
}

TEST_CASE("tcp keepalive: an answered probe keeps the connection, and the next probe is background",
          "[sim][tcp][keepalive]") {
    TwoHosts net;
    Fd c = keepalive_client(net);
    REQUIRE_FALSE(net.world.idle());  // the first probe may end the connection: busy
    TaskRunner tasks(net.world);
    REQUIRE(tasks.run() == RunResult::Idle);
    REQUIRE(net.world.now() > 7200);  // probe out, answer back, then idle
    REQUIRE(net.world.now() < 7201);
    REQUIRE(count_trace(net.world, {"tcp-keepalive a"}) == 1);
    REQUIRE(net.a.send(c, "x", 1).ok());  // alive; and moving again makes the next probe busy
    run_to(net.world, 20000);
    REQUIRE(count_trace(net.world, {"tcp-keepalive a"}) == 2);
    REQUIRE(is_ready(net.a, c, kWritable));
    REQUIRE_FALSE(is_ready(net.a, c, kFailed));
}

TEST_CASE("tcp keepalive off: nothing is sent and a dead peer goes unnoticed", "[sim][tcp][keepalive]") {
    TwoHosts net;
    Fd c = keepalive_client(net);
    REQUIRE(net.a.set_option(c, SocketOption::KeepAlive, 0) == 0);
    net.world.crash(net.b);
    REQUIRE(net.world.idle());
    run_to(net.world, 100000);
    REQUIRE(count_trace(net.world, {"tcp-keepalive"}) == 0);
    REQUIRE_FALSE(is_ready(net.a, c, kFailed));
}

TEST_CASE("tcp delayed ACK: once a connection answers what it receives, the reply carries the ACK, and unanswered "
          "a bare ACK follows 40 ms later and the mode ends",
          "[sim][tcp]") {
    TwoHosts net;  // 10 ms each way
    Fd listener = listen_on(net.b, 80);
    auto [c, s] = connect_pair(net.world, net.a, net.b, listener, ip("10.0.0.2", 80));
    auto bare_acks_from_b = [&] { return count_trace(net.world, {" send b tcp 10.0.0.2:80>", " A seq=", " len=0"}); };
    // Sends `request` from a; b answers `reply` as soon as it has read it (nothing when empty).
    auto exchange = [&](const std::string& request, const std::string& reply) {
        REQUIRE(net.a.send(c, request.data(), request.size()).bytes == request.size());
        REQUIRE(step_until(net.world, [&] { return is_ready(net.b, s, kReadable); }));
        REQUIRE(read_now(net.b, s) == request);
        if (reply.empty()) return;
        REQUIRE(net.b.send(s, reply.data(), reply.size()).bytes == reply.size());
        REQUIRE(step_until(net.world, [&] { return is_ready(net.a, c, kReadable); }));
        REQUIRE(read_now(net.a, c) == reply);
    };
    // The first request is acknowledged at once: b has not answered anything yet.
    std::size_t before = bare_acks_from_b();
    exchange("ping", "pong");
    REQUIRE(bare_acks_from_b() == before + 1);
    // b answered within 40 ms: now its ACK waits for the reply, which carries it.
    exchange("ping", "pong");
    exchange("ping", "pong");
    REQUIRE(bare_acks_from_b() == before + 1);
    // A request b does not answer: its ACK goes bare, 40 ms after it arrived.
    double sent = net.world.now();
    exchange("ping", "");
    REQUIRE(net.world.now() == Approx(sent + 0.01));
    REQUIRE(step_until(net.world, [&] { return bare_acks_from_b() == before + 2; }));
    REQUIRE(net.world.now() == Approx(sent + 0.05));
    // That ended the mode: the next request is acknowledged in the instant
    // it arrives (it leaves a only when that ACK reached a: Nagle).
    exchange("ping", "");
    REQUIRE(bare_acks_from_b() == before + 3);
    REQUIRE(net.world.now() == Approx(sent + 0.07));
}

TEST_CASE("tcp delayed ACK: more than one MSS unacknowledged is acknowledged at once", "[sim][tcp]") {
    TwoHosts net;
    Fd listener = listen_on(net.b, 80);
    auto [c, s] = connect_pair(net.world, net.a, net.b, listener, ip("10.0.0.2", 80));
    REQUIRE(net.a.set_option(c, SocketOption::NoDelay, 1) == 0);
    // Make b interactive: it answers a request at once.
    REQUIRE(net.a.send(c, "q", 1).bytes == 1);
    REQUIRE(step_until(net.world, [&] { return is_ready(net.b, s, kReadable); }));
    REQUIRE(read_now(net.b, s) == "q");
    REQUIRE(net.b.send(s, "r", 1).bytes == 1);
    REQUIRE(step_until(net.world, [&] { return is_ready(net.a, c, kReadable); }));
    REQUIRE(read_now(net.a, c) == "r");
    // Three full segments in one burst: the second one's arrival leaves more
    // than an MSS unacknowledged, so b acknowledges without waiting.
    std::string block = pattern(3 * 1460);
    double sent = net.world.now();
    REQUIRE(net.a.send(c, block.data(), block.size()).bytes == block.size());
    std::size_t before = count_trace(net.world, {" send b tcp 10.0.0.2:80>", " A seq=", " len=0"});
    REQUIRE(step_until(net.world, [&] {
        return count_trace(net.world, {" send b tcp 10.0.0.2:80>", " A seq=", " len=0"}) > before;
    }));
    REQUIRE(net.world.now() == Approx(sent + 0.01));
}
