// The sock loop's scheduler: who waits for what, who goes on, in what order.
#include <catch2/catch.hpp>

#include <memory>
#include <vector>

#include "core/scheduler.hpp"
#include "clock_os.hpp"
#include "scripted_poller.hpp"

using lsock::kHangup;
using lsock::kNoDeadline;
using lsock::kReadable;
using lsock::kWritable;
using lsock::Scheduler;
using lsock::Trigger;
using lsock::test::ClockOs;
using lsock::test::ScriptedPoller;

namespace {

struct Fixture {
    ClockOs os;
    Scheduler scheduler{os};
    ScriptedPoller* poller;

    Fixture() {
        auto owned = std::make_unique<ScriptedPoller>(os);
        poller = owned.get();
        scheduler.set_poller(std::move(owned));
    }

    std::vector<Scheduler::ThreadId> ready() {
        std::vector<Scheduler::ThreadId> out;
        Scheduler::ThreadId thread = 0;
        while (scheduler.pop_ready(&thread)) out.push_back(thread);
        return out;
    }

    std::vector<Scheduler::ThreadId> turn(double until = kNoDeadline) {
        REQUIRE(scheduler.collect(until) == 0);
        return ready();
    }
};

using Threads = std::vector<Scheduler::ThreadId>;

}  // namespace

// A Windows SOCKET is pointer-sized and need not be small: descriptors past
// the directly indexed table get slots of their own (issue 10). The tags
// below would collide if the table kept only a descriptor's low bits.
TEST_CASE("a descriptor too large to index the watch table gets a slot of its own, never confused with another",
          "[scheduler]") {
    Fixture f;
    const lsock::Fd big = lsock::Fd(Scheduler::kDirectSlots * 2 + 5);
    const lsock::Fd bigger = lsock::Fd(Scheduler::kDirectSlots * 64 + 5);
    REQUIRE(f.scheduler.wait_io(1, big, kReadable, kNoDeadline) == 0);
    REQUIRE(f.scheduler.wait_io(2, 5, kReadable, kNoDeadline) == 0);
    REQUIRE(f.scheduler.wait_io(3, bigger, kReadable, kNoDeadline) == 0);
    CHECK(f.poller->tag_of(big) != f.poller->tag_of(5));
    CHECK(f.poller->tag_of(big) != f.poller->tag_of(bigger));
    f.poller->fire(big, kReadable);
    CHECK(f.turn() == Threads{1});
    f.poller->fire(bigger, kReadable);
    CHECK(f.turn() == Threads{3});
    CHECK(f.scheduler.waiting(2));
    f.poller->fire(5, kReadable);
    CHECK(f.turn() == Threads{2});
}

TEST_CASE("a late event for a closed large descriptor does not wake the next socket with its handle",
          "[scheduler]") {
    Fixture f;
    const lsock::Fd big = lsock::Fd(Scheduler::kDirectSlots * 3 + 1);
    REQUIRE(f.scheduler.wait_io(1, big, kReadable, kNoDeadline) == 0);
    std::uint64_t old_tag = f.poller->tag_of(big);
    f.scheduler.forget_fd(big);
    CHECK(f.ready() == Threads{1});
    // Its slot is free again, and the next large descriptor takes it.
    REQUIRE(f.scheduler.wait_io(2, big + 4, kReadable, kNoDeadline) == 0);
    REQUIRE(f.scheduler.wait_io(3, big, kReadable, kNoDeadline) == 0);
    CHECK(f.poller->tag_of(big) != old_tag);
    f.poller->script.push_back({{old_tag, kReadable}});
    CHECK(f.turn(0).empty());
    CHECK(f.scheduler.waiting(2));
    CHECK(f.scheduler.waiting(3));
    f.poller->fire(big, kReadable);
    CHECK(f.turn() == Threads{3});
}

TEST_CASE("a thread waiting on a descriptor goes on when it is ready", "[scheduler]") {
    Fixture f;
    REQUIRE(f.scheduler.wait_io(1, 5, kReadable, kNoDeadline) == 0);
    REQUIRE(f.poller->watches.size() == 1);
    CHECK(f.poller->watches[0].events == kReadable);
    CHECK(f.poller->watches[0].trigger == Trigger::OneShot);
    CHECK(f.scheduler.waiting(1));
    f.poller->fire(5, kReadable);
    CHECK(f.turn() == Threads{1});
    CHECK_FALSE(f.scheduler.has_waiters());
}

