// The BSD socket API's numbers and structures for lsock's types, once for
// every kernel that speaks that API: POSIX (platform/posix) and Winsock 2
// (platform/windows). Header-only, so that each backend compiles it against
// its own system headers: the names are the same, the values are not
// (Windows' AF_INET6 is 23, Linux's 10; lsock's numbers follow Linux) and
// neither are a few types (socklen_t is an int on Windows).
//
// May depend on: include/lsock, the system's socket headers, the C++17
// standard library. Included only by the backends' own files.
#pragma once

#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
#include <afunix.h>
#else
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>
#endif

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "lsock/address.hpp"
#include "lsock/os.hpp"

namespace lsock::bsd {

inline int to_native_family(Family family) {
    switch (family) {
        case Family::Inet: return AF_INET;
        case Family::Inet6: return AF_INET6;
        case Family::Unix: return AF_UNIX;
        default: return AF_UNSPEC;
    }
}

inline Family from_native_family(int family) {
    switch (family) {
        case AF_INET: return Family::Inet;
        case AF_INET6: return Family::Inet6;
        case AF_UNIX: return Family::Unix;
        default: return Family::Unspec;
    }
}

inline int native_type(SocketType type) {
    switch (type) {
        case SocketType::Stream: return SOCK_STREAM;
        case SocketType::Datagram: return SOCK_DGRAM;
        case SocketType::Raw: return SOCK_RAW;
        default: return 0;
    }
}

inline SocketType from_native_type(int type) {
    switch (type) {
        case SOCK_STREAM: return SocketType::Stream;
        case SOCK_DGRAM: return SocketType::Datagram;
        case SOCK_RAW: return SocketType::Raw;
        default: return SocketType::Any;
    }
}

struct NativeOption {
    int level;
    int name;
};

// Name 0: the kernel has no such option (SO_REUSEPORT on Windows). Windows
// answers ReuseAddr and ReusePort itself, before it asks this table
// (platform/windows/README.md, "SO_REUSEADDR").
inline NativeOption native_option(SocketOption option) {
    switch (option) {
        case SocketOption::ReuseAddr: return {SOL_SOCKET, SO_REUSEADDR};
#ifdef SO_REUSEPORT
        case SocketOption::ReusePort: return {SOL_SOCKET, SO_REUSEPORT};
#else
        case SocketOption::ReusePort: return {SOL_SOCKET, 0};
#endif
        case SocketOption::KeepAlive: return {SOL_SOCKET, SO_KEEPALIVE};
        case SocketOption::NoDelay: return {IPPROTO_TCP, TCP_NODELAY};
        case SocketOption::Broadcast: return {SOL_SOCKET, SO_BROADCAST};
        case SocketOption::ReceiveBuffer: return {SOL_SOCKET, SO_RCVBUF};
        case SocketOption::SendBuffer: return {SOL_SOCKET, SO_SNDBUF};
        case SocketOption::Linger: return {SOL_SOCKET, SO_LINGER};
        case SocketOption::Error: return {SOL_SOCKET, SO_ERROR};
    }
    return {SOL_SOCKET, 0};
}

// getaddrinfo's flags for lsock's kResolve* bits.
inline int native_flags(int flags) {
    int native = 0;
    if (flags & kResolvePassive) native |= AI_PASSIVE;
    if (flags & kResolveCanonName) native |= AI_CANONNAME;
    if (flags & kResolveNumericHost) native |= AI_NUMERICHOST;
    if (flags & kResolveNumericServ) native |= AI_NUMERICSERV;
    if (flags & kResolveAll) native |= AI_ALL;
    if (flags & kResolveV4Mapped) native |= AI_V4MAPPED;
    if (flags & kResolveAddrConfig) native |= AI_ADDRCONFIG;
    return native;
}

// getaddrinfo's EAI_* codes (Winsock's are WSA codes; EAI_NODATA is
// WSANO_DATA there) as lsock's ResolveError.
inline ResolveError from_gai_error(int code) {
    switch (code) {
        case 0: return ResolveError::None;
        case EAI_NONAME:
#ifdef EAI_NODATA
        case EAI_NODATA:
#endif
            return ResolveError::NotFound;
        case EAI_AGAIN: return ResolveError::TryAgain;
        case EAI_BADFLAGS: return ResolveError::BadFlags;
        case EAI_FAMILY:
#ifdef EAI_ADDRFAMILY
        case EAI_ADDRFAMILY:
#endif
            return ResolveError::BadFamily;
        case EAI_SOCKTYPE: return ResolveError::BadSocktype;
        case EAI_SERVICE: return ResolveError::BadService;
        case EAI_MEMORY: return ResolveError::Memory;
        default: return ResolveError::Failed;
    }
}

// Fills `out`; returns the length to pass to the kernel, 0 if the address
// cannot be expressed (a unix path too long for sun_path).
inline socklen_t to_sockaddr(const Address& address, sockaddr_storage* out) {
    std::memset(out, 0, sizeof *out);
    switch (address.family) {
        case Family::Inet: {
            auto* in = reinterpret_cast<sockaddr_in*>(out);
            in->sin_family = AF_INET;
            in->sin_port = htons(address.port);
            std::memcpy(&in->sin_addr, address.ip.data(), 4);
            return socklen_t(sizeof *in);
        }
        case Family::Inet6: {
            auto* in6 = reinterpret_cast<sockaddr_in6*>(out);
            in6->sin6_family = AF_INET6;
            in6->sin6_port = htons(address.port);
            in6->sin6_scope_id = address.scope_id;
            std::memcpy(&in6->sin6_addr, address.ip.data(), 16);
            return socklen_t(sizeof *in6);
        }
        case Family::Unix: {
            auto* un = reinterpret_cast<sockaddr_un*>(out);
            if (address.path.size() >= sizeof un->sun_path) return 0;
            un->sun_family = AF_UNIX;
            std::memcpy(un->sun_path, address.path.data(), address.path.size());
            return socklen_t(offsetof(sockaddr_un, sun_path) + address.path.size() + 1);
        }
        default:
            return 0;
    }
}

inline Address from_sockaddr(const sockaddr* address, socklen_t length) {
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
            std::size_t size = length > 0 && std::size_t(length) > offset ? std::size_t(length) - offset : 0;
            // Unnamed sockets have no path; named ones may carry a trailing NUL.
            std::string path(un->sun_path, strnlen(un->sun_path, size));
            return Address::unix_path(path);
        }
        default:
            return Address{};
    }
}

}  // namespace lsock::bsd
