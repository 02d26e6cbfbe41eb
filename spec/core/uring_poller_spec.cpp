// The io_uring poller (platform/posix/linux/uring_poller.hpp), opened
// directly whatever LSOCK_POLLER says: one-shot and multishot (edge)
// watches, changes batched past the submission queue's size, the socket
// really closing once unwatched, wake from another thread, and joining.
// Built where the build has liburing. Where the kernel refuses rings each
// case is reported as not run (not_run.hpp), or fails when io_uring was
// asked for (LSOCK_POLLER=io_uring), since then rings were promised.
#include <catch2/catch.hpp>

#ifdef LSOCK_TEST_IO_URING

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "loopback_pair.hpp"
#include "ring_or_not_run.hpp"
#include "lsock/poller.hpp"
#include "posix/linux/kernel_release.hpp"
#include "posix/linux/uring_poller.hpp"

using namespace lsock;
using lsock::posix::UringPoller;
using lsock::test::open_ring;
using lsock::test::rings_or_not_run;

namespace {

// Waits up to 5 s for events; what came, in order.
std::vector<PollerEvent> wait_some(Poller& poller) {
    std::vector<PollerEvent> events;
    double deadline = system_os().now() + 5;
    while (events.empty() && system_os().now() < deadline) poller.wait(deadline, &events);
    return events;
}

}  // namespace

TEST_CASE("io_uring poller: a one-shot watch reports once until it is re-armed", "[io_uring]") {
    if (!rings_or_not_run()) return;
    test::LoopbackPair pair;
    auto poller = open_ring();
    CHECK(poller->native_handle() >= 0);
    CHECK(std::string(poller->kind()) == "io_uring");
    REQUIRE(poller->watch(pair.server, kReadable, 77, Trigger::OneShot) == 0);
    std::vector<PollerEvent> events;
    CHECK(poller->wait(pair.os.now() + 0.05, &events) == ETIMEDOUT);
    pair.send_to_server("x");
    events = wait_some(*poller);
    REQUIRE(events.size() == 1);
    CHECK(events[0].tag == 77);
    CHECK((events[0].events & kReadable) != 0);
    events.clear();
    CHECK(poller->wait(pair.os.now() + 0.05, &events) == ETIMEDOUT);
    // Re-armed for both: the unread byte and the room to write are there.
    REQUIRE(poller->watch(pair.server, kReadable | kWritable, 78, Trigger::OneShot) == 0);
    events = wait_some(*poller);
    REQUIRE(events.size() == 1);
    CHECK(events[0].tag == 78);
    CHECK(events[0].events == (kReadable | kWritable));
}

TEST_CASE("io_uring poller: an edge watch reports new data, not data that stays unread", "[io_uring]") {
    if (!rings_or_not_run()) return;
    test::LoopbackPair pair;
    auto poller = open_ring();
    REQUIRE(poller->watch(pair.server, kReadable | kWritable, 5, Trigger::Edge) == 0);
    // Armed: reports what is ready now (writable), once.
    std::vector<PollerEvent> events = wait_some(*poller);
    REQUIRE(events.size() == 1);
    CHECK((events[0].events & kWritable) != 0);
    events.clear();
    CHECK(poller->wait(pair.os.now() + 0.05, &events) == ETIMEDOUT);
    for (int round = 0; round < 3; ++round) {
        pair.send_to_server("x");  // never read: only each arrival is an edge
        events = wait_some(*poller);
        REQUIRE(events.size() == 1);
        CHECK(events[0].tag == 5);
        CHECK((events[0].events & kReadable) != 0);
        events.clear();
        CHECK(poller->wait(pair.os.now() + 0.05, &events) == ETIMEDOUT);
    }
    // The peer's FIN: readable with a hang-up, so a short read can tell.
    pair.os.shutdown(pair.client, ShutdownHow::Write);
    events = wait_some(*poller);
    REQUIRE(events.size() == 1);
    CHECK(events[0].events & kReadable);
    CHECK(events[0].events & kHangup);
}

