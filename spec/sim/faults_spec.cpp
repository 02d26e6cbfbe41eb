// Faults: loss, partitions (both ways and one way), bandwidth, crash and restart.
#include "sim_harness.hpp"

using namespace simtest;

namespace {
// Sends `size` bytes a->b over TCP with the given link; returns the time the
// last byte was read, and checks every byte arrived in order.
double transfer(std::uint64_t seed, const LinkConfig& link, std::size_t size, World** keep = nullptr) {
    static std::unique_ptr<World> last;
    last = std::make_unique<World>(seed);
    World& world = *last;
    SimHost& a = *world.add_host("a", {"10.0.0.1"});
    SimHost& b = *world.add_host("b", {"10.0.0.2"});
    world.set_link(a, b, link);
    Fd listener = listen_on(b, 80);
    Fd c, s;
    std::tie(c, s) = connect_pair(world, a, b, listener, ip("10.0.0.2", 80));
    double start = world.now();
    std::string data = pattern(size, 7);
    std::size_t sent = 0;
    std::string got;
    REQUIRE(step_until(world, [&] {
        while (sent < data.size()) {
            IoResult r = a.send(c, data.data() + sent, data.size() - sent);
            if (!r.ok()) break;
            sent += r.bytes;
        }
        got += read_now(b, s);
        return got.size() >= data.size();
    }));
    REQUIRE(got.size() == data.size());
    REQUIRE(got == data);
    if (keep) *keep = &world;
    return world.now() - start;
}
}  // namespace

TEST_CASE("tcp across 30% loss delivers every byte in order, later than without loss", "[sim][faults][tcp]") {
    LinkConfig clean;
    clean.latency = 0.01;
    LinkConfig lossy = clean;
    lossy.loss = 0.3;
    double fast = transfer(11, clean, 200000);
    World* world = nullptr;
    double slow = transfer(11, lossy, 200000, &world);
    INFO("clean " << fast << " s, lossy " << slow << " s");
    REQUIRE(slow > fast * 2);
    REQUIRE(count_trace(*world, {"drop a", "loss"}) + count_trace(*world, {"drop b", "loss"}) > 0);
    REQUIRE(count_trace(*world, {"tcp-rto"}) + count_trace(*world, {"tcp-fast-retransmit"}) > 0);
}

TEST_CASE("tcp across duplication, jitter and reordering still delivers a clean stream", "[sim][faults][tcp]") {
    LinkConfig messy;
    messy.latency = 0.01;
    messy.jitter = 0.01;
    messy.duplicate = 0.2;
    messy.reorder = 0.2;
    messy.reorder_delay = 0.05;
    transfer(12, messy, 100000);
}

TEST_CASE("bandwidth limits a transfer to the link's rate", "[sim][faults][tcp]") {
    LinkConfig slow;
    slow.latency = 0.001;
    slow.bandwidth = 100000;  // 100 kB/s
    double seconds = transfer(13, slow, 200000);
    REQUIRE(seconds > 2.0);   // 200 kB plus headers at 100 kB/s
    REQUIRE(seconds < 2.5);
}

TEST_CASE("partition during connect: no completion while it lasts, then heal lets a SYN retry through",
          "[sim][faults][partition]") {
    World world(3);
    SimHost& a = *world.add_host("a", {"10.0.0.1"});
    SimHost& b = *world.add_host("b", {"10.0.0.2"});
    listen_on(b, 80);
    world.partition(a, b);
    Fd c = open_tcp(a);
    REQUIRE(a.connect(c, ip("10.0.0.2", 80)) == EINPROGRESS);
    run_to(world, 10);
    REQUIRE(a.finish_connect(c) == EINPROGRESS);
    REQUIRE(count_trace(world, {"drop a", "partition"}) >= 3);  // SYN at 0, 1, 3, 7 s
    world.heal(a, b);
    REQUIRE(step_until(world, [&] { return a.finish_connect(c) != EINPROGRESS; }));
    REQUIRE(a.finish_connect(c) == 0);
    REQUIRE(world.now() == Approx(15.001).margin(0.01));  // the SYN retry at 15 s
}