TEST_CASE("full duplex: an event for one direction wakes only that direction's thread", "[scheduler]") {
    Fixture f;
    REQUIRE(f.scheduler.wait_io(1, 5, kReadable, kNoDeadline) == 0);
    REQUIRE(f.scheduler.wait_io(2, 5, kWritable, kNoDeadline) == 0);
    CHECK(f.poller->armed(5) == (kReadable | kWritable));
    f.poller->fire(5, kWritable);
    CHECK(f.turn() == Threads{2});
    // The one-shot watch fired: it is armed again for the reader alone.
    CHECK(f.poller->armed(5) == kReadable);
    CHECK(f.scheduler.waiting(1));
    f.poller->fire(5, kReadable);
    CHECK(f.turn() == Threads{1});
}

TEST_CASE("a hang-up wakes every thread that waits on the descriptor", "[scheduler]") {
    Fixture f;
    REQUIRE(f.scheduler.wait_io(1, 5, kReadable, kNoDeadline) == 0);
    REQUIRE(f.scheduler.wait_io(2, 5, kWritable, kNoDeadline) == 0);
    f.poller->fire(5, kHangup);
    CHECK(f.turn() == Threads{1, 2});
}

TEST_CASE("a deadline wakes a thread whose descriptor stays quiet", "[scheduler]") {
    Fixture f;
    REQUIRE(f.scheduler.wait_io(1, 5, kReadable, 2.0) == 0);
    CHECK(f.scheduler.next_deadline() == 2.0);
    CHECK(f.turn() == Threads{1});
    CHECK(f.poller->wait_deadlines.back() == 2.0);
    CHECK(f.os.clock == 2.0);
    CHECK(f.scheduler.next_deadline() == kNoDeadline);
}

TEST_CASE("a thread woken by I/O loses its deadline", "[scheduler]") {
    Fixture f;
    REQUIRE(f.scheduler.wait_io(1, 5, kReadable, 2.0) == 0);
    f.poller->fire(5, kReadable);
    CHECK(f.turn() == Threads{1});
    CHECK(f.scheduler.next_deadline() == kNoDeadline);
    f.os.clock = 3.0;
    CHECK(f.turn(3.0).empty());  // no second wakeup from the old deadline
}

TEST_CASE("sleeping threads go on in deadline order", "[scheduler]") {
    Fixture f;
    REQUIRE(f.scheduler.wait_until(1, 3.0) == 0);
    REQUIRE(f.scheduler.wait_until(2, 1.0) == 0);
    REQUIRE(f.scheduler.wait_until(3, 2.0) == 0);
    CHECK(f.turn() == Threads{2});
    CHECK(f.turn() == Threads{3});
    CHECK(f.turn() == Threads{1});
}

TEST_CASE("threads with equal deadlines go on in the order they began to wait", "[scheduler]") {
    Fixture f;
    REQUIRE(f.scheduler.wait_until(30, 1.0) == 0);
    REQUIRE(f.scheduler.wait_until(10, 1.0) == 0);
    REQUIRE(f.scheduler.wait_io(20, 7, kReadable, 1.0) == 0);
    CHECK(f.turn() == Threads{30, 10, 20});
}

TEST_CASE("a cancelled thread is never woken, by its descriptor or its deadline", "[scheduler]") {
    Fixture f;
    REQUIRE(f.scheduler.wait_io(1, 5, kReadable, 1.0) == 0);
    f.scheduler.cancel(1);
    CHECK_FALSE(f.scheduler.has_waiters());
    f.poller->fire(5, kReadable);
    CHECK(f.turn(5.0).empty());
    CHECK(f.turn(5.0).empty());
}

