#include "lua/socket/socket_module.hpp"

#include <cerrno>
#include <cstring>
#include <vector>

#include "core/name_lookup.hpp"
#include "lua/common/errors.hpp"
#include "lua/common/guard.hpp"
#include "lua/common/lookup_in_flight.hpp"
#include "lua/common/names.hpp"
#include "lua/common/owned.hpp"
#include "lua/common/text.hpp"
#include "lua/socket/select.hpp"
#include "lua/socket/socket_object.hpp"
#include "lua/common/trampoline.hpp"
#include "lua/common/yield_safe.hpp"

namespace lsock::lua {

namespace {

// The answers of a getaddrinfo, owned by Lua while they are turned into tables.
using Answers = std::vector<ResolvedAddress>;
const TypeSpec kAnswersType{"lsock.answers", "getaddrinfo answers", nullptr, destroy_owned<Answers>};

template <bool Stream>
int socket_new(lua_State* L) {
    Os& os = os_of_upvalue(L);
    Family family = check_family(L, 1, Family::Unspec);
    SocketBase* socket = Stream ? static_cast<SocketBase*>(&new_tcp(L, lua_upvalueindex(1), family)->socket)
                                : static_cast<SocketBase*>(&new_udp(L, lua_upvalueindex(1), family)->socket);
    if (family != Family::Unspec) {
        if (int error = socket->open(family)) return push_socket_error(L, os, error);
    }
    return 1;
}

// The answers of a lookup as socket.getaddrinfo gives them (a table of
// {family, socktype, protocol, addr, port[, canonname]}).
int push_answers_table(lua_State* L, const Answers& found);

int socket_getaddrinfo(lua_State* L) {
    Os& os = os_of_upvalue(L);
    // Started over after a lookup in virtual time (a simulated host).
    if (LookupInFlight* flight = test_lookup_in_flight(L, 1)) {
        if (flight->timed_out) return push_socket_error(L, os, kErrorTimeout);
        Answers* found = push_owned<Answers>(L, kAnswersType);
        ResolveError error = take_lookup(flight, found);
        if (error != ResolveError::None) return push_socket_resolve_error(L, os, error);
        return push_answers_table(L, *found);
    }
    std::size_t host_size = 0, service_size = 0;
    const char* host = luaL_optlstring(L, 1, nullptr, &host_size);
    const char* service = lua_isnoneornil(L, 2) ? nullptr : luaL_checklstring(L, 2, &service_size);
    lua_Integer family = luaL_optinteger(L, 3, 0);
    lua_Integer type = luaL_optinteger(L, 4, 0);
    lua_Integer protocol = luaL_optinteger(L, 5, 0);
    lua_Integer flags = luaL_optinteger(L, 6, 0);
    luaL_argcheck(L, family == 0 || family == int(Family::Inet) || family == int(Family::Inet6) ||
                         family == int(Family::Unix), 3, "AF_UNSPEC, AF_INET, AF_INET6 or AF_UNIX expected");
    luaL_argcheck(L, type >= 0 && type <= 3, 4, "SOCK_STREAM or SOCK_DGRAM expected");
    luaL_argcheck(L, protocol >= 0 && protocol <= 255, 5, "protocol number expected");
    luaL_argcheck(L, flags >= 0 && flags < 128, 6, "AI_* flags expected");
    luaL_argcheck(L, host || service, 1, "host or port expected");
    lua_Number timeout = luaL_optnumber(L, 7, -1);
    luaL_argcheck(L, timeout == timeout, 7, "timeout is NaN");
    double deadline = timeout < 0 ? kNoDeadline : os.now() + timeout;
    // A NUL inside a name would silently cut it short: refuse it instead.
    if ((host && std::strlen(host) != host_size) || (service && std::strlen(service) != service_size))
        return push_socket_resolve_error(L, os, ResolveError::NotFound);
    LookupQuery query;
    query.mode = LookupMode::Resolver;
    query.host_kind = host ? LookupHost::Named : LookupHost::Default;
    if (host) query.host = std::string_view(host, host_size);
    if (service) query.service = std::string_view(service, service_size);
    query.family = Family(family);
    query.type = SocketType(type);
    query.protocol = int(protocol);
    query.flags = int(flags);
    lua_settop(L, 7);
    if (can_wait_for_lookup(L, os)) {
        LookupInFlight* flight = start_lookup(L, os, query);
        if (flight->in_flight()) return wait_for_lookup_then_restart(L, os, 1, deadline);
        lua_replace(L, 1);  // answered at once: take it as a finished lookup
        return socket_getaddrinfo(L);
    }
    Answers* found = push_owned<Answers>(L, kAnswersType);
    bool timed_out = false;
    ResolveError error = lookup_until(os, query, deadline, found, &timed_out);
    if (timed_out) return push_socket_error(L, os, kErrorTimeout);
    if (error != ResolveError::None) return push_socket_resolve_error(L, os, error);
    return push_answers_table(L, *found);
}

int push_answers_table(lua_State* L, const Answers& answers) {
    const Answers* found = &answers;
    lua_createtable(L, int(found->size()), 0);
    int index = 0;
    for (const ResolvedAddress& entry : *found) {
        ShortText ip = ip_text(entry.address);
        lua_createtable(L, 0, 6);
        lua_pushinteger(L, int(entry.family));
        lua_setfield(L, -2, "family");
        lua_pushinteger(L, int(entry.type));
        lua_setfield(L, -2, "socktype");
        lua_pushinteger(L, entry.protocol);
        lua_setfield(L, -2, "protocol");
        push_text(L, ip);
        lua_setfield(L, -2, "addr");
        lua_pushinteger(L, entry.address.port);
        lua_setfield(L, -2, "port");
        if (!entry.canonical_name.empty()) {
            lua_pushlstring(L, entry.canonical_name.data(), entry.canonical_name.size());
            lua_setfield(L, -2, "canonname");
        }
        lua_rawseti(L, -2, ++index);
    }
    return 1;
}

void set_integer(lua_State* L, const char* name, lua_Integer value) {
    lua_pushinteger(L, value);
    lua_setfield(L, -2, name);
}

void set_string(lua_State* L, const char* name, const char* value) {
    lua_pushstring(L, value);
    lua_setfield(L, -2, name);
}

void set_constants(lua_State* L) {
    set_integer(L, "AF_UNSPEC", int(Family::Unspec));
    set_integer(L, "AF_INET", int(Family::Inet));
    set_integer(L, "AF_INET6", int(Family::Inet6));
    set_integer(L, "AF_UNIX", int(Family::Unix));
    set_integer(L, "SOCK_STREAM", int(SocketType::Stream));
    set_integer(L, "SOCK_DGRAM", int(SocketType::Datagram));
    set_integer(L, "IPPROTO_TCP", int(Protocol::Tcp));
    set_integer(L, "IPPROTO_UDP", int(Protocol::Udp));
    set_integer(L, "AI_PASSIVE", kResolvePassive);
    set_integer(L, "AI_CANONNAME", kResolveCanonName);
    set_integer(L, "AI_NUMERICHOST", kResolveNumericHost);
    set_integer(L, "AI_NUMERICSERV", kResolveNumericServ);
    set_integer(L, "SHUT_RD", int(ShutdownHow::Read));
    set_integer(L, "SHUT_WR", int(ShutdownHow::Write));
    set_integer(L, "SHUT_RDWR", int(ShutdownHow::Both));
    set_string(L, "OPT_TCP_NODELAY", "tcp_nodelay");
    set_string(L, "OPT_TCP_KEEPALIVE", "tcp_keepalive");
    set_string(L, "OPT_TCP_REUSEADDR", "tcp_reuseaddr");
    set_string(L, "ERROR_TIMEOUT", kTimeoutMessage);
    set_string(L, "ERROR_CLOSED", kClosedMessage);
    set_string(L, "ERROR_REFUSED", kRefusedMessage);
    set_string(L, "_VERSION", "lsock " LSOCK_VERSION);
}

}  // namespace

void push_socket_module(lua_State* L, Os& os, int owner_index) {
    // As for push_sock_module: luaL_setfuncs would call a failed growth of
    // the stack a stack overflow ("too many upvalues").
    if (!lua_checkstack(L, 2 * LUA_MINSTACK)) raise_out_of_memory(L);
    register_socket_types(L);
    push_os_env(L, os, owner_index);
    int env = lua_gettop(L);
    lua_newtable(L);
    static const luaL_Reg functions[] = {
        {"tcp", guarded<socket_new<true>>},
        {"udp", guarded<socket_new<false>>},
        {"getaddrinfo", guarded<socket_getaddrinfo>},
        {nullptr, nullptr},
    };
    lua_pushvalue(L, env);
    set_functions(L, functions, 1);
    register_select(L, env);
    set_yield_safe_calls(L);
    set_constants(L);
    lua_remove(L, env);
}

}  // namespace lsock::lua
