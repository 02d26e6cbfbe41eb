#include "lua/netsim/netsim_live_trace.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "lua/netsim/netsim_objects.hpp"

namespace lsock::lua {

namespace {

void print_line(void*, const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); }

void queue_line(void* context, const std::string& line) {
    static_cast<WorldObject*>(context)->live_lines.push_back(line);
}

bool environment_asks() {
    const char* value = std::getenv("LSOCK_TRACE");
    return value && *value && std::strcmp(value, "0") != 0;
}

// The message handler of the delivery: the error with the trace function's traceback.
int with_traceback(lua_State* L) {
    luaL_traceback(L, L, luaL_tolstring(L, 1, nullptr), 1);
    return 1;
}

// Protected part of deliver_live_trace: [world]. Only the lines queued when
// it starts: a line the function itself causes (world:note) waits for the
// next delivery instead of feeding an endless loop.
int deliver_queued(lua_State* L) {
    WorldObject* world = world_at(L, 1);
    lua_getuservalue(L, 1);
    lua_getfield(L, -1, "trace");
    int function = lua_gettop(L);
    for (std::size_t n = world->live_lines.size(); n > 0 && !world->live_lines.empty(); --n) {
        lua_pushvalue(L, function);
        const std::string& line = world->live_lines.front();
        lua_pushlstring(L, line.data(), line.size());
        world->live_lines.pop_front();
        lua_call(L, 1, 0);
    }
    return 0;
}

}  // namespace

void check_trace_option(lua_State* L, int index) {
    int type = lua_type(L, index);
    if (type != LUA_TNIL && type != LUA_TBOOLEAN && type != LUA_TFUNCTION) {
        luaL_error(L, "netsim.world: trace must be true, false or a function, got %s", luaL_typename(L, index));
    }
}

void attach_live_trace(lua_State* L, int option_index, int world_index) {
    WorldObject* world = world_at(L, world_index);
    sim::Trace& trace = world->world.trace();
    if (lua_isfunction(L, option_index)) {
        lua_getuservalue(L, world_index);
        lua_pushvalue(L, option_index);
        lua_setfield(L, -2, "trace");
        lua_pop(L, 1);
        trace.set_listener(queue_line, world);
    } else if (lua_toboolean(L, option_index) || (lua_isnil(L, option_index) && environment_asks())) {
        trace.set_listener(print_line, nullptr);
    }
}

bool traces_to_function(lua_State* L, int world_index) {
    lua_getuservalue(L, world_index);
    lua_getfield(L, -1, "trace");
    bool function = lua_isfunction(L, -1);
    lua_pop(L, 2);
    return function;
}

bool deliver_live_trace(lua_State* L, int world_index) {
    WorldObject* world = world_at(L, world_index);
    if (world->live_lines.empty()) return true;
    world_index = lua_absindex(L, world_index);
    if (!lua_checkstack(L, 3)) return true;  // the lines wait for the next delivery
    lua_pushcfunction(L, with_traceback);
    lua_pushcfunction(L, deliver_queued);
    lua_pushvalue(L, world_index);
    if (lua_pcall(L, 1, 0, -3) == LUA_OK) {
        lua_pop(L, 1);
        return true;
    }
    world->live_lines.clear();
    lua_remove(L, -2);
    return false;
}

}  // namespace lsock::lua
