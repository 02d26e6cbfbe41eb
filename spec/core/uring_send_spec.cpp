// Sends through the io_uring ring (platform/posix/linux/uring_send.cpp):
// PosixOs::send on a socket an io_uring poller watches queues the bytes in
// the ring, and they go with the poller's next wait, in order; a send while
// one is in the kernel waits for it; a close or a shutdown comes after the
// bytes; the poller's end resets what could not be sent. Built where the
// build has liburing; not run where the kernel refuses rings
// (ring_or_not_run.hpp).
#include <catch2/catch.hpp>

#ifdef LSOCK_TEST_IO_URING

#include <sys/socket.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "loopback_pair.hpp"
#include "ring_or_not_run.hpp"
#include "lsock/poller.hpp"
#include "posix/linux/uring_poller.hpp"

using namespace lsock;
using lsock::posix::UringPoller;
using lsock::test::open_ring;
using lsock::test::rings_or_not_run;

namespace {

// The server end watched as the loop watches it, and claimed by a receive
// that finds the kernel empty: the ring receives for it, and then takes its
// sends too.
void watch_server(Poller& poller, test::LoopbackPair& pair, std::uint64_t tag) {
    REQUIRE(poller.watch(pair.server, kReadable | kWritable, tag, Trigger::Edge) == 0);
    char byte;
    REQUIRE(pair.os.receive(pair.server, &byte, 1).error == EAGAIN);
    std::vector<PollerEvent> events;
    poller.wait(pair.os.now() + 0.05, &events);  // the recv is in the kernel now
}

// Small buffers on both ends, so that a few sends fill them.
void shrink_buffers(test::LoopbackPair& pair) {
    int size = 4096;
    REQUIRE(::setsockopt(pair.server, SOL_SOCKET, SO_SNDBUF, &size, sizeof size) == 0);
    REQUIRE(::setsockopt(pair.client, SOL_SOCKET, SO_RCVBUF, &size, sizeof size) == 0);
}

// Sends `text` through the ring, waiting on the poller whenever it answers
// EAGAIN (at most 5 s); true when every byte was taken.
bool send_all(Poller& poller, test::LoopbackPair& pair, const std::string& text) {
    std::size_t sent = 0;
    double deadline = pair.os.now() + 5;
    while (sent < text.size() && pair.os.now() < deadline) {
        IoResult r = pair.os.send(pair.server, text.data() + sent, text.size() - sent);
        if (r.error && r.error != EAGAIN) return false;
        sent += r.bytes;
        if (r.error == EAGAIN) {
            std::vector<PollerEvent> events;
            poller.wait(pair.os.now() + 0.05, &events);
        }
    }
    return sent == text.size();
}

// Reads the client end until the end of stream, an error or 10 s, turning
// the poller between tries (its completions move the sends on); the bytes,
// and in `end` 0 for an end of stream or the error.
std::string read_to_end(Poller* poller, test::LoopbackPair& pair, int* end) {
    std::string got;
    char buffer[4096];
    double deadline = pair.os.now() + 10;
    *end = ETIMEDOUT;
    while (pair.os.now() < deadline) {
        IoResult r = pair.os.receive(pair.client, buffer, sizeof buffer);
        if (r.bytes) {
            got.append(buffer, r.bytes);
            continue;
        }
        if (!r.error) {
            *end = 0;
            break;
        }
        if (r.error != EAGAIN) {
            *end = r.error;
            break;
        }
        std::vector<PollerEvent> events;
        if (poller) poller->wait(pair.os.now() + 0.01, &events);
        PollItem item{pair.client, kReadable, 0};
        pair.os.wait(&item, 1, pair.os.now() + 0.01);
    }
    return got;
}

// A text of `size` bytes that shows where a byte went missing or moved.
std::string numbered(std::size_t size) {
    std::string text;
    for (std::size_t i = 0; text.size() < size; ++i) text += std::to_string(i) + ",";
    text.resize(size);
    return text;
}

// A connected pair whose server end a ring watches as the loop does; with
// `small` buffers, a few sends fill them.
struct RingPair {
    test::LoopbackPair pair;
    std::unique_ptr<Poller> poller;
    RingPair(std::uint64_t tag, bool small) {
        if (small) shrink_buffers(pair);
        poller = open_ring();
        watch_server(*poller, pair, tag);
    }
};

// Sends `text` in pieces the ring takes (8 KiB, of the 16 KiB it takes at
// most) until one answers EAGAIN: the ring's send then waits in the kernel
// for the reader. How many bytes were taken.
std::size_t send_until_waiting(Poller& poller, test::LoopbackPair& pair, const std::string& text) {
    std::size_t sent = 0;
    while (sent < text.size()) {
        IoResult r = pair.os.send(pair.server, text.data() + sent, std::min<std::size_t>(8192, text.size() - sent));
        REQUIRE((r.ok() || r.error == EAGAIN));
        sent += r.bytes;
        if (r.error == EAGAIN) break;
        std::vector<PollerEvent> events;
        poller.wait(pair.os.now() + 0.01, &events);
    }
    REQUIRE(sent < text.size());  // the buffers are full: it waits
    return sent;
}

bool client_has_nothing(test::LoopbackPair& pair) {
    PollItem item{pair.client, kReadable, 0};
    return pair.os.wait(&item, 1, pair.os.now() + 0.05) == ETIMEDOUT;
}

}  // namespace

