// require "netsim": the simulated network (see docs/netsim.md).
#include "lua/common/guard.hpp"
#include "lua/netsim/netsim_objects.hpp"

namespace lsock::lua {
int new_world(lua_State* L);
void register_sweep(lua_State* L);  // netsim_sweep.cpp: sets netsim.sweep on the table on top
}

// (A block, not `extern "C" LUALIB_API`: LuaJIT's LUALIB_API is `extern`.)
extern "C" {

LUALIB_API int luaopen_lsock_netsim(lua_State* L) {
    lua_newtable(L);
    lua_pushcfunction(L, lsock::lua::guarded<lsock::lua::new_world>);
    lua_setfield(L, -2, "world");
    lsock::lua::register_sweep(L);
    lua_pushliteral(L, "lsock netsim " LSOCK_VERSION);
    lua_setfield(L, -2, "_VERSION");
    return 1;
}

}
