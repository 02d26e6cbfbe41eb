// The simulated world: virtual clock, event queue, the one random source, the
// trace, hosts, links and names, and the driver API that runs coroutines.
//
// The run loop contract (what a Lua face does; run_until_idle does the same):
//
//   loop:
//     if world.pop_runnable(&token): resume it (a coroutine that must wait
//                          calls SimHost::suspend and yields); continue
//     if world.idle():     stop; world.blocked() not empty means deadlock:
//                          it (and deadlock_report()) says who waits on what
//     world.step()         jump the clock to the next event and run it
//
// Time never moves by itself: step() jumps to the next event, so an idle
// wait of ten virtual seconds costs no wall time.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <memory>
#include <string>
#include <vector>

#include "sim/address_util.hpp"
#include "sim/event_queue.hpp"
#include "sim/link.hpp"
#include "sim/name_table.hpp"
#include "sim/packet.hpp"
#include "sim/random.hpp"
#include "sim/sim_config.hpp"
#include "sim/trace.hpp"
#include "sim/waiters.hpp"

namespace lsock::sim {

class SimHost;

enum class RunResult {
    Idle,         // nothing left to do: no runnable token, no pending event, only daemons wait
    Deadlock,     // nothing can happen any more, yet non-daemon tokens wait (see blocked())
    TimeReached,  // run_until stopped at its time limit
};

class World {
public:
    explicit World(std::uint64_t seed = 1);
    ~World();
    World(const World&) = delete;
    World& operator=(const World&) = delete;

    // ---- Hosts and names -------------------------------------------------
    // Addresses are numeric IPv4/IPv6 literals. The name resolves to them on
    // every host (unless it is itself a literal). With no addresses, a numeric
    // name is the address, and any other name gets the first free pair of
    // 10.0.x.y and fd00::x:y. Fails (nullptr, *error) on a bad literal, a name
    // or an address already taken.
    SimHost* add_host(const std::string& name, const std::vector<std::string>& addresses,
                      std::string* error = nullptr);
    SimHost* find_host(const std::string& name);
    SimHost& host(HostId id) { return *hosts_.at(std::size_t(id)); }
    std::size_t host_count() const { return hosts_.size(); }
    // An extra name (alias) for some addresses.
    bool add_name(const std::string& name, const std::vector<std::string>& addresses,
                  std::string* error = nullptr);
    const NameTable& names() const { return names_; }
    // Lookups of `name` fail as `fault` says.
    void add_name_fault(const std::string& name, NameFault fault) { names_.add_fault(name, fault); }
    // How the resolver answers in virtual time (latency, timeout, down).
    ResolverConfig& resolver() { return names_.config(); }

    // ---- Links and faults ------------------------------------------------
    void set_link(SimHost& a, SimHost& b, const LinkConfig& config);  // both directions
    void set_link_one_way(SimHost& from, SimHost& to, const LinkConfig& config);
    LinkConfig link(SimHost& from, SimHost& to) const;
    void set_default_link(const LinkConfig& config);  // pairs never set
    void partition(SimHost& a, SimHost& b);           // both ways
    void partition_one_way(SimHost& from, SimHost& to);
    void heal(SimHost& a, SimHost& b);
    void heal_one_way(SimHost& from, SimHost& to);
    void heal_all();
    // The host stops: its sockets vanish without a word (no FIN, no RST),
    // packets to it are dropped, its timers die. Returns the tokens that were
    // waiting or runnable on it; the driver must not resume them.
    std::vector<void*> crash(SimHost& host);
    // The host comes back empty (same name and addresses, no sockets):
    // packets for old connections now meet RST.
    void restart(SimHost& host);

    // ---- Clock, randomness, trace, configuration -------------------------
    double now() const { return now_; }
    std::uint64_t seed() const { return seed_; }
    Random& random() { return random_; }
    SimConfig& config() { return config_; }
    Trace& trace() { return trace_; }
    const Trace& trace() const { return trace_; }
    std::uint64_t trace_hash() const { return trace_.hash(); }
    // Adds a line of the caller's own to the trace (and so to the hash).
    void note(const std::string& host, const std::string& text);

    // ---- Events ----------------------------------------------------------
    // Runs action at virtual time `time` (not before now). Busy events keep
    // the world from being idle.
    EventId at(double time, std::function<void()> action, bool busy = true);
    // The same in the place of a sequence number taken earlier
    // (take_event_sequence): among events at one instant it runs where an
    // event scheduled when the number was taken would have run (Timer).
    EventId at(double time, std::uint64_t sequence, std::function<void()> action, bool busy) {
        return queue_.push(time > now_ ? time : now_, sequence, std::move(action), busy);
    }
    std::uint64_t take_event_sequence() { return queue_.take_sequence(); }
    bool cancel(EventId id) { return queue_.cancel(id); }
    // A pending event made busy or background; false if it is not pending.
    bool set_event_busy(EventId id, bool busy) { return queue_.set_busy(id, busy); }

