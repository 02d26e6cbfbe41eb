#include "windows/windows_address.hpp"

#include <afunix.h>

#include <cstddef>
#include <cstring>

namespace lsock::windows {

int to_native_family(Family family) {
    // lsock's numbers follow Linux (Inet6 = 10); Windows' AF_INET6 is 23.
    switch (family) {
        case Family::Inet: return AF_INET;
        case Family::Inet6: return AF_INET6;
        case Family::Unix: return AF_UNIX;
        default: return AF_UNSPEC;
    }
}

Family from_native_family(int family) {
    switch (family) {
        case AF_INET: return Family::Inet;
        case AF_INET6: return Family::Inet6;
        case AF_UNIX: return Family::Unix;
        default: return Family::Unspec;
    }
}

int to_sockaddr(const Address& address, sockaddr_storage* out) {
    std::memset(out, 0, sizeof *out);
    switch (address.family) {
        case Family::Inet: {
            auto* in = reinterpret_cast<sockaddr_in*>(out);
            in->sin_family = AF_INET;
            in->sin_port = htons(address.port);
            std::memcpy(&in->sin_addr, address.ip.data(), 4);
            return int(sizeof *in);
        }
        case Family::Inet6: {
            auto* in6 = reinterpret_cast<sockaddr_in6*>(out);
            in6->sin6_family = AF_INET6;
            in6->sin6_port = htons(address.port);
            in6->sin6_scope_id = address.scope_id;
            std::memcpy(&in6->sin6_addr, address.ip.data(), 16);
            return int(sizeof *in6);
        }
        case Family::Unix: {
            auto* un = reinterpret_cast<sockaddr_un*>(out);
            if (address.path.size() >= sizeof un->sun_path) return 0;
            un->sun_family = AF_UNIX;
            std::memcpy(un->sun_path, address.path.data(), address.path.size());
            return int(offsetof(sockaddr_un, sun_path) + address.path.size() + 1);
        }
        default:
            return 0;
    }
}

Address from_sockaddr(const sockaddr* address, int length) {
    switch (address->sa_family) {
        case AF_INET: {
            auto* in = reinterpret_cast<const sockaddr_in*>(address);
            std::array<std::uint8_t, 4> bytes;
            std::memcpy(bytes.data(), &in->sin_addr, 4);
            return Address::inet(bytes, ntohs(in->sin_port));
        }
        case AF_INET6: {
            auto* in6 = reinterpret_cast<const sockaddr_in6*>(address);
            std::array<std::uint8_t, 16> bytes;
            std::memcpy(bytes.data(), &in6->sin6_addr, 16);
            Address result = Address::inet6(bytes, ntohs(in6->sin6_port));
            result.scope_id = in6->sin6_scope_id;
            return result;
        }
        case AF_UNIX: {
            auto* un = reinterpret_cast<const sockaddr_un*>(address);
            std::size_t offset = offsetof(sockaddr_un, sun_path);
            std::size_t size = length > int(offset) ? std::size_t(length) - offset : 0;
            std::string path(un->sun_path, strnlen(un->sun_path, size));
            return Address::unix_path(path);
        }
        default:
            return Address{};
    }
}

}  // namespace lsock::windows
