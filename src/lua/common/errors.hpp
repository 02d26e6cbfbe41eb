// The one error table of every face. A run-time failure reaches Lua as
// `nil, message[, code]`; what the message is depends on the module:
//
// - `socket` (docs/socket.md): the few fixed strings scripts compare
//   against (socket.ERROR_TIMEOUT, ERROR_CLOSED, ERROR_REFUSED), else the
//   system's message ("Address already in use").
// - `sock` (docs/sock.md): a portable name ("timeout", "connection_reset")
//   where there is one, else the system's message; then the OS code.
//
// Errors are errno values or the kError* codes of core/step.hpp. Nothing
// here keeps a C++ object alive while Lua allocates (a Lua error there is a
// longjmp).
#pragma once

#include "lua/common/lua_api.hpp"

#include "lsock/os.hpp"

namespace lsock::lua {

// socket.ERROR_* (docs/socket.md).
constexpr const char* kTimeoutMessage = "Operation timed out";
constexpr const char* kClosedMessage = "Connection closed";
constexpr const char* kRefusedMessage = "Connection refused";

// Pushes the `socket` message of `error` (one value).
void push_socket_message(lua_State* L, Os& os, int error);
// nil, message: returns 2.
int push_socket_error(lua_State* L, Os& os, int error);
int push_socket_resolve_error(lua_State* L, Os& os, ResolveError error);

// nil, name or message, and the OS code when there is one: returns the count.
int push_sock_error(lua_State* L, Os& os, int error);
int push_sock_resolve_error(lua_State* L, Os& os, ResolveError error);

// The portable `sock` name of `error`, or null when it has none.
const char* sock_error_name(int error);
// The OS code reported beside it: the errno value, ETIMEDOUT for
// kErrorTimeout, 0 for kErrorClosed (the peer's FIN is not an OS error).
int os_error_code(int error);

}  // namespace lsock::lua
