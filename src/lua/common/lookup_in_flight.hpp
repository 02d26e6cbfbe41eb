// A name lookup that a Lua call waits for (Os::start_resolve), owned by a
// Lua userdata so that it survives the call's yields and is abandoned (not
// waited for) when the call is: a timeout, a killed thread, a closed state.
#pragma once

#include "lua/common/lua_api.hpp"

#include <memory>

#include "core/name_lookup.hpp"

namespace lsock::lua {

struct LookupInFlight {
    std::unique_ptr<PendingResolve> pending;
    // The query, for finish_lookup; its host and service are not kept.
    LookupQuery query;
    // A lookup answered at once: its result.
    ResolveError error = ResolveError::None;
    std::vector<ResolvedAddress> answers;
    // Given up at the caller's deadline (the pending lookup is dropped).
    bool timed_out = false;

    bool in_flight() const { return pending != nullptr; }
};

// Pushes a LookupInFlight for `query` and starts it. Whatever needs no
// resolver, and everything when the Os cannot look up in the background, is
// answered at once (not in_flight()). Raises only for memory, before the
// lookup starts; nothing C++ is left on the caller's frame.
LookupInFlight* start_lookup(lua_State* L, Os& os, const LookupQuery& query);

LookupInFlight* lookup_in_flight_at(lua_State* L, int index);
// The LookupInFlight at `index`, or null for any other value.
LookupInFlight* test_lookup_in_flight(lua_State* L, int index);

// Once the lookup is ready (or was answered at once): its answers, finished
// for the query, moved to *out.
ResolveError take_lookup(LookupInFlight* flight, std::vector<ResolvedAddress>* out);

}  // namespace lsock::lua
