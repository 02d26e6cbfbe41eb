// C++ values owned by Lua: a userdata that holds a T and destroys it in its
// __gc. A call keeps what it builds (a list of addresses, a lookup's
// answers) in one, so the value survives a yield and is freed whether the
// call returns, raises or is abandoned — never on the C++ frame across a
// Lua call that can raise.
#pragma once

#include "lua/common/lua_api.hpp"

#include <new>

#include "lua/common/types.hpp"

namespace lsock::lua {

// The __gc of a userdata that holds a T.
template <typename T>
int destroy_owned(lua_State* L) {
    // An empty T stays behind: a second __gc (a script can call it) or a
    // resurrected value finds a live, empty object, not a destroyed one.
    T* object = static_cast<T*>(lua_touserdata(L, 1));
    object->~T();
    new (object) T();
    return 0;
}

// Pushes a new userdata holding a default-constructed T, of the type
// `spec` (whose gc is destroy_owned<T>).
template <typename T>
T* push_owned(lua_State* L, const TypeSpec& spec) {
    register_type(L, spec);
    T* value = new (lua_newuserdata(L, sizeof(T))) T();
    set_type(L, spec);
    return value;
}

// The T of a userdata that push_owned<T> made (checked by its maker).
template <typename T>
T* owned_at(lua_State* L, int index) {
    return static_cast<T*>(lua_touserdata(L, index));
}

}  // namespace lsock::lua
