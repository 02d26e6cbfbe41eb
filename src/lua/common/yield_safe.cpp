#include "lua/common/yield_safe.hpp"

#include <initializer_list>

// Lua 5.1 proper (LuaJIT yields across its own pcall).
#if LSOCK_LUA_TRAMPOLINE && !defined(LUAJIT_VERSION)
#define LSOCK_COROUTINE_PCALL 1
#else
#define LSOCK_COROUTINE_PCALL 0
#endif

namespace lsock::lua {

#if LSOCK_COROUTINE_PCALL

namespace {

// Registry keys: the link table (weak keys: a coroutine of pcall -> the
// coroutine that called pcall, or true for the main thread) and the chunk's
// two functions.
char links_key;
char calls_key;

// A chain of links cannot be longer than Lua's C-call limit (each link is a
// running resume); a longer walk met a stale cycle.
constexpr int kMaxChain = 256;

// pcall and xpcall over a coroutine, the way lua-coxpcall does it: yields of
// the function go on to the caller's resumer and what it resumes with comes
// back; the error handler runs once the function's coroutine is dead, in
// the caller (its traceback is the caller's). 5.1's coroutine.create takes
// only Lua functions: a C function or a callable table runs inside one (a C
// function that returns lua_yield, as coroutine.wrap's, yields through it);
// what cannot be called goes to the base pcall, for its error message.
const char kCalls[] =
    "local create, resume, yield, status, running, base_pcall, type, links, is_lua, callable = ...\n"
    "local function settle(co, ok, ...)\n"
    "  if status(co) ~= 'dead' then return settle(co, resume(co, yield(...))) end\n"
    "  links[co] = nil\n"
    "  return ok, ...\n"
    "end\n"
    "local function pcall(f, ...)\n"
    "  if not is_lua(f) then\n"
    "    if not callable(f) then return base_pcall(f, ...) end\n"
    "    local c = f\n"
    "    f = function(...) return c(...) end\n"
    "  end\n"
    "  local co = create(f)\n"
    "  links[co] = running() or true\n"
    "  return settle(co, resume(co, ...))\n"
    "end\n"
    "local function handled(handler, ok, ...)\n"
    "  if ok then return true, ... end\n"
    "  local fine, result = base_pcall(handler, (...))\n"
    "  if not fine then return false, 'error in error handling' end\n"
    "  return false, result\n"
    "end\n"
    "local function xpcall(f, handler, ...)\n"
    "  return handled(handler, pcall(f, ...))\n"
    "end\n"
    "return pcall, xpcall\n";

void push_links(lua_State* L) {
    lua_rawgetp(L, LUA_REGISTRYINDEX, &links_key);
    if (!lua_isnil(L, -1)) return;
    lua_pop(L, 1);
    lua_newtable(L);
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &links_key);
}

int is_lua_function(lua_State* L) {
    lua_pushboolean(L, lua_type(L, 1) == LUA_TFUNCTION && !lua_iscfunction(L, 1));
    return 1;
}

// A function, or a value with a __call metamethod.
int is_callable(lua_State* L) {
    lua_pushboolean(L, lua_type(L, 1) == LUA_TFUNCTION || luaL_getmetafield(L, 1, "__call"));
    return 1;
}

// Pushes the calls table {pcall, xpcall}, made once per state.
void push_calls(lua_State* L) {
    lua_rawgetp(L, LUA_REGISTRYINDEX, &calls_key);
    if (!lua_isnil(L, -1)) return;
    lua_pop(L, 1);
    if (luaL_loadbuffer(L, kCalls, sizeof kCalls - 1, "=lsock.pcall") != 0) lua_error(L);
    lua_getglobal(L, "coroutine");
    int coroutine = lua_gettop(L);
    for (const char* name : {"create", "resume", "yield", "status", "running"}) lua_getfield(L, coroutine, name);
    lua_remove(L, coroutine);
    lua_getglobal(L, "pcall");
    lua_getglobal(L, "type");
    push_links(L);
    lua_pushcfunction(L, is_lua_function);
    lua_pushcfunction(L, is_callable);
    lua_call(L, 10, 2);
    lua_createtable(L, 2, 0);
    lua_insert(L, -3);
    lua_rawseti(L, -3, 2);
    lua_rawseti(L, -2, 1);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &calls_key);
}

}  // namespace

void set_yield_safe_calls(lua_State* L) {
    push_calls(L);
    lua_rawgeti(L, -1, 1);
    lua_setfield(L, -3, "pcall");
    lua_rawgeti(L, -1, 2);
    lua_setfield(L, -3, "xpcall");
    lua_pop(L, 1);
}

void replace_by_yield_link(lua_State* L) {
    lua_rawgetp(L, LUA_REGISTRYINDEX, &links_key);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushnil(L);
        lua_replace(L, -2);
        return;
    }
    lua_insert(L, -2);
    lua_rawget(L, -2);
    lua_remove(L, -2);
}

lua_State* yield_root(lua_State* L) {
    lua_pushthread(L);
    lua_State* root = nullptr;
    for (int step = 0; step < kMaxChain; ++step) {
        lua_State* at = lua_tothread(L, -1);
        replace_by_yield_link(L);
        if (lua_isthread(L, -1)) continue;
        if (lua_isnil(L, -1)) root = at;  // true: the chain began in the main thread
        break;
    }
    lua_pop(L, 1);
    return root;
}

#else

void set_yield_safe_calls(lua_State* L) {
    lua_getglobal(L, "pcall");
    lua_setfield(L, -2, "pcall");
    lua_getglobal(L, "xpcall");
    lua_setfield(L, -2, "xpcall");
}

void replace_by_yield_link(lua_State* L) {
    lua_pushnil(L);
    lua_replace(L, -2);
}

lua_State* yield_root(lua_State* L) { return L; }

#endif

bool runs_in_main_thread(lua_State* L) {
    bool main = lua_pushthread(L);
    lua_pop(L, 1);
    return main || !yield_root(L);
}

}  // namespace lsock::lua
