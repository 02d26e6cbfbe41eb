#include "sim/timer.hpp"

#include "sim/world.hpp"

namespace lsock::sim {

void Timer::arm(double at, std::function<void()> action, bool busy) {
    cancel();
    due_ = at;
    // Capturing `this` is safe: destroying the Timer cancels the event first.
    id_ = world_->at(
        at,
        [this, action = std::move(action)] {
            id_ = kNoEvent;
            action();
        },
        busy);
}

void Timer::cancel() {
    if (id_ == kNoEvent) return;
    world_->cancel(id_);
    id_ = kNoEvent;
}

}  // namespace lsock::sim