TEST_CASE("a thread closed while it is already queued to go on is not resumed", "[scheduler]") {
    Fixture f;
    REQUIRE(f.scheduler.wait_io(1, 5, kReadable, kNoDeadline) == 0);
    REQUIRE(f.scheduler.wait_io(2, 6, kReadable, kNoDeadline) == 0);
    f.poller->script.push_back({{f.poller->tag_of(5), kReadable}, {f.poller->tag_of(6), kReadable}});
    REQUIRE(f.scheduler.collect(kNoDeadline) == 0);
    f.scheduler.cancel(1);  // e.g. its coroutine ended while 2 ran first
    CHECK(f.ready() == Threads{2});
}

// ready_ points at the threads' records, so a record that a queued entry
// still names outlives its cancel until that entry is popped. A new thread
// may get the id (the address of a collected coroutine) meanwhile: it must
// be woken for its own wait only, and once.
TEST_CASE("a thread that ends while queued and whose id comes back is woken for its new wait only", "[scheduler]") {
    Fixture f;
    REQUIRE(f.scheduler.wait_io(1, 5, kReadable, kNoDeadline) == 0);
    f.poller->script.push_back({{f.poller->tag_of(5), kReadable}});
    REQUIRE(f.scheduler.collect(kNoDeadline) == 0);
    f.scheduler.cancel(1);
    CHECK_FALSE(f.scheduler.waiting(1));
    REQUIRE(f.scheduler.wait_io(1, 6, kReadable, kNoDeadline) == 0);  // the new thread 1
    CHECK(f.ready().empty());   // the old entry is stale
    CHECK(f.scheduler.waiting(1));
    f.poller->fire(6, kReadable);
    CHECK(f.turn() == Threads{1});
    CHECK_FALSE(f.scheduler.has_waiters());
    f.scheduler.cancel(1);
    f.poller->fire(6, kReadable);
    CHECK(f.turn().empty());
}

TEST_CASE("a thread cancelled while queued twice is forgotten once both entries are popped", "[scheduler]") {
    Fixture f;
    REQUIRE(f.scheduler.wait_io(1, 5, kReadable, kNoDeadline) == 0);
    f.poller->script.push_back({{f.poller->tag_of(5), kReadable}});
    REQUIRE(f.scheduler.collect(kNoDeadline) == 0);
    // Waits again while queued (its entry goes stale), is woken again
    // (a second entry), then ends.
    REQUIRE(f.scheduler.wait_until(1, 0.5) == 0);
    f.os.clock = 1.0;
    REQUIRE(f.scheduler.collect(-kNoDeadline) == 0);
    f.scheduler.cancel(1);
    CHECK_FALSE(f.scheduler.has_waiters());
    CHECK(f.ready().empty());
    // Nothing of it is left to wake: a later wait of the id starts afresh.
    REQUIRE(f.scheduler.wait_until(1, 2.0) == 0);
    CHECK(f.turn(1.5).empty());
    f.os.clock = 2.0;
    CHECK(f.turn(2.0) == Threads{1});
}

// The thread pop_ready handed out finds its record without a lookup when it
// waits again; another thread waiting first must not take that record.
TEST_CASE("threads that wait again after being resumed keep their own records", "[scheduler]") {
    Fixture f;
    REQUIRE(f.scheduler.wait_io(1, 5, kReadable, kNoDeadline) == 0);
    REQUIRE(f.scheduler.wait_io(2, 6, kReadable, kNoDeadline) == 0);
    f.poller->script.push_back({{f.poller->tag_of(5), kReadable}});
    REQUIRE(f.scheduler.collect(kNoDeadline) == 0);
    Scheduler::ThreadId thread = 0;
    REQUIRE(f.scheduler.pop_ready(&thread));
    CHECK(thread == 1);
    REQUIRE(f.scheduler.wait_io(3, 7, kReadable, kNoDeadline) == 0);  // 1 made a thread that waits
    REQUIRE(f.scheduler.wait_io(1, 5, kReadable, kNoDeadline) == 0);
    CHECK(f.scheduler.waiter_count() == 3);
    f.poller->fire(7, kReadable);
    CHECK(f.turn() == Threads{3});
    f.poller->fire(5, kReadable);
    CHECK(f.turn() == Threads{1});
    f.scheduler.cancel(1);  // the record pop_ready handed out last goes
    REQUIRE(f.scheduler.wait_io(1, 5, kReadable, kNoDeadline) == 0);
    f.poller->script.push_back({{f.poller->tag_of(5), kReadable}, {f.poller->tag_of(6), kReadable}});
    CHECK(f.turn() == Threads{1, 2});
}

