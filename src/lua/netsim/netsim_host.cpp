// netsim hosts: where threads run and which `socket` module they get.
#include "lua/common/errors.hpp"
#include "lua/common/guard.hpp"
#include "lua/common/text.hpp"
#include "lua/netsim/netsim_objects.hpp"
#include "lua/sock/sock_loop.hpp"
#include "lua/sock/sock_module.hpp"
#include "lua/socket/socket_module.hpp"
#include "lua/netsim/netsim_options.hpp"
#include "sim/sim_host.hpp"

namespace lsock::lua {

namespace {

constexpr char kSocketField[] = "socket";
constexpr char kSockField[] = "sock";
constexpr char kSockLoopField[] = "sock_loop";  // the sock module's loop, for host:crash

// The host's `socket` or `sock` module, made once and kept in the host's
// uservalue: one `sock` loop per host, as one per process on a real kernel.
template <const char* Field, void (*Push)(lua_State*, Os&, int)>
void push_module_of(lua_State* L, int host_index) {
    lua_getuservalue(L, host_index);
    lua_getfield(L, -1, Field);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        Push(L, check_host(L, host_index)->host(), host_index);
        lua_pushvalue(L, -1);
        lua_setfield(L, -3, Field);
        if (Field == kSockField) {
            sock::push_module_loop(L, lua_gettop(L));
            lua_setfield(L, -3, kSockLoopField);
        }
    }
    lua_remove(L, -2);
}

constexpr auto push_socket_of = push_module_of<kSocketField, push_socket_module>;
constexpr auto push_sock_of = push_module_of<kSockField, sock::push_sock_module>;

// host:spawn(function(socket, sock) ... end [, {daemon = true}]) -> coroutine.
// The function runs as a thread of the world on this host; it starts at the
// next world:run (or at once if the world is running). A daemon is a server
// that may wait forever: a run whose only waiting threads are daemons has
// simply ended, not deadlocked.
int host_spawn(lua_State* L) {
    HostObject* host = check_host(L, 1);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    bool daemon = false;
    if (!lua_isnoneornil(L, 3)) {
        luaL_checktype(L, 3, LUA_TTABLE);
        static const char* const options[] = {"daemon", nullptr};
        check_option_names(L, 3, "host:spawn", "spawn option", options);
        lua_getfield(L, 3, "daemon");
        daemon = check_boolean_option(L, -1, "host:spawn", "daemon");
        lua_pop(L, 1);
    }
    if (!host->host().up()) return luaL_error(L, "host '%s' is down (crashed)", host->host().name().c_str());
    lua_settop(L, 2);
    lua_State* co = lua_newthread(L);
    lua_pushvalue(L, 2);
    push_socket_of(L, 1);
    push_sock_of(L, 1);
    lua_xmove(L, co, 3);  // function, socket module, sock module
    start_thread(L, 1, 3);
    if (daemon) host->world().world.set_daemon(co, true);
    return 1;
}

int host_socket(lua_State* L) {
    check_host(L, 1);
    push_socket_of(L, 1);
    return 1;
}

int host_sock(lua_State* L) {
    check_host(L, 1);
    push_sock_of(L, 1);
    return 1;
}

int host_name(lua_State* L) {
    lua_pushstring(L, check_host(L, 1)->host().name().c_str());
    return 1;
}

int host_addresses(lua_State* L) {
    sim::SimHost& host = check_host(L, 1)->host();
    lua_newtable(L);
    int i = 0;
    for (const Address& address : host.addresses()) {
        push_text(L, ip_text(address));
        lua_rawseti(L, -2, ++i);
    }
    return 1;
}

int host_open_descriptors(lua_State* L) {
    lua_pushinteger(L, check_host(L, 1)->host().open_descriptors());
    return 1;
}

int host_unlink(lua_State* L) {
    sim::SimHost& host = check_host(L, 1)->host();
    const char* path = luaL_checkstring(L, 2);
    if (int error = host.unlink(path)) return push_socket_error(L, host, error);
    lua_pushboolean(L, 1);
    return 1;
}

// host:crash(): the host stops at once. Its threads die where they wait,
// its sockets vanish without FIN or RST.
// Its sock loop forgets its threads and stops running (sock::reset_loop):
// the next life starts with an empty loop.
int host_crash(lua_State* L) {
    HostObject* host = check_host(L, 1);
    lua_settop(L, 1);
    lua_getuservalue(L, 1);
    const int uservalue = 2;
    lua_getfield(L, uservalue, "world");
    push_world_table(L, 3, "threads");
    const int threads = 4;
    for (void* token : host->world().world.crash(host->host())) {
        host->world().world.forget_token(token);
        lua_pushlightuserdata(L, token);
        lua_pushnil(L);
        lua_rawset(L, threads);
    }
    // Threads of this host that were neither waiting nor runnable (the one
    // calling crash, if it runs here) die too: forget every one of them.
    // Absolute indices: thread_hosts is being walked, threads is changed.
    push_world_table(L, 3, "thread_hosts");
    const int thread_hosts = 5;
    lua_pushnil(L);
    while (lua_next(L, thread_hosts)) {
        if (lua_touserdata(L, -1) == host) {
            lua_State* co = lua_tothread(L, -2);
            host->world().world.forget_token(co);
            lua_pushlightuserdata(L, co);
            lua_pushnil(L);
            lua_rawset(L, threads);
        }
        lua_pop(L, 1);
    }
    lua_getfield(L, uservalue, kSockLoopField);
    if (!lua_isnil(L, -1)) sock::reset_loop(L, -1);
    return 0;
}

int host_restart(lua_State* L) {
    HostObject* host = check_host(L, 1);
    host->world().world.restart(host->host());
    return 0;
}

int host_up(lua_State* L) {
    lua_pushboolean(L, check_host(L, 1)->host().up());
    return 1;
}

int host_tostring(lua_State* L) {
    if (!static_cast<HostObject*>(check_type(L, 1, kHostType))->owner->object) {
        lua_pushliteral(L, "<netsim host: its world was finalized>");
        return 1;
    }
    HostObject* host = check_host(L, 1);
    lua_pushfstring(L, "<netsim host: %s>", host->host().name().c_str());
    return 1;
}

}  // namespace

