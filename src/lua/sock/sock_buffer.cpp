#include "lua/sock/sock_buffer.hpp"

#include <cstddef>
#include <cstring>

#include "lua/common/guard.hpp"
#include "lua/common/trampoline.hpp"
#include "lua/common/types.hpp"
#include "lua/sock/sock_cdata.hpp"
#include "lua/sock/sock_module.hpp"

namespace lsock::lua::sock {

namespace {

// The userdata is the header followed by the bytes.
struct BufferObject {
    std::size_t capacity;
};

// Large enough for anything a socket call takes at once; keeps sizes in
// lua_Integer range and a typo like sock.buffer(1e12) a clear error.
constexpr lua_Integer kLargestBuffer = lua_Integer(1) << 31;

char* bytes_of(BufferObject* buffer) { return reinterpret_cast<char*>(buffer) + sizeof(BufferObject); }

extern const TypeSpec kBufferType;

BufferObject* test_buffer(lua_State* L, int index) { return static_cast<BufferObject*>(test_type(L, index, kBufferType)); }

BufferObject* check_buffer(lua_State* L, int index) {
    return static_cast<BufferObject*>(check_type(L, index, kBufferType));
}

// The same against the buffer metatable at `meta_index` (an upvalue).
BufferObject* test_buffer_with(lua_State* L, int index, int meta_index) {
    return static_cast<BufferObject*>(test_metatable(L, index, meta_index));
}

int sock_buffer(lua_State* L) {
    lua_Integer size = luaL_checkinteger(L, 1);
    luaL_argcheck(L, size >= 0, 1, "size must not be negative");
    luaL_argcheck(L, size <= kLargestBuffer, 1, "size too large (at most 2^31 bytes)");
    auto* buffer = static_cast<BufferObject*>(lua_newuserdata(L, sizeof(BufferObject) + std::size_t(size)));
    buffer->capacity = std::size_t(size);
    std::memset(bytes_of(buffer), 0, std::size_t(size));
    set_type(L, kBufferType);
    return 1;
}

int buffer_len(lua_State* L) {
    BufferObject* buffer = test_buffer_with(L, 1, lua_upvalueindex(1));
    if (!buffer) buffer = check_buffer(L, 1);  // raises
    lua_pushinteger(L, lua_Integer(buffer->capacity));
    return 1;
}

// buf:tostring([len[, offset=0]]): a copy of bytes [offset, offset+len).
// Upvalue 1 is the buffer metatable: the check needs no registry lookup.
int buffer_tostring(lua_State* L) {
    BufferObject* buffer = test_buffer_with(L, 1, lua_upvalueindex(1));
    if (!buffer) buffer = check_buffer(L, 1);  // raises
    lua_Integer capacity = lua_Integer(buffer->capacity);
    lua_Integer offset = luaL_optinteger(L, 3, 0);
    luaL_argcheck(L, offset >= 0 && offset <= capacity, 3, "offset outside the buffer");
    lua_Integer length = lua_isnoneornil(L, 2) ? capacity - offset : luaL_checkinteger(L, 2);
    luaL_argcheck(L, length >= 0, 2, "length must not be negative");
    luaL_argcheck(L, length <= capacity - offset, 2, "length runs past the end of the buffer");
    lua_pushlstring(L, bytes_of(buffer) + offset, std::size_t(length));
    return 1;
}

int buffer_name(lua_State* L) {
    auto* buffer = check_buffer(L, 1);
    lua_pushfstring(L, "<sock.buffer: %d bytes>", int(buffer->capacity));
    return 1;
}

// tostring and __len check against the metatable (their upvalue): no
// lookup. The metatable is at -2, the method table at -1.
void add_methods(lua_State* L) {
    static const luaL_Reg methods[] = {
        {"tostring", guarded<buffer_tostring>},
        {nullptr, nullptr},
    };
    lua_pushvalue(L, -2);
    set_methods(L, methods, 1);
    lua_pushvalue(L, -2);
    lua_pushcclosure(L, guarded<buffer_len>, 1);
    lua_setfield(L, -3, "__len");
}

const TypeSpec kBufferType{"lsock.sock.buffer", "sock.buffer", nullptr, nullptr, guarded<buffer_name>,
                           nullptr, nullptr, nullptr, add_methods};

}  // namespace

void push_buffer_metatable(lua_State* L) { lua_rawgetp(L, LUA_REGISTRYINDEX, &kBufferType); }

const char* check_bytes(lua_State* L, int index, int length_index, std::size_t* size, int meta_index) {
    const char* data = nullptr;
    std::size_t available = 0;
    if (BufferObject* buffer = meta_index ? test_buffer_with(L, index, meta_index) : test_buffer(L, index)) {
        data = bytes_of(buffer);
        available = buffer->capacity;
    } else if (lua_type(L, index) == LUA_TSTRING) {
        data = lua_tolstring(L, index, &available);
#if defined(LUAJIT_VERSION)
    } else if (is_cdata(L, index)) {
        // After the string and buffer checks: they pay nothing for it.
        return check_cdata_bytes(L, index, length_index, false, size);
    } else {
        const char* got = luaL_typename(L, index);
        luaL_argerror(L, index, lua_pushfstring(L, "string or sock.buffer (or a cdata pointer or array) expected, got %s", got));
#else
    } else {
        const char* got = luaL_typename(L, index);
        luaL_argerror(L, index, lua_pushfstring(L, "string or sock.buffer expected, got %s", got));
#endif
    }
    *size = available;
    if (!lua_isnoneornil(L, length_index)) {
        lua_Integer length = luaL_checkinteger(L, length_index);
        luaL_argcheck(L, length >= 0, length_index, "length must not be negative");
        luaL_argcheck(L, std::size_t(length) <= available, length_index, "length is more than the data holds");
        *size = std::size_t(length);
    }
    return data;
}

const char* bytes_at(lua_State* L, int index) {
    // check_bytes let only a buffer, a string (or on LuaJIT a cdata it
    // accepted) through: no check again.
    if (lua_type(L, index) == LUA_TUSERDATA) return bytes_of(static_cast<BufferObject*>(lua_touserdata(L, index)));
#if defined(LUAJIT_VERSION)
    if (is_cdata(L, index)) return cdata_address(L, index);
#endif
    return lua_tostring(L, index);
}

char* check_space(lua_State* L, int index, int length_index, std::size_t* size, int meta_index) {
    auto* buffer = meta_index ? test_buffer_with(L, index, meta_index) : test_buffer(L, index);
#if defined(LUAJIT_VERSION)
    if (!buffer) {
        if (is_cdata(L, index)) return check_cdata_bytes(L, index, length_index, true, size);
        const char* got = luaL_typename(L, index);
        luaL_argerror(L, index, lua_pushfstring(L, "sock.buffer (or a cdata pointer or array) expected, got %s", got));
        return nullptr;  // not reached: luaL_argerror raised
    }
#else
    if (!buffer) buffer = check_buffer(L, index);  // raises
#endif
    *size = buffer->capacity;
    if (!lua_isnoneornil(L, length_index)) {
        lua_Integer length = luaL_checkinteger(L, length_index);
        luaL_argcheck(L, length > 0, length_index, "length must be positive");
        luaL_argcheck(L, std::size_t(length) <= buffer->capacity, length_index, "length is more than the buffer holds");
        *size = std::size_t(length);
    }
    luaL_argcheck(L, *size > 0, index, "the buffer is empty (capacity 0)");
    return bytes_of(buffer);
}

char* space_at(lua_State* L, int index) {
#if defined(LUAJIT_VERSION)
    if (is_cdata(L, index)) return cdata_address(L, index);
#endif
    return bytes_of(static_cast<BufferObject*>(lua_touserdata(L, index)));
}

void register_buffer_functions(lua_State* L) {
    register_type(L, kBufferType);
    lua_pushcfunction(L, guarded<sock_buffer>);
    lua_setfield(L, -2, "buffer");
}

}  // namespace lsock::lua::sock
