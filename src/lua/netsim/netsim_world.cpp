// netsim.world: a simulated network in virtual time, and its run loop.
//
// The world's threads are Lua coroutines. A coroutine that has to wait (a
// blocking socket call on a simulated host) suspends itself with the host
// and yields; the run loop resumes it when the world says so, so a run is
// the same sequence of events for the same seed.
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <new>
#include <vector>

#include "lua/common/guard.hpp"
#include "lua/common/lua_compat.hpp"
#include "lua/netsim/netsim_live_trace.hpp"
#include "lua/netsim/netsim_objects.hpp"
#include "lua/netsim/netsim_options.hpp"
#include "sim/sim_host.hpp"

namespace lsock::lua {

namespace {

struct SeedText {
    char text[24];
};

SeedText seed_text(const sim::World& world) {
    SeedText out;
    std::snprintf(out.text, sizeof out.text, "%llu", static_cast<unsigned long long>(world.seed()));
    return out;
}

// Pushes `text` by way of the world's message slot (see WorldObject).
void push_message(lua_State* L, WorldObject* world, std::string text) {
    world->message = std::move(text);
    lua_pushlstring(L, world->message.data(), world->message.size());
}

// Runs once: a second call (by hand, or after a finalizer made the world
// reachable again) finds the slot empty. The collector never finalizes a
// running world (world:run holds it), so a running one was called by hand.
// It frees nothing (see WorldSlot): the world's memory outlives it.
int world_gc(lua_State* L) {
    auto* slot = static_cast<WorldSlot*>(lua_touserdata(L, 1));
    WorldObject* world = slot->object;
    if (!world) return 0;
    if (world->running) return luaL_error(L, "netsim.world: __gc called while the world runs");
    slot->object = nullptr;
    return 0;
}

// The world's memory (see WorldSlot): freed when nothing can reach it.
struct WorldMemory {
    WorldObject* object = nullptr;
};

int world_memory_gc(lua_State* L) {
    auto* memory = static_cast<WorldMemory*>(lua_touserdata(L, 1));
    WorldObject* world = memory->object;
    memory->object = nullptr;
    if (!world) return 0;
    world->world.trace().set_listener(nullptr, nullptr);  // no live lines from the teardown
    delete world;
    return 0;
}

const TypeSpec kWorldMemoryType{"lsock.netsim.world_memory", "netsim world memory", nullptr, world_memory_gc};

// Records the first failure of a run (world:run raises it when the run ends).
void fail_run(WorldObject* world, const std::string& what, const char* message) {
    world->failure = std::string("netsim (seed ") + seed_text(world->world).text + "): " + what + " failed at t=" +
                     std::to_string(world->world.now()) + ": " + message;
}

// Resumes one coroutine of the world at `world_index`, whose threads table
// is at `threads_index`. A thread that ended is forgotten; one that failed
// records the failure, which ends the run.
void resume_thread(lua_State* L, int world_index, int threads_index, lua_State* co) {
    WorldObject* world = world_at(L, world_index);
    lua_pushvalue(L, threads_index);
    lua_pushlightuserdata(L, co);
    lua_rawget(L, -2);
    bool known = lua_isthread(L, -1);
    lua_pop(L, 1);
    if (!known || !world->failure.empty() || world->out_of_memory) {
        lua_pop(L, 1);
        return;
    }
    // A coroutine that has not started yet holds its function and arguments.
    int arguments = lua_status(co) == LUA_OK ? lua_gettop(co) - 1 : 0;
    int left = 0;
    int status = resume(co, L, arguments, &left);
    if (status == LUA_YIELD) {
        lua_pop(co, left);
        // A plain coroutine.yield() in a host thread lets the others run first.
        if (!world->world.waiting(co)) world->world.wake(co);
        lua_pop(L, 1);
        return;
    }
    if (status != LUA_OK) {
        const char* message = luaL_tolstring(co, -1, nullptr);
        luaL_traceback(L, co, message, 0);
        push_world_table(L, world_index, "thread_hosts");
        lua_pushthread(co);
        lua_xmove(co, L, 1);
        lua_rawget(L, -2);
        HostObject* host = static_cast<HostObject*>(lua_touserdata(L, -1));
        fail_run(world, host ? "a thread on host '" + host->host().name() + "'" : std::string("a thread on a host"),
                 lua_tostring(L, -3));
        lua_pop(L, 3);
    }
    world->world.forget_token(co);
    lua_pushlightuserdata(L, co);
    lua_pushnil(L);
    lua_rawset(L, -3);
    lua_pop(L, 1);
}

// resume_thread for the world's run loop, under lua_pcall: a Lua error (a
// failing __tostring, no memory for a traceback) must not unwind through
// the C++ frames of World::run. [1] the world [2] its threads table [3] the
// coroutine.
int resume_protected(lua_State* L) {
    resume_thread(L, 1, 2, static_cast<lua_State*>(lua_touserdata(L, 3)));
    return 0;
}

// world_run's stack: [1] the world [2] its threads table, fetched once per
// run (looking it up by name for every resume was a tenth of the binding's
// cost of one).
void resume_from_run(lua_State* L, WorldObject* world, void* token) {
    lua_pushcfunction(L, guarded<resume_protected>);
    lua_pushvalue(L, 1);
    lua_pushvalue(L, 2);
    lua_pushlightuserdata(L, token);
    if (lua_pcall(L, 3, 0, 0) == LUA_OK) return;
    // The first failure ends the run (resume_thread resumes no one after it).
    try {
        if (world->failure.empty()) world->failure = lua_tostring(L, -1) ? lua_tostring(L, -1) : "netsim: a thread failed";
    } catch (const std::bad_alloc&) {
        world->out_of_memory = true;
    }
    lua_pop(L, 1);
}

// world:run([until]) -> now. Runs until nothing can happen any more (or
// until virtual time `until`). Raises, naming the seed, when a thread
// failed or when threads wait on each other forever (a deadlock).
// tools/netsim-sweep's determinism check: with LSOCK_SWEEP_HASHES naming a
// file, every end of a world:run appends "<trace hash> <events> <now>" to it,
// so two runs of one seed can be compared world by world. (Comparing the
// live trace instead would also compare when the collector finalizes the
// sockets of finished worlds, which is not part of any run.)
void note_run_for_sweep(const sim::World& world) {
    const char* path = std::getenv("LSOCK_SWEEP_HASHES");
    if (!path || !*path) return;
    if (std::FILE* file = std::fopen(path, "a")) {
        std::fprintf(file, "%016llx %llu %.9f\n", static_cast<unsigned long long>(world.trace_hash()),
                     static_cast<unsigned long long>(world.trace().count()), world.now());
        std::fclose(file);
    }
}

int world_run(lua_State* L) {
    WorldObject* world = check_world(L, 1);
    double until = luaL_optnumber(L, 2, kNoDeadline);
    luaL_argcheck(L, until >= world->world.now(), 2, "time is in the past");
    if (world->running) return luaL_error(L, "world:run called from inside the world's own run");
    lua_settop(L, 1);
    bool to_function = traces_to_function(L, 1);  // may raise: before any C++ object lives here
    push_world_table(L, 1, "threads");            // [2], for resume_from_run; the same
    world->running = true;
    world->failure.clear();
    world->out_of_memory = false;
    auto resume = [L, world](void* token) { resume_from_run(L, world, token); };
    // A live trace function gets its lines between events (and those recorded
    // before the run at its start); its error ends the run like a thread's.
    auto deliver = [L, world] {
        if (!world->failure.empty() || deliver_live_trace(L, 1)) return;
        const char* message = lua_tostring(L, -1);  // a string: the handler made it one
        fail_run(world, "the trace function", message ? message : "(no message)");
        lua_pop(L, 1);
    };
    std::function<void()> between;
    if (to_function) between = deliver;
    if (between) between();
    sim::RunResult result = until == kNoDeadline ? world->world.run_until_idle(resume, between)
                                                 : world->world.run_until(until, resume, between);
    if (between) between();
    between = nullptr;
    world->running = false;
    note_run_for_sweep(world->world);
    if (world->out_of_memory) return raise_out_of_memory(L);
    if (!world->failure.empty()) {
        push_message(L, world, std::move(world->failure));
        world->failure.clear();
        return lua_error(L);
    }
    // Daemons (servers that may wait forever) do not count: the world
    // reports a deadlock only for the waits of other threads.
    if (result == sim::RunResult::Deadlock) {
        push_message(L, world, "netsim: " + world->world.deadlock_report());
        return lua_error(L);
    }
    lua_pushnumber(L, world->world.now());
    return 1;
}

// The C++ half of world:host: the addresses given at argument 3 (`listed`
// strings, checked) or made up, and the new host; null with the reason in
// world->message. Every C++ object it makes is gone when it returns.
sim::SimHost* add_host(lua_State* L, WorldObject* world, const char* name, int listed) {
    std::vector<std::string> addresses;
    if (lua_istable(L, 3)) {
        for (int i = 1; i <= listed; ++i) {
            lua_rawgeti(L, 3, i);  // a string, checked: no metamethod, no allocation
            addresses.emplace_back(lua_tostring(L, -1));
            lua_pop(L, 1);
        }
    } else if (Address::parse_ip(name, 0)) {
        addresses.emplace_back(name);
    } else {
        std::size_t n = world->world.host_count() + 1;
        char v4[32], v6[48];
        std::snprintf(v4, sizeof v4, "10.0.%zu.%zu", n / 256, n % 256);
        std::snprintf(v6, sizeof v6, "fd00::%zx:%zx", n / 256, n % 256);
        addresses = {v4, v6};
    }
    return world->world.add_host(name, addresses, &world->message);
}

// world:host(name [, {addresses}]). Without addresses a numeric name is its
// own address, and any other name gets 10.0.x.y and fd00::x:y.
int world_host(lua_State* L) {
    WorldObject* world = check_world(L, 1);
    const char* name = luaL_checkstring(L, 2);
    if (!lua_isnoneornil(L, 3)) luaL_checktype(L, 3, LUA_TTABLE);
    int listed = lua_istable(L, 3) ? int(lua_rawlen(L, 3)) : 0;
    for (int i = 1; i <= listed; ++i) {
        lua_rawgeti(L, 3, i);
        luaL_argcheck(L, lua_type(L, -1) == LUA_TSTRING, 3, "array of address strings expected");
        lua_pop(L, 1);
    }
    sim::SimHost* host = add_host(L, world, name, listed);
    if (!host) {
        lua_pushnil(L);
        lua_pushlstring(L, world->message.data(), world->message.size());
        return 2;
    }
    push_host(L, 1, host->id());
    push_world_table(L, 1, "hosts");
    lua_pushvalue(L, -2);
    lua_setfield(L, -2, name);
    lua_pop(L, 1);
    return 1;
}

// Link settings from a Lua table; absent fields keep `base`. `call` names
// the Lua call in error messages.
sim::LinkConfig check_link(lua_State* L, int index, const char* call, sim::LinkConfig base) {
    luaL_checktype(L, index, LUA_TTABLE);
    struct Field {
        const char* name;
        double sim::LinkConfig::*member;
        NumberRange range;
    };
    static const Field fields[] = {
        {"latency", &sim::LinkConfig::latency, NumberRange::NonNegative},
        {"jitter", &sim::LinkConfig::jitter, NumberRange::NonNegative},
        {"bandwidth", &sim::LinkConfig::bandwidth, NumberRange::NonNegative},
        {"loss", &sim::LinkConfig::loss, NumberRange::Probability},
        {"duplicate", &sim::LinkConfig::duplicate, NumberRange::Probability},
        {"reorder", &sim::LinkConfig::reorder, NumberRange::Probability},
        {"reorder_delay", &sim::LinkConfig::reorder_delay, NumberRange::NonNegative},
    };
    static const char* const names[] = {"latency", "jitter",  "bandwidth",     "loss",
                                        "duplicate", "reorder", "reorder_delay", nullptr};
    check_option_names(L, index, call, "link option", names);
    for (const Field& field : fields) {
        lua_getfield(L, index, field.name);
        if (!lua_isnil(L, -1)) base.*field.member = check_number_option(L, -1, call, field.name, field.range);
        lua_pop(L, 1);
    }
    return base;
}

template <bool OneWay>
int world_link(lua_State* L) {
    WorldObject* world = check_world(L, 1);
    sim::SimHost& a = check_host(L, 2)->host();
    sim::SimHost& b = check_host(L, 3)->host();
    sim::LinkConfig config = check_link(L, 4, OneWay ? "world:link_one_way" : "world:link", world->world.link(a, b));
    if (OneWay) world->world.set_link_one_way(a, b, config);
    else world->world.set_link(a, b, config);
    return 0;
}

// world:resolver{latency, jitter, timeout, down}: fields left out keep their value.
int world_resolver(lua_State* L) {
    WorldObject* world = check_world(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    static const char* const names[] = {"latency", "jitter", "timeout", "down", nullptr};
    check_option_names(L, 2, "world:resolver", "resolver option", names);
    sim::ResolverConfig config = world->world.resolver();
    struct Field {
        const char* name;
        double sim::ResolverConfig::*member;
    };
    static const Field times[] = {{"latency", &sim::ResolverConfig::latency},
                                  {"jitter", &sim::ResolverConfig::jitter},
                                  {"timeout", &sim::ResolverConfig::timeout}};
    for (const Field& field : times) {
        lua_getfield(L, 2, field.name);
        if (!lua_isnil(L, -1))
            config.*field.member = check_number_option(L, -1, "world:resolver", field.name, NumberRange::NonNegative);
        lua_pop(L, 1);
    }
    lua_getfield(L, 2, "down");
    if (!lua_isnil(L, -1)) config.down = check_boolean_option(L, -1, "world:resolver", "down");
    lua_pop(L, 1);
    world->world.resolver() = config;  // all checked: a rejected table changes nothing
    return 0;
}

int world_default_link(lua_State* L) {
    WorldObject* world = check_world(L, 1);
    world->world.set_default_link(check_link(L, 2, "world:default_link", sim::LinkConfig{}));
    return 0;
}

template <bool OneWay>
int world_partition(lua_State* L) {
    WorldObject* world = check_world(L, 1);
    sim::SimHost& a = check_host(L, 2)->host();
    sim::SimHost& b = check_host(L, 3)->host();
    if (OneWay) world->world.partition_one_way(a, b);
    else world->world.partition(a, b);
    return 0;
}

// world:heal() heals everything; world:heal(a, b) one pair, both ways.
template <bool OneWay>
int world_heal(lua_State* L) {
    WorldObject* world = check_world(L, 1);
    if (!OneWay && lua_isnoneornil(L, 2)) {
        world->world.heal_all();
        return 0;
    }
    sim::SimHost& a = check_host(L, 2)->host();
    sim::SimHost& b = check_host(L, 3)->host();
    if (OneWay) world->world.heal_one_way(a, b);
    else world->world.heal(a, b);
    return 0;
}

// The C++ half of world:name: the strings of the array at argument 3.
bool add_name(lua_State* L, WorldObject* world, const char* name) {
    std::vector<std::string> addresses;
    for (int i = 1; i <= int(lua_rawlen(L, 3)); ++i) {
        lua_rawgeti(L, 3, i);
        if (lua_type(L, -1) == LUA_TSTRING) addresses.emplace_back(lua_tostring(L, -1));
        lua_pop(L, 1);
    }
    return world->world.add_name(name, addresses, &world->message);
}

// world:name(name, {addresses}) or world:name(name, "servfail" | "silent")
int world_name(lua_State* L) {
    WorldObject* world = check_world(L, 1);
    const char* name = luaL_checkstring(L, 2);
    if (lua_type(L, 3) == LUA_TSTRING) {
        static const char* const faults[] = {"servfail", "silent", nullptr};
        int fault = luaL_checkoption(L, 3, nullptr, faults);
        if (!*name || Address::parse_ip(name, 0)) {  // as world:name with addresses answers
            lua_pushnil(L);
            lua_pushfstring(L, "not a name: %s", name);
            return 2;
        }
        world->world.add_name_fault(name, fault == 0 ? sim::NameFault::ServFail : sim::NameFault::Silent);
        lua_pushboolean(L, 1);
        return 1;
    }
    if (lua_type(L, 3) != LUA_TTABLE) {
        const char* got = luaL_typename(L, 3);
        return luaL_argerror(L, 3, lua_pushfstring(L, "addresses (table) or \"servfail\" / \"silent\" expected, got %s", got));
    }
    if (!add_name(L, world, name)) {
        lua_pushnil(L);
        lua_pushlstring(L, world->message.data(), world->message.size());
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
}

int world_now(lua_State* L) {
    lua_pushnumber(L, check_world(L, 1)->world.now());
    return 1;
}

int world_seed(lua_State* L) {
    lua_pushnumber(L, double(check_world(L, 1)->world.seed()));
    return 1;
}

// The hash as 16 hex digits: a 64-bit value does not fit a Lua 5.2 number.
int world_trace_hash(lua_State* L) {
    char text[24];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(check_world(L, 1)->world.trace_hash()));
    lua_pushstring(L, text);
    return 1;
}

int world_trace(lua_State* L) {
    WorldObject* world = check_world(L, 1);
    push_message(L, world, world->world.trace().text());
    return 1;
}

int world_note(lua_State* L) {
    WorldObject* world = check_world(L, 1);
    const char* text = luaL_checkstring(L, 2);
    world->world.note("lua", text);
    return 0;
}

int world_find_host(lua_State* L) {
    check_world(L, 1);
    luaL_checkstring(L, 2);
    push_world_table(L, 1, "hosts");
    lua_pushvalue(L, 2);
    lua_rawget(L, -2);
    return 1;
}

int world_tostring(lua_State* L) {
    // print(world) and error messages must work on a finalized world too.
    if (!static_cast<WorldSlot*>(check_type(L, 1, kWorldType))->object) {
        lua_pushliteral(L, "<netsim world: finalized>");
        return 1;
    }
    WorldObject* world = check_world(L, 1);
    lua_pushfstring(L, "<netsim world: seed %s, t=%f>", seed_text(world->world).text, world->world.now());
    return 1;
}

}  // namespace

WorldObject* check_world(lua_State* L, int index) {
    WorldObject* world = static_cast<WorldSlot*>(check_type(L, index, kWorldType))->object;
    if (!world) luaL_error(L, "netsim.world: the world was finalized (its __gc ran)");
    return world;
}

WorldObject* world_at(lua_State* L, int index) { return static_cast<WorldSlot*>(lua_touserdata(L, index))->object; }

void push_world_table(lua_State* L, int world_index, const char* field) {
    lua_getuservalue(L, world_index);
    lua_getfield(L, -1, field);
    lua_remove(L, -2);
}

// netsim.world{seed = n, trace = ...}: seeds default to 1, never to OS
// entropy, so that a test without a seed still runs the same way every time.
int new_world(lua_State* L) {
    if (lua_isnoneornil(L, 1)) {
        lua_settop(L, 0);
        lua_newtable(L);
    }
    luaL_checktype(L, 1, LUA_TTABLE);
    static const char* const options[] = {"seed", "trace", nullptr};
    check_option_names(L, 1, "netsim.world", "world option", options);
    lua_settop(L, 1);
    lua_getfield(L, 1, "seed");
    lua_Number seed = 1;
    if (!lua_isnil(L, 2)) {
        seed = lua_isnumber(L, 2) ? lua_tonumber(L, 2) : -1;
        if (!(seed >= 0 && seed < 9007199254740992.0 && seed == lua_Number(std::uint64_t(seed)))) {
            return luaL_error(L, "netsim.world: seed must be a whole number in [0, 2^53), got %s",
                              lua_isnumber(L, 2) ? lua_tostring(L, 2) : luaL_typename(L, 2));
        }
    }
    lua_getfield(L, 1, "trace");
    check_trace_option(L, 3);
    register_world_type(L);
    register_host_type(L);
    register_type(L, kWorldMemoryType);
    // The memory's userdata before the world's: finalized after it (and
    // after every host socket), see WorldSlot.
    auto* memory = new (lua_newuserdata(L, sizeof(WorldMemory))) WorldMemory;
    set_type(L, kWorldMemoryType);  // from here its __gc frees what it holds
    lua_insert(L, 3);               // [1] options [2] seed [3] memory [4] trace [5] world
    auto* slot = new (lua_newuserdata(L, sizeof(WorldSlot))) WorldSlot;
    set_type(L, kWorldType);
    memory->object = new WorldObject(std::uint64_t(seed));  // bad_alloc: the guard raises, nothing leaks
    slot->object = memory->object;
    lua_createtable(L, 0, 5);
    lua_pushvalue(L, 3);
    lua_setfield(L, -2, "memory");
    for (const char* field : {"threads", "hosts", "thread_hosts"}) {
        lua_newtable(L);
        lua_setfield(L, -2, field);
    }
    // thread -> host must not keep finished threads alive: weak keys.
    lua_getfield(L, -1, "thread_hosts");
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_pop(L, 1);
    lua_setuservalue(L, -2);
    attach_live_trace(L, 4, 5);
    return 1;
}

namespace {

const luaL_Reg kWorldMethods[] = {
    // the clock and the run
    {"run", guarded<world_run>}, {"now", guarded<world_now>},
    {"seed", guarded<world_seed>},
    // hosts and names
    {"host", guarded<world_host>}, {"find_host", guarded<world_find_host>},
    {"name", guarded<world_name>}, {"resolver", guarded<world_resolver>},
    // links, and the faults on them
    {"link", guarded<world_link<false>>}, {"link_one_way", guarded<world_link<true>>},
    {"default_link", guarded<world_default_link>},
    {"partition", guarded<world_partition<false>>}, {"partition_one_way", guarded<world_partition<true>>},
    {"heal", guarded<world_heal<false>>}, {"heal_one_way", guarded<world_heal<true>>},
    // the trace
    {"trace_hash", guarded<world_trace_hash>}, {"trace", guarded<world_trace>}, {"note", guarded<world_note>},
    {nullptr, nullptr},
};

}  // namespace

const TypeSpec kWorldType{"lsock.netsim.world", "netsim.world", kWorldMethods, world_gc, guarded<world_tostring>};

void register_world_type(lua_State* L) { register_type(L, kWorldType); }

}  // namespace lsock::lua