HostObject* check_host(lua_State* L, int index) {
    auto* host = static_cast<HostObject*>(check_type(L, index, kHostType));
    if (!host->owner->object) luaL_error(L, "netsim.host: its world was finalized (its __gc ran)");
    return host;
}

HostObject* push_host(lua_State* L, int world_index, sim::HostId id) {
    world_index = lua_absindex(L, world_index);
    auto* host = static_cast<HostObject*>(lua_newuserdata(L, sizeof(HostObject)));
    host->owner = static_cast<WorldSlot*>(lua_touserdata(L, world_index));
    host->id = id;
    set_type(L, kHostType);
    lua_createtable(L, 0, 2);
    lua_pushvalue(L, world_index);
    lua_setfield(L, -2, "world");  // a host keeps its world alive
    lua_setuservalue(L, -2);
    return host;
}

void start_thread(lua_State* L, int host_index, int co_index) {
    host_index = lua_absindex(L, host_index);
    co_index = lua_absindex(L, co_index);
    HostObject* host = check_host(L, host_index);
    lua_State* co = lua_tothread(L, co_index);
    lua_getuservalue(L, host_index);
    lua_getfield(L, -1, "world");
    int world = lua_gettop(L);
    push_world_table(L, world, "threads");
    lua_pushlightuserdata(L, co);
    lua_pushvalue(L, co_index);
    lua_rawset(L, -3);
    push_world_table(L, world, "thread_hosts");
    lua_pushvalue(L, co_index);
    lua_pushvalue(L, host_index);
    lua_rawset(L, -3);
    lua_pop(L, 4);
    host->world().world.waiters().wake(co, &host->host());
}

namespace {

const luaL_Reg kHostMethods[] = {
    // what runs on the host
    {"spawn", guarded<host_spawn>}, {"socket", guarded<host_socket>}, {"sock", guarded<host_sock>},
    // who it is, and what it holds
    {"name", guarded<host_name>}, {"addresses", guarded<host_addresses>},
    {"open_descriptors", guarded<host_open_descriptors>}, {"unlink", guarded<host_unlink>},
    // faults
    {"crash", guarded<host_crash>}, {"restart", guarded<host_restart>}, {"up", guarded<host_up>},
    {nullptr, nullptr},
};

}  // namespace

const TypeSpec kHostType{"lsock.netsim.host", "netsim.host", kHostMethods, nullptr, guarded<host_tostring>};

void register_host_type(lua_State* L) { register_type(L, kHostType); }

}  // namespace lsock::lua
