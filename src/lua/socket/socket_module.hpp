// Builds the `socket` module table for one Os. `require "socket"` gets the
// one for the real kernel; the simulation builds one per simulated host.
#pragma once

#include "lua/common/lua_api.hpp"

#include "lsock/os.hpp"

namespace lsock::lua {

// Pushes a new module table bound to `os`; the value at `owner_index` (0 for
// none) is kept alive as long as the module or any of its sockets lives.
void push_socket_module(lua_State* L, Os& os, int owner_index);

}  // namespace lsock::lua
