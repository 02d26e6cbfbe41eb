// LuaJIT only: ffi cdata pointers and arrays as the bytes of sock's send and
// recv, beside strings and sock.buffer (docs/sock.md, "LuaJIT: ffi cdata").
//
// The address is taken in Lua, by ffi itself: from C, lua_topointer on a
// cdata gives where its payload lives, which is the data of an array but
// the pointer's own storage for a pointer, and nothing in the C API tells
// the two apart. A small Lua function (kept in the registry) classifies the
// cdata by its ctype and casts it to uintptr_t; anything that is neither a
// pointer nor an array (an int64_t, a struct, a function) is refused, so a
// number can never be read as an address.
//
// Compiled only for LuaJIT: elsewhere there is no cdata, and the string and
// buffer checks are all there is (no cost on the other versions' hot paths).
#pragma once

#include "lua/common/lua_api.hpp"

#if defined(LUAJIT_VERSION)

#include <cstddef>

namespace lsock::lua::sock {

// LuaJIT's type tag of a cdata (LUA_TCDATA in its lj_obj.h, which lua.h
// does not export); luaL_typename names it "cdata".
constexpr int kCdataType = 10;

inline bool is_cdata(lua_State* L, int index) { return lua_type(L, index) == kCdataType; }

// The bytes of the cdata pointer or array at `index`, `length_index` bytes
// of them: the length is required (a whole number, not negative, not NaN;
// positive when `writable`), a NULL pointer only with length 0, and a
// `writable` one (recv) must not point to const. Raises otherwise, naming
// the argument.
char* check_cdata_bytes(lua_State* L, int index, int length_index, bool writable, std::size_t* size);

// Where the bytes of a cdata that check_cdata_bytes accepted are (an
// attempt after a wait: the cdata stays in its stack slot, which keeps an
// ffi.new array alive, and a pointer's value cannot change).
char* cdata_address(lua_State* L, int index);

}  // namespace lsock::lua::sock

#endif
