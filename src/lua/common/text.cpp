#include "lua/common/text.hpp"

#include <string>

namespace lsock::lua {

namespace {

ShortText copy_of(const std::string& text) {
    ShortText out;
    out.size = text.copy(out.bytes, sizeof out.bytes);
    return out;
}

}  // namespace

ShortText address_text(const Address& address) { return copy_of(address.to_string()); }

ShortText ip_text(const Address& address) { return copy_of(address.ip_text()); }

ShortText system_message(Os& os, int error) { return copy_of(os.error_message(error)); }

ShortText resolve_message(Os& os, ResolveError error) { return copy_of(os.resolve_error_message(error)); }

void push_text(lua_State* L, const ShortText& text) { lua_pushlstring(L, text.bytes, text.size); }

}  // namespace lsock::lua
