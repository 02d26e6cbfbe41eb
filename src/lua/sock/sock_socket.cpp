// sock.tcp / udp / raw and the methods every sock socket has: type, family,
// protocol, close, bind, setopt, getopt, getsockname, getpeername.
#include "lua/sock/sock_socket.hpp"

#include <cerrno>
#include <new>

#include "lua/common/errors.hpp"
#include "lua/common/guard.hpp"
#include "lua/common/names.hpp"
#include "lua/common/options.hpp"
#include "lua/common/step_wait.hpp"
#include "lua/sock/sock_address.hpp"
#include "lua/sock/sock_module.hpp"
#include "lua/common/trampoline.hpp"

namespace lsock::lua::sock {

namespace {

enum Kind { kTcp, kUdp, kRaw, kNotASocket };

Kind kind_of(lua_State* L, int index) {
    if (test_type(L, index, kTcpType)) return kTcp;
    if (test_type(L, index, kUdpType)) return kUdp;
    if (test_type(L, index, kRawType)) return kRaw;
    return kNotASocket;
}

// Garbage collection closes a socket that was not closed. As in `socket`
// (socket_object.cpp), what stays is a closed socket that owns nothing: a
// socket reached after its __gc answers "closed".
void make_closed(TcpSock* at, Os& os, Family family, int protocol, LoopObject* loop) {
    new (at) TcpSock{StreamSocket(os, family), protocol, loop};
}
void make_closed(DatagramSock* at, Os& os, Family family, int protocol, LoopObject* loop) {
    new (at) DatagramSock{DatagramSocket(os, family), protocol, loop};
}

template <typename T>
int socket_gc(lua_State* L) {
    auto* object = static_cast<T*>(lua_touserdata(L, 1));
    close_socket(loop_of(L, 1), object->socket);
    Os& os = object->socket.os();
    Family family = object->socket.family();
    int protocol = object->protocol;
    LoopObject* loop = object->loop;
    object->~T();
    make_closed(object, os, family, protocol, loop);
    object->socket.close();
    return 0;
}

int socket_tostring(lua_State* L) {
    static const char* const names[] = {"tcp", "udp", "raw"};
    SocketBase* socket = check_any_socket(L, 1);
    lua_pushfstring(L, "<sock.%s: %d>", names[kind_of(L, 1)], int(socket->fd()));
    return 1;
}

int socket_type(lua_State* L) {
    static const char* const names[] = {"tcp", "udp", "raw"};
    check_any_socket(L, 1);
    lua_pushstring(L, names[kind_of(L, 1)]);
    return 1;
}

int socket_family(lua_State* L) {
    lua_pushstring(L, family_name(check_any_socket(L, 1)->family()));
    return 1;
}

int socket_protocol(lua_State* L) {
    int protocol = 0;
    check_any_socket(L, 1, &protocol);
    if (const char* name = protocol_name(protocol)) {
        lua_pushstring(L, name);
    } else {
        lua_pushinteger(L, protocol);
    }
    return 1;
}

int socket_close(lua_State* L) {
    SocketBase* socket = check_any_socket(L, 1);
    close_socket(loop_of(L, 1), *socket);
    lua_pushboolean(L, 1);
    return 1;
}

EndpointHints hints_for(lua_State* L, int index, bool passive) {
    int protocol = 0;
    SocketBase* socket = check_any_socket(L, index, &protocol);
    return EndpointHints{socket->type(), socket->family(), protocol, passive};
}

int socket_bind(lua_State* L) {
    SocketBase* socket = check_any_socket(L, 1);
    if (socket->closed()) return push_sock_error(L, socket->os(), kErrorClosed);
    int next = 0;
    if (int failed = push_endpoint(L, socket->os(), 2, hints_for(L, 1, true), &next)) return failed;
    if (int error = socket->bind(candidate(ai_at(L, -1), 0))) return push_sock_error(L, socket->os(), error);
    lua_pushboolean(L, 1);
    return 1;
}

// --- options (lua/common/options.hpp) -----------------------------------------

int socket_setopt(lua_State* L) { return set_option(L, *check_any_socket(L, 1), OptionNames::Sock, push_sock_error); }

int socket_getopt(lua_State* L) { return get_option(L, *check_any_socket(L, 1), OptionNames::Sock, push_sock_error); }

template <int (SocketBase::*Query)(Address*)>
int socket_name(lua_State* L) {
    SocketBase* socket = check_any_socket(L, 1);
    SaObject* sa = push_sa(L);
    if (int error = (socket->*Query)(&sa->address)) return push_sock_error(L, socket->os(), error);
    return 1;
}

// --- constructors ------------------------------------------------------------

template <Kind K>
int sock_new(lua_State* L) {
    Family family = check_family(L, 1, Family::Inet);
    // Raw sockets need a protocol: ICMP is the one a raw socket is usually for.
    int fallback = K == kTcp ? 6 : K == kUdp ? 17 : family == Family::Inet6 ? 58 : 1;
    if (family == Family::Unix && K != kRaw) fallback = 0;
    int protocol = check_protocol(L, 2, fallback);
    LoopObject* loop = loop_at(L, lua_upvalueindex(1));
    if (!loop->scheduler) return luaL_error(L, "sock: the loop was collected");
    Os& os = *loop->os;
    void* memory = lua_newuserdata(L, K == kTcp ? sizeof(TcpSock) : sizeof(DatagramSock));
    SocketType type = K == kTcp ? SocketType::Stream : K == kUdp ? SocketType::Datagram : SocketType::Raw;
    Fd fd = kNoFd;
    // The kernel picks the protocol of a unix socket; any other asks for it.
    if (int error = os.open_socket(family, type, family == Family::Unix ? 0 : protocol, &fd)) {
        return push_sock_error(L, os, error);
    }
    if (K == kTcp) {
        new (memory) TcpSock{StreamSocket(os, family, fd), protocol, loop};
    } else {
        new (memory) DatagramSock{DatagramSocket(os, type, family, fd), protocol, loop};
    }
    set_type(L, K == kTcp ? kTcpType : K == kUdp ? kUdpType : kRawType);
    lua_getuservalue(L, lua_upvalueindex(1));
    lua_setuservalue(L, -2);
    return 1;
}

const luaL_Reg kSharedMethods[] = {
    // what the socket is
    {"type", guarded<socket_type>}, {"family", guarded<socket_family>}, {"protocol", guarded<socket_protocol>},
    // its life, addresses and options
    {"close", guarded<socket_close>}, {"bind", guarded<socket_bind>},
    {"getsockname", guarded<socket_name<&SocketBase::local_address>>},
    {"getpeername", guarded<socket_name<&SocketBase::peer_address>>},
    {"setopt", guarded<socket_setopt>}, {"getopt", guarded<socket_getopt>},
    {nullptr, nullptr},
};

void extend_datagram(lua_State* L) { set_methods(L, kDatagramMethods, 0); }

}  // namespace

const TypeSpec kTcpType{"lsock.sock.tcp", "sock.tcp", kSharedMethods, socket_gc<TcpSock>, guarded<socket_tostring>,
                        nullptr, nullptr, nullptr, register_tcp_methods};
const TypeSpec kUdpType{"lsock.sock.udp", "sock.udp", kSharedMethods, socket_gc<DatagramSock>,
                        guarded<socket_tostring>, nullptr, nullptr, nullptr, extend_datagram};
const TypeSpec kRawType{"lsock.sock.raw", "sock.raw", kSharedMethods, socket_gc<DatagramSock>,
                        guarded<socket_tostring>, nullptr, nullptr, nullptr, extend_datagram};

SocketBase* check_any_socket(lua_State* L, int index, int* protocol) {
    switch (kind_of(L, index)) {
        case kTcp: {
            auto* tcp = tcp_at(L, index);
            if (protocol) *protocol = tcp->protocol;
            return &tcp->socket;
        }
        case kUdp:
        case kRaw: {
            auto* datagram = datagram_at(L, index);
            if (protocol) *protocol = datagram->protocol;
            return &datagram->socket;
        }
        default: type_error(L, index, "sock socket"); return nullptr;
    }
}

TcpSock* check_tcp(lua_State* L, int index) { return static_cast<TcpSock*>(check_type(L, index, kTcpType)); }

DatagramSock* check_datagram(lua_State* L, int index) {
    int kind = kind_of(L, index);
    if (kind != kUdp && kind != kRaw) type_error(L, index, "sock udp or raw socket");
    return datagram_at(L, index);
}

TcpSock* tcp_at(lua_State* L, int index) { return static_cast<TcpSock*>(lua_touserdata(L, index)); }

DatagramSock* datagram_at(lua_State* L, int index) { return static_cast<DatagramSock*>(lua_touserdata(L, index)); }

void push_socket_loop(lua_State* L, int index) {
    lua_getuservalue(L, index);
    if (lua_istable(L, -1)) {
        lua_rawgeti(L, -1, kFieldLoop);
        lua_remove(L, -2);
    }
}

LoopObject* loop_of(lua_State* L, int index) {
    push_socket_loop(L, index);
    auto* loop = static_cast<LoopObject*>(lua_touserdata(L, -1));
    lua_pop(L, 1);
    return loop;
}

void close_socket(LoopObject* loop, SocketBase& socket) {
    if (socket.closed()) return;
    if (loop && loop->scheduler && socket.fd() != kNoFd) loop->scheduler->forget_fd(socket.fd());
    socket.close();
}

int wait_or_expire(lua_State* L, LoopObject* loop, SocketBase& socket, const Step& step, double deadline, Wait* wait) {
    int error = wait_or_error(socket.os(), socket.fd(), step, deadline, wait);
    if (error == 0) return kWouldBlock;
    if (error == kErrorTimeout) close_socket(loop, socket);
    return push_sock_error(L, socket.os(), error);
}

namespace {

template <typename Sock>
int park_socket(lua_State* L, int base, const Wait& wait) {
    return park_thread(L, base, static_cast<Sock*>(lua_touserdata(L, base - 1))->loop, base - 1, wait);
}

}  // namespace

int park_tcp(lua_State* L, int base, const Wait& wait) { return park_socket<TcpSock>(L, base, wait); }
int park_datagram(lua_State* L, int base, const Wait& wait) { return park_socket<DatagramSock>(L, base, wait); }

int run_in_loop(lua_State* L, LoopObject* loop, const BlockingCall& call) {
    lua_pushvalue(L, 1);  // the context of park_tcp and park_datagram
    if (!may_go_on(loop)) {
        Wait turn;
        wait_for_next_turn(&turn);
        return wait_then_run(L, call, turn);
    }
    return run_blocking(L, call);
}

double check_expires(lua_State* L, int index) {
    if (lua_isnoneornil(L, index)) return kNoDeadline;
    double expires = luaL_checknumber(L, index);
    luaL_argcheck(L, expires == expires, index, "expires is NaN");
    return expires;
}

void check_socket_thread(lua_State* L, int socket_index, const char* function) {
    push_socket_loop(L, socket_index);
    check_thread(L, -1, function);
    lua_pop(L, 1);
}

void push_tcp_slot(lua_State* L) { lua_newuserdata(L, sizeof(TcpSock)); }

void adopt_into_slot(lua_State* L, int index, int listener_index, Family family, Fd accepted, int protocol) {
    index = lua_absindex(L, index);
    TcpSock* listener = tcp_at(L, listener_index);
    new (lua_touserdata(L, index)) TcpSock{StreamSocket(listener->socket.os(), family, accepted), protocol, listener->loop};
    lua_pushvalue(L, index);
    set_type(L, kTcpType);  // registered already: a registry read, no allocation
    lua_getuservalue(L, listener_index);
    lua_setuservalue(L, -2);
    lua_pop(L, 1);
}

void register_socket_functions(lua_State* L, int loop) {
    register_type(L, kTcpType);
    register_type(L, kUdpType);
    register_type(L, kRawType);
    static const luaL_Reg constructors[] = {
        {"tcp", guarded<sock_new<kTcp>>},
        {"udp", guarded<sock_new<kUdp>>},
        {"raw", guarded<sock_new<kRaw>>},
        {nullptr, nullptr},
    };
    lua_pushvalue(L, loop);
    set_functions(L, constructors, 1);
}

}  // namespace lsock::lua::sock
