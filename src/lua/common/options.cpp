#include "lua/common/options.hpp"

#include <cerrno>
#include <cstring>

namespace lsock::lua {

namespace {

const OptionSpec kOptions[] = {
    {"tcp_reuseaddr", "so_reuseaddr", SocketOption::ReuseAddr, OptionValue::Flag},
    {nullptr, "so_reuseport", SocketOption::ReusePort, OptionValue::Flag},
    {"tcp_keepalive", "so_keepalive", SocketOption::KeepAlive, OptionValue::Flag},
    {nullptr, "so_broadcast", SocketOption::Broadcast, OptionValue::Flag},
    {nullptr, "so_rcvbuf", SocketOption::ReceiveBuffer, OptionValue::Size},
    {nullptr, "so_sndbuf", SocketOption::SendBuffer, OptionValue::Size},
    {"so_linger", "so_linger", SocketOption::Linger, OptionValue::Linger},
    {nullptr, "so_error", SocketOption::Error, OptionValue::ReadOnly},
    {"tcp_nodelay", "tcp_nodelay", SocketOption::NoDelay, OptionValue::Flag},
};

const char* name_in(const OptionSpec& spec, OptionNames names) {
    return names == OptionNames::Socket ? spec.socket_name : spec.sock_name;
}

}  // namespace

const OptionSpec& check_option(lua_State* L, int index, OptionNames names) {
    const char* name = luaL_checkstring(L, index);
    for (const OptionSpec& spec : kOptions) {
        const char* known = name_in(spec, names);
        if (known && std::strcmp(known, name) == 0) return spec;
    }
    luaL_argerror(L, index, lua_pushfstring(L, "invalid option '%s'", name));
    return kOptions[0];  // not reached: luaL_argerror raises
}

int check_option_value(lua_State* L, int index, const OptionSpec& spec) {
    switch (spec.value) {
        case OptionValue::Flag:
            luaL_argcheck(L, lua_isboolean(L, index) || lua_type(L, index) == LUA_TNUMBER, index, "boolean expected");
            return lua_isboolean(L, index) ? lua_toboolean(L, index) : lua_tonumber(L, index) != 0;
        case OptionValue::Size: {
            lua_Integer size = luaL_checkinteger(L, index);
            luaL_argcheck(L, size >= 0 && size <= 0x7fffffff, index, "size in bytes expected");
            return int(size);
        }
        case OptionValue::Linger: {
            // false / nil: off; seconds: on (0 closes with RST).
            if (lua_isnoneornil(L, index) || (lua_isboolean(L, index) && !lua_toboolean(L, index))) return -1;
            lua_Integer seconds = luaL_checkinteger(L, index);
            luaL_argcheck(L, seconds >= 0 && seconds <= 0xffff, index, "seconds (>= 0) or false expected");
            return int(seconds);
        }
        case OptionValue::ReadOnly: break;
    }
    return luaL_argerror(L, index - 1, lua_pushfstring(L, "%s is read-only", spec.sock_name));
}

void push_option_value(lua_State* L, const OptionSpec& spec, int value) {
    switch (spec.value) {
        case OptionValue::Flag: lua_pushboolean(L, value > 0); break;
        case OptionValue::Linger:
            if (value < 0) {
                lua_pushboolean(L, 0);
            } else {
                lua_pushinteger(L, value);
            }
            break;
        default: lua_pushinteger(L, value);
    }
}

int option_value_default(const OptionSpec& spec) { return spec.value == OptionValue::Linger ? -1 : 0; }

int set_option(lua_State* L, SocketBase& socket, OptionNames names, PushError push_error) {
    const OptionSpec& option = check_option(L, 2, names);
    int value = check_option_value(L, 3, option);
    if (socket.closed()) return push_error(L, socket.os(), kErrorClosed);
    if (int error = option_fits(option, socket.type())) return push_error(L, socket.os(), error);
    if (int error = socket.set_option(option.option, value)) return push_error(L, socket.os(), error);
    lua_pushboolean(L, 1);
    return 1;
}

int get_option(lua_State* L, SocketBase& socket, OptionNames names, PushError push_error) {
    const OptionSpec& option = check_option(L, 2, names);
    if (socket.closed()) return push_error(L, socket.os(), kErrorClosed);
    if (int error = option_fits(option, socket.type())) return push_error(L, socket.os(), error);
    int value = option_value_default(option);
    if (int error = socket.get_option(option.option, &value)) return push_error(L, socket.os(), error);
    push_option_value(L, option, value);
    return 1;
}

int option_fits(const OptionSpec& spec, SocketType type) {
    return spec.option == SocketOption::NoDelay && type != SocketType::Stream ? ENOPROTOOPT : 0;
}

}  // namespace lsock::lua
