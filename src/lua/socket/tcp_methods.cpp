// Methods of stream sockets (TCP and unix stream). Each blocking method is
// an entry that checks arguments and lays out its stack slots, plus an
// attempt that run_blocking calls until it finishes (see
// lua/common/blocking_call.hpp).
#include <cerrno>
#include <cstring>
#include <string_view>

#include "lua/common/blocking_call.hpp"
#include "lua/common/errors.hpp"
#include "lua/common/guard.hpp"
#include "lua/common/step_wait.hpp"
#include "lua/socket/socket_object.hpp"
#include "lua/common/trampoline.hpp"

namespace lsock::lua {

namespace {

StreamSocket& stream_at(lua_State* L, int index) { return static_cast<TcpObject*>(lua_touserdata(L, index))->socket; }

// For a step that is not done: 0 when the call should wait (`wait` is
// filled), else what to report (docs: lua/common/step_wait.hpp).
int wait_or_error(lua_State* L, StreamSocket& socket, const Step& step, int deadline_slot, Wait* wait) {
    return wait_or_error(socket.os(), socket.fd(), step, deadline_at(L, deadline_slot), wait);
}

// Hands out everything buffered as the `partial` of a failed read, so no
// byte that arrived is lost to the caller.
int push_read_failure(lua_State* L, StreamSocket& socket, int error) {
    push_socket_error(L, socket.os(), error);
    ReceiveBuffer& buffer = socket.buffer();
    lua_pushlstring(L, buffer.data(), buffer.size());
    buffer.consume(buffer.size());
    return 3;
}

// connect: [1] socket [2] host [3] port [4] candidates [5] index [6] deadline
int attempt_connect(lua_State* L, Wait* wait) {
    StreamSocket& socket = stream_at(L, 1);
    const std::vector<Address>& candidates = address_list(L, 4);
    for (;;) {
        std::size_t index = std::size_t(lua_tointeger(L, 5));
        Step step = socket.connect(candidates[index]);
        if (step.is_done()) {
            lua_pushboolean(L, 1);
            return 1;
        }
        if (step.is_blocked()) {
            if (wait_or_error(L, socket, step, 6, wait) == 0) return kWouldBlock;
            // A non-blocking caller polls the connect later (select for
            // writable, then connect again); anyone else gave up on it.
            if (socket.timeout() != 0) socket.close();
            return push_socket_error(L, socket.os(), kErrorTimeout);
        }
        // A connection made before this call is kept: the error is the answer.
        if (StreamSocket::already_connected(step)) return push_socket_error(L, socket.os(), step.error);
        if (index + 1 < candidates.size() && socket.reopen(candidates[index + 1].family) == 0) {
            lua_pushinteger(L, lua_Integer(index + 1));
            lua_replace(L, 5);
            continue;
        }
        // After a failed connect the socket is closed (docs/socket.md).
        socket.close();
        return push_socket_error(L, socket.os(), step.error);
    }
}
const BlockingCall kConnect{attempt_connect, park_on_os, "tcp:connect"};

int tcp_connect(lua_State* L) {
    StreamSocket& socket = check_tcp(L, 1)->socket;
    lua_settop(L, 3);
    if (socket.closed()) return push_socket_error(L, socket.os(), kErrorClosed);
    // One deadline for the lookup and the connect.
    double deadline = socket.call_deadline();
    if (!socket.connecting()) {
        if (int failed = push_lookup(L, socket.os(), 2, socket.family(), SocketType::Stream, false, deadline)) {
            // On 5.1 and LuaJIT a lookup that waits comes back here, as a
            // yield to return (trampoline.hpp): the call is not over.
            if (!is_yield(L, failed)) socket.close();
            return failed;
        }
    } else {
        // A second connect after a non-blocking one finishes that one.
        if (int failed = push_lookup(L, socket.os(), 2, socket.family(), SocketType::Stream, false, deadline))
            return failed;
    }
    lua_pushinteger(L, 0);
    push_deadline(L, deadline);
    return run_socket_call(L, socket.os(), kConnect);
}

int tcp_listen(lua_State* L) {
    StreamSocket& socket = check_tcp(L, 1)->socket;
    lua_Integer backlog = luaL_optinteger(L, 2, 128);
    luaL_argcheck(L, backlog >= 0, 2, "backlog must not be negative");
    if (int error = socket.listen(int(backlog > 65535 ? 65535 : backlog))) return push_socket_error(L, socket.os(), error);
    lua_pushboolean(L, 1);
    return 1;
}

// accept: [1] socket [2] deadline [3] room for the accepted socket
int attempt_accept(lua_State* L, Wait* wait) {
    StreamSocket& socket = stream_at(L, 1);
    Fd accepted = kNoFd;
    Step step = socket.accept(&accepted, nullptr);
    if (step.is_done()) {
        // Allocates nothing: the descriptor is owned before Lua could fail.
        TcpObject* client = adopt_into_slot(L, 3, 1, socket.family(), accepted);
        client->socket.set_timeout(socket.timeout());  // accepted sockets inherit the timeout
        lua_pushvalue(L, 3);
        return 1;
    }
    if (int error = wait_or_error(L, socket, step, 2, wait)) return push_socket_error(L, socket.os(), error);
    return kWouldBlock;
}
const BlockingCall kAccept{attempt_accept, park_on_os, "tcp:accept"};

int tcp_accept(lua_State* L) {
    StreamSocket& socket = check_tcp(L, 1)->socket;
    lua_settop(L, 1);
    push_deadline(L, socket.call_deadline());
    push_tcp_slot(L);
    return run_socket_call(L, socket.os(), kAccept);
}

// write: [1] socket [2] data [3] sent [4] deadline
int attempt_write(lua_State* L, Wait* wait) {
    StreamSocket& socket = stream_at(L, 1);
    std::size_t size = 0;
    const char* data = lua_tolstring(L, 2, &size);
    std::size_t sent = std::size_t(lua_tointeger(L, 3));
    Step step = socket.send(data, size, &sent);
    lua_pushinteger(L, lua_Integer(sent));
    lua_replace(L, 3);
    if (step.is_done()) {
        lua_pushinteger(L, lua_Integer(sent));
        return 1;
    }
    int error = wait_or_error(L, socket, step, 4, wait);
    if (error == 0) return kWouldBlock;
    push_socket_error(L, socket.os(), error);
    lua_pushinteger(L, lua_Integer(sent));
    return 3;
}
const BlockingCall kWrite{attempt_write, park_on_os, "tcp:write"};

int tcp_write(lua_State* L) {
    StreamSocket& socket = check_tcp(L, 1)->socket;
    luaL_checkstring(L, 2);
    lua_settop(L, 2);
    if (socket.closed()) {
        push_socket_error(L, socket.os(), kErrorClosed);
        lua_pushinteger(L, 0);
        return 3;
    }
    lua_pushinteger(L, 0);
    push_deadline(L, socket.call_deadline());
    return run_socket_call(L, socket.os(), kWrite);
}

// read: [1] socket [2] size [3] deadline
int attempt_read(lua_State* L, Wait* wait) {
    StreamSocket& socket = stream_at(L, 1);
    std::size_t size = std::size_t(lua_tointeger(L, 2));
    Step step = socket.read_exact(size);
    if (step.is_done()) {
        lua_pushlstring(L, socket.buffer().data(), size);
        socket.buffer().consume(size);
        return 1;
    }
    int error = wait_or_error(L, socket, step, 3, wait);
    if (error == 0) return kWouldBlock;
    return push_read_failure(L, socket, error);
}
const BlockingCall kRead{attempt_read, park_on_os, "tcp:read"};

int tcp_read(lua_State* L) {
    StreamSocket& socket = check_tcp(L, 1)->socket;
    lua_Integer size = luaL_checkinteger(L, 2);
    luaL_argcheck(L, size >= 0, 2, "size must not be negative");
    lua_settop(L, 2);
    if (socket.closed()) return push_read_failure(L, socket, kErrorClosed);
    push_deadline(L, socket.call_deadline());
    return run_socket_call(L, socket.os(), kRead);
}

// readany: [1] socket [2] max [3] deadline
int attempt_readany(lua_State* L, Wait* wait) {
    StreamSocket& socket = stream_at(L, 1);
    std::size_t max = std::size_t(lua_tointeger(L, 2));
    Step step = socket.read_any();
    if (step.is_done()) {
        std::size_t size = socket.buffer().size() < max ? socket.buffer().size() : max;
        lua_pushlstring(L, socket.buffer().data(), size);
        socket.buffer().consume(size);
        return 1;
    }
    int error = wait_or_error(L, socket, step, 3, wait);
    if (error == 0) return kWouldBlock;
    return push_socket_error(L, socket.os(), error);
}
const BlockingCall kReadAny{attempt_readany, park_on_os, "tcp:readany"};

int tcp_readany(lua_State* L) {
    StreamSocket& socket = check_tcp(L, 1)->socket;
    lua_Integer max = luaL_checkinteger(L, 2);
    luaL_argcheck(L, max > 0, 2, "max must be positive");
    lua_settop(L, 2);
    if (socket.closed()) return push_socket_error(L, socket.os(), kErrorClosed);
    push_deadline(L, socket.call_deadline());
    return run_socket_call(L, socket.os(), kReadAny);
}

// readuntil iterator: upvalue 1 the socket (keeps it alive), upvalue 2 a
// ReadUntilState, so one lua_touserdata gives a call all it needs;
// slots [1] scan position [2] deadline
struct ReadUntilState {
    StreamSocket* socket;  // lives in upvalue 1's userdata, which never moves
    std::size_t pattern_size;
    bool inclusive;
    // the pattern's bytes follow the struct

