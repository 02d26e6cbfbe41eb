// The socket options of both modules, in one table. `socket` spells them
// as in LuaSocket's heritage (socket.OPT_TCP_NODELAY == "tcp_nodelay",
// "tcp_keepalive", "tcp_reuseaddr"), `sock` as the original sock does
// ("so_reuseaddr", "so_keepalive", ...); each row carries both names, and
// a face accepts the names of its own column. Values convert the same way
// for both: flags are booleans, sizes integers, so_linger seconds or false.
#pragma once

#include "lua/common/lua_api.hpp"

#include "core/socket_base.hpp"
#include "lsock/os.hpp"

namespace lsock::lua {

enum class OptionValue { Flag, Size, Linger, ReadOnly };

struct OptionSpec {
    const char* socket_name;  // null: not offered by `socket`
    const char* sock_name;    // null: not offered by `sock`
    SocketOption option;
    OptionValue value;
};

enum class OptionNames { Socket, Sock };

// How a face reports a run-time failure (lua/common/errors.hpp).
using PushError = int (*)(lua_State* L, Os& os, int error);

// s:setopt(name, value) and s:getopt(name) of either face, for the socket
// (checked by the caller) at 1: raise on a bad name or value, report what
// the socket says with `push_error`.
int set_option(lua_State* L, SocketBase& socket, OptionNames names, PushError push_error);
int get_option(lua_State* L, SocketBase& socket, OptionNames names, PushError push_error);

// The option named at `index` in `names`' column; raises for any other.
const OptionSpec& check_option(lua_State* L, int index, OptionNames names);
// The value at `index` for `spec` (raises when it does not fit).
int check_option_value(lua_State* L, int index, const OptionSpec& spec);
// Pushes what get_option returned, as Lua sees it.
void push_option_value(lua_State* L, const OptionSpec& spec, int value);
// What get_option starts from (so_linger reads "off" when the Os says nothing).
int option_value_default(const OptionSpec& spec);

// ENOPROTOOPT for a TCP option on a socket that is not a stream, else 0.
int option_fits(const OptionSpec& spec, SocketType type);

}  // namespace lsock::lua
