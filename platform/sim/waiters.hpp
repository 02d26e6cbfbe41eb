// Coroutines waiting in virtual time (WaitStyle::Suspend, see os.hpp).
//
// A coroutine that must wait calls SimHost::suspend with its token and
// yields. The registry keeps the wait, asks the sockets involved to tell it
// about changes (SimSocket::watch / notify), arms an event for the deadline,
// and moves the token to the runnable list once an item is ready or the
// deadline has come. The driver takes runnable tokens and resumes them; a
// resumed coroutine retries its call and, if it still cannot proceed,
// suspends again.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "lsock/os.hpp"
#include "sim/event_queue.hpp"

namespace lsock::sim {

class SimHost;
class SimSocket;
class World;

// One wait that has not ended, as the deadlock report shows it.
struct BlockedWait {
    void* token = nullptr;
    std::string host;
    std::vector<PollItem> items;  // events = what it waits for
    double deadline = kNoDeadline;
};

class WaitRegistry {
public:
    explicit WaitRegistry(World& world) : world_(world) {}

    // A token waits at most once: a second suspend replaces the first.
    void suspend(SimHost& host, const PollItem* items, std::size_t count, double deadline, void* token);
    void cancel(void* token);
    // Makes a token runnable now (spawning, yielding without waiting).
    void wake(void* token, SimHost* host);
    bool waiting(void* token) const { return by_token_.count(token) != 0; }
    bool alive(std::uint64_t id) const { return waiters_.count(id) != 0; }
    std::size_t waiting_count() const { return waiters_.size(); }

    // Sockets hand over the waiters that watched them.
    void changed(std::vector<std::uint64_t>* watchers);
    // Re-checks what changed, then hands out the runnable tokens in wake order.
    std::vector<void*> take_runnable();
    // The same, one token at a time: a token withdrawn meanwhile (its host
    // crashed, its wait was cancelled) is never handed out.
    bool pop_runnable(void** token);
    bool has_runnable();

    // A daemon (a server loop) may wait forever without that being a deadlock.
    void set_daemon(void* token, bool daemon);
    bool is_daemon(void* token) const { return daemons_.count(token) != 0; }
    // Waits that are not daemons': if nothing can happen, these are stuck.
    std::vector<BlockedWait> blocked() const;
    std::size_t blocked_count() const;
    // Forgets every wait and runnable token of a host (it crashed).
    std::vector<void*> drop_host(const SimHost& host);

private:
    struct Waiter {
        void* token;
        SimHost* host;
        std::vector<PollItem> items;
        double deadline;
        EventId deadline_event = kNoEvent;
        bool queued_for_check = false;
    };

    bool ready(const Waiter& w) const;
    void watch_items(std::uint64_t id, const Waiter& w);
    void make_runnable(std::uint64_t id);
    void forget(std::uint64_t id);
    void run_checks();

    World& world_;
    std::map<std::uint64_t, Waiter> waiters_;
    std::unordered_map<void*, std::uint64_t> by_token_;
    std::vector<std::uint64_t> to_check_;
    struct Runnable {
        void* token;
        const SimHost* host;
    };
    std::deque<Runnable> runnable_;
    std::uint64_t next_id_ = 1;
    std::unordered_set<void*> daemons_;  // looked up only, never iterated (order stays deterministic)
};

}  // namespace lsock::sim
