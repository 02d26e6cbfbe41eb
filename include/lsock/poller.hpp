// A long-lived interest set: the readiness source of the `sock` loop.
//
// `Os::wait` takes its whole list of descriptors on every call, which suits
// one blocking call; a loop with ten thousand idle connections wants the
// kernel to remember them instead (epoll, kqueue, IOCP). A backend hands one
// out through `Os::open_poller`; the core's PollSetPoller implements the
// same interface on any Os through `Os::wait` (O(n) per wait), which is what
// the simulated kernel uses.
//
// Threading: one OS thread owns a poller and calls everything but `wake`,
// which any thread may call. Pollers that share one native handle (several
// Lua states in several OS threads) each report only the events of what
// they themselves watch: an event is handled by the poller that owns the
// descriptor, never by another.
#pragma once

#include <cstdint>
#include <vector>

#include "lsock/os.hpp"

namespace lsock {

// A caller's tag fits in this many low bits; a poller may use the bits above
// for itself (the shared epoll poller stores the owner there).
constexpr int kPollerTagBits = 40;
constexpr std::uint64_t kPollerTagMask = (std::uint64_t(1) << kPollerTagBits) - 1;

enum class Trigger {
    Level,    // reported on every wait while ready
    OneShot,  // reported once, then disarmed until the next `watch`
    // Watched for readable and writable whatever `events` says, once, until
    // `unwatch`; reported when the descriptor becomes ready (new data, new
    // room), not again while it stays ready. The caller must try its
    // operation before waiting: readiness it had before the last try is not
    // reported again. The peer's end of stream (FIN) is reported as kHangup
    // with kReadable, so a caller that knows a short read drained the
    // socket can tell "no more data" from "end of stream" without trying.
    // No system call per wait. ENOTSUP where the poller cannot do it (the
    // caller falls back to OneShot).
    Edge,
};

// A descriptor ready for reading and writing may be reported in one event
// (epoll) or in one event per direction (kqueue's filters).
struct PollerEvent {
    std::uint64_t tag = 0;  // what `watch` was given
    unsigned events = 0;    // kReadable / kWritable / kHangup / kFailed
};

class Poller {
public:
    virtual ~Poller() = default;

    // Starts watching `fd`, or changes what it is watched for (which also
    // re-arms a one-shot watch). `events` is kReadable and/or kWritable;
    // hang-ups and errors are always reported. `tag` must fit kPollerTagBits.
    virtual int watch(Fd fd, unsigned events, std::uint64_t tag, Trigger trigger) = 0;
    // Stops watching `fd`. Call it before closing the descriptor.
    virtual int unwatch(Fd fd) = 0;

    // Appends the events that are ready by `deadline` to *out and returns 0,
    // or ETIMEDOUT when none came. Blocks until then only where the Os blocks
    // (WaitStyle::Block); a past deadline never blocks. A Suspend-style
    // poller only reports what is ready now: its caller suspends on
    // `wait_items` and yields instead of blocking.
    virtual int wait(double deadline, std::vector<PollerEvent>* out) = 0;

    // What to hand Os::suspend (or Os::wait) so that the caller is woken
    // when `wait` would report something.
    virtual void wait_items(std::vector<PollItem>* out) = 0;

    // Hands the kernel what the poller queued for the next wait (a ring's
    // sends): the loop stops running, and no wait may come for a long time.
    virtual void flush() {}

    // Makes a `wait` in progress (or the next one) return at once. Safe from
    // any thread. ENOTSUP where the poller cannot be interrupted.
    virtual int wake() = 0;

    // The handle other pollers can join (Os::open_poller), e.g. the epoll
    // or kqueue descriptor; kNoFd when the poller cannot be shared.
    virtual Fd native_handle() const = 0;

    // What kind of handle native_handle() is ("epoll", "kqueue"), so that
    // sock.epoll_fd and sock.kqueue_fd can refuse the other's; null when
    // the poller cannot be shared.
    virtual const char* kind() const { return nullptr; }
};

}  // namespace lsock
