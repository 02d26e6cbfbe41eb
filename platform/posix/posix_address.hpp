// Conversions between lsock::Address and the kernel's sockaddr structures.
#pragma once

#include <sys/socket.h>

#include "lsock/address.hpp"

namespace lsock::posix {

int to_native_family(Family family);
Family from_native_family(int family);

// Fills `out`; returns the length to pass to the kernel, 0 if the address
// cannot be expressed (a unix path too long for sun_path).
socklen_t to_sockaddr(const Address& address, sockaddr_storage* out);
Address from_sockaddr(const sockaddr* address, socklen_t length);

}  // namespace lsock::posix
