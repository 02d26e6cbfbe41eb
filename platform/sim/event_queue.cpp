#include "sim/event_queue.hpp"

#include <algorithm>
#include <limits>

namespace lsock::sim {

EventId EventQueue::push(double time, std::function<void()> action, bool busy) {
    EventId id = next_seq_++;
    heap_.push_back({time, id});
    std::push_heap(heap_.begin(), heap_.end(), Later{});
    live_.emplace(id, Slot{std::move(action), busy});
    if (busy) ++busy_;
    return id;
}

bool EventQueue::cancel(EventId id) {
    auto it = live_.find(id);
    if (it == live_.end()) return false;
    if (it->second.busy) --busy_;
    live_.erase(it);
    return true;
}

void EventQueue::drop_cancelled_top() {
    while (!heap_.empty() && live_.find(heap_.front().seq) == live_.end()) {
        std::pop_heap(heap_.begin(), heap_.end(), Later{});
        heap_.pop_back();
    }
}

double EventQueue::next_time() {
    drop_cancelled_top();
    return heap_.empty() ? std::numeric_limits<double>::infinity() : heap_.front().time;
}

bool EventQueue::pop(double* time, std::function<void()>* action) {
    drop_cancelled_top();
    if (heap_.empty()) return false;
    Entry top = heap_.front();
    std::pop_heap(heap_.begin(), heap_.end(), Later{});
    heap_.pop_back();
    auto it = live_.find(top.seq);
    *time = top.time;
    *action = std::move(it->second.action);
    if (it->second.busy) --busy_;
    live_.erase(it);
    return true;
}

}  // namespace lsock::sim
