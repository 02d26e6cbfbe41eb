#include "lua/common/types.hpp"

#include "lua/common/guard.hpp"
#include "lua/common/trampoline.hpp"

namespace lsock::lua {

namespace {

// The metatable of `spec` is kept in the registry under the spec's address
// too: a light userdata key is found without hashing a string.
void push_metatable(lua_State* L, const TypeSpec& spec) { lua_rawgetp(L, LUA_REGISTRYINDEX, &spec); }

// __gc as registered: upvalue 1 is the metatable, upvalue 2 the spec. The
// collector always passes a value of the type, but a script can call the
// function it finds with getmetatable(x).__gc(other): that must not destroy
// something that is not ours.
int checked_gc(lua_State* L) {
    auto* spec = static_cast<const TypeSpec*>(lua_touserdata(L, lua_upvalueindex(2)));
    if (!test_metatable(L, 1, lua_upvalueindex(1))) return type_error(L, 1, spec->name);
    return spec->gc(L);
}

void set_function(lua_State* L, const char* field, lua_CFunction function) {
    if (!function) return;
    lua_pushcfunction(L, function);
    lua_setfield(L, -2, field);
}

}  // namespace

void register_type(lua_State* L, const TypeSpec& spec) {
    // Registered only once complete: luaL_newmetatable would put an empty
    // table in the registry at once, and a memory error while filling it
    // would leave the type without __gc or __index for the life of the state
    // (the next call finds the name taken).
    luaL_getmetatable(L, spec.meta);
    bool known = !lua_isnil(L, -1);
    lua_pop(L, 1);
    if (known) return;
    lua_newtable(L);
    lua_pushstring(L, spec.name);
    lua_setfield(L, -2, "__name");
    if (spec.gc) {
        lua_pushvalue(L, -1);
        lua_pushlightuserdata(L, const_cast<TypeSpec*>(&spec));
        lua_pushcclosure(L, guarded<checked_gc>, 2);
        lua_setfield(L, -2, "__gc");
    }
    set_function(L, "__tostring", spec.tostring);
    set_function(L, "__eq", spec.eq);
    set_function(L, "__len", spec.len);
    lua_newtable(L);
    // Behind the trampoline on 5.1 and LuaJIT (a method may block).
    if (spec.methods) set_methods(L, spec.methods, 0);
    if (spec.extend) spec.extend(L);
    if (spec.index) {
        lua_setfield(L, -2, "methods");
        lua_pushcfunction(L, spec.index);
    }
    lua_setfield(L, -2, "__index");
    // Both keys, the name last: a failure before it registers nothing.
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &spec);
    lua_setfield(L, LUA_REGISTRYINDEX, spec.meta);
}

void* test_type(lua_State* L, int index, const TypeSpec& spec) {
    index = lua_absindex(L, index);  // callers may give -1
    push_metatable(L, spec);
    void* memory = test_metatable(L, index, lua_absindex(L, -1));
    lua_pop(L, 1);
    return memory;
}

void* check_type(lua_State* L, int index, const TypeSpec& spec) {
    void* memory = test_type(L, index, spec);
    if (!memory) type_error(L, index, spec.name);
    return memory;
}

int type_error(lua_State* L, int index, const char* expected) {
    const char* got = luaL_typename(L, index);
    return luaL_argerror(L, index, lua_pushfstring(L, "%s expected, got %s", expected, got));
}

void set_type(lua_State* L, const TypeSpec& spec) {
    push_metatable(L, spec);
    lua_setmetatable(L, -2);
}

}  // namespace lsock::lua
