#include "windows/windows_os.hpp"

#include <winsock2.h>
#include <ws2tcpip.h>
#include <mswsock.h>
#include <windows.h>

#include <cerrno>
#include <climits>
#include <cmath>
#include <cstring>
#include <vector>

#include "common/bsd_sockets.hpp"
#include "common/lookup_pool.hpp"
#include "lsock/error_text.hpp"
#include "windows/monotonic_clock.hpp"
#include "windows/wsa_errors.hpp"

namespace lsock {

Os& system_os() {
    static windows::WindowsOs os;
    return os;
}

namespace windows {

// The BSD socket mapping (families, types, options, resolver flags and
// errors, sockaddr), shared with the other real-kernel backend.
using namespace bsd;

namespace {

// Fd is pointer-sized on Windows (lsock/os.hpp), so a SOCKET crosses the
// seam unchanged; INVALID_SOCKET (~0) reads as kNoFd (-1).
SOCKET sock(Fd fd) { return SOCKET(fd); }

int result(int rc) { return rc == SOCKET_ERROR ? last_socket_error() : 0; }

IoResult io_result(int n) {
    if (n == SOCKET_ERROR) return {0, last_socket_error()};
    return {std::size_t(n), 0};
}

// Winsock's lengths are ints: a larger transfer moves its first INT_MAX
// bytes, which the caller sees as a short transfer.
int clamp(std::size_t size) { return size > std::size_t(INT_MAX) ? INT_MAX : int(size); }

// Winsock (Wine's at least) answers an IP lookup without a socket type
// with one entry of type 0 and protocol 0, and leaves the protocol 0 where
// the type names it; glibc gives one entry per type (stream/TCP,
// datagram/UDP, raw) and always names the protocol. Scripts see glibc's
// shape on every kernel.
void add_as_glibc_would(ResolvedAddress resolved, std::vector<ResolvedAddress>* out) {
    bool ip = resolved.family == Family::Inet || resolved.family == Family::Inet6;
    if (!ip) {
        out->push_back(std::move(resolved));
        return;
    }
    if (resolved.type == SocketType::Any) {
        if (resolved.protocol == IPPROTO_TCP) resolved.type = SocketType::Stream;
        if (resolved.protocol == IPPROTO_UDP) resolved.type = SocketType::Datagram;
    }
    if (resolved.type == SocketType::Any && resolved.protocol == 0) {
        const std::pair<SocketType, int> kinds[] = {
            {SocketType::Stream, IPPROTO_TCP}, {SocketType::Datagram, IPPROTO_UDP}, {SocketType::Raw, 0}};
        for (const auto& kind : kinds) {
            ResolvedAddress one = resolved;
            one.type = kind.first;
            one.protocol = kind.second;
            out->push_back(std::move(one));
            resolved.canonical_name.clear();  // on the first entry only
        }
        return;
    }
    if (resolved.protocol == 0 && resolved.type == SocketType::Stream) resolved.protocol = IPPROTO_TCP;
    if (resolved.protocol == 0 && resolved.type == SocketType::Datagram) resolved.protocol = IPPROTO_UDP;
    out->push_back(std::move(resolved));
}

// A socket handle is inheritable by default; the seam promises
// close-on-exec, which on Windows is "not inherited by child processes".
void make_private(SOCKET s) { ::SetHandleInformation(HANDLE(s), HANDLE_FLAG_INHERIT, 0); }

int make_non_blocking(SOCKET s) {
    u_long on = 1;
    return result(::ioctlsocket(s, FIONBIO, &on));
}

// A UDP socket that sent to a closed port has its next recvfrom fail with
// WSAECONNRESET (the ICMP port unreachable); POSIX reports that on a
// connected datagram socket only (as ECONNREFUSED). SIO_UDP_CONNRESET
// turns it off at creation and back on at connect.
void report_udp_unreachable(SOCKET s, bool on) {
#ifndef SIO_UDP_CONNRESET
#define SIO_UDP_CONNRESET _WSAIOW(IOC_VENDOR, 12)
#endif
    BOOL value = on ? TRUE : FALSE;
    DWORD bytes = 0;
    ::WSAIoctl(s, SIO_UDP_CONNRESET, &value, sizeof value, nullptr, 0, &bytes, nullptr, nullptr);
}

bool is_datagram(SOCKET s) {
    int type = 0;
    int length = sizeof type;
    return ::getsockopt(s, SOL_SOCKET, SO_TYPE, reinterpret_cast<char*>(&type), &length) == 0 && type == SOCK_DGRAM;
}

// An fd_set of any size: Winsock's fd_set is a count and an array of
// SOCKETs, FD_SETSIZE only the array's static length, and select reads
// fd_count entries. So socket.select has no FD_SETSIZE limit here.
class SocketSet {
public:
    explicit SocketSet(std::size_t capacity)
        : storage_(1 + (capacity * sizeof(SOCKET) + sizeof(u_int) + sizeof(SOCKET) - 1) / sizeof(SOCKET)) {}
    fd_set* get() { return reinterpret_cast<fd_set*>(storage_.data()); }
    void clear() { get()->fd_count = 0; }
    void add(SOCKET s) { get()->fd_array[get()->fd_count++] = s; }
    bool empty() { return get()->fd_count == 0; }
    fd_set* or_null() { return empty() ? nullptr : get(); }
    bool has(SOCKET s) {
        fd_set* set = get();
        for (u_int i = 0; i < set->fd_count; ++i)
            if (set->fd_array[i] == s) return true;
        return false;
    }

private:
    std::vector<SOCKET> storage_;  // SOCKET-aligned room for fd_count + fd_array
};

}  // namespace

WindowsOs::WindowsOs() {
    WSADATA data;
    ::WSAStartup(MAKEWORD(2, 2), &data);
}

WindowsOs::~WindowsOs() { ::WSACleanup(); }

int WindowsOs::open_socket(Family family, SocketType type, int protocol, Fd* out) {
    SOCKET s = ::WSASocketW(to_native_family(family), native_type(type), protocol, nullptr, 0,
                            WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
    if (s == INVALID_SOCKET) return last_socket_error();
    if (int error = make_non_blocking(s)) {
        ::closesocket(s);
        return error;
    }
    if (type == SocketType::Datagram) report_udp_unreachable(s, false);
    // Windows makes an IPv6 socket IPv6-only; Linux (and the simulated
    // kernel) make it dual-stack, so that a listener on "::" also takes
    // IPv4 clients (as ::ffff:a.b.c.d). Ask for Linux's default, so a
    // script binds the same way on every kernel. Raw sockets keep theirs.
    if (family == Family::Inet6 && type != SocketType::Raw) {
        DWORD v6only = 0;
        ::setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, reinterpret_cast<const char*>(&v6only), sizeof v6only);
    }
    *out = Fd(s);
    return 0;
}

int WindowsOs::close(Fd fd) {
    {
        std::lock_guard<std::mutex> lock(reuse_mutex_);
        reuse_addr_.erase(fd);
    }
    return result(::closesocket(sock(fd)));
}

int WindowsOs::bind(Fd fd, const Address& address) {
    sockaddr_storage native;
    int length = to_sockaddr(address, &native);
    if (!length) return address.family == Family::Unix ? ENAMETOOLONG : EAFNOSUPPORT;
    return result(::bind(sock(fd), reinterpret_cast<sockaddr*>(&native), length));
}

int WindowsOs::listen(Fd fd, int backlog) { return result(::listen(sock(fd), backlog)); }

int WindowsOs::connect(Fd fd, const Address& address) {
    sockaddr_storage native;
    int length = to_sockaddr(address, &native);
    if (!length) return address.family == Family::Unix ? ENAMETOOLONG : EAFNOSUPPORT;
    if (::connect(sock(fd), reinterpret_cast<sockaddr*>(&native), length) == 0) {
        if (is_datagram(sock(fd))) report_udp_unreachable(sock(fd), true);
        return 0;
    }
    int error = ::WSAGetLastError();
    // A non-blocking connect that has started says WSAEWOULDBLOCK (POSIX:
    // EINPROGRESS); a second connect while it runs says WSAEALREADY or
    // WSAEINVAL.
    if (error == WSAEWOULDBLOCK) return EINPROGRESS;
    return errno_of_wsa(error);
}

int WindowsOs::finish_connect(Fd fd) {
    int error = 0;
    int length = sizeof error;
    if (::getsockopt(sock(fd), SOL_SOCKET, SO_ERROR, reinterpret_cast<char*>(&error), &length) != 0)
        return last_socket_error();
    if (error) return errno_of_wsa(error);
    sockaddr_storage peer;
    int peer_length = sizeof peer;
    if (::getpeername(sock(fd), reinterpret_cast<sockaddr*>(&peer), &peer_length) == 0) return 0;
    int code = ::WSAGetLastError();
    return code == WSAENOTCONN ? EINPROGRESS : errno_of_wsa(code);
}

int WindowsOs::accept(Fd fd, Fd* out, Address* peer) {
    sockaddr_storage native;
    int length = sizeof native;
    SOCKET accepted = ::accept(sock(fd), reinterpret_cast<sockaddr*>(&native), &length);
    if (accepted == INVALID_SOCKET) return last_socket_error();
    // An accepted socket inherits the listener's non-blocking mode, but not
    // reliably its inheritance flag: set both.
    make_private(accepted);
    if (int error = make_non_blocking(accepted)) {
        ::closesocket(accepted);
        return error;
    }
    *out = Fd(accepted);
    if (peer) *peer = from_sockaddr(reinterpret_cast<sockaddr*>(&native), length);
    return 0;
}

// Windows has no SIGPIPE: a send to a peer that went away fails with
// WSAECONNRESET or WSAESHUTDOWN, never kills the process. No flag needed.
IoResult WindowsOs::send(Fd fd, const void* data, std::size_t size) {
    return io_result(::send(sock(fd), static_cast<const char*>(data), clamp(size), 0));
}

IoResult WindowsOs::send_to(Fd fd, const void* data, std::size_t size, const Address& to) {
    sockaddr_storage native;
    int length = to_sockaddr(to, &native);
    if (!length) return {0, to.family == Family::Unix ? ENAMETOOLONG : EAFNOSUPPORT};
    return io_result(::sendto(sock(fd), static_cast<const char*>(data), clamp(size), 0,
                              reinterpret_cast<sockaddr*>(&native), length));
}

// After shutdown(SD_RECEIVE) Winsock fails a receive with WSAESHUTDOWN;
// POSIX reads end of stream there, and so does the seam. On a datagram
// socket WSAECONNRESET is the ICMP port unreachable, POSIX's ECONNREFUSED.
static IoResult receive_result(SOCKET s, int n) {
    if (n != SOCKET_ERROR) return {std::size_t(n), 0};
    int error = ::WSAGetLastError();
    if (error == WSAESHUTDOWN) return {0, 0};
    if (error == WSAECONNRESET && is_datagram(s)) return {0, ECONNREFUSED};
    return {0, errno_of_wsa(error)};
}

IoResult WindowsOs::receive(Fd fd, void* buffer, std::size_t size) {
    return receive_result(sock(fd), ::recv(sock(fd), static_cast<char*>(buffer), clamp(size), 0));
}

IoResult WindowsOs::receive_from(Fd fd, void* buffer, std::size_t size, Address* from) {
    sockaddr_storage native;
    int length = sizeof native;
    int n = ::recvfrom(sock(fd), static_cast<char*>(buffer), clamp(size), 0, reinterpret_cast<sockaddr*>(&native),
                       &length);
    if (n == SOCKET_ERROR) {
        // A datagram larger than the buffer: Winsock fills the buffer and
        // fails with WSAEMSGSIZE; POSIX returns the truncated datagram.
        if (::WSAGetLastError() != WSAEMSGSIZE) return receive_result(sock(fd), n);
        n = clamp(size);
    }
    if (from) *from = length ? from_sockaddr(reinterpret_cast<sockaddr*>(&native), length) : Address{};
    return {std::size_t(n), 0};
}

int WindowsOs::shutdown(Fd fd, ShutdownHow how) {
    int native = how == ShutdownHow::Read ? SD_RECEIVE : how == ShutdownHow::Write ? SD_SEND : SD_BOTH;
    return result(::shutdown(sock(fd), native));
}

int WindowsOs::set_option(Fd fd, SocketOption option, int value) {
    if (option == SocketOption::Error) return ENOPROTOOPT;
    // SO_REUSEPORT does not exist; Windows' SO_REUSEADDR is its nearest
    // relative, and means "may steal a port in use": not offered.
    if (option == SocketOption::ReusePort) return ENOPROTOOPT;
    if (option == SocketOption::ReuseAddr) {
        std::lock_guard<std::mutex> lock(reuse_mutex_);
        if (value) reuse_addr_.insert(fd);
        else reuse_addr_.erase(fd);
        return 0;
    }
    NativeOption native = native_option(option);
    if (option == SocketOption::Linger) {
        linger l{u_short(value >= 0 ? 1 : 0), u_short(value >= 0 ? (value > 65535 ? 65535 : value) : 0)};
        return result(::setsockopt(sock(fd), native.level, native.name, reinterpret_cast<const char*>(&l), sizeof l));
    }
    // Winsock's boolean options take a DWORD (a BOOL); so do the sizes.
    DWORD native_value = DWORD(value);
    return result(::setsockopt(sock(fd), native.level, native.name, reinterpret_cast<const char*>(&native_value),
                               sizeof native_value));
}

int WindowsOs::get_option(Fd fd, SocketOption option, int* value) {
    if (option == SocketOption::ReusePort) return ENOPROTOOPT;
    if (option == SocketOption::ReuseAddr) {
        std::lock_guard<std::mutex> lock(reuse_mutex_);
        *value = reuse_addr_.count(fd) ? 1 : 0;
        return 0;
    }
    NativeOption native = native_option(option);
    if (option == SocketOption::Linger) {
        linger l{};
        int length = sizeof l;
        if (::getsockopt(sock(fd), native.level, native.name, reinterpret_cast<char*>(&l), &length) != 0)
            return last_socket_error();
        *value = l.l_onoff ? int(l.l_linger) : -1;
        return 0;
    }
    // Booleans may come back as one byte (Wine and older Windows do that
    // for TCP_NODELAY): read into a zeroed DWORD.
    DWORD native_value = 0;
    int length = sizeof native_value;
    if (::getsockopt(sock(fd), native.level, native.name, reinterpret_cast<char*>(&native_value), &length) != 0)
        return last_socket_error();
    *value = option == SocketOption::Error ? errno_of_wsa(int(native_value)) : int(native_value);
    return 0;
}

int WindowsOs::local_address(Fd fd, Address* out) {
    sockaddr_storage native;
    int length = sizeof native;
    if (::getsockname(sock(fd), reinterpret_cast<sockaddr*>(&native), &length) != 0) return last_socket_error();
    *out = from_sockaddr(reinterpret_cast<sockaddr*>(&native), length);
    return 0;
}

int WindowsOs::peer_address(Fd fd, Address* out) {
    sockaddr_storage native;
    int length = sizeof native;
    if (::getpeername(sock(fd), reinterpret_cast<sockaddr*>(&native), &length) != 0) return last_socket_error();
    *out = from_sockaddr(reinterpret_cast<sockaddr*>(&native), length);
    return 0;
}

ResolveError WindowsOs::resolve(const char* host, const char* service, const ResolveHints& hints,
                                std::vector<ResolvedAddress>* out) {
    addrinfo native_hints{};
    native_hints.ai_family = to_native_family(hints.family);
    native_hints.ai_socktype = native_type(hints.type);
    native_hints.ai_protocol = hints.protocol;
    native_hints.ai_flags = native_flags(hints.flags);
    addrinfo* list = nullptr;
    int code = ::getaddrinfo(host, service, &native_hints, &list);
    if (code != 0) {
        if (list) ::freeaddrinfo(list);
        return from_gai_error(code);
    }
    for (addrinfo* entry = list; entry; entry = entry->ai_next) {
        Family family = from_native_family(entry->ai_family);
        if (family == Family::Unspec) continue;
        ResolvedAddress resolved;
        resolved.family = family;
        resolved.type = from_native_type(entry->ai_socktype);
        resolved.protocol = entry->ai_protocol;
        resolved.address = from_sockaddr(entry->ai_addr, int(entry->ai_addrlen));
        if (entry->ai_canonname) resolved.canonical_name = entry->ai_canonname;
        add_as_glibc_would(std::move(resolved), out);
    }
    ::freeaddrinfo(list);
    return ResolveError::None;
}

std::unique_ptr<PendingResolve> WindowsOs::start_resolve(const char* host, const char* service,
                                                        const ResolveHints& hints) {
    // The lookup thread runs this very resolve; system_os() lives as long
    // as the process.
    auto blocking = [this](const char* h, const char* s, const ResolveHints& x, std::vector<ResolvedAddress>* out) {
        return resolve(h, s, x, out);
    };
    return common::start_async_resolve(blocking, host, service, hints);
}

std::string WindowsOs::resolve_error_message(ResolveError error) { return resolve_error_text(error); }

std::string WindowsOs::error_message(int error) { return errno_text(error); }

int WindowsOs::wait(PollItem* items, std::size_t count, double deadline) {
    // select(), not WSAPoll: WSAPoll never reports a connect that failed
    // (no POLLERR, no POLLHUP: the caller would wait for its whole timeout;
    // Microsoft's acknowledged bug, fixed only in Windows 10 2004), while
    // select puts it in the except set. The `sock` module's long-lived
    // interest set will use AFD poll over an IOCP instead (README).
    SocketSet readers(count), writers(count), failures(count);
    for (std::size_t i = 0; i < count; ++i) items[i].revents = 0;
    for (;;) {
        readers.clear();
        writers.clear();
        failures.clear();
        for (std::size_t i = 0; i < count; ++i) {
            SOCKET s = sock(items[i].fd);
            if (items[i].events & kReadable) readers.add(s);
            if (items[i].events & kWritable) writers.add(s);
            failures.add(s);  // a failed connect; also out-of-band data, unused here
        }
        timeval timeout{};
        timeval* timeout_ptr = nullptr;
        if (deadline != kNoDeadline) {
            double left = deadline - now();
            if (left < 0) left = 0;
            if (left > 2e6) left = 2e6;
            double whole = std::floor(left);
            timeout.tv_sec = long(whole);
            timeout.tv_usec = long(std::ceil((left - whole) * 1e6));
            if (timeout.tv_usec >= 1000000) timeout.tv_sec += 1, timeout.tv_usec = 0;
            timeout_ptr = &timeout;
        }
        // Winsock's select with three empty sets fails (WSAEINVAL) instead
        // of sleeping: a wait on nothing is a sleep.
        if (count == 0) {
            if (!timeout_ptr) return EINVAL;
            ::Sleep(DWORD(timeout.tv_sec * 1000 + (timeout.tv_usec + 999) / 1000));
            if (now() < deadline) continue;
            return ETIMEDOUT;
        }
        int n = ::select(0, readers.or_null(), writers.or_null(), failures.get(), timeout_ptr);
        if (n == SOCKET_ERROR) {
            int error = last_socket_error();
            if (error == EINTR) continue;
            return error;
        }
        if (n == 0) {
            if (deadline != kNoDeadline && now() < deadline) continue;  // woke a hair early
            return ETIMEDOUT;
        }
        for (std::size_t i = 0; i < count; ++i) {
            SOCKET s = sock(items[i].fd);
            unsigned revents = 0;
            if ((items[i].events & kReadable) && readers.has(s)) revents |= kReadable;
            if ((items[i].events & kWritable) && writers.has(s)) revents |= kWritable;
            // poll(2) reports a failed connect as POLLOUT|POLLERR: the same.
            if (failures.has(s)) revents |= kFailed | (items[i].events & kWritable);
            items[i].revents = revents;
        }
        return 0;
    }
}

double WindowsOs::now() { return monotonic_now(); }

}  // namespace windows
}  // namespace lsock
