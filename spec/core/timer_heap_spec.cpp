// The sock loop's timers: ordered by deadline, ties in the order they were
// set, and cancellation that leaves nothing behind.
#include <catch2/catch.hpp>

#include <vector>

#include "core/timer_heap.hpp"

using lsock::TimerHeap;

namespace {

std::vector<TimerHeap::Key> drain(TimerHeap& heap, double now) {
    std::vector<TimerHeap::Key> fired;
    TimerHeap::Key key = 0;
    while (heap.pop_due(now, &key)) fired.push_back(key);
    return fired;
}

}  // namespace

TEST_CASE("timers fire in deadline order", "[timer_heap]") {
    TimerHeap heap;
    heap.set(1, 3.0);
    heap.set(2, 1.0);
    heap.set(3, 2.0);
    CHECK(heap.next_deadline() == 1.0);
    CHECK(drain(heap, 10) == std::vector<TimerHeap::Key>{2, 3, 1});
    CHECK(heap.empty());
}

TEST_CASE("timers with equal deadlines fire in the order they were set", "[timer_heap]") {
    TimerHeap heap;
    for (TimerHeap::Key key = 10; key < 30; ++key) heap.set(key, 5.0);
    heap.set(1, 4.0);
    std::vector<TimerHeap::Key> expected{1};
    for (TimerHeap::Key key = 10; key < 30; ++key) expected.push_back(key);
    CHECK(drain(heap, 5.0) == expected);
}

TEST_CASE("only timers that are due fire", "[timer_heap]") {
    TimerHeap heap;
    heap.set(1, 1.0);
    heap.set(2, 2.0);
    CHECK(drain(heap, 0.5).empty());
    CHECK(drain(heap, 1.0) == std::vector<TimerHeap::Key>{1});
    CHECK(heap.size() == 1);
    CHECK(heap.next_deadline() == 2.0);
}

TEST_CASE("a cancelled timer never fires and leaves no trace", "[timer_heap]") {
    TimerHeap heap;
    heap.set(1, 1.0);
    heap.set(2, 2.0);
    heap.set(3, 3.0);
    heap.cancel(2);
    CHECK_FALSE(heap.contains(2));
    CHECK(heap.size() == 2);
    CHECK(drain(heap, 10) == std::vector<TimerHeap::Key>{1, 3});
}

TEST_CASE("cancelling the earliest timer exposes the next", "[timer_heap]") {
    TimerHeap heap;
    heap.set(1, 1.0);
    heap.set(2, 2.0);
    heap.cancel(1);
    CHECK(heap.next_deadline() == 2.0);
    heap.cancel(42);  // unknown: nothing happens
    CHECK(heap.size() == 1);
}

TEST_CASE("setting a timer again moves it to the back of its new deadline", "[timer_heap]") {
    TimerHeap heap;
    heap.set(1, 5.0);
    heap.set(2, 5.0);
    heap.set(1, 5.0);  // now after 2
    heap.set(3, 1.0);
    CHECK(heap.size() == 3);
    CHECK(drain(heap, 10) == std::vector<TimerHeap::Key>{3, 2, 1});
}

TEST_CASE("the heap stays ordered through many random sets and cancels", "[timer_heap]") {
    TimerHeap heap;
    unsigned seed = 12345;
    auto next = [&seed] { return seed = seed * 1103515245u + 12345u; };
    for (int round = 0; round < 2000; ++round) {
        TimerHeap::Key key = next() % 200;
        if (next() % 3 == 0) {
            heap.cancel(key);
        } else {
            heap.set(key, double(next() % 50));
        }
    }
    double last = -1;
    TimerHeap::Key key = 0;
    while (!heap.empty()) {
        double deadline = heap.next_deadline();
        REQUIRE(deadline >= last);
        last = deadline;
        REQUIRE(heap.pop_due(1e9, &key));
        CHECK_FALSE(heap.contains(key));
    }
}
