// The real kernel's poller (epoll, kqueue in that flavour, io_uring, the IOCP
// poller on Windows), through Os::open_poller: one-shot
// watches, wake from another thread, and sharing one epoll between pollers
// so that an event reaches the poller that owns the descriptor and no other.
#include <catch2/catch.hpp>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "loopback_pair.hpp"
#include "lsock/poller.hpp"

using namespace lsock;

namespace {

// This file is epoll's (kqueue's in that flavour, which ignores
// LSOCK_POLLER); where io_uring is the default, uring_poller_spec.cpp tests
// that one.
int try_open(Fd shared, std::unique_ptr<Poller>* out) {
#ifndef _WIN32
    setenv("LSOCK_POLLER", "epoll", 1);  // Windows has one poller (and no setenv)
#endif
    return system_os().open_poller(shared, out);
}

std::unique_ptr<Poller> open_poller(Fd shared = kNoFd) {
    std::unique_ptr<Poller> poller;
    REQUIRE(try_open(shared, &poller) == 0);
    REQUIRE(poller);
    return poller;
}

}  // namespace

TEST_CASE("epoll poller: a one-shot watch reports once until it is re-armed", "[epoll]") {
    test::LoopbackPair pair;
    auto poller = open_poller();
    CHECK(poller->native_handle() >= 0);
    REQUIRE(poller->watch(pair.server, kReadable, 77, Trigger::OneShot) == 0);
    std::vector<PollerEvent> events;
    CHECK(poller->wait(pair.os.now() + 0.05, &events) == ETIMEDOUT);
    pair.send_to_server("x");
    REQUIRE(poller->wait(pair.os.now() + 5, &events) == 0);
    REQUIRE(events.size() == 1);
    CHECK(events[0].tag == 77);
    CHECK((events[0].events & kReadable) != 0);
    events.clear();
    CHECK(poller->wait(pair.os.now() + 0.05, &events) == ETIMEDOUT);
    REQUIRE(poller->watch(pair.server, kReadable | kWritable, 78, Trigger::OneShot) == 0);
    REQUIRE(poller->wait(pair.os.now() + 5, &events) == 0);
    // epoll reports both in one event; kqueue has a filter for each, and
    // the second may come in the next wait.
    unsigned reported = 0;
    for (int round = 0; round < 2 && reported != (kReadable | kWritable); ++round) {
        for (const PollerEvent& event : events) {
            CHECK(event.tag == 78);
            reported |= event.events;
        }
        events.clear();
        if (reported != (kReadable | kWritable)) poller->wait(pair.os.now() + 5, &events);
    }
    CHECK(reported == (kReadable | kWritable));
}

TEST_CASE("epoll poller: watching a descriptor the kernel already dropped adds it again", "[epoll]") {
    auto poller = open_poller();
    std::vector<PollerEvent> events;
    {
        test::LoopbackPair pair;
        REQUIRE(poller->watch(pair.server, kReadable, 1, Trigger::OneShot) == 0);
    }  // closed without unwatch: the kernel forgets it
    test::LoopbackPair pair;
    REQUIRE(poller->watch(pair.server, kReadable, 2, Trigger::OneShot) == 0);
    pair.send_to_server("x");
    REQUIRE(poller->wait(pair.os.now() + 5, &events) == 0);
    CHECK(events.at(0).tag == 2);
}

TEST_CASE("epoll poller: wake from another thread ends a wait at once", "[epoll]") {
    auto poller = open_poller();
    Os& os = system_os();
    double start = os.now();
    std::thread waker([&poller] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        poller->wake();
    });
    std::vector<PollerEvent> events;
    CHECK(poller->wait(start + 10, &events) == ETIMEDOUT);
    waker.join();
    CHECK(os.now() - start < 5);
    CHECK(events.empty());
}

TEST_CASE("epoll poller: joining something that is not an epoll fails", "[epoll]") {
    test::LoopbackPair pair;
    std::unique_ptr<Poller> poller;
    CHECK(try_open(pair.client, &poller) == EINVAL);
    CHECK_FALSE(poller);
    CHECK(try_open(123456, &poller) == EBADF);
}

TEST_CASE("shared epoll: an event taken off by another poller reaches the owner, not the taker", "[epoll]") {
    test::LoopbackPair pair;
    auto owner = open_poller();
    auto other = open_poller(owner->native_handle());
#ifdef LSOCK_TEST_LIBKQUEUE
    // A dup of a libkqueue descriptor is not a kqueue: the caller's is used (PORTING.md).
    CHECK(other->native_handle() == owner->native_handle());
#else
    CHECK(other->native_handle() != owner->native_handle());  // its own reference to the same queue
#endif
    REQUIRE(owner->watch(pair.server, kReadable, 5, Trigger::OneShot) == 0);
    pair.send_to_server("x");
    std::vector<PollerEvent> events;
    // The other poller sees the shared epoll ready, takes the event off and
    // forwards it: it reports nothing itself.
    CHECK(other->wait(pair.os.now() + 0.2, &events) == ETIMEDOUT);
    CHECK(events.empty());
    REQUIRE(owner->wait(pair.os.now() + 5, &events) == 0);
    REQUIRE(events.size() == 1);
    CHECK(events[0].tag == 5);
}

