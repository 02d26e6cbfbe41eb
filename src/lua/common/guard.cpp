#include "lua/common/guard.hpp"

namespace lsock::lua {

int raise_out_of_memory(lua_State* L) {
    // Lua keeps this very string interned (its own memory error message):
    // pushing it allocates nothing.
    lua_pushliteral(L, "not enough memory");
    return lua_error(L);
}

int raise_internal_error(lua_State* L) { return luaL_error(L, "lsock: internal error in a C++ call"); }

}  // namespace lsock::lua
