// Name lookups that do not block their caller, for any backend whose
// resolver blocks (getaddrinfo on POSIX and on Windows): each lookup runs
// the backend's blocking resolver on a small pool of lookup threads and
// signals the backend's wake descriptor when its answers are in. Threads
// wait a little for the next lookup before they end (kIdleThreadLinger).
// Why threads and not c-ares or getaddrinfo_a: docs/design.md, "Name lookup".
// Portable C++17 and std::thread; what differs by kernel (the descriptor a
// caller waits on, keeping the module loaded) each backend hands in.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "lsock/os.hpp"

namespace lsock::common {

// How a lookup thread answers one question (the backend's Os::resolve):
// called on a lookup thread, with copies of the question.
using BlockingResolve = std::function<ResolveError(const char* host, const char* service, const ResolveHints& hints,
                                                   std::vector<ResolvedAddress>* out)>;

// At most this many lookup threads run at once; further lookups queue.
constexpr int kMaxLookupThreads = 64;

// A descriptor that becomes readable, for the caller's Os::wait or poller,
// once a lookup thread signals it (posix/wake_fd.hpp, windows/wake_socket.hpp).
class WakeSignal {
public:
    virtual ~WakeSignal() = default;
    virtual Fd read_end() const = 0;
    // Any thread; stays readable afterwards.
    virtual void signal() = 0;
};

// Os::start_resolve's body on the real kernel, defined by the build's
// backend (platform/posix/async_resolver.cpp, platform/windows/async_resolver.cpp):
// opens that kernel's WakeSignal, keeps the module loaded while a lookup
// thread may run, and queues the lookup with start_pooled_lookup. Null (no
// descriptor, no thread) means "look up in place instead".
std::unique_ptr<PendingResolve> start_async_resolve(const BlockingResolve& resolve, const char* host,
                                                    const char* service, const ResolveHints& hints);

// Queues a lookup on the pool; `ready` is signalled when it is answered and
// closed when both the caller and the lookup thread are done with it. Null
// when no lookup thread could be started: the caller looks up in place.
std::unique_ptr<PendingResolve> start_pooled_lookup(const BlockingResolve& resolve, std::unique_ptr<WakeSignal> ready,
                                                    const char* host, const char* service, const ResolveHints& hints);

}  // namespace lsock::common
