// Runs a blocking call written as resumable attempts: the one runner of
// every face (docs/design.md, "Waiting").
//
// An attempt reads its arguments and progress from the Lua stack, which
// survives a coroutine yield, and either pushes its results (returning how
// many) or returns kWouldBlock after filling `Wait`. The runner then hands
// the wait to the call's `Park`, which is where the faces differ:
//
// - park_on_os (`socket`, and sock.poll/start): a real kernel blocks this OS
//   thread in Os::wait and the attempt runs again; the simulated kernel
//   records the wait with Os::suspend and the call yields (lua_yieldk) until
//   the world resumes it in virtual time.
// - the sock loop (src/lua/sock/sock_loop.cpp): the wait is registered with
//   the scheduler and the sock thread yields to its loop.
//
// After a yield the continuation calls the attempt again. Because a yield
// and a Lua error are both a longjmp, an attempt keeps no C++ object with a
// destructor alive across kWouldBlock or any Lua call that can raise.
#pragma once

#include "lua/common/lua_api.hpp"

#include "lsock/os.hpp"

namespace lsock::lua {

constexpr int kWouldBlock = -1;
// What a Park returns when the wait is over and the attempt should run again.
constexpr int kRetry = -2;

struct Wait {
    PollItem single;           // the common case: one descriptor
    PollItem* items = nullptr; // or many (select): memory owned by a Lua value
    std::size_t count = 0;
    double deadline = kNoDeadline;

    void on(Fd fd, unsigned events, double until) {
        single = PollItem{fd, events, 0};
        items = &single;
        count = 1;
        deadline = until;
    }
    // Nothing to watch: just come back at `until` (a sleep, Step::retry_soon).
    void pause_until(double until) {
        items = nullptr;
        count = 0;
        deadline = until;
    }
};

using Attempt = int (*)(lua_State* L, Wait* wait);

// Waits for `wait` on behalf of the call whose frame ends at `base` (the
// context value sits at base - 1). Returns kRetry, or yields, or pushes a
// failure and returns the number of values.
using Park = int (*)(lua_State* L, int base, const Wait& wait);

// A blocking call: what to try, how to wait, and its name for errors.
struct BlockingCall {
    Attempt attempt;
    Park park;
    const char* name;  // "tcp:connect", "socket.select": named in errors
};

// Runs `call` until it finishes. The attempt's stack slots must be in
// place, and on top of them the context value the Park needs (park_on_os:
// push_os_context; the sock loop: the loop userdata), which must keep
// everything the attempt uses alive.
int run_blocking(lua_State* L, const BlockingCall& call);
// The same for a caller that already knows the first try would block: it
// parks on `wait` at once, and the attempt runs when that wait is over.
int wait_then_run(lua_State* L, const BlockingCall& call, const Wait& wait);

// Pushes the light userdata park_on_os takes as its context.
void push_os_context(lua_State* L, Os& os);
// Blocks in Os::wait (WaitStyle::Block) or suspends and yields in virtual
// time (WaitStyle::Suspend). Errors of the wait are reported as `socket`
// reports them (nil, message).
int park_on_os(lua_State* L, int base, const Wait& wait);

// Yields the call whose frame ends at `base` with the `nresults` values on
// top; the continuation runs the attempt again. For Parks.
int yield_call(lua_State* L, int base, int nresults);
// The call of the frame ending at `base` (for a Park's error messages).
const BlockingCall& call_at(lua_State* L, int base);

// Reads a deadline slot (a number; huge = none).
double deadline_at(lua_State* L, int index);
void push_deadline(lua_State* L, double deadline);

}  // namespace lsock::lua
