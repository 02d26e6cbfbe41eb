// Methods of sock TCP sockets: listen, connect, accept, send, recv,
// shutdown. Each blocking method is an entry that checks its arguments and
// lays out its stack slots, and an attempt that the common runner calls until
// it finishes (lua/common/blocking_call.hpp); an attempt keeps no C++
// object with a destructor alive across a wait.
#include <cerrno>

#include "lua/common/errors.hpp"
#include "lua/common/guard.hpp"
#include "lua/common/types.hpp"
#include "lua/sock/sock_address.hpp"
#include "lua/sock/sock_buffer.hpp"
#include "lua/sock/sock_socket.hpp"
#include "lua/common/trampoline.hpp"

namespace lsock::lua::sock {

namespace {

// What listen asks the kernel for when no backlog is given: the kernel
// caps it at its own maximum (net.core.somaxconn).
constexpr lua_Integer kMaxBacklog = 65535;

// Every tcp method has two upvalues: the tcp and the buffer metatables, so
// that the hot ones check their arguments without a registry lookup.
constexpr int kTcpMetaUpvalue = 1;
constexpr int kBufferMetaUpvalue = 2;

TcpSock* check_tcp_fast(lua_State* L, int index) {
    void* memory = test_metatable(L, index, lua_upvalueindex(kTcpMetaUpvalue));
    if (memory) return static_cast<TcpSock*>(memory);
    return check_tcp(L, index);  // raises with the usual message
}

bool is_bound(SocketBase& socket) {
    Address local;
    if (socket.local_address(&local) != 0) return false;
    return local.family == Family::Unix ? !local.path.empty() : local.port != 0;
}

// tcp:listen([backlog, ]addr | host,port)
int tcp_listen(lua_State* L) {
    TcpSock* tcp = check_tcp(L, 1);
    int address_arg = 2;
    lua_Integer backlog = kMaxBacklog;
    if (lua_type(L, 2) == LUA_TNUMBER || (lua_isnil(L, 2) && lua_gettop(L) >= 3)) {
        backlog = luaL_optinteger(L, 2, kMaxBacklog);
        luaL_argcheck(L, backlog >= 0, 2, "backlog must not be negative");
        address_arg = 3;
    }
    StreamSocket& socket = tcp->socket;
    if (socket.closed()) return push_sock_error(L, socket.os(), kErrorClosed);
    if (!is_bound(socket)) {
        int next = 0;
        EndpointHints hints{SocketType::Stream, socket.family(), tcp->protocol, true};
        if (int failed = push_endpoint(L, socket.os(), address_arg, hints, &next)) return failed;
        if (int error = socket.bind(candidate(ai_at(L, -1), 0))) return push_sock_error(L, socket.os(), error);
    }
    if (int error = socket.listen(int(backlog > kMaxBacklog ? kMaxBacklog : backlog))) {
        return push_sock_error(L, socket.os(), error);
    }
    lua_pushboolean(L, 1);
    return 1;
}

// connect: [1] socket [2] ai, or the lookup of a host name [3] candidate
// number [4] deadline (for the lookup and the connect together)
int attempt_connect(lua_State* L, Wait* wait) {
    StreamSocket& socket = tcp_at(L, 1)->socket;
    LoopObject* loop = tcp_at(L, 1)->loop;
    if (int waiting = await_endpoint(L, 2, loop, deadline_at(L, 4), wait)) return waiting;
    const AiObject* ai = ai_at(L, 2);
    for (;;) {
        if (socket.closed()) return push_sock_error(L, socket.os(), kErrorClosed);
        std::size_t n = std::size_t(lua_tointeger(L, 3));
        Step step = socket.connect(candidate(ai, n));
        if (step.is_done()) {
            lua_pushboolean(L, 1);
            return 1;
        }
        // A connection made before this call is kept: the error is the answer.
        if (StreamSocket::already_connected(step)) return push_sock_error(L, socket.os(), step.error);
        if (step.is_blocked() || n + 1 >= candidate_count(ai))
            return wait_or_expire(L, loop, socket, step, deadline_at(L, 4), wait);
        // The next candidate, on a fresh descriptor (a failed one cannot
        // connect again); the scheduler forgets the old one first.
        socket.abandon_connect();
        if (loop->scheduler && socket.fd() != kNoFd) loop->scheduler->forget_fd(socket.fd());
        if (int error = socket.reopen(candidate(ai, n + 1).family)) return push_sock_error(L, socket.os(), error);
        lua_pushinteger(L, lua_Integer(n + 1));
        lua_replace(L, 3);
    }
}
const BlockingCall kConnect{attempt_connect, park_tcp, "tcp:connect"};

// tcp:connect(addr | host,port, [expires])
int tcp_connect(lua_State* L) {
    TcpSock* tcp = check_tcp(L, 1);
    check_socket_thread(L, tcp->loop, 1, "tcp:connect");
    StreamSocket& socket = tcp->socket;
    if (socket.closed()) return push_sock_error(L, socket.os(), kErrorClosed);
    int top = lua_gettop(L);
    int next = 0;
    EndpointHints hints{SocketType::Stream, socket.family(), tcp->protocol, false};
    if (int failed = push_endpoint_in_thread(L, tcp->loop, 2, hints, &next)) return failed;
    double deadline = next <= top ? check_expires(L, next) : kNoDeadline;
    // The ai (or the lookup) to slot 2 (with no address arguments it is already there).
    lua_pushvalue(L, -1);
    lua_replace(L, 2);
    lua_settop(L, 2);
    lua_pushinteger(L, 0);
    push_deadline(L, deadline);
    return run_in_loop(L, tcp->loop, kConnect);
}

// accept: [1] socket [2] deadline [3] client slot [4] remote sa [5] local sa
int attempt_accept(lua_State* L, Wait* wait) {
    TcpSock* tcp = tcp_at(L, 1);
    StreamSocket& socket = tcp->socket;
    if (socket.closed()) return push_sock_error(L, socket.os(), kErrorClosed);
    Fd accepted = kNoFd;
    Step step = socket.accept(&accepted, &static_cast<SaObject*>(lua_touserdata(L, 4))->address);
    if (!step.is_done()) return wait_or_expire(L, tcp->loop, socket, step, deadline_at(L, 2), wait);
    socket.os().local_address(accepted, &static_cast<SaObject*>(lua_touserdata(L, 5))->address);
    adopt_into_slot(L, 3, 1, socket.family(), accepted, tcp->protocol);
    lua_pushvalue(L, 3);
    lua_pushvalue(L, 4);
    lua_pushvalue(L, 5);
    return 3;
}
const BlockingCall kAccept{attempt_accept, park_tcp, "tcp:accept"};

// tcp:accept([expires]) -> ctcp, remote_sa, local_sa
int tcp_accept(lua_State* L) {
    TcpSock* tcp = check_tcp(L, 1);
    check_socket_thread(L, tcp->loop, 1, "tcp:accept");
    StreamSocket& socket = tcp->socket;
    double deadline = check_expires(L, 2);
    if (socket.closed()) return push_sock_error(L, socket.os(), kErrorClosed);
    lua_settop(L, 1);
    push_deadline(L, deadline);
    push_tcp_slot(L);
    push_sa(L);
    push_sa(L);
    return run_in_loop(L, tcp->loop, kAccept);
}

// send: [1] socket [2] data [3] size [4] sent so far [5] deadline
int attempt_send(lua_State* L, Wait* wait) {
    TcpSock* tcp = tcp_at(L, 1);
    StreamSocket& socket = tcp->socket;
    std::size_t size = std::size_t(lua_tointeger(L, 3));
    std::size_t sent = std::size_t(lua_tointeger(L, 4));
    Step step = socket.send(bytes_at(L, 2), size, &sent);
    lua_pushinteger(L, lua_Integer(sent));
    lua_replace(L, 4);
    if (step.is_done()) {
        lua_pushinteger(L, lua_Integer(size));
        return 1;
    }
    return wait_or_expire(L, tcp->loop, socket, step, deadline_at(L, 5), wait);
}
const BlockingCall kSend{attempt_send, park_tcp, "tcp:send"};

// tcp:send(s | buf, [maxlen], [expires]) -> len (all of it)
int tcp_send(lua_State* L) {
    TcpSock* tcp = check_tcp_fast(L, 1);
    check_socket_thread(L, tcp->loop, 1, "tcp:send");
    StreamSocket& socket = tcp->socket;
    std::size_t size = 0;
    const char* data = check_bytes(L, 2, 3, &size, lua_upvalueindex(kBufferMetaUpvalue));
    double deadline = check_expires(L, 4);
    if (socket.closed()) return push_sock_error(L, socket.os(), kErrorClosed);
    // The usual case first: the kernel takes it all at once, and none of
    // the slots a wait needs are laid out. (A thread whose turn is used up
    // takes the other path, which lets the others run first.)
    std::size_t sent = 0;
    if (may_go_on(tcp->loop)) {
        Step step = socket.send(data, size, &sent);
        if (step.is_done()) {
            lua_pushinteger(L, lua_Integer(size));
            return 1;
        }
        if (step.is_failed()) return push_sock_error(L, socket.os(), step.error);
    }
    lua_settop(L, 2);
    lua_pushinteger(L, lua_Integer(size));
    lua_pushinteger(L, lua_Integer(sent));
    push_deadline(L, deadline);
    return run_in_loop(L, tcp->loop, kSend);
}

// recv: [1] socket [2] buffer [3] size [4] deadline
int attempt_recv(lua_State* L, Wait* wait) {
    TcpSock* tcp = tcp_at(L, 1);
    StreamSocket& socket = tcp->socket;
    std::size_t size = std::size_t(lua_tointeger(L, 3));
    std::size_t received = 0;
    Step step = socket.receive(space_at(L, 2), size, &received);
    if (step.is_done()) {
        lua_pushinteger(L, lua_Integer(received));
        return 1;
    }
    return wait_or_expire(L, tcp->loop, socket, step, deadline_at(L, 4), wait);
}
const BlockingCall kRecv{attempt_recv, park_tcp, "tcp:recv"};

// tcp:recv(buf, [maxlen], [expires]) -> len > 0, or nil, "closed" at the peer's FIN
int tcp_recv(lua_State* L) {
    TcpSock* tcp = check_tcp_fast(L, 1);
    check_socket_thread(L, tcp->loop, 1, "tcp:recv");
    StreamSocket& socket = tcp->socket;
    std::size_t size = 0;
    char* space = check_space(L, 2, 3, &size, lua_upvalueindex(kBufferMetaUpvalue));
    double deadline = check_expires(L, 4);
    if (socket.closed()) return push_sock_error(L, socket.os(), kErrorClosed);
    // After a short read the kernel had nothing more: ask it again only if
    // the scheduler saw something arrive since. Otherwise the answer would
    // almost always be "would block", one system call per request.
    bool empty = socket.receive_drained() && tcp->loop->scheduler &&
                 !tcp->loop->scheduler->may_be_ready(socket.fd(), kReadable);
    bool turn_over = !empty && !may_go_on(tcp->loop);
    if (!empty && !turn_over) {
        // Data that is already there needs none of the slots a wait needs.
        std::size_t received = 0;
        Step step = socket.receive(space, size, &received);
        if (step.is_done()) {
            lua_pushinteger(L, lua_Integer(received));
            return 1;
        }
        if (step.is_failed()) return push_sock_error(L, socket.os(), step.error);
    }
    // Nothing there (or the turn is over): wait first, and let attempt_recv
    // read once woken.
    Wait wait;
    if (turn_over) {
        wait_for_next_turn(&wait);
    } else {
        int pushed = wait_or_expire(L, tcp->loop, socket, Step::blocked(kReadable), deadline, &wait);
        if (pushed != kWouldBlock) return pushed;
    }
    lua_settop(L, 2);
    lua_pushinteger(L, lua_Integer(size));
    push_deadline(L, deadline);
    lua_pushvalue(L, 1);  // the context of park_tcp
    return wait_then_run(L, kRecv, wait);
}

// tcp:shutdown("r" | "w" | "rw"): never blocks.
int tcp_shutdown(lua_State* L) {
    static const char* const names[] = {"r", "w", "rw", nullptr};
    static const ShutdownHow hows[] = {ShutdownHow::Read, ShutdownHow::Write, ShutdownHow::Both};
    StreamSocket& socket = check_tcp(L, 1)->socket;
    ShutdownHow how = hows[luaL_checkoption(L, 2, nullptr, names)];
    if (int error = socket.shutdown(how)) return push_sock_error(L, socket.os(), error);
    lua_pushboolean(L, 1);
    return 1;
}

}  // namespace

void register_tcp_methods(lua_State* L) {
    static const luaL_Reg methods[] = {
        {"listen", guarded<tcp_listen>}, {"connect", guarded<tcp_connect>},   {"accept", guarded<tcp_accept>},
        {"send", guarded<tcp_send>},     {"recv", guarded<tcp_recv>},         {"shutdown", guarded<tcp_shutdown>},
        {nullptr, nullptr},
    };
    // The method table is at -1, the tcp metatable below it (register_socket_type).
    lua_pushvalue(L, -2);
    push_buffer_metatable(L);
    set_methods(L, methods, 2);
}

}  // namespace lsock::lua::sock
