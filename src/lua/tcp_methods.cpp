// Methods of stream sockets (TCP and unix stream). Each blocking method is
// an entry that checks arguments and lays out its stack slots, plus an
// attempt that run_blocking calls until it finishes (see blocking_call.hpp).
#include <cerrno>
#include <cstring>
#include <string_view>

#include "lua/blocking_call.hpp"
#include "lua/socket_object.hpp"

namespace lsock::lua {

namespace {

StreamSocket& stream_at(lua_State* L, int index) { return static_cast<TcpObject*>(lua_touserdata(L, index))->socket; }

// Shared by every attempt that found the socket not ready: wait for `events`
// unless the call's deadline (in slot `deadline_slot`) has passed.
int wait_or_time_out(lua_State* L, StreamSocket& socket, unsigned events, int deadline_slot, Wait* wait) {
    double deadline = deadline_at(L, deadline_slot);
    double now = socket.os().now();
    if (now >= deadline) return 0;
    if (events == 0) {
        // Nothing will signal readiness (Step::retry_soon): try again shortly.
        constexpr double kRetryPause = 0.01;
        wait->pause_until(now + kRetryPause < deadline ? now + kRetryPause : deadline);
        return kWouldBlock;
    }
    wait->on(socket.fd(), events, deadline);
    return kWouldBlock;
}

// For a step that did not finish: true when the call should wait (`wait` is
// filled); otherwise *error is what to report, the step's own error or, for
// a step still blocked at the deadline, the timeout.
bool should_wait(lua_State* L, StreamSocket& socket, const Step& step, int deadline_slot, Wait* wait, int* error) {
    *error = step.error;
    if (!step.is_blocked()) return false;
    if (wait_or_time_out(L, socket, step.events, deadline_slot, wait) == kWouldBlock) return true;
    *error = kErrorTimeout;
    return false;
}

// Hands out everything buffered as the `partial` of a failed read, so no
// byte that arrived is lost to the caller.
int push_read_failure(lua_State* L, StreamSocket& socket, int error) {
    push_failure(L, socket.os(), error);
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
            if (wait_or_time_out(L, socket, step.events, 6, wait) == kWouldBlock) return kWouldBlock;
            // A non-blocking caller polls the connect later (select for
            // writable, then connect again); anyone else gave up on it.
            if (socket.timeout() != 0) socket.close();
            return push_failure(L, socket.os(), kErrorTimeout);
        }
        if (index + 1 < candidates.size() && socket.reopen(candidates[index + 1].family) == 0) {
            lua_pushinteger(L, lua_Integer(index + 1));
            lua_replace(L, 5);
            continue;
        }
        // After a failed connect the socket is closed (SPEC).
        socket.close();
        return push_failure(L, socket.os(), step.error);
    }
}
const AttemptRef kConnect{attempt_connect};

int tcp_connect(lua_State* L) {
    StreamSocket& socket = check_tcp(L, 1)->socket;
    lua_settop(L, 3);
    if (socket.closed()) return push_failure(L, socket.os(), kErrorClosed);
    if (!socket.connecting()) {
        if (int failed = push_lookup(L, socket.os(), 2, socket.family(), SocketType::Stream, false)) {
            socket.close();
            return failed;
        }
    } else {
        // A second connect after a non-blocking one finishes that one.
        if (int failed = push_lookup(L, socket.os(), 2, socket.family(), SocketType::Stream, false)) return failed;
    }
    lua_pushinteger(L, 0);
    push_deadline(L, socket.call_deadline());
    return run_blocking(L, socket.os(), kConnect);
}

int tcp_listen(lua_State* L) {
    StreamSocket& socket = check_tcp(L, 1)->socket;
    lua_Integer backlog = luaL_optinteger(L, 2, 128);
    luaL_argcheck(L, backlog >= 0, 2, "backlog must not be negative");
    if (int error = socket.listen(int(backlog > 65535 ? 65535 : backlog))) return push_failure(L, socket.os(), error);
    lua_pushboolean(L, 1);
    return 1;
}

