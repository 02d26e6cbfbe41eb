#include "sim/timer.hpp"

#include "sim/world.hpp"

namespace lsock::sim {

void Timer::arm(double at, std::function<void()> action, bool busy) {
    // The time the world would give the event (never before now).
    due_ = at > world_->now() ? at : world_->now();
    sequence_ = world_->take_event_sequence();
    action_ = std::move(action);
    armed_ = true;
    busy_ = busy;
    // An event no later than the new time can stay: it moves itself on when
    // it comes. One that would come too late goes.
    if (id_ != kNoEvent) {
        if (event_time_ <= due_ && world_->set_event_busy(id_, busy)) return;
        drop_event();
    }
    push_event();
}

void Timer::push_event() {
    // Capturing `this` is safe: destroying the Timer drops the event first.
    id_ = world_->at(due_, sequence_, [this] { fire(); }, busy_);
    event_time_ = due_;
    event_sequence_ = sequence_;
}

void Timer::fire() {
    id_ = kNoEvent;
    if (!armed_) return;  // cancelled since: a background event that does nothing
    if (event_time_ != due_ || event_sequence_ != sequence_) {
        // Re-armed since: to where the latest arm put it. That place comes
        // after this one in the queue's order: the sequence was taken later.
        push_event();
        return;
    }
    armed_ = false;
    // Out of the Timer before it runs: the action may destroy the Timer's
    // owner, or arm the Timer again with a new action.
    std::function<void()> action = std::move(action_);
    action_ = nullptr;
    action();
}

void Timer::cancel() {
    if (!armed_) return;
    armed_ = false;
    action_ = nullptr;  // what it holds goes now, as it did with the event
    // The event stays, doing nothing when it comes, and no longer keeps the
    // world busy. (If it is not pending there is nothing to change.)
    if (id_ != kNoEvent) world_->set_event_busy(id_, false);
}

void Timer::drop_event() {
    if (id_ == kNoEvent) return;
    world_->cancel(id_);
    id_ = kNoEvent;
}

}  // namespace lsock::sim
