#include "lua/socket/socket_object.hpp"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <new>

#include "core/name_lookup.hpp"
#include "lua/common/errors.hpp"
#include "lua/common/blocking_call.hpp"
#include "lua/common/guard.hpp"
#include "lua/common/lookup_in_flight.hpp"
#include "lua/common/owned.hpp"
#include "lua/common/text.hpp"
#include "lua/common/trampoline.hpp"
#include "lua/common/yield_safe.hpp"

namespace lsock::lua {

namespace {

// The candidate addresses of a connect, bind or sendto, owned by Lua so
// that they survive a yield and are freed by the collector either way.
using AddressList = std::vector<Address>;
const TypeSpec kAddressListType{"lsock.addresslist", "address list", nullptr, destroy_owned<AddressList>};

const TypeSpec kAddressBoxType{"lsock.address", "address", nullptr, destroy_owned<Address>};

// The module environment's Os, kept in a userdata (tables hold no light
// userdata identity of their own).
struct OsHandle {
    Os* os;
};
const TypeSpec kOsType{"lsock.os", "lsock.os"};

// Garbage collection closes a socket that was not closed. The userdata can
// be reached after its __gc (a weak key, a finalizer that resurrects it, a
// script calling the __gc it found): what stays is a closed socket that
// owns nothing, so its methods answer ERROR_CLOSED and a second __gc is
// harmless.
void make_closed(TcpObject* at, Os& os, Family family) { new (at) TcpObject{StreamSocket(os, family)}; }
void make_closed(UdpObject* at, Os& os, Family family) { new (at) UdpObject{DatagramSocket(os, family), {}}; }

template <typename T>
int finalize_socket(lua_State* L) {
    auto* object = static_cast<T*>(lua_touserdata(L, 1));
    Os& os = object->socket.os();
    Family family = object->socket.family();
    object->~T();
    make_closed(object, os, family);  // owns no descriptor and no memory
    object->socket.close();
    return 0;
}

int tostring_socket(lua_State* L) {
    SocketBase* socket = check_socket(L, 1);
    lua_pushfstring(L, "<%s: %d>", test_type(L, 1, kTcpType) ? "tcpsock" : "udpsock", int(socket->fd()));
    return 1;
}

void extend_tcp(lua_State* L) { set_methods(L, kTcpMethods, 0); }
void extend_udp(lua_State* L) { set_methods(L, kUdpMethods, 0); }

void set_env(lua_State* L, int env_index) {
    lua_pushvalue(L, env_index);
    lua_setuservalue(L, -2);
}

}  // namespace

const TypeSpec kTcpType{"lsock.tcpsock", "tcpsock", kSharedMethods, finalize_socket<TcpObject>,
                        guarded<tostring_socket>, nullptr, nullptr, nullptr, extend_tcp};
const TypeSpec kUdpType{"lsock.udpsock", "udpsock", kSharedMethods, finalize_socket<UdpObject>,
                        guarded<tostring_socket>, nullptr, nullptr, nullptr, extend_udp};

void push_os_env(lua_State* L, Os& os, int owner_index) {
    if (owner_index != 0) owner_index = lua_absindex(L, owner_index);
    lua_createtable(L, 2, 0);
    register_type(L, kOsType);
    static_cast<OsHandle*>(lua_newuserdata(L, sizeof(OsHandle)))->os = &os;
    set_type(L, kOsType);
    lua_rawseti(L, -2, 1);
    if (owner_index) {
        lua_pushvalue(L, owner_index);
        lua_rawseti(L, -2, 2);
    }
}

Os& os_of_env(lua_State* L, int env_index) {
    lua_rawgeti(L, env_index, 1);
    Os* os = static_cast<OsHandle*>(lua_touserdata(L, -1))->os;
    lua_pop(L, 1);
    return *os;
}

Os& os_of_upvalue(lua_State* L) { return os_of_env(L, lua_upvalueindex(1)); }

TcpObject* check_tcp(lua_State* L, int index) { return static_cast<TcpObject*>(check_type(L, index, kTcpType)); }

UdpObject* check_udp(lua_State* L, int index) { return static_cast<UdpObject*>(check_type(L, index, kUdpType)); }

SocketBase* test_socket(lua_State* L, int index) {
    if (auto* tcp = static_cast<TcpObject*>(test_type(L, index, kTcpType))) return &tcp->socket;
    if (auto* udp = static_cast<UdpObject*>(test_type(L, index, kUdpType))) return &udp->socket;
    return nullptr;
}

StreamSocket* test_stream(lua_State* L, int index) {
    auto* tcp = static_cast<TcpObject*>(test_type(L, index, kTcpType));
    return tcp ? &tcp->socket : nullptr;
}

SocketBase* check_socket(lua_State* L, int index) {
    SocketBase* socket = test_socket(L, index);
    if (!socket) type_error(L, index, "socket");
    return socket;
}

TcpObject* new_tcp(lua_State* L, int env_index, Family family) {
    env_index = lua_absindex(L, env_index);
    Os& os = os_of_env(L, env_index);
    auto* object = new (lua_newuserdata(L, sizeof(TcpObject))) TcpObject{StreamSocket(os, family)};
    set_type(L, kTcpType);
    set_env(L, env_index);
    return object;
}

UdpObject* new_udp(lua_State* L, int env_index, Family family) {
    env_index = lua_absindex(L, env_index);
    Os& os = os_of_env(L, env_index);
    auto* object = new (lua_newuserdata(L, sizeof(UdpObject))) UdpObject{DatagramSocket(os, family), {}};
    set_type(L, kUdpType);
    set_env(L, env_index);
    return object;
}

void push_tcp_slot(lua_State* L) { lua_newuserdata(L, sizeof(TcpObject)); }

TcpObject* adopt_into_slot(lua_State* L, int slot_index, int listener_index, Family family, Fd accepted) {
    slot_index = lua_absindex(L, slot_index);
    listener_index = lua_absindex(L, listener_index);
    Os& os = static_cast<TcpObject*>(lua_touserdata(L, listener_index))->socket.os();
    auto* object = new (lua_touserdata(L, slot_index)) TcpObject{StreamSocket(os, family, accepted)};
    lua_pushvalue(L, slot_index);
    set_type(L, kTcpType);  // registered already: a registry read, no allocation
    lua_getuservalue(L, listener_index);
    lua_setuservalue(L, -2);
    lua_pop(L, 1);
    return object;
}

namespace {

bool needs_resolver(const LookupRequest& request) {
    std::vector<ResolvedAddress> answers;
    ResolveError error;
    ResolverQuestion question;
    return !answer_or_ask(address_query(request), &answers, &error, &question);
}

// Pushes the candidate addresses of a finished (or abandoned) lookup, as
// push_lookup does, or pushes nil, err and returns 2.
int push_finished_lookup(lua_State* L, Os& os, LookupInFlight* flight, Family family) {
    if (flight->timed_out) return push_socket_error(L, os, kErrorTimeout);
    AddressList* list = push_owned<AddressList>(L, kAddressListType);
    ResolveError error;
    {
        std::vector<ResolvedAddress> found;
        error = take_lookup(flight, &found);
        LookupRequest request;
        request.family = family == Family::Unix ? Family::Unspec : family;
        error = collect_addresses(request, error, found, list);
    }
    if (error != ResolveError::None) {
        lua_pop(L, 1);
        return push_socket_resolve_error(L, os, error);
    }
    if (family == Family::Unix) {
        lua_pop(L, 1);
        return push_socket_error(L, os, EAFNOSUPPORT);
    }
    return 0;
}

// A lookup on a simulated host that takes virtual time (the world's
// resolver has a latency or a fault). The call cannot block its OS thread
// there, so it waits for the lookup's descriptor through the runner (the
// thread yields to the world), and then starts over: the same method is
// called again, in the same frame, with the finished lookup in place of
// the host name, where push_lookup takes its answers.
//
// Stack: [1] the lookup [2] deadline [3] the method [4] the host's
// argument index [5...] the method's stack as it was.
int attempt_lookup_then_restart(lua_State* L, Wait* wait) {
    int base = lua_gettop(L);
    Os& os = *static_cast<Os*>(lua_touserdata(L, base - 1));
    LookupInFlight* flight = lookup_in_flight_at(L, 1);
    double deadline = deadline_at(L, 2);
    if (!flight->pending->ready()) {
        if (deadline == kNoDeadline || os.now() < deadline) {
            wait->on(flight->pending->ready_fd(), kReadable, deadline);
            return kWouldBlock;
        }
        flight->pending.reset();  // abandoned: its answer is dropped
        flight->timed_out = true;
    }
    lua_CFunction method = lua_tocfunction(L, 3);
    int host_slot = 4 + int(lua_tointeger(L, 4));
    lua_pushvalue(L, 1);
    lua_replace(L, host_slot);
    lua_settop(L, base - 2);  // the runner's context and call go
    for (int slot = 0; slot < 4; ++slot) lua_remove(L, 1);
    return method(L);
}
const BlockingCall kLookupThenRestart{attempt_lookup_then_restart, park_on_os, "name lookup"};

}  // namespace

int wait_for_lookup_then_restart(lua_State* L, Os& os, int index, double deadline) {
    LookupInFlight* flight = lookup_in_flight_at(L, -1);
    lua_insert(L, 1);
    push_deadline(L, deadline);
    lua_insert(L, 2);
    lua_Debug here;
    if (!lua_getstack(L, 0, &here) || !lua_getinfo(L, "f", &here) || !lua_tocfunction(L, -1))
        return luaL_error(L, "name lookup: not called from a C method");
    lua_insert(L, 3);
    lua_pushinteger(L, index);
    lua_insert(L, 4);
    Wait wait;
    wait.on(flight->pending->ready_fd(), kReadable, deadline);
    push_os_context(L, os);
    return wait_then_run(L, kLookupThenRestart, wait);
}

bool can_wait_for_lookup(lua_State* L, Os& os) {
    if (os.wait_style() != WaitStyle::Suspend) return false;
    return !runs_in_main_thread(L);
}

int push_lookup(lua_State* L, Os& os, int index, Family family, SocketType type, bool passive, double deadline) {
    if (LookupInFlight* flight = test_lookup_in_flight(L, index)) return push_finished_lookup(L, os, flight, family);
    std::size_t host_size = 0;
    const char* host = luaL_checklstring(L, index, &host_size);
    bool is_unix = std::strncmp(host, "unix:", 5) == 0;
    const char* service = nullptr;
    std::size_t service_size = 0;
    if (!is_unix) {
        // A string Lua reads as a number ("65617") is that number, held to
        // the same range: a resolver would cut it to 16 bits (port 81).
        if (lua_isnumber(L, index + 1)) {
            lua_Number port = lua_tonumber(L, index + 1);
            luaL_argcheck(L, port >= 0 && port <= 65535, index + 1, "port out of range");
            luaL_argcheck(L, port == std::floor(port), index + 1, "port must be a whole number");
            // The service text is written from the integer: Lua's own
            // conversion writes a float port (80.0, which arithmetic gives on
            // 5.3+) as "80.0", which getaddrinfo refuses.
            lua_pushinteger(L, lua_Integer(port));
            lua_replace(L, index + 1);
        } else if (lua_type(L, index + 1) != LUA_TSTRING) {
            const char* got = luaL_typename(L, index + 1);
            luaL_argerror(L, index + 1, lua_pushfstring(L, "port (number or service name) expected, got %s", got));
        }
        service = lua_tolstring(L, index + 1, &service_size);
    }
    // A NUL inside a name would silently cut it short: refuse it instead.
    if (std::strlen(host) != host_size || (service && std::strlen(service) != service_size)) {
        if (is_unix) return push_socket_error(L, os, EINVAL);
        return push_socket_resolve_error(L, os, ResolveError::NotFound);
    }
    // Argument errors are all raised above; what the lookup builds lives in
    // the Lua-owned list from here on.
    AddressList* list = push_owned<AddressList>(L, kAddressListType);
    if (is_unix) {
        if (family != Family::Unspec && family != Family::Unix) {
            lua_pop(L, 1);
            return push_socket_error(L, os, EAFNOSUPPORT);
        }
        std::string path;
        parse_unix_target(host, &path);
        list->push_back(Address::unix_path(std::move(path)));
        return 0;
    }
    LookupRequest request;
    request.host = host;
    request.service = service;
    request.family = family == Family::Unix ? Family::Unspec : family;
    request.type = type;
    request.passive = passive;
    // A non-blocking socket (timeout 0) looks up in place, as LuaSocket's
    // does: a lookup that always timed out at once could never be retried
    // to completion.
    if (deadline != kNoDeadline && deadline <= os.now()) deadline = kNoDeadline;
    // Numeric hosts (the usual case in a simulation) need no resolver and
    // go the plain way below, as do all lookups on a real kernel and those
    // made outside a thread of a simulated host (nothing to yield there:
    // they answer at once).
    if (can_wait_for_lookup(L, os) && needs_resolver(request)) {
        lua_pop(L, 1);
        LookupInFlight* flight = start_lookup(L, os, address_query(request));
        if (flight->in_flight()) return wait_for_lookup_then_restart(L, os, index, deadline);
        int failed = push_finished_lookup(L, os, flight, family);
        lua_remove(L, failed ? -1 - failed : -2);
        return failed;
    }
    bool timed_out = false;
    ResolveError error = lookup_addresses(os, request, deadline, list, &timed_out);
    if (error != ResolveError::None) {
        lua_pop(L, 1);
        if (timed_out) return push_socket_error(L, os, kErrorTimeout);
        return push_socket_resolve_error(L, os, error);
    }
    if (family == Family::Unix) {
        lua_pop(L, 1);
        return push_socket_error(L, os, EAFNOSUPPORT);
    }
    return 0;
}

Address* push_address_box(lua_State* L) { return push_owned<Address>(L, kAddressBoxType); }

const std::vector<Address>& address_list(lua_State* L, int index) { return *owned_at<AddressList>(L, index); }

void push_address(lua_State* L, const Address& address) {
    if (address.family == Family::Unix) {
        lua_pushlstring(L, address.path.data(), address.path.size());
        return;
    }
    ShortText ip = ip_text(address);
    lua_createtable(L, 2, 2);
    push_text(L, ip);
    lua_pushvalue(L, -1);
    lua_rawseti(L, -3, 1);
    lua_setfield(L, -2, "ip");
    lua_pushinteger(L, address.port);
    lua_pushvalue(L, -1);
    lua_rawseti(L, -3, 2);
    lua_setfield(L, -2, "port");
}

void register_socket_types(lua_State* L) {
    register_type(L, kTcpType);
    register_type(L, kUdpType);
}

}  // namespace lsock::lua