TEST_CASE("io_uring sends: a turn's sends wait in the ring for the next wait, then arrive in order", "[io_uring]") {
    if (!rings_or_not_run()) return;
    RingPair ring(9, false);
    test::LoopbackPair& pair = ring.pair;
    std::unique_ptr<Poller>& poller = ring.poller;
    CHECK(pair.os.send(pair.server, "abc", 3).bytes == 3);
    CHECK(pair.os.send(pair.server, "def", 3).bytes == 3);  // joins the queued send
    CHECK(pair.os.send(pair.server, "g", 1).bytes == 1);
    // Nothing went to the kernel yet: the turn's sends go with its wait.
    CHECK(client_has_nothing(pair));
    std::vector<PollerEvent> events;
    poller->wait(pair.os.now() + 0.05, &events);
    char buffer[16];
    PollItem item{pair.client, kReadable, 0};
    REQUIRE(pair.os.wait(&item, 1, pair.os.now() + 5) == 0);
    IoResult r = pair.os.receive(pair.client, buffer, sizeof buffer);
    CHECK(std::string(buffer, r.bytes) == "abcdefg");
}

TEST_CASE("io_uring sends: a send while the ring's send waits in the kernel waits for it, and every byte arrives in order",
          "[io_uring]") {
    if (!rings_or_not_run()) return;
    RingPair ring(21, true);
    test::LoopbackPair& pair = ring.pair;
    std::unique_ptr<Poller>& poller = ring.poller;
    // Sent in pieces the ring takes (16 KiB at most each), far more than
    // the two buffers hold: the ring's send waits in the kernel, and the
    // next one answers EAGAIN until the reader makes room.
    std::string text = numbered(120000);
    std::size_t sent = send_until_waiting(*poller, pair, text);
    // Read it all while the sends go on, each time the ring reports writable.
    std::string got;
    char buffer[4096];
    double deadline = pair.os.now() + 20;
    bool reported_writable = false;
    while (got.size() < text.size() && pair.os.now() < deadline) {
        IoResult r = pair.os.receive(pair.client, buffer, sizeof buffer);
        got.append(buffer, r.bytes);
        std::vector<PollerEvent> events;
        poller->wait(pair.os.now() + 0.001, &events);
        for (const PollerEvent& event : events) {
            if (event.tag == 21 && (event.events & kWritable)) reported_writable = true;
        }
        while (sent < text.size()) {
            IoResult s = pair.os.send(pair.server, text.data() + sent, std::min<std::size_t>(8192, text.size() - sent));
            REQUIRE((s.ok() || s.error == EAGAIN));
            sent += s.bytes;
            if (s.error == EAGAIN) break;
        }
    }
    CHECK(reported_writable);
    CHECK(got.size() == text.size());
    CHECK(got == text);
}

TEST_CASE("io_uring sends: a socket closed while its send waits in the kernel is closed after the bytes went", "[io_uring]") {
    if (!rings_or_not_run()) return;
    RingPair ring(4, true);
    test::LoopbackPair& pair = ring.pair;
    std::unique_ptr<Poller>& poller = ring.poller;
    std::string text = numbered(200000);
    std::size_t sent = send_until_waiting(*poller, pair, text);
    // As the loop closes a socket: unwatch, then close. The close returns at
    // once; the descriptor is the poller's until its send is over.
    CHECK(poller->unwatch(pair.server) == 0);
    CHECK(pair.os.close(pair.server) == 0);
    pair.server = kNoFd;
    int end = -1;
    std::string got = read_to_end(poller.get(), pair, &end);
    CHECK(end == 0);  // a FIN, after every byte
    CHECK(got.size() == sent);
    CHECK(got == text.substr(0, sent));
}