TEST_CASE("a socket closed while threads wait on it wakes them all", "[scheduler]") {
    Fixture f;
    REQUIRE(f.scheduler.wait_io(1, 5, kReadable, 9.0) == 0);
    REQUIRE(f.scheduler.wait_io(2, 5, kWritable, kNoDeadline) == 0);
    f.scheduler.forget_fd(5);
    CHECK(f.poller->unwatches == std::vector<lsock::Fd>{5});
    // Already queued: the next turn does not block.
    REQUIRE(f.scheduler.collect(kNoDeadline) == 0);
    CHECK(f.poller->wait_deadlines.back() == -kNoDeadline);
    CHECK(f.ready() == Threads{1, 2});
    CHECK(f.scheduler.next_deadline() == kNoDeadline);
}

TEST_CASE("a late event for a closed descriptor does not wake the next socket with its number", "[scheduler]") {
    Fixture f;
    REQUIRE(f.scheduler.wait_io(1, 5, kReadable, kNoDeadline) == 0);
    std::uint64_t old_tag = f.poller->tag_of(5);
    f.scheduler.forget_fd(5);
    CHECK(f.ready() == Threads{1});
    REQUIRE(f.scheduler.wait_io(2, 5, kReadable, kNoDeadline) == 0);
    CHECK(f.poller->tag_of(5) != old_tag);
    f.poller->script.push_back({{old_tag, kReadable}});
    CHECK(f.turn(0).empty());
    CHECK(f.scheduler.waiting(2));
}

TEST_CASE("waiting again replaces what the thread waited on before", "[scheduler]") {
    Fixture f;
    REQUIRE(f.scheduler.wait_io(1, 5, kReadable, 1.0) == 0);
    REQUIRE(f.scheduler.wait_until(1, 3.0) == 0);
    f.poller->fire(5, kReadable);
    CHECK(f.turn(2.0).empty());
    CHECK(f.turn() == Threads{1});
    CHECK(f.os.clock == 3.0);
}

TEST_CASE("an armed watch is not asked for again", "[scheduler]") {
    Fixture f;
    REQUIRE(f.scheduler.wait_io(1, 5, kReadable, kNoDeadline) == 0);
    REQUIRE(f.scheduler.wait_io(2, 5, kReadable, kNoDeadline) == 0);
    CHECK(f.poller->watches_of(5).size() == 1);
    f.poller->fire(5, kReadable);
    CHECK(f.turn() == Threads{1, 2});
}

TEST_CASE("a wait the poller refuses is reported and leaves nothing behind", "[scheduler]") {
    Fixture f;
    f.poller->watch_error = EBADF;
    CHECK(f.scheduler.wait_io(1, 5, kReadable, 4.0) == EBADF);
    CHECK_FALSE(f.scheduler.has_waiters());
    CHECK(f.scheduler.next_deadline() == kNoDeadline);
}

TEST_CASE("collect waits no longer than its own limit", "[scheduler]") {
    Fixture f;
    REQUIRE(f.scheduler.wait_until(1, 10.0) == 0);
    CHECK(f.turn(4.0).empty());
    CHECK(f.poller->wait_deadlines.back() == 4.0);
    CHECK(f.scheduler.waiting(1));
}

TEST_CASE("the poller can change only while no thread waits", "[scheduler]") {
    Fixture f;
    REQUIRE(f.scheduler.wait_until(1, 10.0) == 0);
    CHECK(f.scheduler.use_poller(lsock::kNoFd) == EBUSY);
    f.scheduler.cancel(1);
    // ClockOs has no poller of its own to open.
    CHECK(f.scheduler.use_poller(lsock::kNoFd) == ENOSYS);
}

