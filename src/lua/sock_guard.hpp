// No C++ exception may reach Lua (DESIGN.md): every C function of the sock
// module is registered through guarded<>, which turns an allocation failure
// deep in C++ (a std::string, a vector) into a Lua memory error, raised
// only after the exception is over. Lua's own errors and yields (longjmp)
// pass through unchanged: this frame owns nothing with a destructor.
#pragma once

#include <lua.hpp>

#include <new>

#include "lua/blocking_call.hpp"

namespace lsock::lua::sock {

template <lua_CFunction F>
int guarded(lua_State* L) {
    bool failed = false;
    int results = 0;
    try {
        results = F(L);
    } catch (const std::bad_alloc&) {
        failed = true;
    } catch (...) {
        failed = true;
    }
    if (failed) return luaL_error(L, "sock: out of memory (or an internal error) in a C++ call");
    return results;
}

// The same for an attempt, which continuations call after a yield, when no
// guarded C function is on the C stack any more.
template <Attempt A>
int guarded_attempt(lua_State* L, Wait* wait) {
    bool failed = false;
    int results = 0;
    try {
        results = A(L, wait);
    } catch (...) {
        failed = true;
    }
    if (failed) return luaL_error(L, "sock: out of memory (or an internal error) in a C++ call");
    return results;
}

}  // namespace lsock::lua::sock
