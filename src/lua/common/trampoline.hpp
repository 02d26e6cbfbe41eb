// Blocking calls on Lua 5.1 and LuaJIT, which have no lua_yieldk: a C
// function cannot yield and be continued, only yield and return. So a C
// function that may yield is called through a small Lua function, the
// trampoline, and "yields" by returning a marker (docs/design.md, "Waiting
// without continuations"):
//
//   marker, resume, frame, yielded values...
//
// `frame` is a table holding the C function's stack (the attempt's progress:
// every attempt keeps it in stack slots, never in C locals) and its
// continuation's context; `resume` is a C closure with the same upvalues as
// the function that yielded. The trampoline yields the values, and when the
// coroutine is resumed calls resume(frame), which puts the stack back and
// runs the continuation: a result, or the marker again.
//
// Built only where LSOCK_LUA_TRAMPOLINE is 1 (lua_api.hpp); on 5.2, 5.3 and
// 5.4, which yield through their own continuations, set_functions and
// push_function are luaL_setfuncs and lua_pushcclosure.
#pragma once

#include "lua/common/lua_api.hpp"

#if LSOCK_LUA_TRAMPOLINE

namespace lsock::lua {

// Returns the marker form above for a C function that would yield the top
// `nresults` values and go on, once resumed, in `resume` (a C function run
// with the original's upvalues and its stack put back), to which `context`
// is given (resume_context).
int trampoline_yield(lua_State* L, int nresults, int context, lua_CFunction resume);
// In `resume`: puts the saved stack back (the frame is argument 1) and
// returns the context.
int resume_context(lua_State* L);

// Whether the `results` values on top are a yield's marker form: where C
// code runs a call that may yield and does not return its count at once
// (in 5.2+ a yield never comes back to it).
bool is_yield(lua_State* L, int results);

// luaL_setfuncs, with every function behind the trampoline: module
// functions, and methods (called as obj:name(...), which errors say).
void set_functions(lua_State* L, const luaL_Reg* functions, int nup);
void set_methods(lua_State* L, const luaL_Reg* methods, int nup);
// lua_pushcclosure, the closure behind the trampoline; `name` names it in
// argument errors ("bad argument #1 to 'name'").
void push_function(lua_State* L, lua_CFunction function, int nup, const char* name);
// The C function behind the function at `index` (a trampoline or the C
// function itself) is pushed.
void push_c_function(lua_State* L, int index);

}  // namespace lsock::lua

#else

namespace lsock::lua {

// With continuations a function that may yield is registered as any other.
inline void set_functions(lua_State* L, const luaL_Reg* functions, int nup) { luaL_setfuncs(L, functions, nup); }
inline void set_methods(lua_State* L, const luaL_Reg* methods, int nup) { luaL_setfuncs(L, methods, nup); }
inline void push_function(lua_State* L, lua_CFunction function, int nup, const char*) {
    lua_pushcclosure(L, function, nup);
}
inline void push_c_function(lua_State* L, int index) { lua_pushvalue(L, index); }
inline bool is_yield(lua_State*, int) { return false; }

}  // namespace lsock::lua

#endif
