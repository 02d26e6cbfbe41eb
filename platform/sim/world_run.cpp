// The driver side of the world: running events and handing out coroutines.
#include <cstdio>

#include "sim/sim_host.hpp"
#include "sim/world.hpp"

namespace lsock::sim {

bool World::step() {
    double time;
    std::function<void()> action;
    if (!queue_.pop(&time, &action)) return false;
    if (time > now_) now_ = time;
    action();
    return true;
}

bool World::idle() { return !waiters_.has_runnable() && queue_.busy_count() == 0; }

RunResult World::run_until_idle(const std::function<void(void*)>& resume,
                                 const std::function<void()>& after_event) {
    for (;;) {
        void* token;
        if (waiters_.pop_runnable(&token)) {
            resuming_ = token;
            resume(token);
            resuming_ = nullptr;
            if (after_event) after_event();
            continue;
        }
        if (queue_.busy_count() == 0) return waiters_.blocked_count() ? RunResult::Deadlock : RunResult::Idle;
        step();
        if (after_event) after_event();
    }
}

RunResult World::run_until(double time, const std::function<void(void*)>& resume,
                            const std::function<void()>& after_event) {
    for (;;) {
        void* token;
        if (waiters_.pop_runnable(&token)) {
            resuming_ = token;
            resume(token);
            resuming_ = nullptr;
            if (after_event) after_event();
            continue;
        }
        if (queue_.busy_count() == 0 && waiters_.blocked_count() != 0) return RunResult::Deadlock;
        if (queue_.next_time() > time) {
            if (time > now_ && time != kNoDeadline) now_ = time;
            return queue_.busy_count() == 0 ? RunResult::Idle : RunResult::TimeReached;
        }
        step();
        if (after_event) after_event();
    }
}

std::string World::deadlock_report() const {
    std::vector<BlockedWait> waits = blocked();
    if (waits.empty()) return "";
    char head[96];
    std::snprintf(head, sizeof head, "deadlock at t=%.6f (seed %llu): %zu wait(s) can never end:", now_,
                  static_cast<unsigned long long>(seed_), waits.size());
    std::string text = head;
    for (const auto& w : waits) {
        text += "\n  host '" + w.host + "'";
        if (w.items.empty()) text += " sleeps forever";
        for (const auto& item : w.items) {
            text += " fd " + std::to_string(item.fd) + " waits";
            if (item.events & kReadable) text += " readable";
            if (item.events & kWritable) text += " writable";
            if (!(item.events & (kReadable | kWritable))) text += " (nothing)";
            text += ';';
        }
    }
    return text;
}

}  // namespace lsock::sim
