// Entry points that Lua's require finds in lsock.so.
#include "lsock/os.hpp"
#include "lua/socket/socket_module.hpp"
#include "lua/sock/sock_module.hpp"

extern "C" {

// require "socket" (through lua/socket.lua): sockets on the real kernel.
LUALIB_API int luaopen_lsock_socket(lua_State* L) {
    lsock::lua::push_socket_module(L, lsock::system_os(), 0);
    return 1;
}

// require "sock" (through lua/sock.lua): coroutine-scheduled sockets on the
// real kernel's epoll. Each call makes a new loop.
LUALIB_API int luaopen_lsock_sock(lua_State* L) {
    lsock::lua::sock::push_sock_module(L, lsock::system_os(), 0);
    return 1;
}

}
