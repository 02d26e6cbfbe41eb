// The Lua side of a socket: the userdata that owns a core socket, the Os it
// lives on, and the conversions every method shares (arguments in, errors
// out). Binding code only: no socket logic here.
#pragma once

#include <lua.hpp>

#include <string>

#include "core/datagram_socket.hpp"
#include "core/stream_socket.hpp"

namespace lsock::lua {

constexpr const char* kTcpMeta = "lsock.tcpsock";
constexpr const char* kUdpMeta = "lsock.udpsock";
constexpr const char* kOsMeta = "lsock.os";

// Error strings scripts compare against (SPEC: socket.ERROR_*).
constexpr const char* kTimeoutMessage = "Operation timed out";
constexpr const char* kClosedMessage = "Connection closed";
constexpr const char* kRefusedMessage = "Connection refused";

// The Os a module instance is bound to.
struct OsHandle {
    Os* os;
};

// A module's environment: a table {OsHandle, owner}. Module functions hold
// it as upvalue 1 and every socket of the module shares it as its uservalue,
// so a socket keeps its Os and whatever owns it (a simulated world) alive.
// `owner_index` 0 means no owner (the process-wide kernel).
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
// Either kind (for the methods both share); null `udp`/`tcp` tells which.
SocketBase* check_socket(lua_State* L, int index);
SocketBase* test_socket(lua_State* L, int index);  // null when not a socket
StreamSocket* test_stream(lua_State* L, int index);

// New socket userdata bound to the module environment at `env_index`.
TcpObject* new_tcp(lua_State* L, int env_index, Family family, Fd adopted = kNoFd);
UdpObject* new_udp(lua_State* L, int env_index, Family family);

// Registers the metatables (idempotent).
void register_socket_types(lua_State* L);
void register_tcp_methods(lua_State* L);  // fills the tcp method table at -1
void register_udp_methods(lua_State* L);  // fills the udp method table at -1
void register_shared_methods(lua_State* L);

// Run-time failure: pushes nil, message and returns 2.
int push_failure(lua_State* L, Os& os, int error);
std::string error_text(Os& os, int error);
int push_resolve_failure(lua_State* L, Os& os, ResolveError error);

// Host/port arguments at (index, index + 1), or "unix:/path" at index.
// Fills *out with the candidates; on a lookup failure pushes nil, err and
// returns 2; otherwise returns 0. Raises on wrong argument types.
struct AddressList;
int push_lookup(lua_State* L, Os& os, int index, Family family, SocketType type, bool passive);
// The list pushed by push_lookup (a userdata owning std::vector<Address>).
const std::vector<Address>& address_list(lua_State* L, int index);

// {ip, port, ip=, port=} for inet addresses, the path for unix ones.
void push_address(lua_State* L, const Address& address);

// Optional family name argument ("inet", "inet6", "unix").
Family check_family(lua_State* L, int index);

}  // namespace lsock::lua
