#pragma once

#include "lua/common/lua_api.hpp"

namespace lsock::lua {

// Sets `select` in the module table at -1, bound to the module environment at env_index.
void register_select(lua_State* L, int env_index);

}  // namespace lsock::lua
