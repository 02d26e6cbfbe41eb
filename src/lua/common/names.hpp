// The names Lua uses for the core's enumerations, shared by every face.
#pragma once

#include "lua/common/lua_api.hpp"

#include "lsock/os.hpp"

namespace lsock::lua {

// An optional family argument: "inet", "inet6" or "unix"; `fallback` for
// nil or none; anything else raises.
Family check_family(lua_State* L, int index, Family fallback);
// "inet", "inet6", "unix", or "unspec".
const char* family_name(Family family);

}  // namespace lsock::lua