TEST_CASE("without a poller of the Os the scheduler uses the poll-set poller", "[scheduler]") {
    ClockOs os;
    Scheduler scheduler(os);
    int error = 0;
    CHECK(scheduler.poller_handle(&error) == lsock::kNoFd);
    CHECK(error == ENOTSUP);
    os.clock = 1.0;
    REQUIRE(scheduler.wait_until(7, 0.5) == 0);
    REQUIRE(scheduler.collect(kNoDeadline) == 0);
    Scheduler::ThreadId thread = 0;
    REQUIRE(scheduler.pop_ready(&thread));
    CHECK(thread == 7);
}

TEST_CASE("an edge-triggered watch is registered once and never re-armed", "[scheduler]") {
    Fixture f;
    f.poller->edge = true;
    REQUIRE(f.scheduler.wait_io(1, 5, kReadable, kNoDeadline) == 0);
    REQUIRE(f.poller->watches.size() == 1);
    CHECK(f.poller->watches[0].trigger == Trigger::Edge);
    f.poller->fire(5, kReadable | kWritable);
    CHECK(f.turn() == Threads{1});
    // Waiting again, reading or writing, costs the poller nothing.
    REQUIRE(f.scheduler.wait_io(1, 5, kReadable, kNoDeadline) == 0);
    REQUIRE(f.scheduler.wait_io(2, 5, kWritable, kNoDeadline) == 0);
    CHECK(f.poller->watches.size() == 1);
    f.poller->fire(5, kWritable);
    CHECK(f.turn() == Threads{2});
    CHECK(f.scheduler.waiting(1));
    f.poller->fire(5, kReadable);
    CHECK(f.turn() == Threads{1});
    CHECK_FALSE(f.scheduler.has_waiters());
    // An edge nobody waits for is dropped (the next try sees the readiness).
    f.poller->fire(5, kReadable);
    CHECK(f.turn().empty());
    f.scheduler.forget_fd(5);
    CHECK(f.poller->unwatches == std::vector<lsock::Fd>{5});
}

TEST_CASE("may_be_ready: only an edge watch can say a try would find nothing", "[scheduler]") {
    Fixture f;
    // Not watched yet, or watched one-shot: the scheduler cannot know.
    CHECK(f.scheduler.may_be_ready(5, kReadable));
    REQUIRE(f.scheduler.wait_io(1, 5, kReadable, kNoDeadline) == 0);
    f.poller->fire(5, kReadable);
    CHECK(f.turn() == Threads{1});
    CHECK(f.scheduler.may_be_ready(5, kReadable));
}

TEST_CASE("may_be_ready: edges nobody was woken for are kept until the next wait", "[scheduler]") {
    Fixture f;
    f.poller->edge = true;
    REQUIRE(f.scheduler.wait_io(1, 5, kReadable, kNoDeadline) == 0);
    // Thread 1 tried and waits: nothing came since.
    CHECK_FALSE(f.scheduler.may_be_ready(5, kReadable));
    // The edge went to thread 1, whose retry reads: it is not left over.
    f.poller->fire(5, kReadable);
    CHECK(f.turn() == Threads{1});
    CHECK_FALSE(f.scheduler.may_be_ready(5, kReadable));
    // New data while nobody waits: the next recv must ask the kernel.
    f.poller->fire(5, kReadable);
    CHECK(f.turn().empty());
    CHECK(f.scheduler.may_be_ready(5, kReadable));
    CHECK_FALSE(f.scheduler.may_be_ready(5, kWritable));
    // Waiting again says that try was made.
    REQUIRE(f.scheduler.wait_io(1, 5, kReadable, kNoDeadline) == 0);
    CHECK_FALSE(f.scheduler.may_be_ready(5, kReadable));
    // Room to write that a reader was woken for is still news to a writer.
    f.poller->fire(5, kReadable | kWritable);
    CHECK(f.turn() == Threads{1});
    CHECK_FALSE(f.scheduler.may_be_ready(5, kReadable));
    CHECK(f.scheduler.may_be_ready(5, kWritable));
}