TEST_CASE("io_uring poller: more changes in one turn than the submission queue holds all arrive", "[io_uring]") {
    if (!rings_or_not_run()) return;
    auto poller = open_ring();
    // 300 sockets watched in one turn (the queue has 256 entries), each
    // then made readable: every one is reported, with its own tag.
    std::vector<std::unique_ptr<test::LoopbackPair>> pairs;
    for (int i = 0; i < 300; ++i) {
        pairs.emplace_back(new test::LoopbackPair);
        REQUIRE(poller->watch(pairs.back()->server, kReadable, 1000 + i, Trigger::OneShot) == 0);
    }
    for (auto& pair : pairs) pair->send_to_server("x");
    std::vector<bool> seen(300, false);
    int count = 0;
    double deadline = system_os().now() + 10;
    std::vector<PollerEvent> events;
    while (count < 300 && system_os().now() < deadline) {
        events.clear();
        poller->wait(deadline, &events);
        for (const PollerEvent& event : events) {
            REQUIRE(event.tag >= 1000);
            REQUIRE(event.tag < 1300);
            if (!seen[event.tag - 1000]) ++count;
            seen[event.tag - 1000] = true;
        }
    }
    CHECK(count == 300);
}

TEST_CASE("io_uring poller: an unwatched socket really closes when it is closed", "[io_uring]") {
    if (!rings_or_not_run()) return;
    // A poll request holds the socket: unless the removal reaches the kernel
    // at once, closing the descriptor would not end the connection (no FIN)
    // until the loop's next turn.
    test::LoopbackPair pair;
    auto poller = open_ring();
    REQUIRE(poller->watch(pair.server, kReadable | kWritable, 3, Trigger::Edge) == 0);
    std::vector<PollerEvent> events;
    poller->wait(pair.os.now() + 0.05, &events);  // the watch is in the kernel now
    REQUIRE(poller->unwatch(pair.server) == 0);
    REQUIRE(pair.os.close(pair.server) == 0);
    pair.server = kNoFd;
    // No wait on the poller from here: the peer sees the end of stream.
    PollItem item{pair.client, kReadable, 0};
    REQUIRE(pair.os.wait(&item, 1, pair.os.now() + 2) == 0);
    char byte;
    IoResult got = pair.os.receive(pair.client, &byte, 1);
    CHECK(got.error == 0);
    CHECK(got.bytes == 0);
    CHECK(poller->unwatch(pair.client) == ENOENT);
}

namespace {

// Receives on the server end until `want` bytes came or 5 s passed, waiting
// on the poller between tries (the loop's way).
std::string receive_through(Poller& poller, test::LoopbackPair& pair, std::size_t want, int* last_error) {
    std::string got;
    char buffer[64];
    double deadline = pair.os.now() + 5;
    *last_error = 0;
    while (got.size() < want && pair.os.now() < deadline) {
        IoResult r = pair.os.receive(pair.server, buffer, sizeof buffer);
        got.append(buffer, r.bytes);
        *last_error = r.error;
        if (r.error && r.error != EAGAIN) break;
        if (!r.error && r.bytes == 0) break;
        if (r.error == EAGAIN) {
            std::vector<PollerEvent> events;
            poller.wait(deadline, &events);
        }
    }
    return got;
}

// Nothing waits in the server's kernel socket: what arrived was read by the ring.
bool kernel_queue_empty(test::LoopbackPair& pair) {
    PollItem item{pair.server, kReadable, 0};
    return pair.os.wait(&item, 1, pair.os.now()) == ETIMEDOUT;
}

// One receive on the server end, which must succeed: the text it brought.
std::string received_text(test::LoopbackPair& pair) {
    char buffer[16];
    IoResult r = pair.os.receive(pair.server, buffer, sizeof buffer);
    REQUIRE(r.ok());
    return std::string(buffer, r.bytes);
}

// An edge watch on the server end, then a receive that finds the kernel
// empty: from then on the ring receives for it.
void claim(Poller& poller, test::LoopbackPair& pair, std::uint64_t tag) {
    REQUIRE(poller.watch(pair.server, kReadable | kWritable, tag, Trigger::Edge) == 0);
    char byte;
    REQUIRE(pair.os.receive(pair.server, &byte, 1).error == EAGAIN);
    std::vector<PollerEvent> events;
    poller.wait(pair.os.now() + 0.05, &events);  // the receive is in the kernel now
}

// claim(), then `text` from the peer, read by the ring and waiting in it.
void claim_and_deliver(Poller& poller, test::LoopbackPair& pair, std::uint64_t tag, const char* text) {
    claim(poller, pair, tag);
    pair.send_to_server(text);
    REQUIRE_FALSE(wait_some(poller).empty());
    REQUIRE(kernel_queue_empty(pair));
}

}  // namespace

