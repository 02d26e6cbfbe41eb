#include "sim/waiters.hpp"

#include <algorithm>

#include "sim/sim_host.hpp"
#include "sim/sim_socket.hpp"
#include "sim/world.hpp"

namespace lsock::sim {

WaitRegistry::Waiter* WaitRegistry::find(std::uint64_t id) {
    std::uint32_t slot = std::uint32_t(id & 0xffffffffu);
    if (slot >= slots_.size()) return nullptr;
    Waiter& w = slots_[slot];
    return w.live && w.generation == std::uint32_t(id >> 32) ? &w : nullptr;
}

const WaitRegistry::Waiter* WaitRegistry::find(std::uint64_t id) const {
    return const_cast<WaitRegistry*>(this)->find(id);
}

std::uint64_t WaitRegistry::begin_wait(SimHost& host, const PollItem* items, std::size_t count, double deadline,
                                       void* token, TokenState* state) {
    std::uint32_t slot;
    if (free_slots_.empty()) {
        // Room in the free list for every slot, so that forget never allocates.
        free_slots_.reserve(slots_.size() + 1);
        slots_.emplace_back();
        slot = std::uint32_t(slots_.size() - 1);
    } else {
        slot = free_slots_.back();
        free_slots_.pop_back();
    }
    Waiter& w = slots_[slot];
    try {
        w.items.assign(items, items + count);
    } catch (...) {
        free_slots_.push_back(slot);
        throw;
    }
    // Generations start at 1, so no id is 0 ("no wait").
    w.generation = w.generation == UINT32_MAX ? 1 : w.generation + 1;
    w.token = token;
    w.state = state;
    w.host = &host;
    w.deadline = deadline;
    w.deadline_event = kNoEvent;
    w.order = next_order_++;
    w.live = true;
    w.queued_for_check = false;
    ++live_;
    return std::uint64_t(w.generation) << 32 | slot;
}

WaitRegistry::TokenState& WaitRegistry::state_of(void* token) {
    if (token != last_token_) {
        last_state_ = &by_token_[token];  // map nodes do not move
        last_token_ = token;
    }
    return *last_state_;
}

void WaitRegistry::suspend(SimHost& host, const PollItem* items, std::size_t count, double deadline, void* token) {
    TokenState& state = state_of(token);
    end_wait(state, token);
    std::uint64_t id = begin_wait(host, items, count, deadline, token, &state);
    state.wait = id;
    Waiter& w = *find(id);
    if (ready(w) || deadline <= world_.now()) {
        make_runnable(id);
        return;
    }
    watch_items(id, w);
    if (deadline != kNoDeadline) {
        w.deadline_event = world_.at(deadline, [this, id] {
            Waiter* found = find(id);
            if (!found) return;
            found->deadline_event = kNoEvent;
            make_runnable(id);
        });
    }
}

void WaitRegistry::end_wait(TokenState& state, void* token) {
    if (state.wait != 0) forget(state.wait);
    if (state.queued == 0) return;
    runnable_.erase(std::remove_if(runnable_.begin(), runnable_.end(),
                                   [&](const Runnable& r) { return r.token == token; }),
                    runnable_.end());
    state.queued = 0;
}

void WaitRegistry::cancel(void* token) {
    auto it = by_token_.find(token);
    if (it == by_token_.end()) return;
    end_wait(it->second, token);
    if (token == last_token_) {
        last_token_ = nullptr;
        last_state_ = nullptr;
    }
    by_token_.erase(it);
}

void WaitRegistry::wake(void* token, SimHost* host) {
    TokenState& state = state_of(token);
    end_wait(state, token);
    push_runnable(token, host, &state);
}

void WaitRegistry::push_runnable(void* token, const SimHost* host, TokenState* state) {
    runnable_.push_back({token, host, state});
    ++state->queued;
}

void WaitRegistry::forget(std::uint64_t id) {
    Waiter* w = find(id);
    if (!w) return;
    if (w->deadline_event != kNoEvent) world_.cancel(w->deadline_event);
    if (w->state->wait == id) w->state->wait = 0;
    w->live = false;
    --live_;
    free_slots_.push_back(std::uint32_t(id & 0xffffffffu));  // never allocates: see begin_wait
}

bool WaitRegistry::ready(const Waiter& w) const {
    for (const auto& item : w.items) {
        unsigned seen = w.host->poll_descriptor(item.fd);
        if (seen & (item.events | kHangup | kFailed)) return true;
    }
    return false;
}

void WaitRegistry::watch_items(std::uint64_t id, const Waiter& w) {
    for (const auto& item : w.items)
        if (SimSocket* socket = w.host->socket_borrowed(item.fd)) socket->watch(id);
}

void WaitRegistry::make_runnable(std::uint64_t id) {
    Waiter* w = find(id);
    if (!w) return;
    void* token = w->token;
    const SimHost* host = w->host;
    TokenState* state = w->state;
    forget(id);
    push_runnable(token, host, state);
}

void WaitRegistry::changed(std::vector<std::uint64_t>* watchers) {
    for (std::uint64_t id : *watchers) {
        Waiter* w = find(id);
        if (!w || w->queued_for_check) continue;
        w->queued_for_check = true;
        to_check_.push_back(id);
    }
}

void WaitRegistry::run_checks() {
    if (to_check_.empty()) return;
    // Checking in the order the changes came keeps wake order deterministic.
    checking_.clear();
    checking_.swap(to_check_);
    for (std::uint64_t id : checking_) {
        Waiter* w = find(id);
        if (!w) continue;
        w->queued_for_check = false;
        if (ready(*w))
            make_runnable(id);
        else
            watch_items(id, *w);
    }
}

std::vector<const WaitRegistry::Waiter*> WaitRegistry::live_waits(const SimHost* host) const {
    std::vector<const Waiter*> out;
    for (const auto& w : slots_)
        if (w.live && (!host || w.host == host)) out.push_back(&w);
    std::sort(out.begin(), out.end(), [](const Waiter* a, const Waiter* b) { return a->order < b->order; });
    return out;
}

std::vector<void*> WaitRegistry::take_runnable() {
    run_checks();
    std::vector<void*> tokens;
    tokens.reserve(runnable_.size());
    for (const auto& r : runnable_) {
        tokens.push_back(r.token);
        r.state->queued = 0;
    }
    runnable_.clear();
    return tokens;
}

bool WaitRegistry::pop_runnable(void** token) {
    run_checks();
    if (runnable_.empty()) return false;
    *token = runnable_.front().token;
    --runnable_.front().state->queued;
    // The token handed out suspends next: its state is at hand already.
    last_token_ = runnable_.front().token;
    last_state_ = runnable_.front().state;
    runnable_.pop_front();
    return true;
}

bool WaitRegistry::has_runnable() {
    run_checks();
    return !runnable_.empty();
}

void WaitRegistry::set_daemon(void* token, bool daemon) {
    if (daemon)
        daemons_.insert(token);
    else
        daemons_.erase(token);
}

std::vector<BlockedWait> WaitRegistry::blocked() const {
    std::vector<BlockedWait> out;
    for (const Waiter* w : live_waits(nullptr))
        if (!is_daemon(w->token)) out.push_back({w->token, w->host->name(), w->items, w->deadline});
    return out;
}

std::size_t WaitRegistry::blocked_count() const {
    std::size_t n = 0;
    for (const auto& w : slots_) n += w.live && !is_daemon(w.token);
    return n;
}

std::vector<void*> WaitRegistry::drop_host(const SimHost& host) {
    std::vector<void*> tokens;
    std::vector<std::uint64_t> ids;
    for (const Waiter* w : live_waits(&host)) {
        tokens.push_back(w->token);
        ids.push_back(std::uint64_t(w->generation) << 32 | std::uint32_t(w - slots_.data()));
    }
    for (std::uint64_t id : ids) forget(id);
    std::deque<Runnable> kept;
    for (const auto& r : runnable_) {
        if (r.host == &host) {
            tokens.push_back(r.token);
            --r.state->queued;
        } else {
            kept.push_back(r);
        }
    }
    runnable_.swap(kept);
    return tokens;
}

}  // namespace lsock::sim
