#include "lua/sock/sock_cdata.hpp"

#if defined(LUAJIT_VERSION)

#include <cmath>
#include <cstdint>

namespace lsock::lua::sock {

namespace {

// address_of(p) -> address, read_only | false, ctype name
//
// ffi.cast("const char *", p) is the data address of an array (and of a
// reference to one, e.g. a struct's array field) and the value of a
// pointer; the ctype's name says which kind p is (LuaJIT writes pointers as
// "T *" and arrays as "T [n]", "T [?]", "T (&)[n]"). Function pointers
// ("void (*)()") end in ")", and numbers, structs and functions in neither,
// so they are refused. The kind is kept per ctype id; the address is exact
// as a Lua number below 2^53 (every user-space address today), and refused
// above rather than rounded.
const char kAddressOf[] =
    "local ffi, tostring, tonumber = ...\n"
    "local typeof, cast = ffi.typeof, ffi.cast\n"
    "local uintptr, bytes = typeof('uintptr_t'), typeof('const char *')\n"
    "local exact = 2^53\n"
    "local kinds = {}\n"  // ctype id -> 1 (bytes), 2 (read-only bytes) or false
    "local function name_of(ct) local s = tostring(ct) return s:match('^ctype<(.*)>$') or s end\n"
    "local function kind_of(name)\n"
    "  local bare = name:gsub('[ ]*const$', ''):gsub('[ ]*volatile$', '')\n"  // a const pointer itself
    "  local last = bare:sub(-1)\n"
    "  if last ~= '*' and last ~= ']' then return false end\n"
    // The pointee is const when the name starts so and no second level of
    // pointer follows ("const char **" points to writable pointers).
    "  local _, stars = bare:gsub('%*', '')\n"
    "  if bare:find('^const ') and stars <= 1 then return 2 end\n"
    "  return 1\n"
    "end\n"
    "return function(p)\n"
    "  local ct = typeof(p)\n"
    "  local id = tonumber(ct)\n"
    "  local kind = kinds[id]\n"
    "  if kind == nil then kind = kind_of(name_of(ct)) kinds[id] = kind end\n"
    "  if not kind then return false, false, name_of(ct) end\n"
    "  local address = cast(uintptr, cast(bytes, p))\n"
    "  if address >= exact then return false, false, 'an address at or above 2^53' end\n"
    "  return tonumber(address), kind == 2, name_of(ct)\n"
    "end\n";

char address_of_key;

void push_address_of(lua_State* L) {
    lua_rawgetp(L, LUA_REGISTRYINDEX, &address_of_key);
    if (!lua_isnil(L, -1)) return;
    lua_pop(L, 1);
    if (luaL_loadbuffer(L, kAddressOf, sizeof kAddressOf - 1, "=lsock.cdata") != 0) lua_error(L);
    // A cdata exists, so ffi is loaded (package.loaded, in the registry).
    lua_getfield(L, LUA_REGISTRYINDEX, "_LOADED");
    lua_getfield(L, -1, "ffi");
    lua_remove(L, -2);
    if (lua_isnil(L, -1)) luaL_error(L, "lsock: a cdata without the ffi module loaded");
    lua_getglobal(L, "tostring");
    lua_getglobal(L, "tonumber");
    lua_call(L, 3, 1);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &address_of_key);
}

// Runs address_of on the value at `index`; leaves its three results on
// the stack.
void push_address(lua_State* L, int index) {
    index = lua_absindex(L, index);
    push_address_of(L);
    lua_pushvalue(L, index);
    lua_call(L, 1, 3);
}

char* to_pointer(lua_Number address) {
    return reinterpret_cast<char*>(static_cast<std::uintptr_t>(address));
}

// Nothing is mapped below this (Linux's vm.mmap_min_addr is at least a page).
constexpr std::uintptr_t kFirstPage = 4096;

// Past this a length is no longer exact as a Lua number.
constexpr lua_Number kLargestLength = 9007199254740992.0;  // 2^53

std::size_t check_cdata_length(lua_State* L, int length_index, bool writable) {
    if (lua_type(L, length_index) != LUA_TNUMBER) {
        const char* got = luaL_typename(L, length_index);
        luaL_argerror(L, length_index, lua_pushfstring(L, "length (a number) required with a cdata, got %s", got));
    }
    lua_Number length = lua_tonumber(L, length_index);
    luaL_argcheck(L, !std::isnan(length), length_index, "length is NaN");
    luaL_argcheck(L, length >= 0, length_index, "length must not be negative");
    luaL_argcheck(L, length == std::floor(length), length_index, "length must be a whole number");
    luaL_argcheck(L, length <= kLargestLength, length_index, "length too large (at most 2^53)");
    luaL_argcheck(L, !writable || length > 0, length_index, "length must be positive");
    return static_cast<std::size_t>(length);
}

}  // namespace

char* check_cdata_bytes(lua_State* L, int index, int length_index, bool writable, std::size_t* size) {
    push_address(L, index);
    if (!lua_toboolean(L, -3)) {
        const char* what = lua_tostring(L, -1);
        luaL_argerror(L, index, lua_pushfstring(L, "cdata pointer or array expected, got %s", what));
    }
    if (writable && lua_toboolean(L, -2)) {
        const char* what = lua_tostring(L, -1);
        luaL_argerror(L, index, lua_pushfstring(L, "a cdata to receive into must not be const, got %s", what));
    }
    char* address = to_pointer(lua_tonumber(L, -3));
    lua_pop(L, 3);
    *size = check_cdata_length(L, length_index, writable);
    // NULL, and NULL plus an offset (a struct field of a NULL pointer): no
    // memory is ever mapped in the first page, so such a pointer is a bug
    // on the caller's side, not an address.
    bool near_null = reinterpret_cast<std::uintptr_t>(address) < kFirstPage;
    luaL_argcheck(L, !near_null || *size == 0, index, "NULL cdata pointer with a non-zero length");
    return address;
}

char* cdata_address(lua_State* L, int index) {
    push_address(L, index);
    char* address = to_pointer(lua_tonumber(L, -3));
    lua_pop(L, 3);
    return address;
}

}  // namespace lsock::lua::sock

#endif
