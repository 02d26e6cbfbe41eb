// Name lookups that do not block their caller: each runs the plain
// blocking resolver (getaddrinfo, with everything nsswitch adds) on a small
// pool of lookup threads and makes a wake descriptor (posix/wake_fd.hpp) readable when its answers are in.
// Threads wait a little for the next lookup before they end (kIdleThreadLinger).
// Why threads and not c-ares or getaddrinfo_a: docs/design.md, "Name lookup".
#pragma once

#include <functional>
#include <memory>

#include "lsock/os.hpp"

namespace lsock::posix {

// How a lookup thread answers one question (PosixOs::resolve): called on a
// lookup thread, with copies of the question.
using BlockingResolve = std::function<ResolveError(const char* host, const char* service, const ResolveHints& hints,
                                                   std::vector<ResolvedAddress>* out)>;

// At most this many lookup threads run at once; further lookups queue.
constexpr int kMaxLookupThreads = 64;

// Starts a lookup on the pool. Null (errno-style failure: no wake descriptor, no
// thread) means "look up in place instead".
std::unique_ptr<PendingResolve> start_async_resolve(const BlockingResolve& resolve, const char* host,
                                                    const char* service, const ResolveHints& hints);

}  // namespace lsock::posix
