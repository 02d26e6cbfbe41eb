// sock.addr and the `host, port` arguments of socket calls: from what Lua
// passes to a list of candidate addresses (an ai). The arguments are read
// here; the lookup itself is the core's (core/name_lookup.hpp).
#include <cstring>
#include <new>
#include <string>

#include "core/name_lookup.hpp"
#include "core/step.hpp"
#include "lua/common/errors.hpp"
#include "lua/common/guard.hpp"
#include "lua/common/lookup_in_flight.hpp"
#include "lua/common/names.hpp"
#include "lua/sock/sock_address.hpp"
#include "lua/sock/sock_loop.hpp"
#include "lua/sock/sock_module.hpp"
#include "lua/sock/sock_socket.hpp"
#include "lua/common/trampoline.hpp"

namespace lsock::lua::sock {

namespace {

// Everything a lookup needs, read from Lua first (argument errors raise
// before any C++ object exists); the strings point into the Lua stack.
using Request = LookupQuery;

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
// "cannonname" is how docs/sock.md (and the LuaJIT original) spell it.
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

// host at `arg`, port at `arg + 1` (a unix "host" is the path; no port).
void read_host_port(lua_State* L, int arg, Request* request) {
    int type = lua_type(L, arg);
    request->port_given = true;  // port 0 unless a number or a service follows
    if (request->family == Family::Unix) {
        request->host_kind = LookupHost::Named;
        request->host = luaL_checkstring(L, arg);
        return;
    }
    if (type == LUA_TNONE || type == LUA_TNIL) {
        request->host_kind = LookupHost::Any;
    } else if (type == LUA_TBOOLEAN && !lua_toboolean(L, arg)) {
        request->host_kind = LookupHost::Loopback;
    } else if (type == LUA_TSTRING) {
        request->host = lua_tostring(L, arg);
        request->host_kind = request->host == "*" ? LookupHost::Any : LookupHost::Named;
    } else {
        const char* got = luaL_typename(L, arg);
        luaL_argerror(L, arg, lua_pushfstring(L, "host (string, \"*\" or false), ai or sa expected, got %s", got));
    }
    int port_arg = arg + 1;
    // A string Lua reads as a number ("65617") is that number, held to the
    // same range: a resolver would cut it to 16 bits (port 81).
    if (lua_isnumber(L, port_arg)) {
        lua_Number port = lua_tonumber(L, port_arg);
        luaL_argcheck(L, port >= 0 && port <= 65535 && port == lua_Number(lua_Integer(port)), port_arg,
                      "port must be an integer in 0..65535");
        request->port = std::uint16_t(port);
    } else if (lua_type(L, port_arg) == LUA_TSTRING) {
        request->service = lua_tostring(L, port_arg);
        request->port_given = false;
    } else if (!lua_isnoneornil(L, port_arg)) {
        const char* got = luaL_typename(L, port_arg);
        luaL_argerror(L, port_arg, lua_pushfstring(L, "port (number or service name) expected, got %s", got));
    }
}

// Gives `ai` the answers of `request`. C++ only: whatever it allocates is
// owned by the ai (freed by its __gc) or gone before it returns; an
// allocation failure reaches the guard of the Lua function as bad_alloc.
ResolveError fill_ai(Os& os, const Request& request, AiObject* ai) {
    auto list = std::make_shared<std::vector<ResolvedAddress>>();
    ResolveError error = lookup(os, request, list.get());  // the core's
    if (error == ResolveError::None) ai->list = std::move(list);
    return error;
}

// An ai of the one address of an sa.
void fill_single(AiObject* ai, const Address& address, const EndpointHints& hints) {
    auto list = std::make_shared<std::vector<ResolvedAddress>>();
    list->push_back(ResolvedAddress{address.family, hints.type, hints.protocol, address, {}});
    ai->list = std::move(list);
}

// Pushes an ai with the answers of `request`, or nil, err (returns 2).
int push_lookup(lua_State* L, Os& os, const Request& request) {
    ResolveError error = fill_ai(os, request, push_ai(L));
    if (error == ResolveError::None) return 0;
    lua_pop(L, 1);
    return push_sock_resolve_error(L, os, error);
}

SocketType check_socket_type(lua_State* L, int arg) {
    static const char* const names[] = {"tcp", "udp", "raw", nullptr};
    static const SocketType types[] = {SocketType::Stream, SocketType::Datagram, SocketType::Raw};
    return types[luaL_checkoption(L, arg, nullptr, names)];
}

// Pushes an ai with the answers the lookup at `flight` has in, or nil, err.
int push_answers(lua_State* L, Os& os, LookupInFlight* flight) {
    AiObject* ai = push_ai(L);
    ResolveError error;
    {
        auto list = std::make_shared<std::vector<ResolvedAddress>>();
        error = take_lookup(flight, list.get());
        if (error == ResolveError::None) ai->list = std::move(list);
    }
    if (error == ResolveError::None) return 1;
    lua_pop(L, 1);
    return push_sock_resolve_error(L, os, error);
}

// sock.addr in a sock thread: [1] the lookup in flight [2] deadline. The
// thread waits on the loop for the lookup's descriptor like any other I/O.
int attempt_addr(lua_State* L, Wait* wait) {
    LoopObject* loop = loop_at(L, lua_upvalueindex(1));
    if (int waiting = await_endpoint(L, 1, loop, deadline_at(L, 2), wait)) return waiting;
    lua_pushvalue(L, 1);
    return 1;
}
const BlockingCall kAddr{attempt_addr, park_in_loop, "sock.addr"};

// sock.addr([host], [port], socket_type, [family], [protocol], [flags], [expires]) -> ai
int sock_addr(lua_State* L) {
    if (test_type(L, 1, kAiType)) {
        lua_settop(L, 1);
        return 1;
    }
    Request request;
    request.type = check_socket_type(L, 3);
    request.mode = LookupMode::Endpoint;
    request.family = check_family(L, 4, Family::Inet);
    request.protocol = check_protocol(L, 5, 0);
    request.flags = check_flags(L, 6);
    double deadline = check_expires(L, 7);
    read_host_port(L, 1, &request);
    LoopObject* loop = loop_at(L, lua_upvalueindex(1));
    Os& os = *loop->os;
    // Outside a sock thread there is no loop to keep running: look up here.
    if (!loop->scheduler || !find_root(L, lua_upvalueindex(1))) {
        if (int failed = push_lookup(L, os, request)) return failed;
        return 1;
    }
    LookupInFlight* flight = start_lookup(L, os, request);
    if (!flight->in_flight()) return push_answers(L, os, flight);
    // Stack for the runner: [1] the lookup [2] deadline [3] the loop.
    lua_replace(L, 1);
    lua_settop(L, 1);
    push_deadline(L, deadline);
    lua_pushvalue(L, lua_upvalueindex(1));
    return run_blocking(L, kAddr);
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

// The lookup `host, port` at `index` asks for; *next is past them.
static Request read_endpoint(lua_State* L, int index, const EndpointHints& hints, int* next) {
    Request request;
    request.family = hints.family;
    request.type = hints.type;
    request.protocol = hints.protocol;
    request.flags = hints.passive ? kResolvePassive : 0;
    read_host_port(L, index, &request);
    *next = index + (hints.family == Family::Unix ? 1 : 2);
    return request;
}

int push_endpoint(lua_State* L, Os& os, int index, const EndpointHints& hints, int* next) {
    index = lua_absindex(L, index);
    if (auto* given = static_cast<AiObject*>(test_type(L, index, kAiType))) {
        luaL_argcheck(L, given->list != nullptr, index, "the ai was freed");
        lua_pushvalue(L, index);
        *next = index + 1;
        return 0;
    }
    if (auto* sa = static_cast<SaObject*>(test_type(L, index, kSaType))) {
        fill_single(push_ai(L), sa->address, hints);
        *next = index + 1;
        return 0;
    }
    Request request = read_endpoint(L, index, hints, next);
    return push_lookup(L, os, request);
}

int push_endpoint_in_thread(lua_State* L, LoopObject* loop, int index, const EndpointHints& hints, int* next) {
    index = lua_absindex(L, index);
    bool named = lua_type(L, index) == LUA_TSTRING && !is_address_object(L, index) && hints.family != Family::Unix;
    if (!named || !loop->scheduler) return push_endpoint(L, *loop->os, index, hints, next);
    Request request = read_endpoint(L, index, hints, next);
    // A numeric host needs no resolver: its ai at once, without the lookup
    // object (udp:send to "127.0.0.1", port is a hot path).
    AiObject* ai = push_ai(L);
    ResolveError error = ResolveError::None;
    bool answered = false;
    {
        auto list = std::make_shared<std::vector<ResolvedAddress>>();
        ResolverQuestion question;
        answered = answer_or_ask(request, list.get(), &error, &question);
        if (answered && error == ResolveError::None) ai->list = std::move(list);
    }
    if (ai->list) return 0;
    lua_pop(L, 1);
    if (answered) return push_sock_resolve_error(L, *loop->os, error);
    LookupInFlight* flight = start_lookup(L, *loop->os, request);
    if (flight->in_flight()) return 0;
    // Answered at once all the same (an Os that looks up in place).
    int results = push_answers(L, *loop->os, flight);
    lua_remove(L, -1 - results);
    return results == 1 ? 0 : results;
}

int await_endpoint(lua_State* L, int slot, LoopObject* loop, double deadline, Wait* wait) {
    if (test_type(L, slot, kAiType)) return 0;
    LookupInFlight* flight = lookup_in_flight_at(L, slot);
    Os& os = *loop->os;
    Fd fd = flight->pending->ready_fd();
    bool ready = flight->pending->ready();
    if (!ready && (deadline == kNoDeadline || os.now() < deadline)) {
        wait->on(fd, kReadable, deadline);
        return kWouldBlock;
    }
    // The descriptor closes with the lookup: the scheduler forgets it first.
    if (loop->scheduler) loop->scheduler->forget_fd(fd);
    if (!ready) {
        flight->pending.reset();  // abandoned: its thread drops the answers
        return push_sock_error(L, os, kErrorTimeout);
    }
    int results = push_answers(L, os, flight);
    if (results != 1) return results;
    lua_replace(L, slot);
    return 0;
}

void register_address_functions(lua_State* L, int loop) {
    register_address_types(L);
    lua_pushvalue(L, loop);
    push_function(L, guarded<sock_addr>, 1, "addr");
    lua_setfield(L, -2, "addr");
}

}  // namespace lsock::lua::sock
