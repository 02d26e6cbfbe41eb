// Methods every socket kind has: close, fileno, timeouts, names, options, bind.
#include <cerrno>

#include "lua/socket_object.hpp"

namespace lsock::lua {

namespace {

int socket_close(lua_State* L) {
    check_socket(L, 1)->close();
    lua_pushboolean(L, 1);
    return 1;
}

int socket_fileno(lua_State* L) {
    lua_pushinteger(L, check_socket(L, 1)->fd());
    return 1;
}

int socket_settimeout(lua_State* L) {
    SocketBase* socket = check_socket(L, 1);
    double seconds = lua_isnoneornil(L, 2) ? -1 : luaL_checknumber(L, 2);
    luaL_argcheck(L, seconds == seconds, 2, "timeout is NaN");
    if (socket->closed()) return push_failure(L, socket->os(), kErrorClosed);
    socket->set_timeout(seconds);
    lua_pushboolean(L, 1);
    return 1;
}

int socket_gettimeout(lua_State* L) {
    SocketBase* socket = check_socket(L, 1);
    if (socket->closed()) return push_failure(L, socket->os(), kErrorClosed);
    lua_pushnumber(L, socket->timeout());
    return 1;
}

template <int (SocketBase::*Query)(Address*)>
int socket_name(lua_State* L) {
    SocketBase* socket = check_socket(L, 1);
    Address address;
    if (int error = (socket->*Query)(&address)) return push_failure(L, socket->os(), error);
    push_address(L, address);
    return 1;
}

// The option names of SPEC (socket.OPT_*), plus "so_linger" (seconds, or
// false for off: 0 makes close send RST); anything else raises.
SocketOption check_option(lua_State* L, int index) {
    static const char* const names[] = {"tcp_nodelay", "tcp_keepalive", "tcp_reuseaddr", "so_linger", nullptr};
    static const SocketOption options[] = {SocketOption::NoDelay, SocketOption::KeepAlive, SocketOption::ReuseAddr,
                                           SocketOption::Linger};
    return options[luaL_checkoption(L, index, nullptr, names)];
}

int check_linger(lua_State* L, int index) {
    if (lua_isboolean(L, index) && !lua_toboolean(L, index)) return -1;
    lua_Integer seconds = luaL_checkinteger(L, index);
    luaL_argcheck(L, seconds >= 0 && seconds <= 65535, index, "linger seconds out of range");
    return int(seconds);
}

int socket_setopt(lua_State* L) {
    SocketBase* socket = check_socket(L, 1);
    SocketOption option = check_option(L, 2);
    int value;
    if (option == SocketOption::Linger) {
        value = check_linger(L, 3);
    } else {
        luaL_argcheck(L, lua_isboolean(L, 3) || lua_isnumber(L, 3), 3, "boolean expected");
        value = lua_isboolean(L, 3) ? lua_toboolean(L, 3) : lua_tonumber(L, 3) != 0;
    }
    if (option == SocketOption::NoDelay && socket->type() != SocketType::Stream)
        return push_failure(L, socket->os(), ENOPROTOOPT);
    if (int error = socket->set_option(option, value)) return push_failure(L, socket->os(), error);
    lua_pushboolean(L, 1);
    return 1;
}

int socket_getopt(lua_State* L) {
    SocketBase* socket = check_socket(L, 1);
    SocketOption option = check_option(L, 2);
    if (option == SocketOption::NoDelay && socket->type() != SocketType::Stream)
        return push_failure(L, socket->os(), ENOPROTOOPT);
    int value = option == SocketOption::Linger ? -1 : 0;
    if (int error = socket->get_option(option, &value)) return push_failure(L, socket->os(), error);
    if (option == SocketOption::Linger && value >= 0) lua_pushinteger(L, value);
    else lua_pushboolean(L, value > 0);
    return 1;
}

int socket_bind(lua_State* L) {
    SocketBase* socket = check_socket(L, 1);
    if (socket->closed()) return push_failure(L, socket->os(), kErrorClosed);
    if (int failed = push_lookup(L, socket->os(), 2, socket->family(), socket->type(), true)) return failed;
    const Address& address = address_list(L, -1).front();
    if (int error = socket->bind(address)) return push_failure(L, socket->os(), error);
    lua_pushboolean(L, 1);
    return 1;
}

}  // namespace

void register_shared_methods(lua_State* L) {
    static const luaL_Reg methods[] = {
        {"close", socket_close},
        {"fileno", socket_fileno},
        {"settimeout", socket_settimeout},
        {"gettimeout", socket_gettimeout},
        {"getsockname", socket_name<&SocketBase::local_address>},
        {"getpeername", socket_name<&SocketBase::peer_address>},
        {"setopt", socket_setopt},
        {"getopt", socket_getopt},
        {"bind", socket_bind},
        {nullptr, nullptr},
    };
    luaL_setfuncs(L, methods, 0);
}

}  // namespace lsock::lua
