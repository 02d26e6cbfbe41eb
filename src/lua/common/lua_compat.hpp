// The one place where the Lua versions differ (docs/build.md): the bindings
// are written against Lua 5.2's API and include this header for what 5.3
// and 5.4 changed — the continuation signature of lua_yieldk and the arity
// of lua_resume. Everything else they use is the same in 5.2, 5.3 and 5.4.
#pragma once

#include <lua.hpp>

#include "lua/common/guard.hpp"

#if LUA_VERSION_NUM < 502 || LUA_VERSION_NUM > 504
#error "lsock's bindings build for Lua 5.2, 5.3 and 5.4 (docs/build.md)"
#endif

namespace lsock::lua {

// A continuation as the bindings write it: it gets back the context its
// yield gave (an int: every context here is a stack index or 0).
using Continuation = int (*)(lua_State* L, int context);

namespace detail {
#if LUA_VERSION_NUM == 502
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
#if LUA_VERSION_NUM == 502
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
    int status = lua_resume(co, from, nargs);
    *nresults = lua_gettop(co);
    return status;
#endif
}

}  // namespace lsock::lua
