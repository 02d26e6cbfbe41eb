// A UDP or unix datagram socket: one message per call, never buffered.
#pragma once

#include <cstddef>

#include "core/socket_base.hpp"

namespace lsock {

class DatagramSocket : public SocketBase {
public:
    DatagramSocket(Os& os, Family family) : SocketBase(os, SocketType::Datagram, family) {}
    // Adopts a descriptor opened by the caller: the `sock` module opens UDP
    // and raw sockets itself, with a protocol.
    DatagramSocket(Os& os, SocketType type, Family family, Fd adopted) : SocketBase(os, type, family, adopted) {}

    // Sets (or changes) the default peer; never blocks.
    int connect(const Address& address);
    Step send(const char* data, std::size_t size);
    Step send_to(const char* data, std::size_t size, const Address& to);
    // One datagram into buffer[0..capacity), truncated; *received is its
    // stored size. `from` may be null.
    Step receive(char* buffer, std::size_t capacity, std::size_t* received, Address* from);
};

}  // namespace lsock
