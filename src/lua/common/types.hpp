// Registration of the userdata types every face defines (sockets,
// addresses, buffers, loops, worlds, hosts): one helper for the metatable,
// its __name, __index, __gc, __tostring and friends, and an identity test
// that needs no string lookup on hot paths.
#pragma once

#include "lua/common/lua_api.hpp"

namespace lsock::lua {

struct TypeSpec {
    const char* meta;  // the registry name of the metatable ("lsock.tcpsock")
    const char* name;  // __name, the type's name in messages ("tcpsock")
    const luaL_Reg* methods = nullptr;  // the __index table (null: none)
    lua_CFunction gc = nullptr;         // runs only for a value of this type
    lua_CFunction tostring = nullptr;
    lua_CFunction eq = nullptr;
    lua_CFunction len = nullptr;
    // A function __index; the method table is then at field "methods" of
    // the metatable, for the function to look in.
    lua_CFunction index = nullptr;
    // Called with the metatable at -2 and the method table at -1, for
    // methods that take upvalues. Null: none.
    void (*extend)(lua_State* L) = nullptr;
};

// Makes the metatable of `spec` unless it exists (idempotent). Its address
// is the type's identity (test_type).
void register_type(lua_State* L, const TypeSpec& spec);

// The userdata at `index` when its metatable is the table at `meta_index`
// (an absolute or upvalue index: the hot paths keep their metatables as
// upvalues), else null. No registry lookup. Metatables are tables, and two
// tables are the same value exactly when they are the same object: their
// addresses decide what lua_rawequal would, and two lua_topointer calls
// cost less than its generic equality of any two values (on Lua 5.2, 54
// instructions against 77). Inline: it runs twice or more in every socket
// call.
inline void* test_metatable(lua_State* L, int index, int meta_index) {
    void* memory = lua_touserdata(L, index);
    if (!memory || !lua_getmetatable(L, index)) return nullptr;
    bool same = lua_topointer(L, -1) == lua_topointer(L, meta_index);
    lua_pop(L, 1);
    return same ? memory : nullptr;
}

// The userdata at `index` when its metatable is the one of `spec`, else null.
void* test_type(lua_State* L, int index, const TypeSpec& spec);
// The same, raising an argument error ("tcpsock expected, got table") otherwise.
void* check_type(lua_State* L, int index, const TypeSpec& spec);
// Raises the argument error of check_type for `expected`.
int type_error(lua_State* L, int index, const char* expected);

// Sets the metatable of `spec` on the value at -1 (registered already).
void set_type(lua_State* L, const TypeSpec& spec);

}  // namespace lsock::lua
