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
#include <vector>

namespace lsock::sim {

using EventId = std::uint64_t;
constexpr EventId kNoEvent = 0;

// An EventId names a slot and that slot's generation, so cancelling an
// event that already ran (or a slot that was reused since) is told apart
// without a lookup table: events are pushed and popped for every packet.
class EventQueue {
public:
    EventId push(double time, std::function<void()> action, bool busy) {
        return push(time, take_sequence(), std::move(action), busy);
    }
    // The same with a sequence number taken earlier (take_sequence): an
    // event pushed late stands where one pushed at that moment would have.
    EventId push(double time, std::uint64_t sequence, std::function<void()> action, bool busy);
    // The next sequence number, for an event that may be pushed later.
    std::uint64_t take_sequence() { return next_seq_++; }
    // Makes a pending event busy or background; false if it is not pending.
    bool set_busy(EventId id, bool busy);
    // Forgets a pending event; false if it already ran or was cancelled.
    bool cancel(EventId id);
    // Time of the earliest pending event, or infinity when none is left.
    double next_time();
    // Takes the earliest pending event out; false when none is left.
    bool pop(double* time, std::function<void()>* action);

    std::size_t size() const { return live_; }
    std::size_t busy_count() const { return busy_; }

private:
    struct Entry {
        double time;
        std::uint64_t seq;         // scheduling order: ties at one instant
        std::uint32_t slot;
        std::uint32_t generation;  // the slot's generation when pushed
    };
    struct Later {
        bool operator()(const Entry& a, const Entry& b) const {
            return a.time != b.time ? a.time > b.time : a.seq > b.seq;
        }
    };
    struct Slot {
        std::function<void()> action;
        std::uint32_t generation = 0;  // bumped at every push into the slot
        bool live = false;
        bool busy = false;
    };

    bool pending(const Entry& entry) const {
        const Slot& slot = slots_[entry.slot];
        return slot.live && slot.generation == entry.generation;
    }
    // Ends a slot's event (ran or cancelled): the slot can take the next one.
    void release(std::uint32_t index);
    // Cancelled events stay in the heap until they reach the top, or until
    // they are the larger part of it: then compact() takes them all out, so
    // that timers re-armed for every segment (a retransmission timeout that
    // is 200 ms away, cancelled by the ACK a millisecond later) do not make
    // the heap deeper than the pending events need.
    void drop_cancelled_top();
    void compact();

    std::vector<Entry> heap_;
    std::vector<Slot> slots_;
    std::vector<std::uint32_t> free_slots_;
    std::uint64_t next_seq_ = 1;
    std::size_t live_ = 0;
    std::size_t busy_ = 0;
};

}  // namespace lsock::sim
