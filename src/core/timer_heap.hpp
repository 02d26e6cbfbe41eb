// Deadlines of the `sock` loop: who is due first.
//
// A binary min-heap ordered by (deadline, sequence). The sequence is the
// order of insertion, so timers with the same deadline fire in the order
// they were set, on every run and every kernel (libuv's rule): ties never
// depend on memory layout. Each key has at most one timer; setting it again
// moves it, and `cancel` removes it in O(log n), so the heap never fills up
// with timers of waits that finished early.
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

namespace lsock {

class TimerHeap {
public:
    using Key = std::uint64_t;

    bool empty() const { return nodes_.empty(); }
    std::size_t size() const { return nodes_.size(); }
    bool contains(Key key) const { return position_.count(key) != 0; }

    // Sets (or moves) the timer of `key`; it fires after every timer with
    // an earlier deadline and after every timer set before it with the same one.
    void set(Key key, double deadline);
    // Removes the timer of `key`, if any.
    void cancel(Key key);

    // The earliest deadline; only when !empty().
    double next_deadline() const { return nodes_.front().deadline; }
    // Removes and returns the key of the earliest timer if it is due at
    // `now`; false when none is.
    bool pop_due(double now, Key* key);

private:
    struct Node {
        double deadline;
        std::uint64_t sequence;
        Key key;
    };
    static bool before(const Node& a, const Node& b) {
        return a.deadline < b.deadline || (a.deadline == b.deadline && a.sequence < b.sequence);
    }
    void place(std::size_t index, const Node& node);
    void sift_up(std::size_t index);
    void sift_down(std::size_t index);
    void remove_at(std::size_t index);

    std::vector<Node> nodes_;
    std::unordered_map<Key, std::size_t> position_;
    std::uint64_t next_sequence_ = 0;
};

}  // namespace lsock
