// A socket's timer (retransmission, SYN retry, zero-window probe): at most one
// pending event, cancelled when re-armed or when its owner is destroyed, so a
// dead socket never leaves an event that would move the clock.
#pragma once

#include <functional>

#include "sim/event_queue.hpp"

namespace lsock::sim {

class World;

class Timer {
public:
    explicit Timer(World& world) : world_(&world) {}
    ~Timer() { cancel(); }
    Timer(const Timer&) = delete;
    Timer& operator=(const Timer&) = delete;

    // The action may destroy the Timer's owner: the Timer is not touched
    // after the action starts.
    void arm(double at, std::function<void()> action, bool busy = true);
    void cancel();
    bool armed() const { return id_ != kNoEvent; }
    double due() const { return due_; }

private:
    void fire();

    World* world_;
    // The action lives here and the event holds only `this`: small enough
    // for std::function's own storage, so arming allocates nothing (a
    // connection re-arms its retransmission timer for every segment).
    std::function<void()> action_;
    EventId id_ = kNoEvent;
    double due_ = 0;
};

}  // namespace lsock::sim
