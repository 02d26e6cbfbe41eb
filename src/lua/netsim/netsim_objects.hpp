// The Lua face of the simulated network: world and host userdata shared by
// netsim_world.cpp (the world, its run loop and faults) and netsim_host.cpp
// (hosts: spawn, modules, crash and restart).
#pragma once

#include "lua/common/lua_api.hpp"

#include <deque>
#include <string>

#include "lua/common/types.hpp"
#include "sim/world.hpp"

namespace lsock::lua {

extern const TypeSpec kWorldType;
extern const TypeSpec kHostType;

struct WorldObject {
    explicit WorldObject(std::uint64_t seed) : world(seed) {}
    // Trace lines waiting for the world's trace function (netsim.world{trace
    // = f}), see netsim_live_trace.hpp. Declared before `world`, which
    // records into it, so that it outlives the world.
    std::deque<std::string> live_lines;
    sim::World world;
    bool running = false;
    std::string failure;  // the first thread error of the current run
    bool out_of_memory = false;  // a failure that could not even be recorded
    // Text on its way to Lua: kept here, not on a C++ frame, so that a Lua
    // error while it is pushed leaks nothing.
    std::string message;
};

// The world userdata itself: a pointer, so that a world whose __gc ran
// (called by hand through getmetatable, or reached again by another
// finalizer) is null here and every method can say so. Hosts point at the
// slot, which their uservalue keeps alive.
//
// The world's __gc only empties the slot; the memory (sim::World and its
// hosts) belongs to a second userdata, made just before the world and kept
// in the world's uservalue, whose __gc frees it. Sockets of the world's
// hosts use that memory (their Os is a SimHost) until their own __gc, and a
// __gc called by hand leaves them reachable; the collector runs finalizers
// in the reverse order of creation, so the memory goes after every socket
// made on the world, and after the world's own __gc.
struct WorldSlot {
    WorldObject* object = nullptr;
};

struct HostObject {
    WorldSlot* owner;
    sim::HostId id;
    WorldObject& world() const { return *owner->object; }
    sim::SimHost& host() const { return owner->object->world.host(id); }
};

// Both raise an argument error for a wrong self, and a plain error for a
// world that was finalized (or a host of one).
WorldObject* check_world(lua_State* L, int index);
HostObject* check_host(lua_State* L, int index);
// The live world of a userdata known to be a world (the run loop's own
// frames, which hold it on their stack): no check.
WorldObject* world_at(lua_State* L, int index);

// World uservalue: { threads = {[lightuserdata(co)] = co} (the live ones),
// hosts = {[name] = host}, thread_hosts = {[co] = host} (weak keys) }.
void push_world_table(lua_State* L, int world_index, const char* field);

// Registers coroutine `co` (at `co_index`) to run on the host at `host_index`.
void start_thread(lua_State* L, int host_index, int co_index);

void register_world_type(lua_State* L);
void register_host_type(lua_State* L);

// Pushes a new host userdata for `id` of the world at `world_index`.
HostObject* push_host(lua_State* L, int world_index, sim::HostId id);

}  // namespace lsock::lua
