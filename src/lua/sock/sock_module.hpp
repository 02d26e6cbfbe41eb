// The `sock` module (docs/sock.md): coroutine-scheduled sockets. One
// module table per loop: `require "sock"` gets the one of the real kernel;
// the simulation builds one per simulated host, exactly like `socket`.
#pragma once

#include "lua/common/lua_api.hpp"

#include "lsock/os.hpp"

namespace lsock::lua::sock {

// Pushes a new module table with its own loop on `os`; the value at
// `owner_index` (0 for none) is kept alive as long as the loop, its sockets
// or its threads live (a simulated host, so its Os outlives them).
void push_sock_module(lua_State* L, Os& os, int owner_index);
// Pushes the loop userdata of the module table at `module_index`, which
// push_sock_module just made (before Lua code could change the table).
void push_module_loop(lua_State* L, int module_index);

// Each fills the module table at -1; `loop` is the loop userdata's index.
void register_thread_functions(lua_State* L, int loop);
void register_buffer_functions(lua_State* L);
void register_address_functions(lua_State* L, int loop);
void register_socket_functions(lua_State* L, int loop);

}  // namespace lsock::lua::sock