    // ---- Driver ----------------------------------------------------------
    // A driver that takes a batch must skip tokens that crash() returned
    // while it worked through the batch; pop_runnable never hands those out.
    std::vector<void*> take_runnable() { return waiters_.take_runnable(); }
    bool pop_runnable(void** token) { return waiters_.pop_runnable(token); }
    // Jumps the clock to the next event and runs it; false when none is left.
    bool step();
    double next_event_time() { return queue_.next_time(); }
    // No runnable token and no busy event: nothing will happen by itself.
    bool idle();
    void wake(void* token) { waiters_.wake(token, nullptr); }
    void cancel_wait(void* token) { waiters_.cancel(token); }
    bool waiting(void* token) const { return waiters_.waiting(token); }
    std::size_t waiting_count() const { return waiters_.waiting_count(); }
    // A daemon token (a server loop) may wait forever without a deadlock.
    void set_daemon(void* token, bool daemon) { waiters_.set_daemon(token, daemon); }
    // The coroutine behind a token is gone: drop its wait and its marks.
    void forget_token(void* token) {
        waiters_.cancel(token);
        waiters_.set_daemon(token, false);
    }
    // Waits of non-daemon tokens, in the order they began.
    std::vector<BlockedWait> blocked() const { return waiters_.blocked(); }
    // "deadlock at t=...: host 'b' fd 3 waits readable; ..." (empty if none wait).
    std::string deadlock_report() const;
    // The loop above, calling resume(token) for each runnable token, and
    // after_event (if set) after each resume and each step: the driver's
    // moment between events (a live trace is delivered there).
    RunResult run_until_idle(const std::function<void(void*)>& resume,
                             const std::function<void()>& after_event = nullptr);
    // The same, stopping before the first event later than `time` (the clock
    // then reads `time`).
    RunResult run_until(double time, const std::function<void(void*)>& resume,
                        const std::function<void()>& after_event = nullptr);
    // The token the run loops are resuming (null between resumes). A wait
    // begun while it runs is that token's, whatever token the waiting code
    // gave (SimHost::suspend): code in a coroutine nested in it — Lua 5.1's
    // socket.pcall, lua-coxpcall — yields to it, and only it is resumed.
    void* resuming() const { return resuming_; }

    // ---- Kernel internals (hosts and sockets) -----------------------------
    WaitRegistry& waiters() { return waiters_; }
    // Puts a packet on the wire from `from`: routing, link faults, delivery.
    // What is left in `packet` is unspecified, but its payload may hold the
    // buffer of a packet delivered earlier: a sender that keeps it sends
    // its next payload without allocating (TcpSocket::send_data).
    void transmit(SimHost& from, Packet&& packet);
    // The host that owns a wire form IP, or nullptr.
    SimHost* owner_of(const Address& wire);
    // Whether `from` has a route to a (wire form) IP: its own and loopback
    // addresses, and every address on one of the world's networks (see
    // SimConfig::network_prefix_v4), owned or not. No route is ENETUNREACH.
    bool routable(const SimHost& from, const Address& ip) const;
    void record(const char* kind, const std::string& host, const std::string& detail) {
        trace_.record(now_, kind, host, detail);
    }
    void record(const char* kind, const std::string& host, const char* reason, const Packet& packet) {
        trace_.record(now_, kind, host, reason, packet);
    }

private:
    std::vector<Address> free_addresses() const;
    void deliver(HostId to, const Packet& packet);
    // A packet on the wire waits in a reusable slot, and its arrival event
    // holds only (world, host, slot): small enough for std::function's own
    // storage, so sending a packet allocates no event. The slot's payload
    // buffer (a delivered packet's) goes back in `packet`'s.
    std::uint32_t park(Packet&& packet);
    void deliver_parked(HostId to, std::uint32_t slot);
    Address network_of_ip(const Address& ip) const;
    // A packet to an address on a network nobody owns: the sender's
    // neighbour lookup fails after SimConfig::neighbour_timeout and its own
    // stack answers a TCP segment with ICMP host unreachable.
    void neighbour_failed(SimHost& from, const Packet& packet);

    // Declaration order is destruction order reversed: hosts (and their
    // sockets' timers) go before the queue they cancel events in.
    std::uint64_t seed_;
    double now_ = 0;
    Random random_;
    Trace trace_;
    SimConfig config_;
    std::vector<std::unique_ptr<Packet>> parked_;  // stable addresses: a delivery may park more
    std::vector<std::uint32_t> free_parked_;
    EventQueue queue_;
    WaitRegistry waiters_;
    void* resuming_ = nullptr;
    Links links_;
    NameTable names_;
    std::map<Address, HostId, IpLess> ip_owner_;  // wire-form IP -> host
    std::set<Address, IpLess> networks_;          // network_of each host's IP
    std::vector<std::unique_ptr<SimHost>> hosts_;
    std::map<std::string, HostId> host_by_name_;  // find_host without a walk
};

}  // namespace lsock::sim
