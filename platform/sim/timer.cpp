#include "sim/timer.hpp"

#include "sim/world.hpp"

namespace lsock::sim {

void Timer::arm(double at, std::function<void()> action, bool busy) {
    cancel();
    due_ = at;
    action_ = std::move(action);
    // Capturing `this` is safe: destroying the Timer cancels the event first.
    id_ = world_->at(at, [this] { fire(); }, busy);
}

void Timer::fire() {
    id_ = kNoEvent;
    // Out of the Timer before it runs: the action may destroy the Timer's
    // owner, or arm the Timer again with a new action.
    std::function<void()> action = std::move(action_);
    action_ = nullptr;
    action();
}

void Timer::cancel() {
    if (id_ == kNoEvent) return;
    world_->cancel(id_);
    id_ = kNoEvent;
    action_ = nullptr;  // what it holds goes now, as with the event
}

}  // namespace lsock::sim
