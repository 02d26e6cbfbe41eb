// A live view of a simulated run: netsim.world{trace = ...} (or LSOCK_TRACE
// in the environment) shows each trace line as it is recorded, the same
// lines world:trace() keeps.
//
//   trace = true        each line to stderr at once (written from C++, no Lua)
//   trace = function    f(line) for each line, in order, called from
//                       world:run between events (never from inside the
//                       simulated kernel, where a Lua error would unwind
//                       C++ frames); an error in f ends the run with it
//   trace = false/nil   off (nil: on, to stderr, when LSOCK_TRACE is set
//                       and not "0")
//
// Off, recording costs one test of a null pointer per event.
#pragma once

#include "lua/common/lua_api.hpp"

namespace lsock::lua {

// Raises unless the `trace` option at `index` is nil, a boolean or a function.
void check_trace_option(lua_State* L, int index);

// Attaches the `trace` option at `option_index` (checked) to the new world
// at `world_index`.
void attach_live_trace(lua_State* L, int option_index, int world_index);

// True when the world's trace goes to a Lua function (world:run must then
// deliver lines between events).
bool traces_to_function(lua_State* L, int world_index);

// Hands the lines recorded so far to the trace function, in order, in a
// protected call; never raises. False when the function failed: its error
// message (with a traceback) is then on top of the stack, for the caller to
// record as the run's failure and pop.
bool deliver_live_trace(lua_State* L, int world_index);

}  // namespace lsock::lua
