// The ai, sa and ip objects of the `sock` module.
#include "lua/sock/sock_address.hpp"

#include <cstring>
#include <new>
#include <string>

#include "lua/common/guard.hpp"
#include "lua/common/names.hpp"
#include "lua/common/text.hpp"
#include "lua/sock/sock_module.hpp"

namespace lsock::lua::sock {

namespace {

struct IpObject {
    Address address;
};

// __gc. A script can call it again (getmetatable(ai).__gc(ai)), and a
// finalizer can resurrect the value: what stays is a fresh, empty object
// (an ai that answers "the ai was freed"), never a destroyed one.
template <typename T>
int destroy(lua_State* L) {
    T* object = static_cast<T*>(lua_touserdata(L, 1));
    object->~T();
    new (object) T();
    return 0;
}

AiObject* check_ai(lua_State* L, int index) {
    auto* ai = static_cast<AiObject*>(check_type(L, index, kAiType));
    if (!ai->list) luaL_argerror(L, index, "the ai was freed");
    return ai;
}

const ResolvedAddress& entry_of(const AiObject* ai) { return (*ai->list)[ai->index]; }

SaObject* check_sa(lua_State* L, int index) { return static_cast<SaObject*>(check_type(L, index, kSaType)); }

IpObject* check_ip(lua_State* L, int index) { return static_cast<IpObject*>(check_type(L, index, kIpType)); }

void push_address_text(lua_State* L, const Address& address) { push_text(L, address_text(address)); }

// --- ai --------------------------------------------------------------------

int ai_free(lua_State* L) {
    static_cast<AiObject*>(check_type(L, 1, kAiType))->list.reset();
    return 0;
}

// A new ai on entry `index` of the list `of` holds (shared, not copied).
void push_entry(lua_State* L, const AiObject* of, std::size_t index) {
    AiObject* entry = push_ai(L);
    entry->list = of->list;
    entry->index = index;
}

int ai_next(lua_State* L) {
    AiObject* ai = check_ai(L, 1);
    if (ai->index + 1 >= ai->list->size()) {
        lua_pushnil(L);
        return 1;
    }
    push_entry(L, ai, ai->index + 1);
    return 1;
}

void push_sa_of(lua_State* L, const Address& address) { push_sa(L)->address = address; }

// Each step yields an ai positioned at the next entry (sharing the list),
// as the original sock does: ai:tostring(), ai:type(), ai.addr work on it.
int ai_addrs_next(lua_State* L) {
    auto* ai = static_cast<AiObject*>(lua_touserdata(L, lua_upvalueindex(1)));
    lua_Integer at = lua_tointeger(L, lua_upvalueindex(2));
    if (!ai->list || std::size_t(at) >= ai->list->size()) return 0;
    lua_pushinteger(L, at + 1);
    lua_replace(L, lua_upvalueindex(2));
    push_entry(L, ai, std::size_t(at));
    return 1;
}

// for entry in ai:addrs() do ... end: this entry and the following ones.
int ai_addrs(lua_State* L) {
    AiObject* ai = check_ai(L, 1);
    lua_settop(L, 1);
    lua_pushinteger(L, lua_Integer(ai->index));
    lua_pushcclosure(L, guarded<ai_addrs_next>, 2);
    return 1;
}

int ai_type(lua_State* L) {
    switch (entry_of(check_ai(L, 1)).type) {
        case SocketType::Stream: lua_pushliteral(L, "tcp"); break;
        case SocketType::Datagram: lua_pushliteral(L, "udp"); break;
        case SocketType::Raw: lua_pushliteral(L, "raw"); break;
        default: lua_pushnil(L);
    }
    return 1;
}

int ai_family(lua_State* L) {
    lua_pushstring(L, family_name(entry_of(check_ai(L, 1)).family));
    return 1;
}

int ai_protocol(lua_State* L) {
    int protocol = entry_of(check_ai(L, 1)).protocol;
    if (const char* name = protocol_name(protocol)) {
        lua_pushstring(L, name);
    } else {
        lua_pushinteger(L, protocol);
    }
    return 1;
}

// The canonical name (flags "canonname"); the resolver puts it on the first entry.
int ai_name(lua_State* L) {
    AiObject* ai = check_ai(L, 1);
    const std::string& name = ai->list->front().canonical_name;
    if (name.empty()) {
        lua_pushnil(L);
    } else {
        lua_pushlstring(L, name.data(), name.size());
    }
    return 1;
}

int ai_tostring(lua_State* L) {
    push_address_text(L, entry_of(check_ai(L, 1)).address);
    return 1;
}

int ai_index(lua_State* L) {
    check_type(L, 1, kAiType);  // a freed ai still has its methods
    if (lua_type(L, 2) == LUA_TSTRING && std::strcmp(lua_tostring(L, 2), "addr") == 0) {
        push_sa_of(L, entry_of(check_ai(L, 1)).address);
        return 1;
    }
    lua_getmetatable(L, 1);
    lua_getfield(L, -1, "methods");
    lua_pushvalue(L, 2);
    lua_rawget(L, -2);
    return 1;
}

// --- sa and ip -------------------------------------------------------------

int sa_family(lua_State* L) {
    lua_pushstring(L, family_name(check_sa(L, 1)->address.family));
    return 1;
}

int sa_port(lua_State* L) {
    const Address& address = check_sa(L, 1)->address;
    if (address.is_ip()) {
        lua_pushinteger(L, address.port);
    } else {
        lua_pushnil(L);
    }
    return 1;
}

int sa_tostring(lua_State* L) {
    push_address_text(L, check_sa(L, 1)->address);
    return 1;
}

int sa_addr(lua_State* L) {
    const Address& address = check_sa(L, 1)->address;
    if (!address.is_ip()) {
        lua_pushnil(L);
        return 1;
    }
    auto* ip = new (lua_newuserdata(L, sizeof(IpObject))) IpObject;
    set_type(L, kIpType);
    ip->address = address;
    ip->address.port = 0;
    return 1;
}

int sa_equal(lua_State* L) {
    lua_pushboolean(L, check_sa(L, 1)->address == check_sa(L, 2)->address);
    return 1;
}

int ip_tostring(lua_State* L) {
    push_text(L, ip_text(check_ip(L, 1)->address));
    return 1;
}

int ip_tobinary(lua_State* L) {
    const Address& address = check_ip(L, 1)->address;
    lua_pushlstring(L, reinterpret_cast<const char*>(address.ip.data()), address.ip_size());
    return 1;
}

int ip_equal(lua_State* L) {
    lua_pushboolean(L, check_ip(L, 1)->address == check_ip(L, 2)->address);
    return 1;
}

const luaL_Reg kAiMethods[] = {
    {"free", guarded<ai_free>},         {"next", guarded<ai_next>},
    {"addrs", guarded<ai_addrs>},       {"type", guarded<ai_type>},
    {"family", guarded<ai_family>},     {"protocol", guarded<ai_protocol>},
    {"name", guarded<ai_name>},         {"tostring", guarded<ai_tostring>},
    {nullptr, nullptr},
};
const luaL_Reg kSaMethods[] = {
    {"family", guarded<sa_family>},     {"port", guarded<sa_port>},
    {"tostring", guarded<sa_tostring>}, {"addr", guarded<sa_addr>},
    {nullptr, nullptr},
};
const luaL_Reg kIpMethods[] = {
    {"tostring", guarded<ip_tostring>}, {"tobinary", guarded<ip_tobinary>}, {nullptr, nullptr},
};

}  // namespace

const TypeSpec kAiType{"lsock.sock.ai", "sock.ai", kAiMethods, destroy<AiObject>, guarded<ai_tostring>,
                       nullptr, nullptr, guarded<ai_index>};
const TypeSpec kSaType{"lsock.sock.sa", "sock.sa", kSaMethods, destroy<SaObject>, guarded<sa_tostring>,
                       guarded<sa_equal>};
const TypeSpec kIpType{"lsock.sock.ip", "sock.ip", kIpMethods, destroy<IpObject>, guarded<ip_tostring>,
                       guarded<ip_equal>};

void register_address_types(lua_State* L) {
    register_type(L, kAiType);
    register_type(L, kSaType);
    register_type(L, kIpType);
}

AiObject* push_ai(lua_State* L) {
    auto* ai = new (lua_newuserdata(L, sizeof(AiObject))) AiObject;
    set_type(L, kAiType);
    return ai;
}

SaObject* push_sa(lua_State* L) {
    auto* sa = new (lua_newuserdata(L, sizeof(SaObject))) SaObject;
    set_type(L, kSaType);
    return sa;
}

bool is_address_object(lua_State* L, int index) {
    return test_type(L, index, kAiType) || test_type(L, index, kSaType);
}

AiObject* ai_at(lua_State* L, int index) { return static_cast<AiObject*>(lua_touserdata(L, index)); }

std::size_t candidate_count(const AiObject* ai) { return ai->list ? ai->list->size() - ai->index : 0; }

const Address& candidate(const AiObject* ai, std::size_t n) { return (*ai->list)[ai->index + n].address; }

}  // namespace lsock::lua::sock
