#include "posix/posix_os.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "common/bsd_sockets.hpp"
#include "common/lookup_pool.hpp"
#include "posix/monotonic_clock.hpp"
#include "posix/ring_streams.hpp"
#include "posix/socket_calls.hpp"
#include "posix/taken_errors.hpp"

namespace lsock {

Os& system_os() {
    static posix::PosixOs os;
    return os;
}

namespace posix {

// The BSD socket mapping (families, types, options, resolver flags and
// errors, sockaddr), shared with the other real-kernel backend.
using namespace bsd;

namespace {

IoResult io_result(ssize_t n) {
    if (n < 0) return {0, errno};
    return {std::size_t(n), 0};
}

int result(int rc) { return rc < 0 ? errno : 0; }

// strerror_r comes in two forms, told apart by what it returns: the XSI one
// (POSIX, the BSDs, macOS, musl) fills the buffer and returns 0 or an error;
// the GNU one (glibc with _GNU_SOURCE, which g++ defines) returns the text,
// which may be a static string instead of the buffer.
[[maybe_unused]] const char* strerror_text(int rc, const char* buffer) {
    return rc == 0 && buffer[0] ? buffer : "Unknown error";
}
[[maybe_unused]] const char* strerror_text(const char* text, const char*) { return text; }

}  // namespace

int PosixOs::open_socket(Family family, SocketType type, int protocol, Fd* out) {
    int fd = open_socket_nonblocking(to_native_family(family), native_type(type), protocol);
    if (fd < 0) return errno;
    *out = fd;
    return 0;
}

int PosixOs::close(Fd fd) {
    // Linux releases the descriptor even when close reports EINTR: never
    // retry (nor on the BSDs, where EINTR leaves it closed too).
    taken_errors::forget(fd);
    // A ring still receiving for it (a socket closed without unwatch), or
    // bytes a ring read that were not taken, let go of it first.
    // A ring still sending for it closes it itself once the bytes are gone.
    while (RingIo* ring = ring_streams::of(fd)) {
        if (ring->closing(fd)) return 0;
    }
    return result(::close(fd));
}

int PosixOs::bind(Fd fd, const Address& address) {
    sockaddr_storage native;
    socklen_t length = to_sockaddr(address, &native);
    if (!length) return address.family == Family::Unix ? ENAMETOOLONG : EAFNOSUPPORT;
    return result(::bind(fd, reinterpret_cast<sockaddr*>(&native), length));
}

int PosixOs::listen(Fd fd, int backlog) { return result(::listen(fd, backlog)); }

int PosixOs::connect(Fd fd, const Address& address) {
    sockaddr_storage native;
    socklen_t length = to_sockaddr(address, &native);
    if (!length) return address.family == Family::Unix ? ENAMETOOLONG : EAFNOSUPPORT;
    int rc;
    do rc = ::connect(fd, reinterpret_cast<sockaddr*>(&native), length);
    while (rc < 0 && errno == EINTR);
    return result(rc);
}

int PosixOs::finish_connect(Fd fd) {
    int error = 0;
    socklen_t length = sizeof error;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) < 0) return errno;
    if (error) return error;
    if (int taken = taken_errors::take(fd)) return taken;
    // SO_ERROR is 0 both when connected and while still connecting.
    sockaddr_storage peer;
    socklen_t peer_length = sizeof peer;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_length) == 0) return 0;
    return errno == ENOTCONN ? EINPROGRESS : errno;
}

int PosixOs::accept(Fd fd, Fd* out, Address* peer) {
    sockaddr_storage native;
    socklen_t length = sizeof native;
    int accepted = accept_nonblocking(fd, reinterpret_cast<sockaddr*>(&native), &length);
    if (accepted < 0) return errno;
    *out = accepted;
    if (peer) *peer = from_sockaddr(reinterpret_cast<sockaddr*>(&native), length);
    return 0;
}

// kSendFlags (MSG_NOSIGNAL, or SO_NOSIGPIPE set on the socket): a peer that
// went away gives EPIPE here instead of a SIGPIPE that would kill the
// process, and the process-wide disposition stays as the program set it.
IoResult PosixOs::send(Fd fd, const void* data, std::size_t size) {
    // A `sock` loop on io_uring sends for its sockets (ring_streams.hpp).
    if (RingIo* ring = ring_streams::of(fd)) return ring->send(fd, data, size);
    IoResult r = kernel_send(fd, data, size);
    if (r.error) r.error = taken_errors::instead_of(fd, r.error);
    return r;
}

IoResult PosixOs::send_to(Fd fd, const void* data, std::size_t size, const Address& to) {
    sockaddr_storage native;
    socklen_t length = to_sockaddr(to, &native);
    if (!length) return {0, to.family == Family::Unix ? ENAMETOOLONG : EAFNOSUPPORT};
    return io_result(::sendto(fd, data, size, kSendFlags, reinterpret_cast<sockaddr*>(&native), length));
}

IoResult PosixOs::receive(Fd fd, void* buffer, std::size_t size) {
    // A `sock` loop on io_uring receives for its sockets (ring_streams.hpp).
    if (RingIo* ring = ring_streams::of(fd)) return ring->receive(fd, buffer, size);
    IoResult r = io_result(::recv(fd, buffer, size, 0));
    // An end of stream or "nothing yet" may hide an error that the poller
    // took off the socket (taken_errors.hpp).
    if (r.error || (r.bytes == 0 && size > 0)) {
        if (int taken = taken_errors::instead_of(fd, r.error ? r.error : -1); taken > 0) return {0, taken};
    }
    return r;
}

