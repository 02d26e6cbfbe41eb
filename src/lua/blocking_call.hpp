// Runs a blocking call written as resumable attempts.
//
// An attempt reads its arguments and progress from the Lua stack, which
// survives a coroutine yield, and either pushes its results (returning how
// many) or returns kWouldBlock after filling `Wait`. The runner then waits
// the way the socket's Os wants: a real kernel blocks this OS thread in
// Os::wait; the simulated kernel records the wait with Os::suspend and the
// call yields (lua_yieldk) until the world resumes it in virtual time, when
// the continuation calls the attempt again. Because of that longjmp, an
// attempt keeps no C++ object with a destructor alive across kWouldBlock.
#pragma once

#include <lua.hpp>

#include "lsock/os.hpp"

namespace lsock::lua {

constexpr int kWouldBlock = -1;

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
    // Nothing to watch: just come back at `until` (Step::retry_soon).
    void pause_until(double until) {
        items = nullptr;
        count = 0;
        deadline = until;
    }
};

using Attempt = int (*)(lua_State* L, Wait* wait);

// Identifies an attempt across a yield (a Lua light userdata points at it).
struct AttemptRef {
    Attempt run;
};

// Runs `attempt` until it finishes; waits on `os` between tries. The
// attempt's stack slots must be in place below the top.
int run_blocking(lua_State* L, Os& os, const AttemptRef& attempt);

// Reads a deadline slot (a number; huge = none).
double deadline_at(lua_State* L, int index);
void push_deadline(lua_State* L, double deadline);

}  // namespace lsock::lua