TEST_CASE("one-way partition: datagrams flow only the open way", "[sim][faults][partition]") {
    World world(3);
    SimHost& a = *world.add_host("a", {"10.0.0.1"});
    SimHost& b = *world.add_host("b", {"10.0.0.2"});
    world.partition_one_way(a, b);
    Fd ua = open_udp(a), ub = open_udp(b);
    REQUIRE(a.bind(ua, ip("10.0.0.1", 5000)) == 0);
    REQUIRE(b.bind(ub, ip("10.0.0.2", 5000)) == 0);
    REQUIRE(a.send_to(ua, "a->b", 4, ip("10.0.0.2", 5000)).ok());
    REQUIRE(b.send_to(ub, "b->a", 4, ip("10.0.0.1", 5000)).ok());
    run_to(world, 1);
    char buffer[8];
    REQUIRE(b.receive(ub, buffer, 8).error == EAGAIN);
    IoResult r = a.receive(ua, buffer, 8);
    REQUIRE(r.ok());
    REQUIRE(std::string(buffer, r.bytes) == "b->a");
    world.heal_one_way(a, b);
    REQUIRE(a.send_to(ua, "again", 5, ip("10.0.0.2", 5000)).ok());
    run_to(world, 2);
    REQUIRE(b.receive(ub, buffer, 8).bytes == 5);
}

TEST_CASE("a partition that outlasts the retries ends the connection with ETIMEDOUT", "[sim][faults][partition]") {
    World world(3);
    SimHost& a = *world.add_host("a", {"10.0.0.1"});
    SimHost& b = *world.add_host("b", {"10.0.0.2"});
    Fd listener = listen_on(b, 80);
    Fd c, s;
    std::tie(c, s) = connect_pair(world, a, b, listener, ip("10.0.0.2", 80));
    world.partition(a, b);
    REQUIRE(a.send(c, "lost", 4).bytes == 4);
    REQUIRE(step_until(world, [&] { return is_ready(a, c, kFailed); }));
    REQUIRE(world.now() > 100);  // fifteen backed-off retransmissions
    char buffer[8];
    REQUIRE(a.receive(c, buffer, 8).error == ETIMEDOUT);
    REQUIRE(b.receive(s, buffer, 8).error == EAGAIN);  // the other side never heard a thing
}

TEST_CASE("crash: the peer meets silence, then after restart its segments meet RST", "[sim][faults][crash]") {
    World world(3);
    SimHost& a = *world.add_host("a", {"10.0.0.1"});
    SimHost& b = *world.add_host("b", {"10.0.0.2"});
    Fd listener = listen_on(b, 80);
    Fd c, s;
    std::tie(c, s) = connect_pair(world, a, b, listener, ip("10.0.0.2", 80));
    int waiting_on_b;
    PollItem item{s, kReadable, 0};
    b.suspend(&item, 1, kNoDeadline, &waiting_on_b);
    std::vector<void*> dropped = world.crash(b);
    REQUIRE(dropped == std::vector<void*>{&waiting_on_b});
    REQUIRE_FALSE(b.up());
    REQUIRE(b.open_descriptors() == 0);
    Fd fd;
    REQUIRE(b.open_socket(Family::Inet, SocketType::Stream, 0, &fd) == ENETDOWN);
    REQUIRE(a.send(c, "anyone?", 7).bytes == 7);
    run_to(world, world.now() + 5);
    REQUIRE_FALSE(is_ready(a, c, kFailed));  // silence: retransmitting into the void
    REQUIRE(count_trace(world, {"host-down"}) >= 2);
    world.restart(b);
    REQUIRE(b.up());
    REQUIRE(step_until(world, [&] { return is_ready(a, c, kFailed); }));
    char buffer[8];
    REQUIRE(a.receive(c, buffer, 8).error == ECONNRESET);
    // The restarted host has the same address and a fresh port table.
    Fd fresh = listen_on(b, 80);
    (void)fresh;
    (void)listener;
}
