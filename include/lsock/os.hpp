// The OS interface: the one seam between socket logic and a kernel.
//
// Everything above this header (the core in src/core, the Lua bindings in
// src/lua) reaches descriptors, addresses, name lookup, waiting and the clock
// only through `Os`. Backends live in platform/: BSD sockets over the real
// kernel (platform/posix) and the in-memory simulated network (platform/sim).
//
// Shape of the seam:
// - Every socket call is non-blocking. A call that cannot complete now fails
//   with EAGAIN (EINPROGRESS for connect); the caller then waits for
//   readiness and retries. A completion kernel (IOCP) fits the same shape by
//   reporting readiness through zero-byte or AFD polls, as wepoll does.
// - Errors cross as values: POSIX errno numbers from <cerrno>, which every
//   backend speaks (a Winsock backend translates WSA codes). No exceptions.
// - Waiting has two styles. A real kernel blocks the calling OS thread in
//   `wait`. The simulated kernel cannot: time only moves when the world's
//   scheduler runs, so its callers `suspend` their coroutine and yield; the
//   world resumes them when an item is ready or the deadline has passed.
// - Time is `now()`, a monotonic clock in seconds (virtual in the simulation).
#pragma once

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "lsock/address.hpp"

// errno values POSIX kernels report that the Windows C runtime does not
// define. The seam speaks them everywhere (the simulated kernel reports them
// on Windows too), so they get numbers of their own, above the runtime's.
#ifdef _WIN32
#ifndef EHOSTDOWN
#define EHOSTDOWN 2001
#endif
#ifndef ENONET
#define ENONET 2002
#endif
#ifndef ESOCKTNOSUPPORT
#define ESOCKTNOSUPPORT 2003
#endif
#endif

namespace lsock {

// A descriptor: a small int on POSIX; on Windows a SOCKET, which is a
// pointer-sized handle (UINT_PTR), so Fd is pointer-sized there and
// INVALID_SOCKET (~0) reads as kNoFd.
#ifdef _WIN32
using Fd = std::intptr_t;
#else
using Fd = int;
#endif
constexpr Fd kNoFd = -1;

// An absolute time on the Os clock; kNoDeadline waits forever.
constexpr double kNoDeadline = std::numeric_limits<double>::infinity();

enum class SocketType : int { Any = 0, Stream = 1, Datagram = 2, Raw = 3 };

enum class Protocol : int { Default = 0, Tcp = 6, Udp = 17 };

enum class ShutdownHow : int { Read = 0, Write = 1, Both = 2 };

enum class SocketOption : int {
    ReuseAddr,
    ReusePort,
    KeepAlive,
    NoDelay,
    Broadcast,
    ReceiveBuffer,
    SendBuffer,
    Linger,  // value: seconds, or -1 for off
    Error,   // read only: the pending socket error (errno)
};

// Readiness bits for PollItem::events / revents.
enum : unsigned {
    kReadable = 1u << 0,
    kWritable = 1u << 1,
    kHangup = 1u << 2,  // revents only
    kFailed = 1u << 3,  // revents only: an error is pending on the descriptor
};

struct PollItem {
    Fd fd = kNoFd;
    unsigned events = 0;   // what the caller waits for
    unsigned revents = 0;  // what the backend saw
};

// Outcome of a data transfer: bytes moved, or an errno value.
// A stream receive with ok() and bytes == 0 is the peer's end of stream.
struct IoResult {
    std::size_t bytes = 0;
    int error = 0;
    bool ok() const { return error == 0; }
};

// Name-lookup failures, independent of any resolver's codes.
enum class ResolveError : int {
    None = 0,
    NotFound,     // EAI_NONAME / EAI_NODATA: no such host or service
    TryAgain,     // EAI_AGAIN
    BadFlags,     // EAI_BADFLAGS
    BadFamily,    // EAI_FAMILY / EAI_ADDRFAMILY
    BadSocktype,  // EAI_SOCKTYPE
    BadService,   // EAI_SERVICE: no such service (for this socket type), or a number out of range
    Memory,       // EAI_MEMORY
    Failed,       // EAI_FAIL and anything else
};

enum : int {
    kResolvePassive = 1 << 0,
    kResolveCanonName = 1 << 1,
    kResolveNumericHost = 1 << 2,
    kResolveNumericServ = 1 << 3,
    kResolveAll = 1 << 4,
    kResolveV4Mapped = 1 << 5,
    kResolveAddrConfig = 1 << 6,
};

struct ResolveHints {
    Family family = Family::Unspec;
    SocketType type = SocketType::Any;
    int protocol = 0;
    int flags = 0;  // kResolve* bits
};

struct ResolvedAddress {
    Family family = Family::Unspec;
    SocketType type = SocketType::Any;
    int protocol = 0;
    Address address;
    std::string canonical_name;  // only on the first entry with kResolveCanonName
};

// A name lookup that runs while its caller does something else (on the real
// kernel: in a lookup thread). The caller waits for ready_fd() to become
// readable (or its own deadline), then takes the answers. Destroying it
// before then abandons the lookup: its answers are dropped when they come.
class PendingResolve {
public:
    virtual ~PendingResolve() = default;
    // Readable once the answers are in; stays readable.
    virtual Fd ready_fd() const = 0;
    virtual bool ready() = 0;
    // Once ready(): what Os::resolve would have returned.
    virtual ResolveError take(std::vector<ResolvedAddress>* out) = 0;
};

enum class WaitStyle { Block, Suspend };

class Poller;  // lsock/poller.hpp

class Os {
public:
    virtual ~Os() = default;