// accept: [1] socket [2] deadline
int attempt_accept(lua_State* L, Wait* wait) {
    StreamSocket& socket = stream_at(L, 1);
    Fd accepted = kNoFd;
    Step step = socket.accept(&accepted, nullptr);
    if (step.is_blocked()) {
        if (wait_or_time_out(L, socket, step.events, 2, wait) == kWouldBlock) return kWouldBlock;
        return push_failure(L, socket.os(), kErrorTimeout);
    }
    if (step.is_failed()) return push_failure(L, socket.os(), step.error);
    lua_getuservalue(L, 1);  // the listener's module environment
    TcpObject* client = new_tcp(L, -1, socket.family(), accepted);
    client->socket.set_timeout(socket.timeout());  // accepted sockets inherit the timeout
    return 1;
}
const AttemptRef kAccept{attempt_accept};

int tcp_accept(lua_State* L) {
    StreamSocket& socket = check_tcp(L, 1)->socket;
    lua_settop(L, 1);
    push_deadline(L, socket.call_deadline());
    return run_blocking(L, socket.os(), kAccept);
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
    int error = 0;
    if (should_wait(L, socket, step, 4, wait, &error)) return kWouldBlock;
    push_failure(L, socket.os(), error);
    lua_pushinteger(L, lua_Integer(sent));
    return 3;
}
const AttemptRef kWrite{attempt_write};

int tcp_write(lua_State* L) {
    StreamSocket& socket = check_tcp(L, 1)->socket;
    luaL_checkstring(L, 2);
    lua_settop(L, 2);
    if (socket.closed()) {
        push_failure(L, socket.os(), kErrorClosed);
        lua_pushinteger(L, 0);
        return 3;
    }
    lua_pushinteger(L, 0);
    push_deadline(L, socket.call_deadline());
    return run_blocking(L, socket.os(), kWrite);
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
    int error = 0;
    if (should_wait(L, socket, step, 3, wait, &error)) return kWouldBlock;
    return push_read_failure(L, socket, error);
}
const AttemptRef kRead{attempt_read};

int tcp_read(lua_State* L) {
    StreamSocket& socket = check_tcp(L, 1)->socket;
    lua_Integer size = luaL_checkinteger(L, 2);
    luaL_argcheck(L, size >= 0, 2, "size must not be negative");
    lua_settop(L, 2);
    if (socket.closed()) return push_read_failure(L, socket, kErrorClosed);
    push_deadline(L, socket.call_deadline());
    return run_blocking(L, socket.os(), kRead);
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
    int error = 0;
    if (should_wait(L, socket, step, 3, wait, &error)) return kWouldBlock;
    return push_failure(L, socket.os(), error);
}
const AttemptRef kReadAny{attempt_readany};

int tcp_readany(lua_State* L) {
    StreamSocket& socket = check_tcp(L, 1)->socket;
    lua_Integer max = luaL_checkinteger(L, 2);
    luaL_argcheck(L, max > 0, 2, "max must be positive");
    lua_settop(L, 2);
    if (socket.closed()) return push_failure(L, socket.os(), kErrorClosed);
    push_deadline(L, socket.call_deadline());
    return run_blocking(L, socket.os(), kReadAny);
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
    int error = 0;
    if (should_wait(L, socket, step, 2, wait, &error)) return kWouldBlock;
    return push_read_failure(L, socket, error);
}
const AttemptRef kReadUntil{attempt_readuntil};

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
    return run_blocking(L, socket.os(), kReadUntil);
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
    lua_pushcclosure(L, readuntil_next, 2);
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
    if (int error = socket.shutdown(how)) return push_failure(L, socket.os(), error);
    lua_pushboolean(L, 1);
    return 1;
}

}  // namespace

void register_tcp_methods(lua_State* L) {
    static const luaL_Reg methods[] = {
        {"connect", tcp_connect}, {"listen", tcp_listen},       {"accept", tcp_accept},
        {"write", tcp_write},     {"read", tcp_read},           {"readany", tcp_readany},
        {"readuntil", tcp_readuntil}, {"shutdown", tcp_shutdown}, {nullptr, nullptr},
    };
    luaL_setfuncs(L, methods, 0);
}

}  // namespace lsock::lua
