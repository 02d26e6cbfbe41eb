#include "lua/common/trampoline.hpp"

#if LSOCK_LUA_TRAMPOLINE

#include <cctype>
#include <cstring>
#include <string>

namespace lsock::lua {

namespace {

// The marker: a light userdata no Lua code can make.
char marker;
// Registry keys: the trampoline maker for each name, `settle`, and pcall.
char makers_key;
char settle_key;
char base_pcall_key;

// settle(name, method, ...): passes a C function's results through, or
// yields what its marker form says and settles what resume(frame) gives. A
// tail call each time, so a call that waits many times does not grow the
// stack.
// The C function runs under pcall, so that its argument errors can say
// what they would say had it been called directly: called by pcall, it has
// no name ('?') and no method call, and a call through the trampoline would
// name the trampoline. Other errors go on as they are. The C function never
// yields (it returns the marker): the yield is settle's, outside the pcall,
// so this holds on 5.1 too, which cannot yield across pcall.
const char kSettle[] =
    "local marker, yield, select, pcall, error, type = ...\n"
    "local function raise(name, method, err)\n"
    "  local n, rest\n"
    "  if type(err) == 'string' then n, rest = err:match('^bad argument #(%d+) to \\'%?\\' (.*)$') end\n"
    "  if not n then error(err, 0) end\n"
    "  if method and n == '1' then\n"
    "    err = \"calling '\" .. name .. \"' on bad self \" .. rest\n"
    "  else\n"
    "    err = 'bad argument #' .. (method and n - 1 or n) .. \" to '\" .. name .. \"' \" .. rest\n"
    "  end\n"
    "  error(err, 3)\n"  // 1 raise, 2 settle, 3 the caller (a tail call ran settle)
    "end\n"
    "local function settle(name, method, ok, ...)\n"
    "  if not ok then raise(name, method, ...) end\n"
    "  local mark, resume, frame = ...\n"
    "  if mark ~= marker then return ... end\n"
    "  yield(select(4, ...))\n"
    "  return settle(name, method, pcall(resume, frame))\n"
    "end\n"
    "return settle\n";

// The global pcall as it was when the first module loaded, kept: a 5.1
// program may later set the global to the modules' own (yield_safe.hpp),
// which the trampolines of a module made after that must not call.
void push_base_pcall(lua_State* L) {
    lua_rawgetp(L, LUA_REGISTRYINDEX, &base_pcall_key);
    if (!lua_isnil(L, -1)) return;
    lua_pop(L, 1);
    lua_getglobal(L, "pcall");
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &base_pcall_key);
}

void push_settle(lua_State* L) {
    lua_rawgetp(L, LUA_REGISTRYINDEX, &settle_key);
    if (!lua_isnil(L, -1)) return;
    lua_pop(L, 1);
    if (luaL_loadbuffer(L, kSettle, sizeof kSettle - 1, "=lsock.trampoline") != 0) lua_error(L);
    lua_pushlightuserdata(L, &marker);
    lua_getglobal(L, "coroutine");
    lua_getfield(L, -1, "yield");
    lua_remove(L, -2);
    lua_getglobal(L, "select");
    push_base_pcall(L);
    lua_getglobal(L, "error");
    lua_getglobal(L, "type");
    lua_call(L, 6, 1);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &settle_key);
}

// The trampoline's local that holds the C function carries the function's
// name, because that is what 5.1's and LuaJIT's luaL_argerror name: "bad
// argument #1 to 'send'". The C function is upvalue 1 (push_c_function).
bool is_identifier(const char* name) {
    if (!*name || std::isdigit(static_cast<unsigned char>(*name))) return false;
    for (const char* c = name; *c; ++c) {
        if (!std::isalnum(static_cast<unsigned char>(*c)) && *c != '_') return false;
    }
    return true;
}

