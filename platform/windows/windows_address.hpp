// Conversions between lsock::Address and Winsock's sockaddr structures.
#pragma once

#include <winsock2.h>
#include <ws2tcpip.h>

#include "lsock/address.hpp"

namespace lsock::windows {

int to_native_family(Family family);
Family from_native_family(int family);

// Fills `out`; returns the length to pass to Winsock, 0 if the address
// cannot be expressed (a unix path too long for sun_path).
int to_sockaddr(const Address& address, sockaddr_storage* out);
Address from_sockaddr(const sockaddr* address, int length);

}  // namespace lsock::windows
