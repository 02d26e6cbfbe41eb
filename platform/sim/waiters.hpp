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
    // Ends the token's wait, takes it out of the runnable list and forgets it.
    void cancel(void* token);
    // Makes a token runnable now (spawning, yielding without waiting).
    void wake(void* token, SimHost* host);
    bool waiting(void* token) const {
        if (token == last_token_) return last_state_->wait != 0;
        auto it = by_token_.find(token);
        return it != by_token_.end() && it->second.wait != 0;
    }
    bool alive(std::uint64_t id) const { return find(id) != nullptr; }
    std::size_t waiting_count() const { return live_; }

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
    // Waits live in reusable slots named by (slot, generation), as events do
    // in the EventQueue: a wait begins and ends for every blocking call, and
    // an id kept by a socket's watcher list after its wait ended (or after
    // its slot was reused) is told apart without a lookup table.
    // What the registry knows of a token: its wait (0: none) and how many
    // times it is in the runnable list (so that ending a wait looks through
    // that list only when the token is in it). Waits and runnable entries
    // point at their token's state: map nodes do not move, and a token's
    // entry is erased only after its wait and runnable entries are gone.
    struct TokenState {
        std::uint64_t wait = 0;
        std::uint32_t queued = 0;
    };
    struct Waiter {
        void* token = nullptr;
        TokenState* state = nullptr;
        SimHost* host = nullptr;
        std::vector<PollItem> items;  // keeps its capacity from wait to wait
        double deadline = kNoDeadline;
        EventId deadline_event = kNoEvent;
        std::uint64_t order = 0;  // when the wait began: listings go in this order
        std::uint32_t generation = 0;
        bool live = false;
        bool queued_for_check = false;
    };

    // The token's state, made if new. The last token asked about is kept:
    // the token handed out is the one that suspends again and is asked
    // about after it yields, and the lookup was a cache miss each time in a
    // world of many coroutines.
    TokenState& state_of(void* token);
    Waiter* find(std::uint64_t id);
    const Waiter* find(std::uint64_t id) const;
    std::uint64_t begin_wait(SimHost& host, const PollItem* items, std::size_t count, double deadline, void* token,
                             TokenState* state);
    // Ends the token's wait and takes it out of the runnable list; keeps
    // its entry (the token usually waits again at once).
    void end_wait(TokenState& state, void* token);
    bool ready(const Waiter& w) const;
    void watch_items(std::uint64_t id, const Waiter& w);
    void make_runnable(std::uint64_t id);
    void push_runnable(void* token, const SimHost* host, TokenState* state);
    void forget(std::uint64_t id);
    void run_checks();
    // The live waits (or a host's), in the order they began.
    std::vector<const Waiter*> live_waits(const SimHost* host) const;

    World& world_;
    std::vector<Waiter> slots_;
    std::vector<std::uint32_t> free_slots_;
    std::size_t live_ = 0;
    std::uint64_t next_order_ = 1;
    std::unordered_map<void*, TokenState> by_token_;
    void* last_token_ = nullptr;  // state_of's cache: null, or a token of by_token_
    TokenState* last_state_ = nullptr;
    std::vector<std::uint64_t> to_check_;
    std::vector<std::uint64_t> checking_;  // run_checks' batch, kept for its capacity
    struct Runnable {
        void* token;
        const SimHost* host;
        TokenState* state;
    };
    std::deque<Runnable> runnable_;
    std::unordered_set<void*> daemons_;  // looked up only, never iterated (order stays deterministic)
};

}  // namespace lsock::sim
