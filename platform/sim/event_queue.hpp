// Pending events of the simulated world, ordered by (time, sequence number).
//
// The sequence number is given at scheduling time, so two events at the same
// virtual instant always run in the order they were scheduled: ties never
// depend on addresses or hash order, and a seed replays event for event.
//
// Events are "busy" (they can change what a waiting coroutine sees: packet
// arrivals, retransmissions, deadlines) or "background" (zero-window probes,
// which only repeat a question). The world is idle when no busy event is left;
// background events alone never keep a deadlock from being reported.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <unordered_map>
#include <vector>

namespace lsock::sim {

using EventId = std::uint64_t;
constexpr EventId kNoEvent = 0;

class EventQueue {
public:
    EventId push(double time, std::function<void()> action, bool busy);
    // Forgets a pending event; false if it already ran or was cancelled.
    bool cancel(EventId id);
    // Time of the earliest pending event, or infinity when none is left.
    double next_time();
    // Takes the earliest pending event out; false when none is left.
    bool pop(double* time, std::function<void()>* action);

    std::size_t size() const { return live_.size(); }
    std::size_t busy_count() const { return busy_; }

private:
    struct Entry {
        double time;
        EventId seq;
    };
    struct Later {
        bool operator()(const Entry& a, const Entry& b) const {
            return a.time != b.time ? a.time > b.time : a.seq > b.seq;
        }
    };
    struct Slot {
        std::function<void()> action;
        bool busy;
    };

    // Cancelled events stay in the heap until they reach the top.
    void drop_cancelled_top();

    std::vector<Entry> heap_;
    std::unordered_map<EventId, Slot> live_;
    EventId next_seq_ = 1;
    std::size_t busy_ = 0;
};

}  // namespace lsock::sim
