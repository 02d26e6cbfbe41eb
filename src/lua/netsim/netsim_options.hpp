// Option tables of the netsim calls (netsim.world{...}, world:link(a, b,
// {...}), host:spawn(f, {...})): a misspelt name or a value out of range is
// a programming error, raised with a message that names the call, the
// option and what it accepts, e.g.
//   world:link: unknown link option 'lattency' (latency, jitter, ...)
//   world:link: loss must be a number in [0, 1], got 1.5
// Each check raises (longjmp): call them before any C++ object with a
// destructor lives on the caller's frame.
#pragma once

#include "lua/common/lua_api.hpp"

namespace lsock::lua {

// Raises unless every key of the table at `index` is one of `names` (a
// null-terminated list). `what` names the kind of table ("link option").
void check_option_names(lua_State* L, int index, const char* call, const char* what,
                        const char* const* names);

// The range a number option accepts.
enum class NumberRange {
    NonNegative,  // finite, >= 0
    Probability,  // in [0, 1]
};

// The number at `index` (a field just pushed), checked against `range`.
lua_Number check_number_option(lua_State* L, int index, const char* call, const char* field,
                               NumberRange range);

// The boolean at `index` (nil is false).
bool check_boolean_option(lua_State* L, int index, const char* call, const char* field);

}  // namespace lsock::lua
