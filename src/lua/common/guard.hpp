// The exception barrier (docs/design.md, "Rules"): no C++ exception may
// reach Lua, which is C and unwinds with longjmp. Every C function that Lua
// can call — module functions, methods, metamethods, continuations — is
// registered as guarded<F>, which turns an allocation failure deep in C++
// (a std::string, a vector) into Lua's own memory error, raised only after
// the exception is over. Lua's errors and yields (longjmp) pass through
// unchanged: this frame owns nothing with a destructor (on LuaJIT they
// unwind as a foreign C++ exception, which the barrier lets through).
#pragma once

#include "lua/common/lua_api.hpp"

#include <exception>
#include <new>

namespace lsock::lua {

// Raises the error Lua raises when it runs out of memory (the same text, so
// a script cannot tell a C++ allocation from a Lua one).
int raise_out_of_memory(lua_State* L);
// Raises for an exception that is not an allocation failure (a bug).
int raise_internal_error(lua_State* L);

// Runs body() (which returns a C function's result count) behind the
// barrier. For continuations, whose signature differs by Lua version.
template <typename Body>
int run_guarded(lua_State* L, Body&& body) {
    int failure = 0;
    int results = 0;
    try {
        results = body();
    } catch (const std::bad_alloc&) {
        failure = 1;
#if defined(LUAJIT_VERSION)
    // LuaJIT raises its errors (lua_error) by unwinding as a C++ exception
    // of its own: `...` would catch them. Ours all derive from std::exception.
    } catch (const std::exception&) {
        failure = 2;
    }
#else
    } catch (...) {
        failure = 2;
    }
#endif
    if (failure == 1) return raise_out_of_memory(L);
    if (failure == 2) return raise_internal_error(L);
    return results;
}

template <lua_CFunction F>
int guarded(lua_State* L) {
    return run_guarded(L, [L] { return F(L); });
}

}  // namespace lsock::lua
