// sock.addr and the `host, port` arguments of socket calls: from what Lua
// passes to a list of candidate addresses (an ai). Numeric hosts, "*" and
// false are answered here; names go to the Os's resolver.
#include <cstring>
#include <new>
#include <string>

#include "lua/sock_address.hpp"
#include "lua/sock_loop.hpp"
#include "lua/sock_module.hpp"
#include "lua/sock_guard.hpp"

namespace lsock::lua::sock {

namespace {

enum class HostKind { Any, Loopback, Name };

// Everything a lookup needs, read from Lua first (argument errors raise
// before any C++ object exists); the strings point into the Lua stack.
struct Request {
    HostKind kind = HostKind::Any;
    const char* host = nullptr;     // Name: the name or IP; unix: the path
    const char* service = nullptr;  // a service name, or null for `port`
    std::uint16_t port = 0;
    Family family = Family::Inet;
    SocketType type = SocketType::Stream;
    int protocol = 0;
    int flags = 0;  // kResolve*
};

struct ProtocolName {
    const char* name;
    int number;
};
const ProtocolName kProtocols[] = {{"ip", 0},   {"ipv6", 41}, {"tcp", 6},   {"udp", 17},
                                   {"raw", 255}, {"icmp", 1},  {"igmp", 2}, {"icmpv6", 58}};

struct FlagName {
    const char* name;
    int bit;
};
// "cannonname" is how SPEC (and the LuaJIT original) spell it.
const FlagName kFlags[] = {{"passive", kResolvePassive},         {"cannonname", kResolveCanonName},
                           {"canonname", kResolveCanonName},     {"numerichost", kResolveNumericHost},
                           {"numericserv", kResolveNumericServ}, {"all", kResolveAll},
                           {"v4mapped", kResolveV4Mapped},       {"addrconfig", kResolveAddrConfig}};

int flag_bit(lua_State* L, int arg, const char* name, std::size_t length) {
    for (const FlagName& flag : kFlags) {
        if (std::strlen(flag.name) == length && std::strncmp(flag.name, name, length) == 0) return flag.bit;
    }
    lua_pushlstring(L, name, length);
    return luaL_argerror(L, arg, lua_pushfstring(L, "unknown flag '%s'", lua_tostring(L, -1)));
}

// A table ({"passive", numerichost = true}) or "passive|numerichost".
int check_flags(lua_State* L, int arg) {
    if (lua_isnoneornil(L, arg)) return 0;
    int flags = 0;
    if (lua_type(L, arg) == LUA_TSTRING) {
        const char* text = lua_tostring(L, arg);
        while (*text) {
            std::size_t length = std::strcspn(text, "| ");
            if (length) flags |= flag_bit(L, arg, text, length);
            text += length;
            while (*text == '|' || *text == ' ') ++text;
        }
        return flags;
    }
    luaL_checktype(L, arg, LUA_TTABLE);
    lua_pushnil(L);
    while (lua_next(L, arg)) {
        if (lua_type(L, -2) == LUA_TNUMBER && lua_type(L, -1) == LUA_TSTRING) {
            std::size_t length = 0;
            const char* name = lua_tolstring(L, -1, &length);
            flags |= flag_bit(L, arg, name, length);
        } else if (lua_type(L, -2) == LUA_TSTRING) {
            std::size_t length = 0;
            const char* name = lua_tolstring(L, -2, &length);
            int bit = flag_bit(L, arg, name, length);
            if (lua_toboolean(L, -1)) flags |= bit;
        } else {
            luaL_argerror(L, arg, "flag names expected");
        }
        lua_pop(L, 1);
    }
    return flags;
}

Family check_family_name(lua_State* L, int arg, Family fallback) {
    static const char* const names[] = {"inet", "inet6", "unix", nullptr};
    static const Family families[] = {Family::Inet, Family::Inet6, Family::Unix};
    if (lua_isnoneornil(L, arg)) return fallback;
    return families[luaL_checkoption(L, arg, nullptr, names)];
}

// host at `arg`, port at `arg + 1` (a unix "host" is the path; no port).
void read_host_port(lua_State* L, int arg, Request* request) {
    int type = lua_type(L, arg);
    if (request->family == Family::Unix) {
        request->kind = HostKind::Name;
        request->host = luaL_checkstring(L, arg);
        return;
    }
    if (type == LUA_TNONE || type == LUA_TNIL) {
        request->kind = HostKind::Any;
    } else if (type == LUA_TBOOLEAN && !lua_toboolean(L, arg)) {
        request->kind = HostKind::Loopback;
    } else if (type == LUA_TSTRING) {
        request->host = lua_tostring(L, arg);
        request->kind = std::strcmp(request->host, "*") == 0 ? HostKind::Any : HostKind::Name;
    } else {
        const char* got = luaL_typename(L, arg);
        luaL_argerror(L, arg, lua_pushfstring(L, "host (string, \"*\" or false), ai or sa expected, got %s", got));
    }
    int port_arg = arg + 1;
    if (lua_type(L, port_arg) == LUA_TNUMBER) {
        lua_Number port = lua_tonumber(L, port_arg);
        luaL_argcheck(L, port >= 0 && port <= 65535 && port == lua_Number(lua_Integer(port)), port_arg,
                      "port must be an integer in 0..65535");
        request->port = std::uint16_t(port);
    } else if (lua_type(L, port_arg) == LUA_TSTRING) {
        request->service = lua_tostring(L, port_arg);
    } else if (!lua_isnoneornil(L, port_arg)) {
        const char* got = luaL_typename(L, port_arg);
        luaL_argerror(L, port_arg, lua_pushfstring(L, "port (number or service name) expected, got %s", got));
    }
}

// The protocol an entry reports: the one asked for, else the type's own.
int protocol_of(const Request& request) {
    if (request.protocol || request.family == Family::Unix) return request.protocol;
    return request.type == SocketType::Stream ? 6 : request.type == SocketType::Datagram ? 17 : 0;
}

ResolvedAddress entry(const Request& request, const Address& address) {
    ResolvedAddress out;
    out.family = address.family;
    out.type = request.type;
    out.protocol = protocol_of(request);
    out.address = address;
    return out;
}

// The C++ half of a lookup: no Lua calls in here.
ResolveError lookup(Os& os, const Request& request, std::vector<ResolvedAddress>* out) {
    try {
        if (request.family == Family::Unix) {
            out->push_back(entry(request, Address::unix_path(request.host)));
            return ResolveError::None;
        }
        if (!request.service) {
            if (request.kind == HostKind::Any) {
                out->push_back(entry(request, Address::any(request.family, request.port)));
                return ResolveError::None;
            }
            if (request.kind == HostKind::Loopback) {
                out->push_back(entry(request, Address::loopback(request.family, request.port)));
                return ResolveError::None;
            }
            if (auto literal = Address::parse_ip(request.host, request.port)) {
                if (literal->family != request.family) return ResolveError::BadFamily;
                out->push_back(entry(request, *literal));
                return ResolveError::None;
            }
        }
        ResolveHints hints;
        hints.family = request.family;
        hints.type = request.type;
        hints.protocol = request.protocol;
        hints.flags = request.flags | (request.kind == HostKind::Any ? kResolvePassive : 0);
        // A numeric port is set on the answers, not asked of the resolver:
        // some resolvers refuse any service for raw sockets.
        const char* host = request.kind == HostKind::Name ? request.host : nullptr;
        const char* service = request.service ? request.service : host ? nullptr : "0";
        if (request.kind == HostKind::Loopback) hints.flags &= ~kResolvePassive;
        ResolveError error = os.resolve(host, service, hints, out);
        if (error != ResolveError::None) return error;
        for (ResolvedAddress& found : *out) {
            if (!request.service) found.address.port = request.port;
            if (found.type == SocketType::Any) found.type = request.type;
            if (!found.protocol) found.protocol = protocol_of(request);
        }
        return out->empty() ? ResolveError::NotFound : ResolveError::None;
    } catch (const std::bad_alloc&) {
        return ResolveError::Memory;
    }
}

// Gives `ai` the answers of `request`. C++ only: whatever it allocates is
// owned by the ai (freed by its __gc) or gone before it returns.
ResolveError fill_ai(Os& os, const Request& request, AiObject* ai) {
    try {
        auto list = std::make_shared<std::vector<ResolvedAddress>>();
        ResolveError error = lookup(os, request, list.get());
        if (error == ResolveError::None) ai->list = std::move(list);
        return error;
    } catch (const std::bad_alloc&) {
        return ResolveError::Memory;
    }
}

// An ai of the one address of an sa.
bool fill_single(AiObject* ai, const Address& address, const EndpointHints& hints) {
    try {
        auto list = std::make_shared<std::vector<ResolvedAddress>>();
        list->push_back(ResolvedAddress{address.family, hints.type, hints.protocol, address, {}});
        ai->list = std::move(list);
        return true;
    } catch (const std::bad_alloc&) {
        return false;
    }
}

// Pushes an ai with the answers of `request`, or nil, err (returns 2).
int push_lookup(lua_State* L, Os& os, const Request& request) {
    ResolveError error = fill_ai(os, request, push_ai(L));
    if (error == ResolveError::None) return 0;
    lua_pop(L, 1);
    return push_resolve_error(L, os, error);
}

SocketType check_socket_type(lua_State* L, int arg) {
    static const char* const names[] = {"tcp", "udp", "raw", nullptr};
    static const SocketType types[] = {SocketType::Stream, SocketType::Datagram, SocketType::Raw};
    return types[luaL_checkoption(L, arg, nullptr, names)];
}

// sock.addr([host], [port], socket_type, [family], [protocol], [flags]) -> ai
int sock_addr(lua_State* L) {
    if (luaL_testudata(L, 1, kAiMeta)) {
        lua_settop(L, 1);
        return 1;
    }
    Request request;
    request.type = check_socket_type(L, 3);
    request.family = check_family_name(L, 4, Family::Inet);
    request.protocol = check_protocol(L, 5, 0);
    request.flags = check_flags(L, 6);
    read_host_port(L, 1, &request);
    Os& os = *loop_at(L, lua_upvalueindex(1))->os;
    if (int failed = push_lookup(L, os, request)) return failed;
    return 1;
}

}  // namespace

const char* protocol_name(int protocol) {
    for (const ProtocolName& known : kProtocols)
        if (known.number == protocol) return known.name;
    return nullptr;
}

int check_protocol(lua_State* L, int arg, int fallback) {
    if (lua_isnoneornil(L, arg)) return fallback;
    const char* name = luaL_checkstring(L, arg);
    for (const ProtocolName& known : kProtocols)
        if (std::strcmp(known.name, name) == 0) return known.number;
    return luaL_argerror(L, arg, lua_pushfstring(L, "unknown protocol '%s'", name));
}

int push_endpoint(lua_State* L, Os& os, int index, const EndpointHints& hints, int* next) {
    index = lua_absindex(L, index);
    if (auto* given = static_cast<AiObject*>(luaL_testudata(L, index, kAiMeta))) {
        luaL_argcheck(L, given->list != nullptr, index, "the ai was freed");
        lua_pushvalue(L, index);
        *next = index + 1;
        return 0;
    }
    if (auto* sa = static_cast<SaObject*>(luaL_testudata(L, index, kSaMeta))) {
        if (!fill_single(push_ai(L), sa->address, hints)) return luaL_error(L, "sock: not enough memory");
        *next = index + 1;
        return 0;
    }
    Request request;
    request.family = hints.family;
    request.type = hints.type;
    request.protocol = hints.protocol;
    request.flags = hints.passive ? kResolvePassive : 0;
    read_host_port(L, index, &request);
    *next = index + (hints.family == Family::Unix ? 1 : 2);
    return push_lookup(L, os, request);
}

void register_address_functions(lua_State* L, int loop) {
    register_address_types(L);
    lua_pushvalue(L, loop);
    lua_pushcclosure(L, guarded<sock_addr>, 1);
    lua_setfield(L, -2, "addr");
}

}  // namespace lsock::lua::sock
