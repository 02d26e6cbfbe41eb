#include "lua/common/names.hpp"

namespace lsock::lua {

Family check_family(lua_State* L, int index, Family fallback) {
    static const char* const names[] = {"inet", "inet6", "unix", nullptr};
    static const Family families[] = {Family::Inet, Family::Inet6, Family::Unix};
    if (lua_isnoneornil(L, index)) return fallback;
    return families[luaL_checkoption(L, index, nullptr, names)];
}

const char* family_name(Family family) {
    switch (family) {
        case Family::Inet: return "inet";
        case Family::Inet6: return "inet6";
        case Family::Unix: return "unix";
        default: return "unspec";
    }
}

}  // namespace lsock::lua