TEST_CASE("io_uring sends: a shutdown while the ring's send waits in the kernel ends the stream after the bytes",
          "[io_uring]") {
    if (!rings_or_not_run()) return;
    RingPair ring(6, true);
    test::LoopbackPair& pair = ring.pair;
    std::unique_ptr<Poller>& poller = ring.poller;
    std::string text = numbered(100000);
    std::size_t sent = send_until_waiting(*poller, pair, text);
    CHECK(pair.os.shutdown(pair.server, ShutdownHow::Write) == 0);
    int end = -1;
    std::string got = read_to_end(poller.get(), pair, &end);
    CHECK(end == 0);
    CHECK(got == text.substr(0, sent));
}

TEST_CASE("io_uring sends: a failed send's error is the next send's", "[io_uring]") {
    if (!rings_or_not_run()) return;
    RingPair ring(8, false);
    test::LoopbackPair& pair = ring.pair;
    std::unique_ptr<Poller>& poller = ring.poller;
    // The peer goes with a reset.
    linger reset{1, 0};
    REQUIRE(::setsockopt(pair.client, SOL_SOCKET, SO_LINGER, &reset, sizeof reset) == 0);
    pair.os.close(pair.client);
    pair.client = kNoFd;
    std::vector<PollerEvent> events;
    poller->wait(pair.os.now() + 0.05, &events);  // the reset is reported (and read by the ring)
    // The kernel may report the reset to the send itself or to the ring's
    // send, whose error then goes to the next call: within two sends.
    IoResult first = pair.os.send(pair.server, "x", 1);
    int error = first.error;
    if (!error) {
        events.clear();
        poller->wait(pair.os.now() + 0.05, &events);
        error = pair.os.send(pair.server, "y", 1).error;
    }
    CHECK((error == EPIPE || error == ECONNRESET));
}

TEST_CASE("io_uring sends: after the poller's end, a socket whose send the peer never took closes with a reset", "[io_uring]") {
    if (!rings_or_not_run()) return;
    RingPair ring(2, true);
    test::LoopbackPair& pair = ring.pair;
    std::size_t sent = send_until_waiting(*ring.poller, pair, numbered(200000));
    // The poller ends while its send waits for a reader that never comes.
    ring.poller.reset();
    // Then the program closes the socket, as a loop's end does.
    CHECK(pair.os.close(pair.server) == 0);
    pair.server = kNoFd;
    int end = -1;
    std::string got = read_to_end(nullptr, pair, &end);
    CHECK(got.size() < sent);
    CHECK(end == ECONNRESET);  // not a FIN: the peer knows the stream was cut
}

TEST_CASE("io_uring sends: a send larger than the ring takes goes to the kernel, in order after the ring's", "[io_uring]") {
    if (!rings_or_not_run()) return;
    RingPair ring(12, false);
    test::LoopbackPair& pair = ring.pair;
    std::unique_ptr<Poller>& poller = ring.poller;
    std::string large = numbered(40000);
    CHECK(pair.os.send(pair.server, "first,", 6).bytes == 6);
    // The ring's send is queued, not yet in the kernel: the large one waits for it.
    CHECK(pair.os.send(pair.server, large.data(), large.size()).error == EAGAIN);
    CHECK(send_all(*poller, pair, large));
    CHECK(pair.os.shutdown(pair.server, ShutdownHow::Write) == 0);
    int end = -1;
    CHECK(read_to_end(poller.get(), pair, &end) == "first," + large);
    CHECK(end == 0);
}

TEST_CASE("io_uring sends: where the ring does not receive for a socket, or after a shutdown, the kernel answers the send",
          "[io_uring]") {
    if (!rings_or_not_run()) return;
    test::LoopbackPair pair;
    auto poller = open_ring();
    // Watched but not claimed (no receive found the kernel empty): the
    // loop cannot know the connection is sound, so the kernel takes the send
    // at once and would refuse it itself.
    REQUIRE(poller->watch(pair.server, kReadable | kWritable, 3, Trigger::Edge) == 0);
    CHECK(pair.os.send(pair.server, "now", 3).bytes == 3);
    CHECK_FALSE(client_has_nothing(pair));
    // Claimed, then shut for writing by us: a send fails at once (EPIPE), as
    // the kernel's does, not at the next call.
    char buffer[8];
    CHECK(pair.os.receive(pair.client, buffer, sizeof buffer).bytes == 3);
    REQUIRE(pair.os.receive(pair.server, buffer, 1).error == EAGAIN);
    std::vector<PollerEvent> events;
    poller->wait(pair.os.now() + 0.05, &events);
    CHECK(pair.os.shutdown(pair.server, ShutdownHow::Write) == 0);
    CHECK(pair.os.send(pair.server, "late", 4).error == EPIPE);
}

#endif  // LSOCK_TEST_IO_URING
