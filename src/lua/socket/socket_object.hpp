// The Lua side of a `socket` socket: the userdata that owns a core socket,
// the Os it lives on, and the conversions every method shares (arguments
// in, addresses out). Binding code only: no socket logic here.
#pragma once

#include "lua/common/lua_api.hpp"

#include <string>
#include <vector>

#include "core/datagram_socket.hpp"
#include "core/stream_socket.hpp"
#include "lua/common/blocking_call.hpp"
#include "lua/common/types.hpp"

namespace lsock::lua {

extern const TypeSpec kTcpType;
extern const TypeSpec kUdpType;

// A module's environment: a table {Os context, owner}. Module functions
// hold it as upvalue 1 and every socket of the module shares it as its
// uservalue, so a socket keeps its Os and whatever owns it (a simulated
// world) alive. `owner_index` 0 means no owner (the process-wide kernel).
void push_os_env(lua_State* L, Os& os, int owner_index);
Os& os_of_env(lua_State* L, int env_index);
Os& os_of_upvalue(lua_State* L);  // module functions: the env in upvalue 1

struct TcpObject {
    StreamSocket socket;
};
struct UdpObject {
    DatagramSocket socket;
    std::string scratch;  // receive space reused between calls
};

// Methods check `self` with these: a wrong self raises an argument error.
TcpObject* check_tcp(lua_State* L, int index);
UdpObject* check_udp(lua_State* L, int index);
// Either kind (for the methods both share).
SocketBase* check_socket(lua_State* L, int index);
SocketBase* test_socket(lua_State* L, int index);  // null when not a socket
StreamSocket* test_stream(lua_State* L, int index);

// New socket userdata bound to the module environment at `env_index`.
TcpObject* new_tcp(lua_State* L, int env_index, Family family);
UdpObject* new_udp(lua_State* L, int env_index, Family family);
// Room for a tcp socket, allocated before an accept so that no accepted
// descriptor is ever held while Lua might fail to allocate.
void push_tcp_slot(lua_State* L);
// Makes the slot at `slot_index` a tcp socket around `accepted`, bound to the
// environment of the socket at `listener_index`. Allocates nothing.
TcpObject* adopt_into_slot(lua_State* L, int slot_index, int listener_index, Family family, Fd accepted);

// Registers the metatables (idempotent).
void register_socket_types(lua_State* L);
extern const luaL_Reg kTcpMethods[];     // tcp_methods.cpp
extern const luaL_Reg kUdpMethods[];     // udp_methods.cpp
extern const luaL_Reg kSharedMethods[];  // shared_methods.cpp

// Host/port arguments at (index, index + 1), or "unix:/path" at index: pushes
// the candidate addresses (a Lua-owned list, address_list) and returns 0,
// or on a lookup failure pushes nil, err and returns 2 (ERROR_TIMEOUT when
// `deadline`, the call's, passed first). Raises on wrong argument types.
int push_lookup(lua_State* L, Os& os, int index, Family family, SocketType type, bool passive, double deadline);

// Whether a lookup here can wait in virtual time: on a simulated host,
// inside one of its threads. A real kernel's lookups block in lookup_until.
bool can_wait_for_lookup(lua_State* L, Os& os);
// For a lookup still in flight (a LookupInFlight on top of the stack) made
// for the argument at `index` of the C method running now: waits for it
// (the thread yields to the world) until `deadline`, then calls the method
// again in the same frame with the finished lookup in place of that
// argument (the method takes its answers or its timeout from it). Returns
// only by yielding or raising.
int wait_for_lookup_then_restart(lua_State* L, Os& os, int index, double deadline);
const std::vector<Address>& address_list(lua_State* L, int index);

// A Lua-owned Address to fill, for a call that pushes it afterwards.
Address* push_address_box(lua_State* L);
// {ip, port, ip=, port=} for inet addresses, the path for unix ones.
void push_address(lua_State* L, const Address& address);

// Runs a blocking call of this module: it waits on `os` (park_on_os).
inline int run_socket_call(lua_State* L, Os& os, const BlockingCall& call) {
    push_os_context(L, os);
    return run_blocking(L, call);
}

}  // namespace lsock::lua
