// socket.select: readiness of many descriptors or socket objects at once,
// through Os::wait (poll(2) on the kernel: no FD_SETSIZE limit).
#include "lua/socket/select.hpp"

#include <cerrno>

#include "lua/common/blocking_call.hpp"
#include "lua/common/errors.hpp"
#include "lua/common/guard.hpp"
#include "lua/socket/socket_object.hpp"
#include "lua/common/trampoline.hpp"

namespace lsock::lua {

namespace {

// The descriptors being waited on, in a userdata so the array survives a
// yield in the simulation. Items [0, readers) come from the first list.
struct SelectSet {
    std::size_t readers;
    std::size_t count;
    PollItem items[1];
};

std::size_t list_length(lua_State* L, int index) { return lua_istable(L, index) ? lua_rawlen(L, index) : 0; }

Fd descriptor_of(lua_State* L, int list, std::size_t position) {
    lua_rawgeti(L, list, int(position));
    Fd fd = kNoFd;
    if (lua_type(L, -1) == LUA_TNUMBER) {
        fd = Fd(lua_tointeger(L, -1));
    } else if (SocketBase* socket = test_socket(L, -1)) {
        fd = socket->fd();
    } else {
        const char* got = luaL_typename(L, -1);
        luaL_argerror(L, list,
                      lua_pushfstring(L, "element %d is a %s; descriptor or socket expected", int(position), got));
    }
    lua_pop(L, 1);
    return fd;
}

void check_list(lua_State* L, int index) {
    if (!lua_isnoneornil(L, index)) luaL_checktype(L, index, LUA_TTABLE);
}

// Data that readuntil already holds counts as readable: the kernel would
// not report it, and a caller that selects before reading must not hang.
bool has_buffered_data(lua_State* L, int list, std::size_t position) {
    lua_rawgeti(L, list, int(position));
    StreamSocket* stream = test_stream(L, -1);
    lua_pop(L, 1);
    return stream && stream->has_buffered_data();
}

// Pushes the array of the values in `list` whose items are ready.
void push_ready(lua_State* L, int list, const PollItem* items, std::size_t count, unsigned mask, bool buffered) {
    lua_createtable(L, 0, 0);
    int out = 0;
    for (std::size_t i = 0; i < count; ++i) {
        bool ready = (items[i].revents & (mask | kHangup | kFailed)) != 0;
        if (!ready && buffered) ready = has_buffered_data(L, list, i + 1);
        if (!ready) continue;
        lua_rawgeti(L, list, int(i + 1));
        lua_rawseti(L, -2, ++out);
    }
}

// [1] readers [2] writers [3] timeout [4] SelectSet [5] deadline
int attempt_select(lua_State* L, Wait* wait) {
    Os& os = os_of_upvalue(L);
    auto* set = static_cast<SelectSet*>(lua_touserdata(L, 4));
    bool buffered = false;
    for (std::size_t i = 0; i < set->readers && !buffered; ++i) buffered = has_buffered_data(L, 1, i + 1);
    int error = set->count ? os.wait(set->items, set->count, -kNoDeadline) : ETIMEDOUT;
    if (error && error != ETIMEDOUT) {
        lua_pushnil(L);
        lua_pushnil(L);
        push_socket_message(L, os, error);
        return 3;
    }
    if (error == 0 || buffered) {
        push_ready(L, 1, set->items, set->readers, kReadable, true);
        push_ready(L, 2, set->items + set->readers, set->count - set->readers, kWritable, false);
        return 2;
    }
    double deadline = deadline_at(L, 5);
    if (os.now() >= deadline) {
        lua_pushnil(L);
        lua_pushnil(L);
        lua_pushstring(L, kTimeoutMessage);
        return 3;
    }
    wait->items = set->items;
    wait->count = set->count;
    wait->deadline = deadline;
    return kWouldBlock;
}
const BlockingCall kSelect{attempt_select, park_on_os, "socket.select"};

int socket_select(lua_State* L) {
    Os& os = os_of_upvalue(L);
    check_list(L, 1);
    check_list(L, 2);
    double timeout = luaL_optnumber(L, 3, -1);
    luaL_argcheck(L, timeout == timeout, 3, "timeout is NaN");
    lua_settop(L, 3);
    std::size_t readers = list_length(L, 1);
    std::size_t writers = list_length(L, 2);
    std::size_t count = readers + writers;
    auto* set = static_cast<SelectSet*>(lua_newuserdata(L, sizeof(SelectSet) + count * sizeof(PollItem)));
    set->readers = readers;
    set->count = count;
    for (std::size_t i = 0; i < count; ++i) {
        bool reading = i < readers;
        set->items[i] = PollItem{descriptor_of(L, reading ? 1 : 2, reading ? i + 1 : i - readers + 1),
                                 reading ? kReadable : kWritable, 0};
    }
    push_deadline(L, timeout < 0 ? kNoDeadline : os.now() + timeout);
    return run_socket_call(L, os, kSelect);
}

}  // namespace

void register_select(lua_State* L, int env_index) {
    lua_pushvalue(L, env_index);
    push_function(L, guarded<socket_select>, 1, "select");
    lua_setfield(L, -2, "select");
}

}  // namespace lsock::lua
