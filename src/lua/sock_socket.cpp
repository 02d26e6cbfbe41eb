// sock.tcp / udp / raw and the methods every sock socket has: type, family,
// protocol, close, bind, setopt, getopt, getsockname, getpeername.
#include "lua/sock_socket.hpp"

#include <cerrno>
#include <new>

#include "lua/sock_address.hpp"
#include "lua/sock_module.hpp"
#include "lua/sock_guard.hpp"

namespace lsock::lua::sock {

namespace {

enum Kind { kTcp, kUdp, kRaw };

// Registry keys of the three metatables (see test_udata).
const char kMetaKeys[3] = {0, 0, 0};

int kind_of(lua_State* L, int index) {
    if (!lua_touserdata(L, index) || !lua_getmetatable(L, index)) return -1;
    int kind = -1;
    for (int k = kTcp; k <= kRaw && kind < 0; ++k) {
        lua_rawgetp(L, LUA_REGISTRYINDEX, &kMetaKeys[k]);
        if (lua_rawequal(L, -1, -2)) kind = k;
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return kind;
}

template <typename T>
int socket_gc(lua_State* L) {
    auto* object = static_cast<T*>(lua_touserdata(L, 1));
    close_socket(loop_of(L, 1), object->socket);
    object->~T();
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
    if (socket->closed()) return push_error(L, socket->os(), kErrorClosed);
    int next = 0;
    if (int failed = push_endpoint(L, socket->os(), 2, hints_for(L, 1, true), &next)) return failed;
    if (int error = socket->bind(candidate(ai_at(L, -1), 0))) return push_error(L, socket->os(), error);
    lua_pushboolean(L, 1);
    return 1;
}

// --- options -----------------------------------------------------------------

enum class ValueKind { Flag, Size, Linger, ReadOnly };

struct OptionSpec {
    const char* name;
    SocketOption option;
    ValueKind kind;
};

const OptionSpec kOptions[] = {
    {"so_reuseaddr", SocketOption::ReuseAddr, ValueKind::Flag},
    {"so_reuseport", SocketOption::ReusePort, ValueKind::Flag},
    {"so_keepalive", SocketOption::KeepAlive, ValueKind::Flag},
    {"so_broadcast", SocketOption::Broadcast, ValueKind::Flag},
    {"so_rcvbuf", SocketOption::ReceiveBuffer, ValueKind::Size},
    {"so_sndbuf", SocketOption::SendBuffer, ValueKind::Size},
    {"so_linger", SocketOption::Linger, ValueKind::Linger},
    {"so_error", SocketOption::Error, ValueKind::ReadOnly},
    {"tcp_nodelay", SocketOption::NoDelay, ValueKind::Flag},
};

const OptionSpec& check_option(lua_State* L, int index) {
    static const char* const names[] = {"so_reuseaddr", "so_reuseport", "so_keepalive", "so_broadcast", "so_rcvbuf",
                                        "so_sndbuf",    "so_linger",    "so_error",     "tcp_nodelay",  nullptr};
    return kOptions[luaL_checkoption(L, index, nullptr, names)];
}

int check_option_value(lua_State* L, const OptionSpec& spec) {
    switch (spec.kind) {
        case ValueKind::Flag:
            luaL_argcheck(L, lua_isboolean(L, 3) || lua_type(L, 3) == LUA_TNUMBER, 3, "boolean expected");
            return lua_isboolean(L, 3) ? lua_toboolean(L, 3) : lua_tonumber(L, 3) != 0;
        case ValueKind::Size: {
            lua_Integer size = luaL_checkinteger(L, 3);
            luaL_argcheck(L, size >= 0 && size <= 0x7fffffff, 3, "size in bytes expected");
            return int(size);
        }
        case ValueKind::Linger: {
            // false / nil: off; seconds: on (0 closes with RST).
            if (lua_isnoneornil(L, 3) || (lua_isboolean(L, 3) && !lua_toboolean(L, 3))) return -1;
            lua_Integer seconds = luaL_checkinteger(L, 3);
            luaL_argcheck(L, seconds >= 0 && seconds <= 0xffff, 3, "seconds (>= 0) or false expected");
            return int(seconds);
        }
        case ValueKind::ReadOnly: break;
    }
    return luaL_argerror(L, 2, lua_pushfstring(L, "%s is read-only", spec.name));
}

int socket_setopt(lua_State* L) {
    SocketBase* socket = check_any_socket(L, 1);
    const OptionSpec& spec = check_option(L, 2);
    int value = check_option_value(L, spec);
    if (socket->closed()) return push_error(L, socket->os(), kErrorClosed);
    if (spec.option == SocketOption::NoDelay && socket->type() != SocketType::Stream)
        return push_error(L, socket->os(), ENOPROTOOPT);
    if (int error = socket->set_option(spec.option, value)) return push_error(L, socket->os(), error);
    lua_pushboolean(L, 1);
    return 1;
}

int socket_getopt(lua_State* L) {
    SocketBase* socket = check_any_socket(L, 1);
    const OptionSpec& spec = check_option(L, 2);
    if (socket->closed()) return push_error(L, socket->os(), kErrorClosed);
    if (spec.option == SocketOption::NoDelay && socket->type() != SocketType::Stream)
        return push_error(L, socket->os(), ENOPROTOOPT);
    int value = 0;
    if (int error = socket->get_option(spec.option, &value)) return push_error(L, socket->os(), error);
    switch (spec.kind) {
        case ValueKind::Flag: lua_pushboolean(L, value != 0); break;
        case ValueKind::Linger:
            if (value < 0) {
                lua_pushboolean(L, 0);
            } else {
                lua_pushinteger(L, value);
            }
            break;
        default: lua_pushinteger(L, value);
    }
    return 1;
}

template <int (SocketBase::*Query)(Address*)>
int socket_name(lua_State* L) {
    SocketBase* socket = check_any_socket(L, 1);
    SaObject* sa = push_sa(L);
    if (int error = (socket->*Query)(&sa->address)) return push_error(L, socket->os(), error);
    return 1;
}

// --- constructors ------------------------------------------------------------

template <Kind K>
int sock_new(lua_State* L) {
    static const char* const families[] = {"inet", "inet6", "unix", nullptr};
    static const Family family_values[] = {Family::Inet, Family::Inet6, Family::Unix};
    Family family = lua_isnoneornil(L, 1) ? Family::Inet : family_values[luaL_checkoption(L, 1, nullptr, families)];
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
        return push_error(L, os, error);
    }
    if (K == kTcp) {
        new (memory) TcpSock{StreamSocket(os, family, fd), protocol, loop};
    } else {
        new (memory) DatagramSock{DatagramSocket(os, type, family, fd), protocol, loop};
    }
    luaL_setmetatable(L, K == kTcp ? kTcpMeta : K == kUdp ? kUdpMeta : kRawMeta);
    lua_getuservalue(L, lua_upvalueindex(1));
    lua_setuservalue(L, -2);
    return 1;
}

void register_socket_type(lua_State* L, const char* meta, const void* key, lua_CFunction gc,
                          void (*methods)(lua_State*)) {
    static const luaL_Reg shared[] = {
        {"type", guarded<socket_type>},
        {"family", guarded<socket_family>},
        {"protocol", guarded<socket_protocol>},
        {"close", guarded<socket_close>},
        {"bind", guarded<socket_bind>},
        {"setopt", guarded<socket_setopt>},
        {"getopt", guarded<socket_getopt>},
        {"getsockname", guarded<socket_name<&SocketBase::local_address>>},
        {"getpeername", guarded<socket_name<&SocketBase::peer_address>>},
        {nullptr, nullptr},
    };
    if (!luaL_newmetatable(L, meta)) {
        lua_pop(L, 1);
        return;
    }
    set_meta_key(L, -1, key);
    lua_pushcfunction(L, gc);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, guarded<socket_tostring>);
    lua_setfield(L, -2, "__tostring");
    lua_newtable(L);
    luaL_setfuncs(L, shared, 0);
    methods(L);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
}

}  // namespace

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
        default: {
            const char* got = luaL_typename(L, index);
            luaL_argerror(L, index, lua_pushfstring(L, "sock socket expected, got %s", got));
            return nullptr;
        }
    }
}

