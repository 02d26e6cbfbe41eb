#include "lua/common/errors.hpp"

#include <cerrno>
#include "core/step.hpp"
#include "lua/common/text.hpp"

namespace lsock::lua {

namespace {

struct ErrorEntry {
    int error;
    const char* socket_message;  // null: the system's message
    const char* sock_name;       // null: the system's message
};

const ErrorEntry kErrors[] = {
    {kErrorTimeout, kTimeoutMessage, "timeout"},
    {ETIMEDOUT, kTimeoutMessage, "timeout"},
    {kErrorClosed, kClosedMessage, "closed"},
    {EPIPE, nullptr, "closed"},  // writing after the peer (or we) shut the stream
    {ECONNREFUSED, kRefusedMessage, "connection_refused"},
    {ECONNRESET, nullptr, "connection_reset"},
    {ECONNABORTED, nullptr, "connection_aborted"},
    {EADDRINUSE, nullptr, "address_already_in_use"},
    {EADDRNOTAVAIL, nullptr, "address_not_available"},
    {EACCES, nullptr, "access_denied"},
    {EPERM, nullptr, "access_denied"},
    {ENETUNREACH, nullptr, "network_unreachable"},
    {EHOSTUNREACH, nullptr, "host_unreachable"},
};

const ErrorEntry* entry_of(int error) {
    for (const ErrorEntry& entry : kErrors)
        if (entry.error == error) return &entry;
    return nullptr;
}

void push_system_message(lua_State* L, Os& os, int error) { push_text(L, system_message(os, error)); }

void push_resolve_message(lua_State* L, Os& os, ResolveError error) { push_text(L, resolve_message(os, error)); }

}  // namespace

const char* sock_error_name(int error) {
    const ErrorEntry* entry = entry_of(error);
    return entry ? entry->sock_name : nullptr;
}

int os_error_code(int error) {
    if (error == kErrorTimeout) return ETIMEDOUT;
    return error > 0 ? error : 0;
}

void push_socket_message(lua_State* L, Os& os, int error) {
    const ErrorEntry* entry = entry_of(error);
    if (entry && entry->socket_message) {
        lua_pushstring(L, entry->socket_message);
    } else {
        push_system_message(L, os, error);
    }
}

int push_socket_error(lua_State* L, Os& os, int error) {
    lua_pushnil(L);
    push_socket_message(L, os, error);
    return 2;
}

int push_socket_resolve_error(lua_State* L, Os& os, ResolveError error) {
    lua_pushnil(L);
    push_resolve_message(L, os, error);
    return 2;
}

int push_sock_error(lua_State* L, Os& os, int error) {
    lua_pushnil(L);
    if (const char* name = sock_error_name(error)) {
        lua_pushstring(L, name);
    } else {
        push_system_message(L, os, error);
    }
    int code = os_error_code(error);
    if (!code) return 2;
    lua_pushinteger(L, code);
    return 3;
}

int push_sock_resolve_error(lua_State* L, Os& os, ResolveError error) {
    lua_pushnil(L);
    if (error == ResolveError::NotFound) {
        lua_pushliteral(L, "not_found");
    } else {
        push_resolve_message(L, os, error);
    }
    return 2;
}

}  // namespace lsock::lua
