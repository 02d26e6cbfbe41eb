#include "lua/common/blocking_call.hpp"

#include <cerrno>
#include <cmath>

#include "lua/common/errors.hpp"
#include "lua/common/lua_compat.hpp"
#include "lua/common/yield_safe.hpp"

namespace lsock::lua {

namespace {

// Stack while a call runs: the attempt's own slots, the context value, then
// the BlockingCall (a light userdata) at `base`, whose position is also the
// yield context.
int push_frame(lua_State* L, const BlockingCall& call) {
    lua_pushlightuserdata(L, const_cast<BlockingCall*>(&call));
    return lua_gettop(L);
}

int run_from(lua_State* L, int base) {
    const BlockingCall& call = call_at(L, base);
    for (;;) {
        lua_settop(L, base);
        Wait wait;
        int results = call.attempt(L, &wait);
        if (results != kWouldBlock) return results;
        lua_settop(L, base);
        results = call.park(L, base, wait);
        if (results != kRetry) return results;
    }
}

}  // namespace

const BlockingCall& call_at(lua_State* L, int base) {
    return *static_cast<const BlockingCall*>(lua_touserdata(L, base));
}

int run_blocking(lua_State* L, const BlockingCall& call) { return run_from(L, push_frame(L, call)); }

int wait_then_run(lua_State* L, const BlockingCall& call, const Wait& wait) {
    int base = push_frame(L, call);
    int results = call.park(L, base, wait);
    if (results != kRetry) return results;
    return run_from(L, base);
}

int yield_call(lua_State* L, int base, int nresults) {
    // The yield's context is the frame's base: the continuation runs the
    // attempt again from there.
    return yield_to<run_from>(L, nresults, base);
}

void push_os_context(lua_State* L, Os& os) { lua_pushlightuserdata(L, &os); }

int park_on_os(lua_State* L, int base, const Wait& wait) {
    Os& os = *static_cast<Os*>(lua_touserdata(L, base - 1));
    if (os.wait_style() == WaitStyle::Block) {
        int error = os.wait(wait.items, wait.count, wait.deadline);
        // On ETIMEDOUT the attempt itself decides whether its deadline passed.
        if (error && error != ETIMEDOUT) return push_socket_error(L, os, error);
        return kRetry;
    }
    // (On 5.1 a call inside the modules' pcall runs in a coroutine of its
    // own, linked to its caller's: yield_safe.hpp. The wait is that of the
    // thread the world resumes: World::resuming.)
    if (runs_in_main_thread(L)) {
        return luaL_error(L, "%s: a blocking socket call on a simulated host must run inside one of the host's threads "
                          "(host:spawn)", call_at(L, base).name);
    }
    os.suspend(wait.items, wait.count, wait.deadline, L);
    return yield_call(L, base, 0);
}

double deadline_at(lua_State* L, int index) {
    double value = lua_tonumber(L, index);
    return value >= 1e300 ? kNoDeadline : value;
}

void push_deadline(lua_State* L, double deadline) {
    // Only +inf means "no deadline"; -inf is a time long past.
    if (std::isinf(deadline)) deadline = deadline > 0 ? 1e308 : -1e308;
    lua_pushnumber(L, deadline);
}

}  // namespace lsock::lua
