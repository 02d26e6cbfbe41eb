// sock.addr and its objects: `ai` (a resolved address list, positioned on
// one entry), `sa` (one socket address) and `ip` (its IP). Every call that
// takes `host, port` also takes an ai or an sa in their place; this file
// turns either form into candidate addresses.
#pragma once

#include "lua/common/lua_api.hpp"

#include <memory>
#include <vector>

#include "lsock/os.hpp"
#include "lua/common/blocking_call.hpp"
#include "lua/common/types.hpp"

namespace lsock::lua::sock {

struct LoopObject;  // lua/sock/sock_loop.hpp

extern const TypeSpec kAiType;
extern const TypeSpec kSaType;
extern const TypeSpec kIpType;

struct AiObject {
    std::shared_ptr<const std::vector<ResolvedAddress>> list;  // null once freed
    std::size_t index = 0;                                     // this ai's entry
};

struct SaObject {
    Address address;
};

// What a socket call resolves `host, port` for.
struct EndpointHints {
    SocketType type = SocketType::Stream;
    Family family = Family::Inet;
    int protocol = 0;
    bool passive = false;  // bind / listen
};

// Reads the address arguments at `index` (an ai, an sa, or host, port; a
// unix socket takes one path) and pushes an ai holding the candidates;
// *next is the first argument after them (past the caller's arguments
// when there are none: the ai is pushed there). Returns 0, or pushes nil, err on
// a lookup failure and returns their count. Raises on bad arguments.
int push_endpoint(lua_State* L, Os& os, int index, const EndpointHints& hints, int* next);
// push_endpoint for a call that can wait (tcp:connect, udp:send): in a
// sock thread a host name is looked up in the background, and what is
// pushed is then the lookup in flight, for await_endpoint; anything that
// needs no resolver is an ai at once, as there.
int push_endpoint_in_thread(lua_State* L, LoopObject* loop, int index, const EndpointHints& hints, int* next);
// For an attempt whose stack slot `slot` holds what push_endpoint_in_thread
// pushed: 0 once the slot holds the ai (put there when the lookup is in);
// kWouldBlock with `wait` filled while the lookup runs; or the count of a
// failure pushed (nil, err: not_found..., or "timeout" at `deadline`).
int await_endpoint(lua_State* L, int slot, LoopObject* loop, double deadline, Wait* wait);
// True when the value at `index` is an ai or an sa.
bool is_address_object(lua_State* L, int index);

// The ai at `index` (checked by push_endpoint) and its entries from its own
// position on: the candidates of a connect.
AiObject* ai_at(lua_State* L, int index);
std::size_t candidate_count(const AiObject* ai);
const Address& candidate(const AiObject* ai, std::size_t n);

// A new, empty ai userdata (its list is set by the caller).
AiObject* push_ai(lua_State* L);
// Registers the ai, sa and ip metatables (idempotent).
void register_address_types(lua_State* L);

// A new sa userdata, to fill in place (so no Address lives on a C++ frame
// while Lua may raise).
SaObject* push_sa(lua_State* L);

// Protocol names (docs/sock.md); null / the fallback when unknown.
const char* protocol_name(int protocol);
int check_protocol(lua_State* L, int index, int fallback);

}  // namespace lsock::lua::sock
