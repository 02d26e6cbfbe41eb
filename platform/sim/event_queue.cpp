#include "sim/event_queue.hpp"

#include <algorithm>
#include <limits>

namespace lsock::sim {

EventId EventQueue::push(double time, std::uint64_t sequence, std::function<void()> action, bool busy) {
    std::uint32_t index;
    if (free_slots_.empty()) {
        // Room for every slot in the free list too, so that release never
        // allocates. Either may throw; nothing has changed then.
        free_slots_.reserve(slots_.size() + 1);
        slots_.emplace_back();
        index = std::uint32_t(slots_.size() - 1);
    } else {
        index = free_slots_.back();
    }
    Slot& slot = slots_[index];
    // Generations start at 1, so no EventId is kNoEvent. (An id kept across
    // 2^32 reuses of one slot could name a newer event; nothing keeps one.)
    std::uint32_t generation = slot.generation == UINT32_MAX ? 1 : slot.generation + 1;
    heap_.push_back({time, sequence, index, generation});  // may throw
    if (!free_slots_.empty()) free_slots_.pop_back();
    std::push_heap(heap_.begin(), heap_.end(), Later{});
    slot.action = std::move(action);
    slot.generation = generation;
    slot.live = true;
    slot.busy = busy;
    ++live_;
    if (busy) ++busy_;
    return EventId(generation) << 32 | index;
}

void EventQueue::release(std::uint32_t index) {
    Slot& slot = slots_[index];
    slot.live = false;
    if (slot.busy) --busy_;
    --live_;
    free_slots_.push_back(index);  // never allocates: see push
}

bool EventQueue::cancel(EventId id) {
    std::uint32_t index = std::uint32_t(id & 0xffffffffu);
    std::uint32_t generation = std::uint32_t(id >> 32);
    if (index >= slots_.size()) return false;
    Slot& slot = slots_[index];
    if (!slot.live || slot.generation != generation) return false;
    // What the action holds (a packet, a socket) goes now, as before.
    std::function<void()> dropped = std::move(slot.action);
    slot.action = nullptr;
    release(index);
    if (heap_.size() > 64 && heap_.size() > 2 * live_) compact();
    return true;
}

bool EventQueue::set_busy(EventId id, bool busy) {
    std::uint32_t index = std::uint32_t(id & 0xffffffffu);
    if (index >= slots_.size()) return false;
    Slot& slot = slots_[index];
    if (!slot.live || slot.generation != std::uint32_t(id >> 32)) return false;
    if (slot.busy != busy) busy ? ++busy_ : --busy_;
    slot.busy = busy;
    return true;
}

void EventQueue::compact() {
    // The order of events is (time, sequence), a total order: rebuilding
    // the heap cannot change which event comes next.
    heap_.erase(std::remove_if(heap_.begin(), heap_.end(), [this](const Entry& e) { return !pending(e); }),
                heap_.end());
    std::make_heap(heap_.begin(), heap_.end(), Later{});
}

void EventQueue::drop_cancelled_top() {
    while (!heap_.empty() && !pending(heap_.front())) {
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
    *time = top.time;
    *action = std::move(slots_[top.slot].action);
    slots_[top.slot].action = nullptr;
    release(top.slot);
    return true;
}

}  // namespace lsock::sim