TEST_CASE("may_be_ready: a hang-up (the peer's FIN) is never used up", "[scheduler]") {
    Fixture f;
    f.poller->edge = true;
    REQUIRE(f.scheduler.wait_io(1, 5, kReadable, kNoDeadline) == 0);
    // Data and the FIN in one edge: the reader's short read takes the data,
    // and the end of stream must still be found by the next recv.
    f.poller->fire(5, kReadable | kHangup);
    CHECK(f.turn() == Threads{1});
    CHECK(f.scheduler.may_be_ready(5, kReadable));
    REQUIRE(f.scheduler.wait_io(1, 5, kReadable, kNoDeadline) == 0);
    CHECK(f.scheduler.may_be_ready(5, kReadable));
    // A closed descriptor's record goes with it.
    f.scheduler.forget_fd(5);
    CHECK(f.turn() == Threads{1});
    CHECK(f.scheduler.may_be_ready(5, kReadable));
}

TEST_CASE("a poller without edges gets one-shot watches", "[scheduler]") {
    Fixture f;  // the scripted poller answers Edge with ENOTSUP
    REQUIRE(f.scheduler.wait_io(1, 5, kReadable, kNoDeadline) == 0);
    REQUIRE(f.poller->watches.size() == 1);
    CHECK(f.poller->watches[0].trigger == Trigger::OneShot);
}

TEST_CASE("a thread that waits again and again keeps one record", "[scheduler]") {
    Fixture f;
    for (int i = 0; i < 3; ++i) {
        REQUIRE(f.scheduler.wait_io(1, 5, kReadable, 10.0 + i) == 0);
        CHECK(f.scheduler.waiter_count() == 1);
        f.poller->fire(5, kReadable);
        CHECK(f.turn() == Threads{1});
        CHECK(f.scheduler.waiter_count() == 0);
        CHECK(f.scheduler.next_deadline() == kNoDeadline);
    }
    f.scheduler.cancel(1);
    CHECK_FALSE(f.scheduler.waiting(1));
}

// A watch's tag carries a generation so that a late event for a closed
// descriptor does not wake the next socket with its number. Descriptor 0
// (a daemon with standard input closed) must keep working however often
// its number is reused: its tag must never become the "unwatched" value,
// or its events are dropped and detach misses its waiter list.
TEST_CASE("descriptor 0 keeps its events and its waiters across the generation wrap", "[scheduler]") {
    Fixture f;
    // One new generation per cycle: descriptor 0 closes and is watched again
    // (5 stays watched). Twice the 16-bit range covers the wrap wherever the
    // generation starts.
    constexpr Scheduler::ThreadId kCycles = 2 * 65536 + 8;
    std::vector<Scheduler::ThreadId> dropped, stale_wakes;
    for (Scheduler::ThreadId cycle = 0; cycle < kCycles && stale_wakes.empty(); ++cycle) {
        // This cycle's mover waits on descriptor 0 first, then moves to 5:
        // detach must take it off descriptor 0's list, or closing 0 wakes it.
        Scheduler::ThreadId mover = 1000 + cycle;
        REQUIRE(f.scheduler.wait_io(mover, 0, kReadable, kNoDeadline) == 0);
        REQUIRE(f.scheduler.wait_io(mover, 5, kReadable, kNoDeadline) == 0);
        REQUIRE(f.scheduler.wait_io(1, 0, kReadable, kNoDeadline) == 0);
        f.poller->fire(0, kReadable);
        Threads woken = f.turn();
        if (woken.empty()) dropped.push_back(cycle);
        // Closing descriptor 0 wakes whoever is still on its list: nobody
        // (thread 1 went on at the event, the mover is on 5).
        f.scheduler.forget_fd(0);
        for (Scheduler::ThreadId thread : f.ready()) woken.push_back(thread);
        for (Scheduler::ThreadId thread : woken)
            if (thread >= 1000) stale_wakes.push_back(cycle);
        if (cycle > 0) f.scheduler.cancel(mover - 1);  // the last cycle's mover, still on 5
    }
    INFO("first cycle whose event on descriptor 0 was dropped: " << (dropped.empty() ? -1 : long(dropped.front())));
    CHECK(dropped.empty());
    INFO("first cycle that woke a thread waiting on another descriptor: "
         << (stale_wakes.empty() ? -1 : long(stale_wakes.front())));
    CHECK(stale_wakes.empty());
}
