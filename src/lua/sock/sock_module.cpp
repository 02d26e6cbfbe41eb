#include "lua/sock/sock_module.hpp"

#include "lua/common/guard.hpp"
#include "lua/common/trampoline.hpp"
#include "lua/common/yield_safe.hpp"
#include "lua/sock/sock_loop.hpp"

namespace lsock::lua::sock {

void push_sock_module(lua_State* L, Os& os, int owner_index) {
    // luaL_setfuncs wants LUA_MINSTACK free slots beyond its upvalues and
    // calls a growth that found no memory a stack overflow ("too many
    // upvalues"): grow the stack first, where that is said as it is.
    if (!lua_checkstack(L, 2 * LUA_MINSTACK)) raise_out_of_memory(L);
    if (owner_index) owner_index = lua_absindex(L, owner_index);
    push_loop(L, os, owner_index);
    int loop = lua_gettop(L);
    lua_createtable(L, 0, 24);
    register_thread_functions(L, loop);
    register_buffer_functions(L);
    register_address_functions(L, loop);
    register_socket_functions(L, loop);
    set_yield_safe_calls(L);
    lua_pushliteral(L, "lsock.sock " LSOCK_VERSION);
    lua_setfield(L, -2, "_VERSION");
    lua_remove(L, loop);
}

void push_module_loop(lua_State* L, int module_index) {
    // Every function of the module holds the loop as upvalue 1.
    lua_getfield(L, module_index, "start");
    push_c_function(L, -1);  // on 5.1 and LuaJIT "start" is its trampoline
    lua_getupvalue(L, -1, 1);
    lua_remove(L, -2);
    lua_remove(L, -2);
}

}  // namespace lsock::lua::sock
