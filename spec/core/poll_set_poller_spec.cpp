// The poller that works on any Os through Os::wait (the simulated kernel's).
#include <catch2/catch.hpp>

#include <cstring>
#include <vector>

#include "core/poll_set_poller.hpp"
#include "clock_os.hpp"
#include "loopback_pair.hpp"

using namespace lsock;

TEST_CASE("poll-set poller: a one-shot watch reports once, then again only when re-armed", "[poll_set_poller]") {
    test::LoopbackPair pair;
    PollSetPoller poller(pair.os);
    REQUIRE(poller.watch(pair.server, kReadable, 42, Trigger::OneShot) == 0);
    std::vector<PollerEvent> events;
    CHECK(poller.wait(pair.os.now() + 0.05, &events) == ETIMEDOUT);
    pair.send_to_server("x");
    REQUIRE(poller.wait(pair.os.now() + 5, &events) == 0);
    REQUIRE(events.size() == 1);
    CHECK(events[0].tag == 42);
    CHECK((events[0].events & kReadable) != 0);
    events.clear();
    CHECK(poller.wait(pair.os.now() + 0.05, &events) == ETIMEDOUT);  // disarmed, data still there
    REQUIRE(poller.watch(pair.server, kReadable, 43, Trigger::OneShot) == 0);
    REQUIRE(poller.wait(pair.os.now() + 5, &events) == 0);
    CHECK(events.at(0).tag == 43);
}

TEST_CASE("poll-set poller: a level watch reports on every wait while ready", "[poll_set_poller]") {
    test::LoopbackPair pair;
    PollSetPoller poller(pair.os);
    REQUIRE(poller.watch(pair.server, kReadable, 1, Trigger::Level) == 0);
    pair.send_to_server("x");
    for (int i = 0; i < 3; ++i) {
        std::vector<PollerEvent> events;
        REQUIRE(poller.wait(pair.os.now() + 5, &events) == 0);
        CHECK(events.size() == 1);
    }
}

TEST_CASE("poll-set poller: an unwatched descriptor is not reported", "[poll_set_poller]") {
    test::LoopbackPair pair;
    PollSetPoller poller(pair.os);
    REQUIRE(poller.watch(pair.server, kReadable, 1, Trigger::Level) == 0);
    REQUIRE(poller.watch(pair.client, kWritable, 2, Trigger::Level) == 0);
    REQUIRE(poller.unwatch(pair.client) == 0);
    CHECK(poller.unwatch(pair.client) == ENOENT);
    std::vector<PollerEvent> events;
    CHECK(poller.wait(pair.os.now() + 0.05, &events) == ETIMEDOUT);
    CHECK(poller.native_handle() == kNoFd);
    CHECK(poller.wake() == ENOTSUP);
}

TEST_CASE("poll-set poller on a Suspend-style Os never asks it to block", "[poll_set_poller]") {
    test::ClockOs os;
    os.style = WaitStyle::Suspend;  // like the simulation's: wait only reports the present
    PollSetPoller poller(os);
    REQUIRE(poller.watch(3, kReadable, 1, Trigger::OneShot) == 0);
    REQUIRE(poller.watch(4, kWritable, 2, Trigger::OneShot) == 0);
    std::vector<PollerEvent> events;
    CHECK(poller.wait(kNoDeadline, &events) == ETIMEDOUT);
    CHECK(os.wait_deadlines == std::vector<double>{-kNoDeadline});
    std::vector<PollItem> items;
    poller.wait_items(&items);
    REQUIRE(items.size() == 2);
    CHECK(items[0].fd == 3);
    CHECK(items[0].events == kReadable);
    CHECK(items[1].fd == 4);
}
