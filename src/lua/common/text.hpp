// Text that C++ formats (an address, the system's error message) on its way
// to Lua. A std::string alive while Lua copies it would leak if that copy
// raised a memory error (a longjmp skips its destructor), and a temporary
// lives to the end of the whole expression that pushes it. So each function
// here formats into its own local string and returns the bytes in a plain
// array: nothing with a destructor is left when push_text runs.
#pragma once

#include "lua/common/lua_api.hpp"

#include <cstddef>

#include "lsock/os.hpp"

namespace lsock::lua {

struct ShortText {
    char bytes[256];
    std::size_t size;
};

ShortText address_text(const Address& address);  // "10.0.0.1:80", "[::1]:80", the unix path
ShortText ip_text(const Address& address);       // "10.0.0.1", "::1", the unix path
ShortText system_message(Os& os, int error);
ShortText resolve_message(Os& os, ResolveError error);

void push_text(lua_State* L, const ShortText& text);

}  // namespace lsock::lua
