#include "lua/socket_object.hpp"

#include <cerrno>
#include <cstring>
#include <new>
#include <vector>

#include "core/name_lookup.hpp"

namespace lsock::lua {

namespace {

// The list of candidate addresses of a connect or bind, owned by Lua so
// that it survives a yield and is freed by the collector either way.
constexpr const char* kAddressListMeta = "lsock.addresslist";

struct AddressListBox {
    std::vector<Address> addresses;
};

int address_list_gc(lua_State* L) {
    static_cast<AddressListBox*>(lua_touserdata(L, 1))->~AddressListBox();
    return 0;
}

template <typename T>
int destroy_socket(lua_State* L) {
    // Garbage collection closes a socket that was not closed.
    static_cast<T*>(lua_touserdata(L, 1))->~T();
    return 0;
}

template <int Kind>
int tostring_socket(lua_State* L) {
    SocketBase* socket = test_socket(L, 1);
    lua_pushfstring(L, "<%s: %d>", Kind == 0 ? "tcpsock" : "udpsock", socket ? int(socket->fd()) : -1);
    return 1;
}

void set_env(lua_State* L, int env_index) {
    lua_pushvalue(L, env_index);
    lua_setuservalue(L, -2);
}

}  // namespace

void push_os_env(lua_State* L, Os& os, int owner_index) {
    if (owner_index != 0) owner_index = lua_absindex(L, owner_index);
    lua_createtable(L, 2, 0);
    auto* handle = static_cast<OsHandle*>(lua_newuserdata(L, sizeof(OsHandle)));
    handle->os = &os;
    luaL_setmetatable(L, kOsMeta);
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

TcpObject* check_tcp(lua_State* L, int index) { return static_cast<TcpObject*>(luaL_checkudata(L, index, kTcpMeta)); }

UdpObject* check_udp(lua_State* L, int index) { return static_cast<UdpObject*>(luaL_checkudata(L, index, kUdpMeta)); }

SocketBase* test_socket(lua_State* L, int index) {
    if (auto* tcp = static_cast<TcpObject*>(luaL_testudata(L, index, kTcpMeta))) return &tcp->socket;
    if (auto* udp = static_cast<UdpObject*>(luaL_testudata(L, index, kUdpMeta))) return &udp->socket;
    return nullptr;
}

StreamSocket* test_stream(lua_State* L, int index) {
    auto* tcp = static_cast<TcpObject*>(luaL_testudata(L, index, kTcpMeta));
    return tcp ? &tcp->socket : nullptr;
}

SocketBase* check_socket(lua_State* L, int index) {
    SocketBase* socket = test_socket(L, index);
    if (!socket) {
        const char* got = luaL_typename(L, index);
        luaL_argerror(L, index, lua_pushfstring(L, "socket expected, got %s", got));
    }
    return socket;
}

TcpObject* new_tcp(lua_State* L, int env_index, Family family, Fd adopted) {
    env_index = lua_absindex(L, env_index);
    Os& os = os_of_env(L, env_index);
    void* memory = lua_newuserdata(L, sizeof(TcpObject));
    auto* object = adopted == kNoFd ? new (memory) TcpObject{StreamSocket(os, family)}
                                    : new (memory) TcpObject{StreamSocket(os, family, adopted)};
    luaL_setmetatable(L, kTcpMeta);
    set_env(L, env_index);
    return object;
}

UdpObject* new_udp(lua_State* L, int env_index, Family family) {
    env_index = lua_absindex(L, env_index);
    Os& os = os_of_env(L, env_index);
    auto* object = new (lua_newuserdata(L, sizeof(UdpObject))) UdpObject{DatagramSocket(os, family), {}};
    luaL_setmetatable(L, kUdpMeta);
    set_env(L, env_index);
    return object;
}

std::string error_text(Os& os, int error) {
    switch (error) {
        case kErrorClosed: return kClosedMessage;
        case kErrorTimeout:
        case ETIMEDOUT: return kTimeoutMessage;
        case ECONNREFUSED: return kRefusedMessage;
        default: return os.error_message(error);
    }
}

int push_failure(lua_State* L, Os& os, int error) {
    lua_pushnil(L);
    lua_pushstring(L, error_text(os, error).c_str());
    return 2;
}

int push_resolve_failure(lua_State* L, Os& os, ResolveError error) {
    lua_pushnil(L);
    lua_pushstring(L, os.resolve_error_message(error).c_str());
    return 2;
}

Family check_family(lua_State* L, int index) {
    static const char* const names[] = {"inet", "inet6", "unix", nullptr};
    static const Family families[] = {Family::Inet, Family::Inet6, Family::Unix};
    if (lua_isnoneornil(L, index)) return Family::Unspec;
    return families[luaL_checkoption(L, index, nullptr, names)];
}

int push_lookup(lua_State* L, Os& os, int index, Family family, SocketType type, bool passive) {
    std::size_t host_size = 0;
    const char* host = luaL_checklstring(L, index, &host_size);
    bool is_unix = std::strncmp(host, "unix:", 5) == 0;
    const char* service = nullptr;
    std::size_t service_size = 0;
    if (!is_unix) {
        if (lua_type(L, index + 1) == LUA_TNUMBER) {
            lua_Integer port = lua_tointeger(L, index + 1);
            luaL_argcheck(L, port >= 0 && port <= 65535, index + 1, "port out of range");
            lua_pushvalue(L, index + 1);
            lua_replace(L, index + 1);
        } else if (lua_type(L, index + 1) != LUA_TSTRING) {
            const char* got = luaL_typename(L, index + 1);
            luaL_argerror(L, index + 1, lua_pushfstring(L, "port (number or service name) expected, got %s", got));
        }
        service = lua_tolstring(L, index + 1, &service_size);  // converts a number in place
    }
    // A NUL inside a name would silently cut it short: refuse it instead.
    if (std::strlen(host) != host_size || (service && std::strlen(service) != service_size)) {
        if (is_unix) return push_failure(L, os, EINVAL);
        return push_resolve_failure(L, os, ResolveError::NotFound);
    }
    // Argument errors are all raised above; from here on a C++ object may
    // live on this frame.
    auto* box = new (lua_newuserdata(L, sizeof(AddressListBox))) AddressListBox;
    if (luaL_newmetatable(L, kAddressListMeta)) {
        lua_pushcfunction(L, address_list_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
    if (is_unix) {
        if (family != Family::Unspec && family != Family::Unix) {
            lua_pop(L, 1);
            return push_failure(L, os, EAFNOSUPPORT);
        }
        std::string path;
        parse_unix_target(host, &path);
        box->addresses.push_back(Address::unix_path(std::move(path)));
        return 0;
    }
    LookupRequest request;
    request.host = host;
    request.service = service;
    request.family = family == Family::Unix ? Family::Unspec : family;
    request.type = type;
    request.passive = passive;
    ResolveError error = lookup_addresses(os, request, &box->addresses);
    if (error != ResolveError::None) {
        lua_pop(L, 1);
        return push_resolve_failure(L, os, error);
    }
    if (family == Family::Unix) {
        lua_pop(L, 1);
        return push_failure(L, os, EAFNOSUPPORT);
    }
    return 0;
}

const std::vector<Address>& address_list(lua_State* L, int index) {
    return static_cast<AddressListBox*>(lua_touserdata(L, index))->addresses;
}

void push_address(lua_State* L, const Address& address) {
    if (address.family == Family::Unix) {
        lua_pushlstring(L, address.path.data(), address.path.size());
        return;
    }
    lua_createtable(L, 2, 2);
    lua_pushstring(L, address.ip_text().c_str());
    lua_pushvalue(L, -1);
    lua_rawseti(L, -3, 1);
    lua_setfield(L, -2, "ip");
    lua_pushinteger(L, address.port);
    lua_pushvalue(L, -1);
    lua_rawseti(L, -3, 2);
    lua_setfield(L, -2, "port");
}

void register_socket_types(lua_State* L) {
    if (luaL_newmetatable(L, kOsMeta)) {
        lua_pushliteral(L, "lsock.os");
        lua_setfield(L, -2, "__name");
    }
    lua_pop(L, 1);
    struct Kind {
        const char* meta;
        const char* name;
        lua_CFunction gc;
        lua_CFunction tostring;
        void (*methods)(lua_State*);
    };
    const Kind kinds[] = {{kTcpMeta, "tcpsock", destroy_socket<TcpObject>, tostring_socket<0>, register_tcp_methods},
                          {kUdpMeta, "udpsock", destroy_socket<UdpObject>, tostring_socket<1>, register_udp_methods}};
    for (const Kind& kind : kinds) {
        if (!luaL_newmetatable(L, kind.meta)) {
            lua_pop(L, 1);
            continue;
        }
        lua_pushstring(L, kind.name);
        lua_setfield(L, -2, "__name");
        lua_pushcfunction(L, kind.gc);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, kind.tostring);
        lua_setfield(L, -2, "__tostring");
        lua_newtable(L);
        register_shared_methods(L);
        kind.methods(L);
        lua_setfield(L, -2, "__index");
        lua_pop(L, 1);
    }
}

}  // namespace lsock::lua