IoResult PosixOs::receive_from(Fd fd, void* buffer, std::size_t size, Address* from) {
    sockaddr_storage native;
    socklen_t length = sizeof native;
    ssize_t n = ::recvfrom(fd, buffer, size, 0, reinterpret_cast<sockaddr*>(&native), &length);
    if (n < 0) return {0, taken_errors::instead_of(fd, errno)};
    if (from) *from = length ? from_sockaddr(reinterpret_cast<sockaddr*>(&native), length) : Address{};
    return {std::size_t(n), 0};
}

int PosixOs::shutdown(Fd fd, ShutdownHow how) {
    int native = how == ShutdownHow::Read ? SHUT_RD : how == ShutdownHow::Write ? SHUT_WR : SHUT_RDWR;
    // After the bytes a ring still sends for it.
    if (RingIo* ring = ring_streams::of(fd)) return ring->shutdown(fd, native);
    return result(::shutdown(fd, native));
}

int PosixOs::set_option(Fd fd, SocketOption option, int value) {
    NativeOption native = native_option(option);
    if (option == SocketOption::Error) return ENOPROTOOPT;
    if (option == SocketOption::Linger) {
        linger l{value >= 0 ? 1 : 0, value >= 0 ? value : 0};
        return result(::setsockopt(fd, native.level, native.name, &l, sizeof l));
    }
    return result(::setsockopt(fd, native.level, native.name, &value, sizeof value));
}

int PosixOs::get_option(Fd fd, SocketOption option, int* value) {
    NativeOption native = native_option(option);
    if (option == SocketOption::Linger) {
        linger l{};
        socklen_t length = sizeof l;
        if (::getsockopt(fd, native.level, native.name, &l, &length) < 0) return errno;
        *value = l.l_onoff ? l.l_linger : -1;
        return 0;
    }
    socklen_t length = sizeof *value;
    return result(::getsockopt(fd, native.level, native.name, value, &length));
}

int PosixOs::local_address(Fd fd, Address* out) {
    sockaddr_storage native;
    socklen_t length = sizeof native;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&native), &length) < 0) return errno;
    *out = from_sockaddr(reinterpret_cast<sockaddr*>(&native), length);
    return 0;
}

int PosixOs::peer_address(Fd fd, Address* out) {
    sockaddr_storage native;
    socklen_t length = sizeof native;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&native), &length) < 0) return errno;
    *out = from_sockaddr(reinterpret_cast<sockaddr*>(&native), length);
    return 0;
}

ResolveError PosixOs::resolve(const char* host, const char* service, const ResolveHints& hints,
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
        resolved.address = from_sockaddr(entry->ai_addr, entry->ai_addrlen);
        if (entry->ai_canonname) resolved.canonical_name = entry->ai_canonname;
        out->push_back(std::move(resolved));
    }
    ::freeaddrinfo(list);
    return ResolveError::None;
}

std::unique_ptr<PendingResolve> PosixOs::start_resolve(const char* host, const char* service,
                                                      const ResolveHints& hints) {
    // The lookup thread runs this very resolve; system_os() lives as long
    // as the process.
    auto blocking = [this](const char* h, const char* s, const ResolveHints& x, std::vector<ResolvedAddress>* out) {
        return resolve(h, s, x, out);
    };
    return common::start_async_resolve(blocking, host, service, hints);
}

std::string PosixOs::resolve_error_message(ResolveError error) {
    switch (error) {
        case ResolveError::None: return "Success";
        case ResolveError::NotFound: return ::gai_strerror(EAI_NONAME);
        case ResolveError::TryAgain: return ::gai_strerror(EAI_AGAIN);
        case ResolveError::BadFlags: return ::gai_strerror(EAI_BADFLAGS);
        case ResolveError::BadFamily: return ::gai_strerror(EAI_FAMILY);
        case ResolveError::BadSocktype: return ::gai_strerror(EAI_SOCKTYPE);
        case ResolveError::BadService: return ::gai_strerror(EAI_SERVICE);
        case ResolveError::Memory: return ::gai_strerror(EAI_MEMORY);
        default: return ::gai_strerror(EAI_FAIL);
    }
}

std::string PosixOs::error_message(int error) {
    char text[256];
    text[0] = 0;
    return strerror_text(::strerror_r(error, text, sizeof text), text);
}

int PosixOs::wait(PollItem* items, std::size_t count, double deadline) {
    // poll(2), not select(2): no FD_SETSIZE limit, one call, no state to keep
    // in sync with descriptors that close between calls. The sock module's
    // long-lived interest sets use epoll instead.
    // A blocking call waits on one descriptor: keep the common small case
    // off the heap (this runs after every EAGAIN).
    pollfd small[8];
    std::vector<pollfd> large;
    pollfd* fds = small;
    if (count > sizeof small / sizeof small[0]) {
        large.resize(count);
        fds = large.data();
    }
    for (std::size_t i = 0; i < count; ++i) {
        fds[i].fd = items[i].fd;
        fds[i].events = short((items[i].events & kReadable ? POLLIN : 0) | (items[i].events & kWritable ? POLLOUT : 0));
        items[i].revents = 0;
    }
    for (;;) {
        int timeout = timeout_ms(deadline);
        int n = ::poll(fds, nfds_t(count), timeout);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno;
        if (n == 0) {
            if (timeout != 0 && now() < deadline) continue;  // woke a hair early
            return ETIMEDOUT;
        }
        for (std::size_t i = 0; i < count; ++i) {
            short r = fds[i].revents;
            items[i].revents = (r & POLLIN ? kReadable : 0u) | (r & POLLOUT ? kWritable : 0u) |
                               (r & POLLHUP ? kHangup : 0u) | (r & (POLLERR | POLLNVAL) ? kFailed : 0u);
        }
        return 0;
    }
}

double PosixOs::now() { return monotonic_now(); }

}  // namespace posix
}  // namespace lsock