    // Sockets. Descriptors are created non-blocking and close-on-exec, and a
    // send to a closed peer returns EPIPE instead of raising SIGPIPE.
    virtual int open_socket(Family family, SocketType type, int protocol, Fd* out) = 0;
    virtual int close(Fd fd) = 0;
    virtual int bind(Fd fd, const Address& address) = 0;
    virtual int listen(Fd fd, int backlog) = 0;
    // 0 when connected at once, EINPROGRESS while the handshake runs (wait
    // for kWritable, then call finish_connect), or the error.
    virtual int connect(Fd fd, const Address& address) = 0;
    virtual int finish_connect(Fd fd) = 0;
    virtual int accept(Fd fd, Fd* out, Address* peer) = 0;
    virtual IoResult send(Fd fd, const void* data, std::size_t size) = 0;
    virtual IoResult send_to(Fd fd, const void* data, std::size_t size, const Address& to) = 0;
    virtual IoResult receive(Fd fd, void* buffer, std::size_t size) = 0;
    // One datagram, truncated to `size`; `from` may be null.
    virtual IoResult receive_from(Fd fd, void* buffer, std::size_t size, Address* from) = 0;
    virtual int shutdown(Fd fd, ShutdownHow how) = 0;
    virtual int set_option(Fd fd, SocketOption option, int value) = 0;
    virtual int get_option(Fd fd, SocketOption option, int* value) = 0;
    virtual int local_address(Fd fd, Address* out) = 0;
    virtual int peer_address(Fd fd, Address* out) = 0;

    // Name lookup (may block on a real resolver; the simulation answers from
    // its own table). `host` may be null for a passive or loopback lookup.
    virtual ResolveError resolve(const char* host, const char* service, const ResolveHints& hints,
                                 std::vector<ResolvedAddress>* out) = 0;
    virtual std::string resolve_error_message(ResolveError error) = 0;
    // `resolve` without waiting for it (null arguments as there). Null when
    // this Os answers at once anyway (the simulation): call resolve.
    virtual std::unique_ptr<PendingResolve> start_resolve(const char* host, const char* service,
                                                         const ResolveHints& hints) {
        (void)host, (void)service, (void)hints;
        return nullptr;
    }

    // The system's text for an errno value ("Connection refused", ...).
    virtual std::string error_message(int error) = 0;

    // Waiting for readiness. With WaitStyle::Block, `wait` blocks until an
    // item is ready or `deadline` passes (returns 0 and sets revents; ETIMEDOUT
    // on deadline). With WaitStyle::Suspend, `wait` never blocks: it reports
    // what is ready right now (ETIMEDOUT if nothing), and a caller that has to
    // wait calls `suspend` with an opaque token for itself, then yields; the
    // driver of the Os resumes the token later.
    virtual WaitStyle wait_style() const = 0;
    virtual int wait(PollItem* items, std::size_t count, double deadline) = 0;
    virtual void suspend(const PollItem* items, std::size_t count, double deadline, void* token) {
        (void)items, (void)count, (void)deadline, (void)token;
    }

    // A long-lived interest set for the `sock` loop (lsock/poller.hpp): epoll
    // on Linux. `shared` is another poller's native handle to join, so Lua
    // states in several OS threads can share it; kNoFd makes a new one.
    // Backends without one keep this default, and callers fall back to the
    // core's PollSetPoller, which works on any Os through `wait`.
    virtual int open_poller(Fd shared, std::unique_ptr<Poller>* out) {
        (void)shared, (void)out;
        return ENOSYS;
    }

    // Monotonic seconds.
    virtual double now() = 0;
};

// The Os of the machine this process runs on (platform/<kernel>).
Os& system_os();

}  // namespace lsock
