#include "sim/waiters.hpp"

#include <algorithm>

#include "sim/sim_host.hpp"
#include "sim/sim_socket.hpp"
#include "sim/world.hpp"

namespace lsock::sim {

void WaitRegistry::suspend(SimHost& host, const PollItem* items, std::size_t count, double deadline, void* token) {
    cancel(token);
    std::uint64_t id = next_id_++;
    Waiter w{token, &host, std::vector<PollItem>(items, items + count), deadline};
    auto [it, inserted] = waiters_.emplace(id, std::move(w));
    (void)inserted;
    by_token_[token] = id;
    if (ready(it->second) || deadline <= world_.now()) {
        make_runnable(id);
        return;
    }
    watch_items(id, it->second);
    if (deadline != kNoDeadline) {
        it->second.deadline_event = world_.at(deadline, [this, id] {
            auto found = waiters_.find(id);
            if (found == waiters_.end()) return;
            found->second.deadline_event = kNoEvent;
            make_runnable(id);
        });
    }
}

void WaitRegistry::cancel(void* token) {
    auto it = by_token_.find(token);
    if (it != by_token_.end()) forget(it->second);
    runnable_.erase(std::remove_if(runnable_.begin(), runnable_.end(),
                                   [&](const Runnable& r) { return r.token == token; }),
                    runnable_.end());
}

void WaitRegistry::wake(void* token, SimHost* host) {
    cancel(token);
    runnable_.push_back({token, host});
}

void WaitRegistry::forget(std::uint64_t id) {
    auto it = waiters_.find(id);
    if (it == waiters_.end()) return;
    if (it->second.deadline_event != kNoEvent) world_.cancel(it->second.deadline_event);
    by_token_.erase(it->second.token);
    waiters_.erase(it);
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
        if (auto socket = w.host->socket_at(item.fd)) socket->watch(id);
}

void WaitRegistry::make_runnable(std::uint64_t id) {
    auto it = waiters_.find(id);
    if (it == waiters_.end()) return;
    runnable_.push_back({it->second.token, it->second.host});
    forget(id);
}

void WaitRegistry::changed(std::vector<std::uint64_t>* watchers) {
    for (std::uint64_t id : *watchers) {
        auto it = waiters_.find(id);
        if (it == waiters_.end() || it->second.queued_for_check) continue;
        it->second.queued_for_check = true;
        to_check_.push_back(id);
    }
}

void WaitRegistry::run_checks() {
    // Checking in the order the changes came keeps wake order deterministic.
    std::vector<std::uint64_t> ids;
    ids.swap(to_check_);
    for (std::uint64_t id : ids) {
        auto it = waiters_.find(id);
        if (it == waiters_.end()) continue;
        it->second.queued_for_check = false;
        if (ready(it->second))
            make_runnable(id);
        else
            watch_items(id, it->second);
    }
}

std::vector<void*> WaitRegistry::take_runnable() {
    run_checks();
    std::vector<void*> tokens;
    tokens.reserve(runnable_.size());
    for (const auto& r : runnable_) tokens.push_back(r.token);
    runnable_.clear();
    return tokens;
}

bool WaitRegistry::pop_runnable(void** token) {
    run_checks();
    if (runnable_.empty()) return false;
    *token = runnable_.front().token;
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
    for (const auto& [id, w] : waiters_)
        if (!is_daemon(w.token)) out.push_back({w.token, w.host->name(), w.items, w.deadline});
    return out;
}

std::size_t WaitRegistry::blocked_count() const {
    std::size_t n = 0;
    for (const auto& [id, w] : waiters_) n += !is_daemon(w.token);
    return n;
}

std::vector<void*> WaitRegistry::drop_host(const SimHost& host) {
    std::vector<void*> tokens;
    std::vector<std::uint64_t> ids;
    for (const auto& [id, w] : waiters_)
        if (w.host == &host) ids.push_back(id);
    for (std::uint64_t id : ids) {
        tokens.push_back(waiters_.at(id).token);
        forget(id);
    }
    std::deque<Runnable> kept;
    for (const auto& r : runnable_) {
        if (r.host == &host)
            tokens.push_back(r.token);
        else
            kept.push_back(r);
    }
    runnable_.swap(kept);
    return tokens;
}

}  // namespace lsock::sim
