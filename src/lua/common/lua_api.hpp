// Lua's C API as the bindings use it: 5.2's, with what 5.3 and 5.4 added.
// Every binding file includes this header, never <lua.hpp> itself, so that
// on Lua 5.1 and LuaJIT (LUA_VERSION_NUM 501) lua-compat53 fills the plain
// gaps (lua_absindex, luaL_setfuncs, lua_rawlen, ...), as static functions
// of each file that uses them. What compat53 cannot give — continuations —
// is lua_compat.hpp's and trampoline.hpp's (docs/build.md).
#pragma once

#include <lua.hpp>

#if LUA_VERSION_NUM == 501
// LuaJIT's lua.hpp brings luajit.h, which defines LUAJIT_VERSION.
#include <compat-5.3.h>
#define LSOCK_LUA_TRAMPOLINE 1
#else
#define LSOCK_LUA_TRAMPOLINE 0
#endif

#if LUA_VERSION_NUM < 501 || LUA_VERSION_NUM > 504
#error "lsock's bindings build for Lua 5.1 to 5.4 and LuaJIT (docs/build.md)"
#endif
