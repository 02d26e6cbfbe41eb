#include "lua/blocking_call.hpp"

#include <cerrno>
#include <cmath>

#include "lua/socket_object.hpp"

namespace lsock::lua {

namespace {

int continue_blocking(lua_State* L);

// Stack while a call runs: the attempt's own slots, then the Os and the
// AttemptRef (light userdata; the socket or module in slot 1 keeps the Os
// alive), whose position is the yield context.
int run_from(lua_State* L, int base) {
    Os& os = *static_cast<Os*>(lua_touserdata(L, base - 1));
    auto* ref = static_cast<const AttemptRef*>(lua_touserdata(L, base));
    for (;;) {
        lua_settop(L, base);
        Wait wait;
        int results = ref->run(L, &wait);
        if (results != kWouldBlock) return results;
        lua_settop(L, base);
        if (os.wait_style() == WaitStyle::Block) {
            int error = os.wait(wait.items, wait.count, wait.deadline);
            if (error && error != ETIMEDOUT) return push_failure(L, os, error);
            continue;  // the attempt itself decides whether the deadline has passed
        }
        if (lua_pushthread(L)) {
            return luaL_error(L, "a blocking socket call on a simulated host must run inside the host's thread");
        }
        lua_pop(L, 1);
        os.suspend(wait.items, wait.count, wait.deadline, L);
        return lua_yieldk(L, 0, base, continue_blocking);
    }
}

int continue_blocking(lua_State* L) {
    int base = 0;
    lua_getctx(L, &base);
    return run_from(L, base);
}

}  // namespace

int run_blocking(lua_State* L, Os& os, const AttemptRef& attempt) {
    lua_pushlightuserdata(L, &os);
    lua_pushlightuserdata(L, const_cast<AttemptRef*>(&attempt));
    return run_from(L, lua_gettop(L));
}

double deadline_at(lua_State* L, int index) {
    double value = lua_tonumber(L, index);
    return value >= 1e300 ? kNoDeadline : value;
}

void push_deadline(lua_State* L, double deadline) {
    lua_pushnumber(L, std::isinf(deadline) ? 1e308 : deadline);
}

}  // namespace lsock::lua