TcpSock* check_tcp(lua_State* L, int index) {
    if (void* tcp = test_udata(L, index, &kMetaKeys[kTcp])) return static_cast<TcpSock*>(tcp);
    return static_cast<TcpSock*>(luaL_checkudata(L, index, kTcpMeta));  // raises with the usual message
}

DatagramSock* check_datagram(lua_State* L, int index) {
    int kind = kind_of(L, index);
    if (kind != kUdp && kind != kRaw) {
        const char* got = luaL_typename(L, index);
        luaL_argerror(L, index, lua_pushfstring(L, "sock udp or raw socket expected, got %s", got));
    }
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

int wait_or_expire(lua_State* L, LoopObject* loop, SocketBase& socket, unsigned events, double deadline, Wait* wait) {
    // No deadline, no clock to read.
    if (deadline != kNoDeadline && socket.os().now() >= deadline) {
        close_socket(loop, socket);
        return push_error(L, socket.os(), kErrorTimeout);
    }
    wait->on(socket.fd(), events, deadline);
    return kWouldBlock;
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
    luaL_getmetatable(L, kTcpMeta);  // registered already: no allocation
    lua_setmetatable(L, index);
    lua_getuservalue(L, listener_index);
    lua_setuservalue(L, index);
}

void register_socket_functions(lua_State* L, int loop) {
    register_socket_type(L, kTcpMeta, &kMetaKeys[kTcp], guarded<socket_gc<TcpSock>>, register_tcp_methods);
    register_socket_type(L, kUdpMeta, &kMetaKeys[kUdp], guarded<socket_gc<DatagramSock>>, register_datagram_methods);
    register_socket_type(L, kRawMeta, &kMetaKeys[kRaw], guarded<socket_gc<DatagramSock>>, register_datagram_methods);
    static const luaL_Reg constructors[] = {
        {"tcp", guarded<sock_new<kTcp>>},
        {"udp", guarded<sock_new<kUdp>>},
        {"raw", guarded<sock_new<kRaw>>},
        {nullptr, nullptr},
    };
    lua_pushvalue(L, loop);
    luaL_setfuncs(L, constructors, 1);
}

}  // namespace lsock::lua::sock
