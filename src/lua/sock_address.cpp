// The ai, sa and ip objects of the `sock` module.
#include "lua/sock_address.hpp"

#include <cstring>
#include <new>
#include <string>

#include "lua/sock_module.hpp"
#include "lua/sock_guard.hpp"

namespace lsock::lua::sock {

namespace {

struct IpObject {
    Address address;
};

template <typename T>
int destroy(lua_State* L) {
    static_cast<T*>(lua_touserdata(L, 1))->~T();
    return 0;
}

AiObject* check_ai(lua_State* L, int index) {
    auto* ai = static_cast<AiObject*>(luaL_checkudata(L, index, kAiMeta));
    if (!ai->list) luaL_argerror(L, index, "the ai was freed");
    return ai;
}

const ResolvedAddress& entry_of(const AiObject* ai) { return (*ai->list)[ai->index]; }

SaObject* check_sa(lua_State* L, int index) { return static_cast<SaObject*>(luaL_checkudata(L, index, kSaMeta)); }

IpObject* check_ip(lua_State* L, int index) { return static_cast<IpObject*>(luaL_checkudata(L, index, kIpMeta)); }

// Text of an address in a plain array: the std::string that formats it is
// gone before Lua, which may raise, gets the bytes.
struct ShortText {
    char text[128];
    std::size_t size;
};

ShortText text_of(const std::string& formatted) {
    ShortText out;
    out.size = formatted.copy(out.text, sizeof out.text);
    return out;
}

void push_text(lua_State* L, const ShortText& text) { lua_pushlstring(L, text.text, text.size); }

void push_address_text(lua_State* L, const Address& address) { push_text(L, text_of(address.to_string())); }

// --- ai --------------------------------------------------------------------

int ai_free(lua_State* L) {
    static_cast<AiObject*>(luaL_checkudata(L, 1, kAiMeta))->list.reset();
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
    luaL_setmetatable(L, kIpMeta);
    ip->address = address;
    ip->address.port = 0;
    return 1;
}

int sa_equal(lua_State* L) {
    lua_pushboolean(L, check_sa(L, 1)->address == check_sa(L, 2)->address);
    return 1;
}

int ip_tostring(lua_State* L) {
    push_text(L, text_of(check_ip(L, 1)->address.ip_text()));
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

struct TypeSpec {
    const char* meta;
    const luaL_Reg* methods;
    lua_CFunction gc;
    lua_CFunction tostring;
    lua_CFunction equal;
    lua_CFunction index;  // null: the method table
};

void register_type(lua_State* L, const TypeSpec& spec) {
    if (!luaL_newmetatable(L, spec.meta)) {
        lua_pop(L, 1);
        return;
    }
    lua_pushcfunction(L, spec.gc);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, spec.tostring);
    lua_setfield(L, -2, "__tostring");
    if (spec.equal) {
        lua_pushcfunction(L, spec.equal);
        lua_setfield(L, -2, "__eq");
    }
    lua_newtable(L);
    luaL_setfuncs(L, spec.methods, 0);
    if (spec.index) {
        lua_setfield(L, -2, "methods");
        lua_pushcfunction(L, spec.index);
    }
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
}

}  // namespace

void register_address_types(lua_State* L) {
    static const luaL_Reg ai_methods[] = {
        {"free", guarded<ai_free>},         {"next", guarded<ai_next>},
        {"addrs", guarded<ai_addrs>},       {"type", guarded<ai_type>},
        {"family", guarded<ai_family>},     {"protocol", guarded<ai_protocol>},
        {"name", guarded<ai_name>},         {"tostring", guarded<ai_tostring>},
        {nullptr, nullptr},
    };
    static const luaL_Reg sa_methods[] = {
        {"family", guarded<sa_family>},     {"port", guarded<sa_port>},
        {"tostring", guarded<sa_tostring>}, {"addr", guarded<sa_addr>},
        {nullptr, nullptr},
    };
    static const luaL_Reg ip_methods[] = {
        {"tostring", guarded<ip_tostring>}, {"tobinary", guarded<ip_tobinary>}, {nullptr, nullptr},
    };
    register_type(L, {kAiMeta, ai_methods, destroy<AiObject>, guarded<ai_tostring>, nullptr, guarded<ai_index>});
    register_type(L, {kSaMeta, sa_methods, destroy<SaObject>, guarded<sa_tostring>, guarded<sa_equal>, nullptr});
    register_type(L, {kIpMeta, ip_methods, destroy<IpObject>, guarded<ip_tostring>, guarded<ip_equal>, nullptr});
}

AiObject* push_ai(lua_State* L) {
    auto* ai = new (lua_newuserdata(L, sizeof(AiObject))) AiObject;
    luaL_setmetatable(L, kAiMeta);
    return ai;
}

SaObject* push_sa(lua_State* L) {
    auto* sa = new (lua_newuserdata(L, sizeof(SaObject))) SaObject;
    luaL_setmetatable(L, kSaMeta);
    return sa;
}

bool is_address_object(lua_State* L, int index) {
    return luaL_testudata(L, index, kAiMeta) || luaL_testudata(L, index, kSaMeta);
}

AiObject* ai_at(lua_State* L, int index) { return static_cast<AiObject*>(lua_touserdata(L, index)); }

std::size_t candidate_count(const AiObject* ai) { return ai->list ? ai->list->size() - ai->index : 0; }

const Address& candidate(const AiObject* ai, std::size_t n) { return (*ai->list)[ai->index + n].address; }

const char* family_name(Family family) {
    switch (family) {
        case Family::Inet: return "inet";
        case Family::Inet6: return "inet6";
        case Family::Unix: return "unix";
        default: return "unspec";
    }
}

}  // namespace lsock::lua::sock