// Pushes the maker for `name`: function(c, settle, pcall) returning the
// trampoline of the C function c, a method or not. One chunk per name and
// kind, kept in a registry table.
void push_maker(lua_State* L, const char* name, bool method) {
    if (!is_identifier(name)) name = "f";
    lua_rawgetp(L, LUA_REGISTRYINDEX, &makers_key);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_rawsetp(L, LUA_REGISTRYINDEX, &makers_key);
    }
    std::string key = std::string(method ? ":" : ".") + name;
    lua_getfield(L, -1, key.c_str());
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        std::string code = "local c, settle, pcall = ...\nreturn function(...)\n  local ";
        code += name;
        code += " = c\n";
        code += "  return settle('" + std::string(name) + "', " + (method ? "true" : "false") + ", pcall(" + name +
                ", ...))\n";
        code += "end\n";
        if (luaL_loadbuffer(L, code.data(), code.size(), "=lsock.trampoline") != 0) lua_error(L);
        lua_pushvalue(L, -1);
        lua_setfield(L, -3, key.c_str());
    }
    lua_remove(L, -2);
}

void push_trampoline(lua_State* L, lua_CFunction function, int nup, const char* name, bool method) {
    lua_pushcclosure(L, function, nup);
    push_maker(L, name, method);
    lua_insert(L, -2);
    push_settle(L);
    push_base_pcall(L);
    lua_call(L, 3, 1);
}

void set_trampolines(lua_State* L, const luaL_Reg* functions, int nup, bool methods) {
    luaL_checkstack(L, nup + LUA_MINSTACK, "too many upvalues");
    for (; functions->name; ++functions) {
        for (int up = 0; up < nup; ++up) lua_pushvalue(L, -nup);
        push_trampoline(L, functions->func, nup, functions->name, methods);
        lua_setfield(L, -(nup + 2), functions->name);
    }
    lua_pop(L, nup);
}

}  // namespace

int trampoline_yield(lua_State* L, int nresults, int context, lua_CFunction resume) {
    int frame = lua_gettop(L) - nresults;
    luaL_checkstack(L, LUA_MINSTACK, "lsock: yield");
    // The frame: the stack below the yielded values, its size at [0] and
    // the context at [-1].
    lua_createtable(L, frame, 2);
    for (int slot = 1; slot <= frame; ++slot) {
        lua_pushvalue(L, slot);
        lua_rawseti(L, -2, slot);
    }
    lua_pushinteger(L, frame);
    lua_rawseti(L, -2, 0);
    lua_pushinteger(L, context);
    lua_rawseti(L, -2, -1);
    // resume: the running function's upvalues, which the continuation reads
    // as the original did.
    lua_Debug here;
    if (!lua_getstack(L, 0, &here) || !lua_getinfo(L, "fu", &here)) return luaL_error(L, "lsock: yield outside a call");
    int function = lua_gettop(L);
    luaL_checkstack(L, here.nups + LUA_MINSTACK, "lsock: yield");
    for (int up = 1; up <= here.nups; ++up) lua_getupvalue(L, function, up);
    lua_pushcclosure(L, resume, here.nups);
    lua_remove(L, function);
    // marker, resume, frame, then the yielded values.
    lua_pushlightuserdata(L, &marker);
    lua_insert(L, frame + 1);
    lua_insert(L, frame + 2);
    lua_insert(L, frame + 3);
    return nresults + 3;
}

int resume_context(lua_State* L) {
    lua_settop(L, 1);
    lua_rawgeti(L, 1, 0);
    int frame = static_cast<int>(lua_tointeger(L, -1));
    lua_rawgeti(L, 1, -1);
    int context = static_cast<int>(lua_tointeger(L, -1));
    lua_pop(L, 2);
    luaL_checkstack(L, frame + LUA_MINSTACK, "lsock: resume");
    for (int slot = 1; slot <= frame; ++slot) lua_rawgeti(L, 1, slot);
    lua_remove(L, 1);
    return context;
}

void push_function(lua_State* L, lua_CFunction function, int nup, const char* name) {
    push_trampoline(L, function, nup, name, false);
}

void set_functions(lua_State* L, const luaL_Reg* functions, int nup) { set_trampolines(L, functions, nup, false); }

void set_methods(lua_State* L, const luaL_Reg* methods, int nup) { set_trampolines(L, methods, nup, true); }

bool is_yield(lua_State* L, int results) {
    return results >= 3 && lua_touserdata(L, -results) == &marker;
}

void push_c_function(lua_State* L, int index) {
    if (lua_iscfunction(L, index)) {
        lua_pushvalue(L, index);
        return;
    }
    lua_getupvalue(L, index, 1);
}

}  // namespace lsock::lua

#endif
