// Methods of sock UDP and raw sockets: connect (the default peer), send
// (to the default peer or an address) and recv (with the sender's address).
#include <cerrno>

#include "lua/common/errors.hpp"
#include "lua/common/guard.hpp"
#include "lua/sock/sock_address.hpp"
#include "lua/sock/sock_buffer.hpp"
#include "lua/sock/sock_socket.hpp"

namespace lsock::lua::sock {

namespace {

EndpointHints hints_for(const DatagramSock* datagram) {
    return EndpointHints{datagram->socket.type(), datagram->socket.family(), datagram->protocol, false};
}

// udp:connect(addr | host,port): sets the default peer; never blocks.
int datagram_connect(lua_State* L) {
    DatagramSock* datagram = check_datagram(L, 1);
    DatagramSocket& socket = datagram->socket;
    if (socket.closed()) return push_sock_error(L, socket.os(), kErrorClosed);
    int next = 0;
    if (int failed = push_endpoint(L, socket.os(), 2, hints_for(datagram), &next)) return failed;
    if (int error = socket.connect(candidate(ai_at(L, -1), 0))) return push_sock_error(L, socket.os(), error);
    lua_pushboolean(L, 1);
    return 1;
}

// send: [1] socket [2] data [3] size [4] ai, the lookup of a host name, or
// nil [5] deadline (for the lookup and the send together)
int attempt_send(lua_State* L, Wait* wait) {
    DatagramSocket& socket = datagram_at(L, 1)->socket;
    if (!lua_isnil(L, 4)) {
        if (int waiting = await_endpoint(L, 4, datagram_at(L, 1)->loop, deadline_at(L, 5), wait)) return waiting;
    }
    const char* data = bytes_at(L, 2);
    std::size_t size = std::size_t(lua_tointeger(L, 3));
    Step step = lua_isnil(L, 4) ? socket.send(data, size) : socket.send_to(data, size, candidate(ai_at(L, 4), 0));
    if (step.is_done()) {
        lua_pushinteger(L, lua_Integer(size));
        return 1;
    }
    return wait_or_expire(L, datagram_at(L, 1)->loop, socket, step, deadline_at(L, 5), wait);
}
const BlockingCall kSend{attempt_send, park_datagram, "udp:send"};

// udp:send(s | buf, [maxlen], [addr | host,port], [expires]) -> len.
// A number (or a nil followed by more arguments) after the data is maxlen;
// then an ai, sa, host string or false starts the address; a nil there
// stands for "no address" and a number is already `expires`.
int datagram_send(lua_State* L) {
    DatagramSock* datagram = check_datagram(L, 1);
    check_socket_thread(L, datagram->loop, 1, "udp:send");
    int top = lua_gettop(L);
    int length_arg = 0;
    int address_arg = 3;
    if (lua_type(L, 3) == LUA_TNUMBER || (lua_isnil(L, 3) && top >= 4)) {
        length_arg = 3;
        address_arg = 4;
    }
    std::size_t size = 0;
    check_bytes(L, 2, length_arg ? length_arg : top + 1, &size);
    int expires_arg = address_arg;
    int type = lua_type(L, address_arg);
    bool has_address = is_address_object(L, address_arg) || type == LUA_TSTRING ||
                       (type == LUA_TBOOLEAN && !lua_toboolean(L, address_arg));
    DatagramSocket& socket = datagram->socket;
    if (socket.closed()) return push_sock_error(L, socket.os(), kErrorClosed);
    if (has_address) {
        if (int failed = push_endpoint_in_thread(L, datagram->loop, address_arg, hints_for(datagram), &expires_arg))
            return failed;
    } else {
        if (type == LUA_TNIL) expires_arg = address_arg + 1;
        lua_pushnil(L);
    }
    int address = lua_gettop(L);
    double deadline = expires_arg <= top ? check_expires(L, expires_arg) : kNoDeadline;
    // The attempt's layout above the arguments, which then go.
    lua_pushvalue(L, 1);
    lua_pushvalue(L, 2);
    lua_pushinteger(L, lua_Integer(size));
    lua_pushvalue(L, address);
    push_deadline(L, deadline);
    for (int drop = lua_gettop(L) - 5; drop > 0; --drop) lua_remove(L, 1);
    return run_in_loop(L, datagram->loop, kSend);
}

// recv: [1] socket [2] buffer [3] size [4] deadline [5] sender sa
int attempt_recv(lua_State* L, Wait* wait) {
    DatagramSocket& socket = datagram_at(L, 1)->socket;
    std::size_t received = 0;
    Address* from = &static_cast<SaObject*>(lua_touserdata(L, 5))->address;
    Step step = socket.receive(space_at(L, 2), std::size_t(lua_tointeger(L, 3)), &received, from);
    if (step.is_done()) {
        lua_pushinteger(L, lua_Integer(received));
        lua_pushvalue(L, 5);
        return 2;
    }
    return wait_or_expire(L, datagram_at(L, 1)->loop, socket, step, deadline_at(L, 4), wait);
}
const BlockingCall kRecv{attempt_recv, park_datagram, "udp:recv"};

// udp:recv(buf, [maxlen], [expires]) -> len, sa (one datagram, cut to maxlen)
int datagram_recv(lua_State* L) {
    DatagramSock* datagram = check_datagram(L, 1);
    check_socket_thread(L, datagram->loop, 1, "udp:recv");
    DatagramSocket& socket = datagram->socket;
    std::size_t size = 0;
    check_space(L, 2, 3, &size);
    double deadline = check_expires(L, 4);
    if (socket.closed()) return push_sock_error(L, socket.os(), kErrorClosed);
    lua_settop(L, 2);
    lua_pushinteger(L, lua_Integer(size));
    push_deadline(L, deadline);
    push_sa(L);
    return run_in_loop(L, datagram->loop, kRecv);
}

}  // namespace

const luaL_Reg kDatagramMethods[] = {
    {"connect", guarded<datagram_connect>},
    {"send", guarded<datagram_send>},
    {"recv", guarded<datagram_recv>},
    {nullptr, nullptr},
};

}  // namespace lsock::lua::sock
