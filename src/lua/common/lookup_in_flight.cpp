#include "lua/common/lookup_in_flight.hpp"

#include "lua/common/owned.hpp"

namespace lsock::lua {

namespace {

const TypeSpec kLookupType{"lsock.lookup", "lookup", nullptr, destroy_owned<LookupInFlight>};

}  // namespace

LookupInFlight* start_lookup(lua_State* L, Os& os, const LookupQuery& query) {
    LookupInFlight* flight = push_owned<LookupInFlight>(L, kLookupType);
    flight->query = query;
    flight->query.host = {};
    flight->query.service = {};
    ResolverQuestion question;
    if (answer_or_ask(query, &flight->answers, &flight->error, &question)) return flight;
    flight->pending = os.start_resolve(question.host_arg(), question.service_arg(), question.hints);
    if (flight->pending) return flight;
    flight->error = os.resolve(question.host_arg(), question.service_arg(), question.hints, &flight->answers);
    flight->error = finish_lookup(query, flight->error, &flight->answers);
    return flight;
}

LookupInFlight* lookup_in_flight_at(lua_State* L, int index) { return owned_at<LookupInFlight>(L, index); }

LookupInFlight* test_lookup_in_flight(lua_State* L, int index) {
    return test_type(L, index, kLookupType) ? owned_at<LookupInFlight>(L, index) : nullptr;
}

ResolveError take_lookup(LookupInFlight* flight, std::vector<ResolvedAddress>* out) {
    if (!flight->pending) {
        *out = std::move(flight->answers);
        return flight->error;
    }
    ResolveError error = flight->pending->take(out);
    flight->pending.reset();
    return finish_lookup(flight->query, error, out);
}

}  // namespace lsock::lua