TEST_CASE("shared epoll: each poller gets the events of its own descriptors", "[epoll]") {
    test::LoopbackPair a_pair;
    test::LoopbackPair b_pair;
    auto a = open_poller();
    auto b = open_poller(a->native_handle());
    REQUIRE(a->watch(a_pair.server, kReadable, 1, Trigger::OneShot) == 0);
    REQUIRE(b->watch(b_pair.server, kReadable, 2, Trigger::OneShot) == 0);
    a_pair.send_to_server("a");
    b_pair.send_to_server("b");
    std::vector<PollerEvent> a_events;
    std::vector<PollerEvent> b_events;
    double deadline = system_os().now() + 5;
    while ((a_events.empty() || b_events.empty()) && system_os().now() < deadline) {
        a->wait(system_os().now() + 0.05, &a_events);
        b->wait(system_os().now() + 0.05, &b_events);
    }
    REQUIRE(a_events.size() == 1);
    REQUIRE(b_events.size() == 1);
    CHECK(a_events[0].tag == 1);
    CHECK(b_events[0].tag == 2);
}

TEST_CASE("shared epoll: an event of a poller that is gone is dropped", "[epoll]") {
    test::LoopbackPair pair;
    auto keeper = open_poller();
    {
        auto gone = open_poller(keeper->native_handle());
        REQUIRE(gone->watch(pair.server, kReadable, 9, Trigger::OneShot) == 0);
    }
    pair.send_to_server("x");
    std::vector<PollerEvent> events;
    CHECK(keeper->wait(pair.os.now() + 0.1, &events) == ETIMEDOUT);
    CHECK(events.empty());
}

// The errors a poller may see before the socket does: the socket's next call
// must still report them. (libkqueue reads a socket's error with SO_ERROR,
// which clears it: without posix/taken_errors.hpp the refused connect looked
// "in progress" forever and the reset looked like an end of stream.)
namespace {

// Waits on `poller` until a hang-up or failure for `tag` comes (false after 5 s).
bool wait_for_hangup(Poller& poller, std::uint64_t tag) {
    double deadline = system_os().now() + 5;
    std::vector<PollerEvent> events;
    while (system_os().now() < deadline) {
        events.clear();
        poller.wait(deadline, &events);
        for (const PollerEvent& event : events) {
            if (event.tag == tag && (event.events & (kHangup | kFailed))) return true;
        }
    }
    return false;
}

// An edge-triggered watch where the poller has one, else a one-shot one
// (the IOCP poller's AFD poll has no edge mode; the scheduler falls back
// the same way): these tests need one report, not re-arming.
int watch_for_one_report(Poller& poller, Fd fd, unsigned events, std::uint64_t tag) {
    int error = poller.watch(fd, events, tag, Trigger::Edge);
    return error == ENOTSUP ? poller.watch(fd, events, tag, Trigger::OneShot) : error;
}

}  // namespace

TEST_CASE("real poller: a refused connect the poller saw is reported by the connect check", "[epoll]") {
    Os& os = system_os();
    // A port nobody listens on: bound, then closed.
    Fd probe = kNoFd;
    REQUIRE(os.open_socket(Family::Inet, SocketType::Stream, 0, &probe) == 0);
    REQUIRE(os.bind(probe, Address::loopback(Family::Inet, 0)) == 0);
    Address closed_port;
    REQUIRE(os.local_address(probe, &closed_port) == 0);
    os.close(probe);
    auto poller = open_poller();
    Fd client = kNoFd;
    REQUIRE(os.open_socket(Family::Inet, SocketType::Stream, 0, &client) == 0);
    REQUIRE(watch_for_one_report(*poller, client, kReadable | kWritable, 31) == 0);
    int error = os.connect(client, closed_port);
    if (error == EINPROGRESS) {
        REQUIRE(wait_for_hangup(*poller, 31));
        error = os.finish_connect(client);
    }
    CHECK(error == ECONNREFUSED);
    poller->unwatch(client);
    os.close(client);
}

// Not in the Windows build: Wine 8 closes with a FIN under SO_LINGER 0
// (platform/windows/README.md, the #wine_no_reset specs).
#ifndef _WIN32
TEST_CASE("real poller: a reset the poller saw is reported by the next receive, not an end of stream", "[epoll]") {
    test::LoopbackPair pair;
    auto poller = open_poller();
    REQUIRE(watch_for_one_report(*poller, pair.client, kReadable | kWritable, 32) == 0);
    // SO_LINGER 0: the close sends a reset, not a FIN.
    REQUIRE(pair.os.set_option(pair.server, SocketOption::Linger, 0) == 0);
    REQUIRE(pair.os.close(pair.server) == 0);
    pair.server = kNoFd;
    REQUIRE(wait_for_hangup(*poller, 32));
    char byte;
    IoResult r = pair.os.receive(pair.client, &byte, 1);
    CHECK(r.error == ECONNRESET);
    poller->unwatch(pair.client);
}
#endif