TEST_CASE("io_uring poller: once a receive finds the kernel empty the ring receives: bytes, then the end", "[io_uring]") {
    if (!rings_or_not_run()) return;
    test::LoopbackPair pair;
    auto poller = open_ring();
    claim(*poller, pair, 9);
    pair.send_to_server("abc");
    std::vector<PollerEvent> events = wait_some(*poller);
    REQUIRE_FALSE(events.empty());
    CHECK(events[0].tag == 9);
    CHECK((events[0].events & kReadable) != 0);
    CHECK(kernel_queue_empty(pair));  // the ring took them off the socket
    CHECK(received_text(pair) == "abc");
    char buffer[16];
    CHECK(pair.os.receive(pair.server, buffer, sizeof buffer).error == EAGAIN);
    // More bytes and the FIN behind them: the bytes first, then the end, each once.
    pair.send_to_server("defg");
    REQUIRE(pair.os.shutdown(pair.client, ShutdownHow::Write) == 0);
    int error = 0;
    CHECK(receive_through(*poller, pair, 4, &error) == "defg");
    IoResult r = pair.os.receive(pair.server, buffer, sizeof buffer);
    std::vector<PollerEvent> more;
    while (r.error == EAGAIN && poller->wait(pair.os.now() + 5, &more) == 0) r = pair.os.receive(pair.server, buffer, sizeof buffer);
    CHECK(r.error == 0);
    CHECK(r.bytes == 0);
    CHECK(pair.os.receive(pair.server, buffer, sizeof buffer).bytes == 0);
    REQUIRE(poller->unwatch(pair.server) == 0);
}

TEST_CASE("io_uring poller: bytes the ring read and nobody took outlive the poller", "[io_uring]") {
    if (!rings_or_not_run()) return;
    test::LoopbackPair pair;
    auto poller = open_ring();
    claim_and_deliver(*poller, pair, 4, "kept");
    poller.reset();  // a loop that changes poller (sock.uring_fd) lets go so
    CHECK(received_text(pair) == "kept");
    // Then the kernel again, as for any socket.
    char buffer[16];
    CHECK(pair.os.receive(pair.server, buffer, sizeof buffer).error == EAGAIN);
    pair.send_to_server("next");
    PollItem item{pair.server, kReadable, 0};
    REQUIRE(pair.os.wait(&item, 1, pair.os.now() + 5) == 0);
    CHECK(received_text(pair) == "next");
}

TEST_CASE("io_uring poller: a new ring watching a socket leaves another ring's unread bytes first in line", "[io_uring]") {
    if (!rings_or_not_run()) return;
    test::LoopbackPair pair;
    auto old_ring = open_ring();
    claim_and_deliver(*old_ring, pair, 4, "kept");
    old_ring.reset();
    auto poller = open_ring();  // the loop's new poller (sock.uring_fd)
    REQUIRE(poller->watch(pair.server, kReadable | kWritable, 5, Trigger::Edge) == 0);
    CHECK(received_text(pair) == "kept");
    pair.send_to_server("next");
    int error = 0;
    CHECK(receive_through(*poller, pair, 4, &error) == "next");
}

TEST_CASE("io_uring poller: a socket closed with bytes the ring read unread resets the connection", "[io_uring]") {
    if (!rings_or_not_run()) return;
    test::LoopbackPair pair;
    auto poller = open_ring();
    claim_and_deliver(*poller, pair, 6, "unread");
    REQUIRE(poller->unwatch(pair.server) == 0);
    REQUIRE(pair.os.close(pair.server) == 0);
    pair.server = kNoFd;
    PollItem item{pair.client, kReadable, 0};
    REQUIRE(pair.os.wait(&item, 1, pair.os.now() + 2) == 0);
    char byte;
    CHECK(pair.os.receive(pair.client, &byte, 1).error == ECONNRESET);
}

