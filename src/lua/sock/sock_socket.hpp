// The socket objects of the `sock` module: tcp, udp and raw userdata that
// own a core socket, with the loop (the socket's uservalue) that their
// threads wait on. Binding code only: the socket logic is in src/core.
#pragma once

#include "lua/common/lua_api.hpp"

#include "core/datagram_socket.hpp"
#include "core/stream_socket.hpp"
#include "lua/sock/sock_loop.hpp"

namespace lsock::lua::sock {

extern const TypeSpec kTcpType;
extern const TypeSpec kUdpType;
extern const TypeSpec kRawType;

// Each socket keeps a pointer to its loop, which its uservalue keeps alive:
// the hot paths need no Lua lookup to find it.
struct TcpSock {
    StreamSocket socket;
    int protocol;
    LoopObject* loop;
};
struct DatagramSock {
    DatagramSocket socket;  // a UDP or a raw socket
    int protocol;
    LoopObject* loop;
};

// Any sock socket, or a raised argument error.
SocketBase* check_any_socket(lua_State* L, int index, int* protocol = nullptr);
TcpSock* check_tcp(lua_State* L, int index);
DatagramSock* check_datagram(lua_State* L, int index);  // udp or raw
TcpSock* tcp_at(lua_State* L, int index);                // already checked
DatagramSock* datagram_at(lua_State* L, int index);

// The loop of the socket at `index` (kept alive by the socket).
LoopObject* loop_of(lua_State* L, int index);
// Pushes that loop's userdata.
void push_socket_loop(lua_State* L, int index);
// Closes `socket`, first waking the threads that wait on it (they see it closed).
void close_socket(LoopObject* loop, SocketBase& socket);

// For a step that is not done: fills `wait` and returns kWouldBlock, or
// pushes the step's error, or, once `deadline` has passed, closes the
// socket and pushes nil, "timeout" (docs/sock.md: an expired operation
// closes its socket). Returns kWouldBlock or the number of values pushed.
int wait_or_expire(lua_State* L, LoopObject* loop, SocketBase& socket, const Step& step, double deadline, Wait* wait);
// The Parks of the sockets' blocking calls: their context is the socket
// itself (a copy of slot 1), which keeps its loop alive and points at it,
// so that laying out a wait costs no lookup of the loop.
int park_tcp(lua_State* L, int base, const Wait& wait);
int park_datagram(lua_State* L, int base, const Wait& wait);  // udp and raw
// Runs a blocking call of a sock socket method (its Park is one of the two
// above): the slots are in place, the socket at 1, `loop` its loop.
int run_in_loop(lua_State* L, LoopObject* loop, const BlockingCall& call);

// Raises the "inside a sock thread" error unless L runs in a thread of the
// socket's loop; pushes nothing.
void check_socket_thread(lua_State* L, int socket_index, const char* function);
// The same, without a lookup when L is the thread `loop` is resuming.
inline void check_socket_thread(lua_State* L, const LoopObject* loop, int socket_index, const char* function) {
    if (L != loop->current) check_socket_thread(L, socket_index, function);
}

// Memory for an accepted socket, allocated before the accept so that no
// descriptor is ever held while Lua might fail to allocate.
void push_tcp_slot(lua_State* L);
// Makes the slot at `index` a tcp socket around `accepted`, on the loop of
// the socket at `listener_index`. Allocates nothing: cannot raise.
void adopt_into_slot(lua_State* L, int index, int listener_index, Family family, Fd accepted, int protocol);

// Fills the tcp method table at -1 (the tcp metatable is at -2).
void register_tcp_methods(lua_State* L);
extern const luaL_Reg kDatagramMethods[];  // sock_udp.cpp

// Reads an optional `expires` argument (an absolute sock.clock() time).
double check_expires(lua_State* L, int index);

}  // namespace lsock::lua::sock
