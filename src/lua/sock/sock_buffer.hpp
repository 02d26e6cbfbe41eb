// sock.buffer: fixed-capacity bytes that recv fills in place (Lua 5.2 has
// no ffi), and the argument checks of everything that takes bytes.
#pragma once

#include "lua/common/lua_api.hpp"

#include <cstddef>

namespace lsock::lua::sock {

// Pushes the buffer metatable (registered by register_buffer_functions):
// hot methods keep it as an upvalue to check their arguments against.
void push_buffer_metatable(lua_State* L);

// Bytes to send: a string or a buffer at `index` (on LuaJIT also a cdata
// pointer or array, with its length required: sock_cdata.hpp), cut to the optional
// length at `length_index` (nil: all of it; more than there is: raised).
// `meta_index` (0: look it up) may give the buffer metatable, e.g. an upvalue.
const char* check_bytes(lua_State* L, int index, int length_index, std::size_t* size, int meta_index = 0);
// Where the bytes of a value that check_bytes accepted are now (a string or
// a buffer does not move, but attempts re-read it after each wait).
const char* bytes_at(lua_State* L, int index);

// Room to receive into: a buffer at `index` (on LuaJIT also a cdata, as
// above, not const), at most `length_index` bytes
// of it (nil: the whole capacity; 0 or more than the capacity: raised).
char* check_space(lua_State* L, int index, int length_index, std::size_t* size, int meta_index = 0);
char* space_at(lua_State* L, int index);

}  // namespace lsock::lua::sock
