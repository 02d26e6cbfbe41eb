// Methods of datagram sockets (UDP and unix datagram).
#include <cerrno>

#include "lua/common/blocking_call.hpp"
#include "lua/common/errors.hpp"
#include "lua/common/guard.hpp"
#include "lua/common/step_wait.hpp"
#include "lua/socket/socket_object.hpp"

namespace lsock::lua {

namespace {

// Datagrams never exceed 64 KiB on IP; unix datagrams are bounded by the
// socket's buffer. Receiving into more than this would only waste memory.
constexpr std::size_t kLargestDatagram = 256 * 1024;

UdpObject& udp_at(lua_State* L, int index) { return *static_cast<UdpObject*>(lua_touserdata(L, index)); }

// A step that is not done: wait, or report its error (or the timeout).
int wait_or_report(lua_State* L, DatagramSocket& socket, const Step& step, int deadline_slot, Wait* wait) {
    if (int error = wait_or_error(socket.os(), socket.fd(), step, deadline_at(L, deadline_slot), wait))
        return push_socket_error(L, socket.os(), error);
    return kWouldBlock;
}

int udp_connect(lua_State* L) {
    DatagramSocket& socket = check_udp(L, 1)->socket;
    if (socket.closed()) return push_socket_error(L, socket.os(), kErrorClosed);
    if (int failed = push_lookup(L, socket.os(), 2, socket.family(), SocketType::Datagram, false,
                                 socket.call_deadline()))
        return failed;
    if (int error = socket.connect(address_list(L, -1).front())) return push_socket_error(L, socket.os(), error);
    lua_pushboolean(L, 1);
    return 1;
}

// send / sendto: [1] socket [2] data [3] destination list or nil [4] deadline
int attempt_send(lua_State* L, Wait* wait) {
    DatagramSocket& socket = udp_at(L, 1).socket;
    std::size_t size = 0;
    const char* data = lua_tolstring(L, 2, &size);
    Step step = lua_isnil(L, 3) ? socket.send(data, size) : socket.send_to(data, size, address_list(L, 3).front());
    if (step.is_done()) {
        lua_pushboolean(L, 1);
        return 1;
    }
    return wait_or_report(L, socket, step, 4, wait);
}
const BlockingCall kSend{attempt_send, park_on_os, "udp:send"};

int udp_send(lua_State* L) {
    DatagramSocket& socket = check_udp(L, 1)->socket;
    luaL_checkstring(L, 2);
    lua_settop(L, 2);
    if (socket.closed()) return push_socket_error(L, socket.os(), kErrorClosed);
    lua_pushnil(L);
    push_deadline(L, socket.call_deadline());
    return run_socket_call(L, socket.os(), kSend);
}

int udp_sendto(lua_State* L) {
    DatagramSocket& socket = check_udp(L, 1)->socket;
    luaL_checkstring(L, 2);
    lua_settop(L, 4);
    if (socket.closed()) return push_socket_error(L, socket.os(), kErrorClosed);
    // One deadline for the lookup and the send.
    double deadline = socket.call_deadline();
    if (int failed = push_lookup(L, socket.os(), 3, socket.family(), SocketType::Datagram, false, deadline))
        return failed;
    lua_replace(L, 3);
    lua_settop(L, 3);
    push_deadline(L, deadline);
    return run_socket_call(L, socket.os(), kSend);
}

// recv / recvfrom: [1] socket [2] size [3] the sender's address (a
// Lua-owned Address) or nil [4] deadline
int attempt_receive(lua_State* L, Wait* wait) {
    UdpObject& object = udp_at(L, 1);
    DatagramSocket& socket = object.socket;
    std::size_t size = std::size_t(lua_tointeger(L, 2));
    Address* from = lua_isnil(L, 3) ? nullptr : static_cast<Address*>(lua_touserdata(L, 3));
    if (object.scratch.size() < size) object.scratch.resize(size);
    std::size_t received = 0;
    Step step = socket.receive(&object.scratch[0], size, &received, from);
    if (step.is_done()) {
        lua_pushlstring(L, object.scratch.data(), received);
        if (!from) return 1;
        push_address(L, *from);
        return 2;
    }
    return wait_or_report(L, socket, step, 4, wait);
}
const BlockingCall kReceive{attempt_receive, park_on_os, "udp:recv"};

template <bool WithAddress>
int udp_receive(lua_State* L) {
    DatagramSocket& socket = check_udp(L, 1)->socket;
    lua_Integer size = luaL_checkinteger(L, 2);
    luaL_argcheck(L, size > 0, 2, "size must be positive");
    lua_settop(L, 2);
    if (size > lua_Integer(kLargestDatagram)) {
        lua_pushinteger(L, lua_Integer(kLargestDatagram));
        lua_replace(L, 2);
    }
    if (socket.closed()) return push_socket_error(L, socket.os(), kErrorClosed);
    if (WithAddress) {
        push_address_box(L);
    } else {
        lua_pushnil(L);
    }
    push_deadline(L, socket.call_deadline());
    return run_socket_call(L, socket.os(), kReceive);
}

}  // namespace

const luaL_Reg kUdpMethods[] = {
    {"connect", guarded<udp_connect>},       {"send", guarded<udp_send>},
    {"sendto", guarded<udp_sendto>},         {"recv", guarded<udp_receive<false>>},
    {"recvfrom", guarded<udp_receive<true>>}, {nullptr, nullptr},
};

}  // namespace lsock::lua