TEST_CASE("io_uring poller: with every provided buffer unread, receives go on through the kernel, in order", "[io_uring]") {
    if (!rings_or_not_run()) return;
    // 80 sockets, each sent 96 KiB that nobody reads at first: each holds
    // as many buffers as a socket may (then its recv stops), together more
    // than the loop's ring has, so some recvs end for want of a buffer.
    // Every byte still arrives, in order, on every socket.
    auto poller = open_ring();
    constexpr int kSockets = 80;
    constexpr std::size_t kBytes = 96 * 1024;
    std::vector<std::unique_ptr<test::LoopbackPair>> pairs;
    std::vector<std::string> sent;
    for (int i = 0; i < kSockets; ++i) {
        pairs.emplace_back(new test::LoopbackPair);
        claim(*poller, *pairs.back(), 100 + std::uint64_t(i));
        std::string data;
        for (std::size_t n = 0; data.size() < kBytes; ++n) data += std::to_string(i) + ":" + std::to_string(n) + ";";
        sent.push_back(data);
    }
    for (int i = 0; i < kSockets; ++i) {
        test::LoopbackPair& pair = *pairs[i];
        std::size_t done = 0;
        double deadline = pair.os.now() + 5;
        while (done < sent[i].size() && pair.os.now() < deadline) {
            IoResult r = pair.os.send(pair.client, sent[i].data() + done, sent[i].size() - done);
            done += r.bytes;
            std::vector<PollerEvent> events;
            poller->wait(pair.os.now(), &events);  // the ring reads meanwhile
        }
        REQUIRE(done == sent[i].size());
    }
    std::vector<PollerEvent> events;
    while (poller->wait(system_os().now() + 0.2, &events) == 0) events.clear();
    for (int i = 0; i < kSockets; ++i) {
        int error = 0;
        std::string got = receive_through(*poller, *pairs[i], sent[i].size(), &error);
        REQUIRE(got.size() == sent[i].size());
        CHECK(got == sent[i]);
    }
}

namespace {

// Linux 6.12 consumes provided buffers incrementally (IOU_PBUF_RING_INC).
bool kernel_consumes_buffers_incrementally() { return lsock::posix::linux_release_at_least(6, 12); }

// Raises the soft descriptor limit to at least `needed` where the hard one allows.
bool descriptors_for(rlim_t needed) {
    rlimit limit;
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return false;
    if (limit.rlim_cur >= needed) return true;
    if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < needed) return false;
    limit.rlim_cur = needed;
    return ::setrlimit(RLIMIT_NOFILE, &limit) == 0;
}

}  // namespace

TEST_CASE("io_uring poller: small receives on more sockets than the ring has buffers wait in the ring, each socket's own",
          "[io_uring]") {
    if (!rings_or_not_run()) return;
    // 1,100 sockets, more than the loop's 1,024 provided buffers, each sent
    // a short message per round that nobody reads until every one arrived.
    // Consumed incrementally, the buffers hold them all, side by side: every
    // message waits in the ring, none in the kernel. Read back in the other
    // order, each socket gets its own bytes, round after round (the buffers
    // go back to the ring and are filled again).
    constexpr int kSockets = 1100;
    REQUIRE(descriptors_for(2 * kSockets + 64));
    auto poller = open_ring();
    std::vector<std::unique_ptr<test::LoopbackPair>> pairs;
    for (int i = 0; i < kSockets; ++i) {
        pairs.emplace_back(new test::LoopbackPair);
        test::LoopbackPair& pair = *pairs.back();
        REQUIRE(poller->watch(pair.server, kReadable | kWritable, 100 + std::uint64_t(i), Trigger::Edge) == 0);
        char byte;
        REQUIRE(pair.os.receive(pair.server, &byte, 1).error == EAGAIN);  // claims it: the ring receives
    }
    std::vector<PollerEvent> events;
    while (poller->wait(system_os().now() + 0.1, &events) == 0) events.clear();
    bool incremental = kernel_consumes_buffers_incrementally();
    for (int round = 0; round < 3; ++round) {
        std::vector<std::string> sent;
        for (int i = 0; i < kSockets; ++i) {
            sent.push_back("socket " + std::to_string(i) + ", round " + std::to_string(round) + ";");
            pairs[i]->send_to_server(sent.back().c_str());
        }
        while (poller->wait(system_os().now() + 0.2, &events) == 0) events.clear();
        if (incremental) {
            int in_kernel = 0;
            for (auto& pair : pairs) in_kernel += kernel_queue_empty(*pair) ? 0 : 1;
            CHECK(in_kernel == 0);
        }
        for (int i = kSockets - 1; i >= 0; --i) {
            int error = 0;
            std::string got = receive_through(*poller, *pairs[i], sent[i].size(), &error);
            REQUIRE(got == sent[i]);
        }
    }
}

