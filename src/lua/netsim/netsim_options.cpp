#include "lua/netsim/netsim_options.hpp"

#include <cmath>
#include <cstring>

namespace lsock::lua {

namespace {

// "latency, jitter, bandwidth" on the Lua stack.
void push_name_list(lua_State* L, const char* const* names) {
    luaL_Buffer list;
    luaL_buffinit(L, &list);
    for (const char* const* name = names; *name; ++name) {
        if (name != names) luaL_addstring(&list, ", ");
        luaL_addstring(&list, *name);
    }
    luaL_pushresult(&list);
}

bool is_listed(const char* key, const char* const* names) {
    for (const char* const* name = names; *name; ++name) {
        if (std::strcmp(key, *name) == 0) return true;
    }
    return false;
}

}  // namespace

void check_option_names(lua_State* L, int index, const char* call, const char* what,
                        const char* const* names) {
    index = lua_absindex(L, index);
    lua_pushnil(L);
    while (lua_next(L, index)) {
        lua_pop(L, 1);
        // lua_tostring on a number key would change it under lua_next.
        bool named = lua_type(L, -1) == LUA_TSTRING;
        if (!named || !is_listed(lua_tostring(L, -1), names)) {
            if (named) {
                lua_pushfstring(L, "'%s'", lua_tostring(L, -1));
            } else {
                lua_pushfstring(L, "[%s]", luaL_tolstring(L, -1, nullptr));
            }
            push_name_list(L, names);
            luaL_error(L, "%s: unknown %s %s (%s)", call, what, lua_tostring(L, -2), lua_tostring(L, -1));
        }
    }
}

lua_Number check_number_option(lua_State* L, int index, const char* call, const char* field,
                               NumberRange range) {
    const char* expected = range == NumberRange::Probability ? "a number in [0, 1]" : "a finite number >= 0";
    if (!lua_isnumber(L, index)) {
        luaL_error(L, "%s: %s must be %s, got %s", call, field, expected, luaL_typename(L, index));
    }
    lua_Number value = lua_tonumber(L, index);
    bool fits = range == NumberRange::Probability ? value >= 0 && value <= 1 : value >= 0 && std::isfinite(value);
    // The value as Lua writes it: on 5.3+ an integer stays "2", not "2.0".
    if (!fits) luaL_error(L, "%s: %s must be %s, got %s", call, field, expected, luaL_tolstring(L, index, nullptr));
    return value;
}

bool check_boolean_option(lua_State* L, int index, const char* call, const char* field) {
    if (!lua_isnil(L, index) && !lua_isboolean(L, index)) {
        luaL_error(L, "%s: %s must be a boolean, got %s", call, field, luaL_typename(L, index));
    }
    return lua_toboolean(L, index);
}

}  // namespace lsock::lua
