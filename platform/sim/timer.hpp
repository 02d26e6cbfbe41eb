// A socket's timer (retransmission, SYN retry, zero-window probe, delayed
// ACK): at most one pending event, dropped when its owner is destroyed, so
// a dead socket never leaves an event behind.
//
// Re-arming and cancelling are lazy. A connection arms its retransmission
// timer for every segment and cancels it at every ACK (and its delayed-ACK
// timer for every segment that arrives): pushing and cancelling an event
// each time was a tenth of a simulated round trip. Instead the pending
// event stays where it is: cancelling makes it a background event that
// does nothing when it comes; re-arming for a later time keeps it, and when
// it comes it moves itself to the time now due. Each arm still takes its
// sequence number from the queue when it is made, and the moved event
// keeps that number, so events run in exactly the order an eager timer
// gives them (ties at one instant included) and a seed replays the same.
#pragma once

#include <cstdint>
#include <functional>

#include "sim/event_queue.hpp"

namespace lsock::sim {

class World;

class Timer {
public:
    explicit Timer(World& world) : world_(&world) {}
    ~Timer() { drop_event(); }
    Timer(const Timer&) = delete;
    Timer& operator=(const Timer&) = delete;

    // The action may destroy the Timer's owner: the Timer is not touched
    // after the action starts.
    void arm(double at, std::function<void()> action, bool busy = true);
    void cancel();
    bool armed() const { return armed_; }
    double due() const { return due_; }

private:
    void fire();
    void push_event();
    void drop_event();

    World* world_;
    // The action lives here and the event holds only `this`: small enough
    // for std::function's own storage, so arming allocates nothing.
    std::function<void()> action_;
    // What the timer is armed for: the time and the sequence number taken
    // when it was armed.
    double due_ = 0;
    std::uint64_t sequence_ = 0;
    bool armed_ = false;
    bool busy_ = true;
    // The event in the queue (perhaps earlier than due_, perhaps no longer
    // wanted), and where it stands.
    EventId id_ = kNoEvent;
    double event_time_ = 0;
    std::uint64_t event_sequence_ = 0;
};

}  // namespace lsock::sim
