// The trace on its own: the ring that keeps the newest entries in order,
// lines made only when read, and a hash that tells runs apart.
#include <catch2/catch.hpp>

#include "sim/trace.hpp"

using namespace lsock;
using namespace lsock::sim;

namespace {

Packet syn_from(std::uint16_t port) {
    Packet p;
    p.transport = Transport::Tcp;
    p.src = Address::inet({10, 0, 0, 1}, port);
    p.dst = Address::inet({10, 0, 0, 2}, 80);
    p.flags = kSyn;
    p.seq = 1000;
    p.window = 65535;
    return p;
}

}  // namespace

TEST_CASE("trace: a full ring keeps the newest entries, oldest first", "[sim][trace]") {
    Trace trace;
    trace.set_limit(3);
    for (int i = 1; i <= 5; ++i) trace.record(i, "note", "h", std::to_string(i));
    REQUIRE(trace.count() == 5);
    REQUIRE(trace.recent() == std::vector<std::string>{"3.000000000 note h 3", "4.000000000 note h 4",
                                                       "5.000000000 note h 5"});
    REQUIRE(trace.text() == "3.000000000 note h 3\n4.000000000 note h 4\n5.000000000 note h 5\n");
}

TEST_CASE("trace: a new limit keeps the newest entries and the ring goes on from there", "[sim][trace]") {
    Trace trace;
    trace.set_limit(3);
    for (int i = 1; i <= 4; ++i) trace.record(i, "note", "h", std::to_string(i));
    trace.set_limit(2);
    REQUIRE(trace.recent() == std::vector<std::string>{"3.000000000 note h 3", "4.000000000 note h 4"});
    trace.set_limit(4);
    trace.record(5, "note", "h", "5");
    trace.record(6, "note", "h", "6");
    trace.record(7, "note", "h", "7");
    REQUIRE(trace.recent() == std::vector<std::string>{"4.000000000 note h 4", "5.000000000 note h 5",
                                                       "6.000000000 note h 6", "7.000000000 note h 7"});
    trace.set_limit(0);
    trace.record(8, "note", "h", "8");
    REQUIRE(trace.recent().empty());
    REQUIRE(trace.count() == 8);
}

TEST_CASE("trace: a packet entry reads as its description, after its reason", "[sim][trace]") {
    Trace trace;
    trace.record(0.5, "drop", "a", "loss", syn_from(40000));
    trace.record(0.5, "send", "a", nullptr, syn_from(40000));
    REQUIRE(trace.recent() ==
            std::vector<std::string>{"0.500000000 drop a loss tcp 10.0.0.1:40000>10.0.0.2:80 S seq=1000 ack=0 win=65535 len=0",
                                     "0.500000000 send a tcp 10.0.0.1:40000>10.0.0.2:80 S seq=1000 ack=0 win=65535 len=0"});
}

TEST_CASE("trace: the hash tells apart what the lines tell apart", "[sim][trace]") {
    auto hash_of = [](auto&& fill) {
        Trace trace;
        fill(trace);
        return trace.hash();
    };
    auto base = [](Trace& t) { t.record(1, "send", "a", nullptr, syn_from(40000)); };
    REQUIRE(hash_of(base) == hash_of(base));
    // Another port, another time, another reason, another host: another hash.
    REQUIRE(hash_of(base) != hash_of([](Trace& t) { t.record(1, "send", "a", nullptr, syn_from(40001)); }));
    REQUIRE(hash_of(base) != hash_of([](Trace& t) { t.record(1.000000001, "send", "a", nullptr, syn_from(40000)); }));
    REQUIRE(hash_of(base) != hash_of([](Trace& t) { t.record(1, "send", "a", "loss", syn_from(40000)); }));
    REQUIRE(hash_of(base) != hash_of([](Trace& t) { t.record(1, "send", "b", nullptr, syn_from(40000)); }));
    // Text fields hash with their lengths: moving a byte across fields shows.
    REQUIRE(hash_of([](Trace& t) { t.record(1, "note", "ab", "c"); }) !=
            hash_of([](Trace& t) { t.record(1, "note", "a", "bc"); }));
    // Keeping nothing changes nothing in the hash.
    REQUIRE(hash_of(base) == hash_of([&](Trace& t) {
                t.set_limit(0);
                base(t);
            }));
}