    std::string_view pattern() const { return {reinterpret_cast<const char*>(this + 1), pattern_size}; }
};

const ReadUntilState& readuntil_state(lua_State* L) {
    return *static_cast<const ReadUntilState*>(lua_touserdata(L, lua_upvalueindex(2)));
}

// Hands out the line that ends at `found` and drops it and its delimiter.
int push_line(lua_State* L, const ReadUntilState& state, std::size_t found) {
    ReceiveBuffer& buffer = state.socket->buffer();
    lua_pushlstring(L, buffer.data(), state.inclusive ? found + state.pattern_size : found);
    buffer.consume(found + state.pattern_size);
    return 1;
}

int attempt_readuntil(lua_State* L, Wait* wait) {
    const ReadUntilState& state = readuntil_state(L);
    StreamSocket& socket = *state.socket;
    std::size_t scan_from = std::size_t(lua_tointeger(L, 1));
    std::size_t found = 0;
    Step step = socket.read_until(state.pattern(), &scan_from, &found);
    if (step.is_done()) return push_line(L, state, found);
    lua_pushinteger(L, lua_Integer(scan_from));
    lua_replace(L, 1);
    int error = wait_or_error(L, socket, step, 2, wait);
    if (error == 0) return kWouldBlock;
    return push_read_failure(L, socket, error);
}
const BlockingCall kReadUntil{attempt_readuntil, park_on_os, "readuntil iterator"};

int readuntil_next(lua_State* L) {
    const ReadUntilState& state = readuntil_state(L);
    StreamSocket& socket = *state.socket;
    lua_settop(L, 0);
    if (socket.closed()) return push_read_failure(L, socket, kErrorClosed);
    // Most calls find their line already buffered: hand it out without
    // laying out the blocking call (no slots, no clock read for a deadline).
    std::size_t found = socket.buffer().find(state.pattern());
    if (found != ReceiveBuffer::npos) return push_line(L, state, found);
    // What was searched stays searched.
    lua_pushinteger(L, lua_Integer(socket.buffer().resume_point(state.pattern_size)));
    push_deadline(L, socket.call_deadline());
    return run_socket_call(L, socket.os(), kReadUntil);
}

int tcp_readuntil(lua_State* L) {
    TcpObject* object = check_tcp(L, 1);
    std::size_t pattern_size = 0;
    const char* pattern = luaL_checklstring(L, 2, &pattern_size);
    luaL_argcheck(L, pattern_size > 0, 2, "pattern must not be empty");
    bool inclusive = lua_toboolean(L, 3);
    lua_settop(L, 2);
    auto* state = static_cast<ReadUntilState*>(lua_newuserdata(L, sizeof(ReadUntilState) + pattern_size));
    state->socket = &object->socket;
    state->pattern_size = pattern_size;
    state->inclusive = inclusive;
    std::memcpy(state + 1, pattern, pattern_size);
    lua_remove(L, 2);
    push_function(L, guarded<readuntil_next>, 2, "readuntil");
    return 1;
}

int tcp_shutdown(lua_State* L) {
    StreamSocket& socket = check_tcp(L, 1)->socket;
    ShutdownHow how;
    if (lua_type(L, 2) == LUA_TNUMBER) {
        lua_Integer value = lua_tointeger(L, 2);
        luaL_argcheck(L, value >= 0 && value <= 2, 2, "SHUT_RD, SHUT_WR or SHUT_RDWR expected");
        how = ShutdownHow(value);
    } else {
        static const char* const names[] = {"r", "w", "rw", nullptr};
        how = ShutdownHow(luaL_checkoption(L, 2, nullptr, names));
    }
    if (int error = socket.shutdown(how)) return push_socket_error(L, socket.os(), error);
    lua_pushboolean(L, 1);
    return 1;
}

}  // namespace

const luaL_Reg kTcpMethods[] = {
    {"connect", guarded<tcp_connect>},     {"listen", guarded<tcp_listen>},     {"accept", guarded<tcp_accept>},
    {"write", guarded<tcp_write>},         {"read", guarded<tcp_read>},         {"readany", guarded<tcp_readany>},
    {"readuntil", guarded<tcp_readuntil>}, {"shutdown", guarded<tcp_shutdown>}, {nullptr, nullptr},
};

}  // namespace lsock::lua
