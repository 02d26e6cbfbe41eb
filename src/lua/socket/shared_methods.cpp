// Methods every socket kind has: close, fileno, timeouts, names, options, bind.
#include <cerrno>

#include "lua/common/errors.hpp"
#include "lua/common/guard.hpp"
#include "lua/common/options.hpp"
#include "lua/socket/socket_object.hpp"

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
    if (socket->closed()) return push_socket_error(L, socket->os(), kErrorClosed);
    socket->set_timeout(seconds);
    lua_pushboolean(L, 1);
    return 1;
}

int socket_gettimeout(lua_State* L) {
    SocketBase* socket = check_socket(L, 1);
    if (socket->closed()) return push_socket_error(L, socket->os(), kErrorClosed);
    lua_pushnumber(L, socket->timeout());
    return 1;
}

template <int (SocketBase::*Query)(Address*)>
int socket_name(lua_State* L) {
    SocketBase* socket = check_socket(L, 1);
    lua_settop(L, 1);
    Address* address = push_address_box(L);  // Lua owns it: pushing may raise
    if (int error = (socket->*Query)(address)) return push_socket_error(L, socket->os(), error);
    push_address(L, *address);
    return 1;
}

// The option names of socket.OPT_* and "so_linger" (lua/common/options.hpp);
// anything else raises.
int socket_setopt(lua_State* L) { return set_option(L, *check_socket(L, 1), OptionNames::Socket, push_socket_error); }

int socket_getopt(lua_State* L) { return get_option(L, *check_socket(L, 1), OptionNames::Socket, push_socket_error); }

int socket_bind(lua_State* L) {
    SocketBase* socket = check_socket(L, 1);
    if (socket->closed()) return push_socket_error(L, socket->os(), kErrorClosed);
    if (int failed = push_lookup(L, socket->os(), 2, socket->family(), socket->type(), true, socket->call_deadline()))
        return failed;
    const Address& address = address_list(L, -1).front();
    if (int error = socket->bind(address)) return push_socket_error(L, socket->os(), error);
    lua_pushboolean(L, 1);
    return 1;
}

}  // namespace

const luaL_Reg kSharedMethods[] = {
    // the descriptor and its timeout
    {"close", guarded<socket_close>}, {"fileno", guarded<socket_fileno>},
    {"settimeout", guarded<socket_settimeout>}, {"gettimeout", guarded<socket_gettimeout>},
    // addresses and options
    {"bind", guarded<socket_bind>},
    {"getsockname", guarded<socket_name<&SocketBase::local_address>>},
    {"getpeername", guarded<socket_name<&SocketBase::peer_address>>},
    {"setopt", guarded<socket_setopt>}, {"getopt", guarded<socket_getopt>},
    {nullptr, nullptr},
};

}  // namespace lsock::lua