TEST_CASE("io_uring poller: a descriptor number used again after a close is watched anew", "[io_uring]") {
    if (!rings_or_not_run()) return;
    auto poller = open_ring();
    {
        test::LoopbackPair pair;
        REQUIRE(poller->watch(pair.server, kReadable, 1, Trigger::OneShot) == 0);
    }  // closed without unwatch: the old request is replaced at the next watch
    test::LoopbackPair pair;
    REQUIRE(poller->watch(pair.server, kReadable, 2, Trigger::OneShot) == 0);
    pair.send_to_server("x");
    std::vector<PollerEvent> events = wait_some(*poller);
    REQUIRE_FALSE(events.empty());
    for (const PollerEvent& event : events) CHECK(event.tag == 2);
}

TEST_CASE("io_uring poller: wake from another thread ends a wait at once", "[io_uring]") {
    if (!rings_or_not_run()) return;
    auto poller = open_ring();
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
    // And again: the doorbell was drained and stays armed.
    poller->wake();
    start = os.now();
    CHECK(poller->wait(start + 10, &events) == ETIMEDOUT);
    CHECK(os.now() - start < 5);
}

TEST_CASE("io_uring poller: joining checks for a ring, and each ring reports its own", "[io_uring]") {
    if (!rings_or_not_run()) return;
    test::LoopbackPair a_pair;
    test::LoopbackPair b_pair;
    std::unique_ptr<Poller> refused;
    CHECK(UringPoller::open(a_pair.client, &refused) == EINVAL);
    CHECK(UringPoller::open(123456, &refused) == EBADF);
    CHECK_FALSE(refused);
    auto a = open_ring();
    auto b = open_ring(a->native_handle());
    CHECK(b->native_handle() != a->native_handle());
    REQUIRE(a->watch(a_pair.server, kReadable, 1, Trigger::OneShot) == 0);
    REQUIRE(b->watch(b_pair.server, kReadable, 2, Trigger::OneShot) == 0);
    a_pair.send_to_server("a");
    b_pair.send_to_server("b");
    std::vector<PollerEvent> a_events = wait_some(*a);
    std::vector<PollerEvent> b_events = wait_some(*b);
    REQUIRE(a_events.size() == 1);
    REQUIRE(b_events.size() == 1);
    CHECK(a_events[0].tag == 1);
    CHECK(b_events[0].tag == 2);
}

TEST_CASE("io_uring poller: a refused connect is reported as a hang-up and the connect check says why",
          "[io_uring]") {
    if (!rings_or_not_run()) return;
    Os& os = system_os();
    // A port nobody listens on: bind one, note it, close it.
    Fd probe = kNoFd;
    REQUIRE(os.open_socket(Family::Inet, SocketType::Stream, 0, &probe) == 0);
    REQUIRE(os.bind(probe, Address::loopback(Family::Inet, 0)) == 0);
    Address unused;
    REQUIRE(os.local_address(probe, &unused) == 0);
    os.close(probe);
    Fd client = kNoFd;
    REQUIRE(os.open_socket(Family::Inet, SocketType::Stream, 0, &client) == 0);
    int error = os.connect(client, unused);
    auto poller = open_ring();
    if (error == EINPROGRESS) {
        REQUIRE(poller->watch(client, kReadable | kWritable, 4, Trigger::Edge) == 0);
        std::vector<PollerEvent> events = wait_some(*poller);
        REQUIRE_FALSE(events.empty());
        CHECK((events[0].events & (kHangup | kFailed)) != 0);
        error = os.finish_connect(client);
        poller->unwatch(client);
    }
    CHECK(error == ECONNREFUSED);
    os.close(client);
}

#endif  // LSOCK_TEST_IO_URING
