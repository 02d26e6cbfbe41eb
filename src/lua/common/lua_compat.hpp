// The one place where the Lua versions differ in how a C function yields
// (docs/build.md): the bindings are written against Lua 5.2's API and
// include this header for what 5.3 and 5.4 changed — the continuation
// signature of lua_yieldk and the arity of lua_resume — and for Lua 5.1 and
// LuaJIT, which have no continuations: there a yield goes through the
// trampoline (trampoline.hpp). The plain API gaps of 5.1 are lua_api.hpp's.
#pragma once

#include "lua/common/guard.hpp"
#include "lua/common/lua_api.hpp"
#include "lua/common/trampoline.hpp"

namespace lsock::lua {

// A continuation as the bindings write it: it gets back the context its
// yield gave (an int: every context here is a stack index or 0).
using Continuation = int (*)(lua_State* L, int context);

namespace detail {
#if LSOCK_LUA_TRAMPOLINE
// 5.1 and LuaJIT: the trampoline calls this with the saved frame.
template <Continuation F>
int continue_after_yield(lua_State* L) {
    int context = resume_context(L);
    return F(L, context);
}
#elif LUA_VERSION_NUM == 502
// 5.2 hands the context over through lua_getctx.
template <Continuation F>
int continue_after_yield(lua_State* L) {
    int context = 0;
    lua_getctx(L, &context);
    return F(L, context);
}
#else
// 5.3 and 5.4 pass it as an argument, with the status (always LUA_YIELD
// here: these continuations follow lua_yieldk only, never lua_pcallk).
template <Continuation F>
int continue_after_yield(lua_State* L, int status, lua_KContext context) {
    return run_guarded(L, [L, context] { return F(L, static_cast<int>(context)); });
}
#endif
}  // namespace detail

// Yields `nresults` values from a C function; when the coroutine is resumed
// the call goes on in F(L, context), under the exception barrier (it runs
// with no guarded C function below it on the C stack).
template <Continuation F>
int yield_to(lua_State* L, int nresults, int context) {
#if LSOCK_LUA_TRAMPOLINE
    return trampoline_yield(L, nresults, context, guarded<detail::continue_after_yield<F>>);
#elif LUA_VERSION_NUM == 502
    return lua_yieldk(L, nresults, context, guarded<detail::continue_after_yield<F>>);
#else
    return lua_yieldk(L, nresults, context, detail::continue_after_yield<F>);
#endif
}

// lua_resume, and how many values the coroutine left on its stack (the
// yielded or returned ones). Pop only those: on 5.4 a suspended coroutine's
// stack below them still belongs to the C function that yielded.
inline int resume(lua_State* co, lua_State* from, int nargs, int* nresults) {
#if LUA_VERSION_NUM >= 504
    return lua_resume(co, from, nargs, nresults);
#else
    // (On 5.1 and LuaJIT compat53 drops `from`.)
    int status = lua_resume(co, from, nargs);
    *nresults = lua_gettop(co);
    return status;
#endif
}

}  // namespace lsock::lua
