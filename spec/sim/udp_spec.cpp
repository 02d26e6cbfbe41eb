// UDP: the datagram limit, truncation, real loss, duplication and
// reordering, the receive queue limit, ICMP port-unreachable.
#include <set>

#include "sim_harness.hpp"

using namespace simtest;

namespace {
struct UdpPair {
    World world;
    SimHost& a;
    SimHost& b;
    Fd ua, ub;
    explicit UdpPair(std::uint64_t seed, const LinkConfig& link = {})
        : world(seed), a(*world.add_host("a", {"10.0.0.1"})), b(*world.add_host("b", {"10.0.0.2"})) {
        world.set_link(a, b, link);
        ua = open_udp(a);
        ub = open_udp(b);
        REQUIRE(b.bind(ub, Address::any(Family::Inet, 9000)) == 0);
    }
    // Sends n numbered datagrams a->b and returns the numbers b received, in order.
    std::vector<int> exchange(int n) {
        for (int i = 0; i < n; ++i) {
            std::string text = std::to_string(i);
            REQUIRE(a.send_to(ua, text.data(), text.size(), ip("10.0.0.2", 9000)).ok());
        }
        run_to(world, world.now() + 10);
        std::vector<int> got;
        char buffer[32];
        for (;;) {
            IoResult r = b.receive(ub, buffer, sizeof buffer);
            if (!r.ok()) break;
            got.push_back(std::stoi(std::string(buffer, r.bytes)));
        }
        return got;
    }
};
}  // namespace

TEST_CASE("udp datagrams over 65507 bytes fail with EMSGSIZE", "[sim][udp]") {
    UdpPair net(1);
    std::string big(65508, 'x');
    IoResult r = net.a.send_to(net.ua, big.data(), big.size(), ip("10.0.0.2", 9000));
    REQUIRE(r.error == EMSGSIZE);
    REQUIRE(net.a.error_message(r.error) == "Message too long");
    REQUIRE(net.a.send_to(net.ua, big.data(), 65507, ip("10.0.0.2", 9000)).bytes == 65507);
    REQUIRE(net.b.set_option(net.ub, SocketOption::ReceiveBuffer, 200000) == 0);
    run_to(net.world, 1);
    std::vector<char> buffer(70000);
    REQUIRE(net.b.receive(net.ub, buffer.data(), buffer.size()).bytes == 65507);
}

TEST_CASE("udp receive into a short buffer truncates and drops the rest of the datagram", "[sim][udp]") {
    UdpPair net(1);
    REQUIRE(net.a.send_to(net.ua, "abcdefghij", 10, ip("10.0.0.2", 9000)).ok());
    REQUIRE(net.a.send_to(net.ua, "second", 6, ip("10.0.0.2", 9000)).ok());
    run_to(net.world, 1);
    char buffer[4];
    Address from;
    IoResult r = net.b.receive_from(net.ub, buffer, sizeof buffer, &from);
    REQUIRE(r.bytes == 4);
    REQUIRE(std::string(buffer, 4) == "abcd");
    REQUIRE(from.ip_text() == "10.0.0.1");
    Address sender;
    REQUIRE(net.a.local_address(net.ua, &sender) == 0);
    REQUIRE(from.port == sender.port);  // autobound on first send
    char rest[16];
    r = net.b.receive(net.ub, rest, sizeof rest);
    REQUIRE(std::string(rest, r.bytes) == "second");
}

TEST_CASE("udp across 30% loss really loses datagrams", "[sim][udp][faults]") {
    LinkConfig link;
    link.latency = 0.01;
    link.loss = 0.3;
    UdpPair net(21, link);
    std::vector<int> got = net.exchange(1000);
    INFO("received " << got.size() << " of 1000");
    REQUIRE(got.size() > 620);
    REQUIRE(got.size() < 780);
    REQUIRE(std::is_sorted(got.begin(), got.end()));  // loss alone does not reorder
}

TEST_CASE("udp duplication and reordering are observable", "[sim][udp][faults]") {
    LinkConfig link;
    link.latency = 0.01;
    link.duplicate = 0.2;
    link.reorder = 0.2;
    link.reorder_delay = 0.05;
    UdpPair net(22, link);
    std::vector<int> got = net.exchange(500);
    std::set<int> distinct(got.begin(), got.end());
    REQUIRE(distinct.size() == 500);  // nothing lost
    REQUIRE(got.size() > 550);        // some twice
    REQUIRE_FALSE(std::is_sorted(got.begin(), got.end()));
}

TEST_CASE("udp receive queue limit drops datagrams when full", "[sim][udp]") {
    UdpPair net(1);
    REQUIRE(net.b.set_option(net.ub, SocketOption::ReceiveBuffer, 4096) == 0);
    std::string payload(1000, 'p');
    for (int i = 0; i < 10; ++i) REQUIRE(net.a.send_to(net.ua, payload.data(), payload.size(), ip("10.0.0.2", 9000)).ok());
    run_to(net.world, 1);
    int received = 0;
    char buffer[2000];
    while (net.b.receive(net.ub, buffer, sizeof buffer).ok()) ++received;
    REQUIRE(received == 3);  // 3 x (1000 + 64) fit in 4096 usable bytes
    REQUIRE(count_trace(net.world, {"receive-queue-full"}) == 7);
}

TEST_CASE("udp connected socket learns ECONNREFUSED from port-unreachable", "[sim][udp]") {
    UdpPair net(1);
    Fd c = open_udp(net.a);
    REQUIRE(net.a.connect(c, ip("10.0.0.2", 9999)) == 0);
    Address local;
    REQUIRE(net.a.local_address(c, &local) == 0);
    REQUIRE(local.ip_text() == "10.0.0.1");
    REQUIRE(net.a.send(c, "knock", 5).ok());
    run_to(net.world, 1);
    char buffer[8];
    REQUIRE(net.a.receive(c, buffer, sizeof buffer).error == ECONNREFUSED);
    REQUIRE(net.a.receive(c, buffer, sizeof buffer).error == EAGAIN);
    Fd unconnected = open_udp(net.a);
    REQUIRE(net.a.send(unconnected, "x", 1).error == EDESTADDRREQ);
}

TEST_CASE("udp port rules: EADDRINUSE unless both reuse the address", "[sim][udp][ports]") {
    UdpPair net(1);
    Fd second = open_udp(net.b);
    REQUIRE(net.b.bind(second, ip("10.0.0.2", 9000)) == EADDRINUSE);
    Fd x = open_udp(net.b), y = open_udp(net.b);
    REQUIRE(net.b.set_option(x, SocketOption::ReuseAddr, 1) == 0);
    REQUIRE(net.b.set_option(y, SocketOption::ReuseAddr, 1) == 0);
    REQUIRE(net.b.bind(x, ip("10.0.0.2", 9100)) == 0);
    REQUIRE(net.b.bind(y, ip("10.0.0.2", 9100)) == 0);
}
