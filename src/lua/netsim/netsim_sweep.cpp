// netsim.sweep(scenario, {seeds = n, first = s, determinism = bool}): the
// in-process form of tools/netsim-sweep. Calls scenario(seed) for each seed
// (protected), and with `determinism` calls it twice and compares the trace
// hashes of the worlds it returns. Answers a report:
//   { passed = n, failed = m, failures = { {seed = s, error = "..."}, ... } }
// in seed order. Only Lua values live across the calls: a scenario's error
// (or a memory error) unwinds through here without leaking anything.
#include "lua/common/lua_api.hpp"

#include "lua/common/guard.hpp"
#include "lua/common/types.hpp"
#include "lua/netsim/netsim_objects.hpp"
#include "lua/netsim/netsim_options.hpp"

namespace lsock::lua {
namespace {

constexpr lua_Number kSeedLimit = 9007199254740992.0;  // 2^53, as netsim.world's seeds
constexpr lua_Number kMostSeeds = 1000000;

// The whole number in field `field` of the options at 2, in [low, high].
lua_Number whole_option(lua_State* L, const char* field, lua_Number fallback, lua_Number low, lua_Number high) {
    lua_getfield(L, 2, field);
    lua_Number value = fallback;
    if (!lua_isnil(L, -1)) {
        value = lua_type(L, -1) == LUA_TNUMBER ? lua_tonumber(L, -1) : -1;
        if (!(value >= low && value <= high && value == lua_Number(static_cast<long long>(value)))) {
            const char* got = lua_type(L, -1) == LUA_TNUMBER ? lua_tostring(L, -1) : luaL_typename(L, -1);
            // The bounds as Lua writes whole numbers: "[1, 1000000]", not
            // "[1.0, 1000000.0]" on 5.3+ (where %f would add the ".0").
            lua_pushinteger(L, static_cast<lua_Integer>(low));
            lua_pushinteger(L, static_cast<lua_Integer>(high));
            luaL_error(L, "netsim.sweep: %s must be a whole number in [%s, %s], got %s", field,
                       lua_tostring(L, -2), lua_tostring(L, -1), got);
        }
    }
    lua_pop(L, 1);
    return value;
}

// Calls the scenario at 1 with `seed`. Leaves its first result and returns
// true, or leaves the error as a string and returns false.
bool call_scenario(lua_State* L, lua_Number seed) {
    lua_pushvalue(L, 1);
    lua_pushnumber(L, seed);
    if (lua_pcall(L, 1, 1, 0) == LUA_OK) return true;
    if (!lua_isstring(L, -1)) {
        lua_pop(L, 1);
        lua_pushliteral(L, "(an error object that is not a string)");
    }
    return false;
}

// The trace hash of the world on top (popped), pushed as a string; false
// with an explanation pushed when the top is not a world.
bool take_trace_hash(lua_State* L) {
    if (!test_type(L, -1, kWorldType)) {
        lua_pop(L, 1);
        lua_pushliteral(L, "the scenario must return its world for the determinism check");
        return false;
    }
    lua_getfield(L, -1, "trace_hash");
    lua_insert(L, -2);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK) return false;  // e.g. a finalized world: its message
    return true;
}

// One seed: pushes nothing and returns true when it passed, or pushes why
// it did not and returns false.
bool run_seed(lua_State* L, lua_Number seed, bool determinism) {
    if (!call_scenario(L, seed)) return false;
    if (!determinism) {
        lua_pop(L, 1);
        return true;
    }
    if (!take_trace_hash(L)) return false;
    if (!call_scenario(L, seed)) {
        lua_remove(L, -2);
        lua_pushfstring(L, "failed on the second run only: %s", lua_tostring(L, -1));
        lua_remove(L, -2);
        return false;
    }
    if (!take_trace_hash(L)) {
        lua_remove(L, -2);
        return false;
    }
    if (lua_rawequal(L, -1, -2)) {
        lua_pop(L, 2);
        return true;
    }
    lua_pushfstring(L, "nondeterministic: trace hash %s, then %s", lua_tostring(L, -2), lua_tostring(L, -1));
    lua_remove(L, -2);
    lua_remove(L, -2);
    return false;
}

int sweep(lua_State* L) {
    luaL_checktype(L, 1, LUA_TFUNCTION);
    if (lua_isnoneornil(L, 2)) {
        lua_settop(L, 1);
        lua_newtable(L);
    }
    luaL_checktype(L, 2, LUA_TTABLE);
    static const char* const options[] = {"seeds", "first", "determinism", nullptr};
    check_option_names(L, 2, "netsim.sweep", "sweep option", options);
    lua_settop(L, 2);
    lua_Number seeds = whole_option(L, "seeds", 100, 1, kMostSeeds);
    lua_Number first = whole_option(L, "first", 1, 0, kSeedLimit - seeds);
    lua_getfield(L, 2, "determinism");
    bool determinism = check_boolean_option(L, -1, "netsim.sweep", "determinism");
    lua_settop(L, 2);
    lua_newtable(L);  // 3: failures
    int failed = 0;
    for (lua_Number i = 0; i < seeds; ++i) {
        lua_Number seed = first + i;
        if (run_seed(L, seed, determinism)) continue;
        lua_createtable(L, 0, 2);
        lua_pushnumber(L, seed);
        lua_setfield(L, -2, "seed");
        lua_insert(L, -2);
        lua_setfield(L, -2, "error");
        lua_rawseti(L, 3, ++failed);
    }
    lua_createtable(L, 0, 3);
    lua_pushnumber(L, seeds - failed);
    lua_setfield(L, -2, "passed");
    lua_pushnumber(L, failed);
    lua_setfield(L, -2, "failed");
    lua_pushvalue(L, 3);
    lua_setfield(L, -2, "failures");
    return 1;
}

}  // namespace

void register_sweep(lua_State* L) {
    lua_pushcfunction(L, guarded<sweep>);
    lua_setfield(L, -2, "sweep");
}

}  // namespace lsock::lua
