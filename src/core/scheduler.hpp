// The `sock` loop's bookkeeping: which thread waits for what, and until when.
//
// Threads are opaque ids here (the Lua binding uses coroutine addresses);
// this file knows nothing of Lua. A thread waits for one thing at a time:
// readiness of one descriptor (with an optional deadline) or a deadline
// alone (sleep). `collect` waits on the poller and the timer heap and queues
// the threads that may go on; the binding takes them with `pop_ready` and
// resumes them, and each retries its operation (a wakeup is a hint, never a
// promise: a retry that would still block simply waits again).
//
// A descriptor is watched edge-triggered where the poller can (epoll):
// registered once, at its first wait, for reading and writing, and never
// touched again until it closes, so a wait costs no system call. Every
// thread tries its operation before it waits, so an edge that came while
// nobody waited is not needed (the try saw that readiness); an edge that
// comes after the try is reported by the next wait. Where the poller has no
// edges (the poll-set poller of the simulated kernel), the watch is
// one-shot, armed only while some thread waits on it, with the union of what
// its waiters want. Either way full duplex stays simple (a reader and a
// writer on one socket), and a shared epoll stays correct: an event goes to
// the poller that owns the descriptor.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/timer_heap.hpp"
#include "lsock/os.hpp"
#include "lsock/poller.hpp"

namespace lsock {

class Scheduler {
public:
    using ThreadId = std::uint64_t;
    // Descriptors below this index the watch table directly (the small dense
    // numbers of POSIX); larger ones (a Windows SOCKET is pointer-sized) go
    // through a map to a slot of their own, as many as this at once.
    static constexpr std::uint64_t kDirectSlots = std::uint64_t(1) << 23;

    // The poller comes from `os.open_poller` when the Os has one, else it is
    // the core's PollSetPoller; it is opened at the first wait, so a loop
    // that never waits holds no descriptor.
    explicit Scheduler(Os& os);
    ~Scheduler();
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;

    Os& os() const { return *os_; }

    // Replaces the poller by one that joins `shared` (Os::open_poller), or by
    // a fresh one (kNoFd). EBUSY while threads wait.
    int use_poller(Fd shared);
    // The poller's native handle (opening the poller if needed), or kNoFd
    // with *error set.
    Fd poller_handle(int* error);
    // The kind of that handle ("epoll", "kqueue"), null when not shareable
    // or no poller is open yet.
    const char* poller_kind() const { return poller_ ? poller_->kind() : nullptr; }
    // For tests: a poller of the caller's making.
    void set_poller(std::unique_ptr<Poller> poller) {
        poller_ = std::move(poller);
        edge_ = true;
    }

    // `thread` waits until `fd` is ready for `events` or `deadline` passes.
    // Replaces whatever the thread waited on before.
    int wait_io(ThreadId thread, Fd fd, unsigned events, double deadline);
    // `thread` waits until `deadline` (sleep).
    int wait_until(ThreadId thread, double deadline);
    // `thread` waits no more (it ended, or was resumed by someone else).
    void cancel(ThreadId thread);
    // `fd` is about to close: its waiters become ready (their retry sees the
    // socket closed) and the poller forgets it.
    void forget_fd(Fd fd);

    // False when a try for `events` on `fd` would surely find nothing: the
    // caller's last try came up short (a short read drained the socket), the
    // watch is edge-triggered, and no edge for `events` (nor a hang-up or an
    // error) came since that nobody was woken for. The caller may then wait
    // without trying first, which saves the system call that would only
    // say "would block". True whenever the scheduler cannot know.
    bool may_be_ready(Fd fd, unsigned events) const {
        const Watch* watch = find_watch(fd);
        if (!watch || !watch->edge) return true;
        return (watch->unclaimed & (events | kHangup | kFailed)) != 0;
    }

    bool waiting(ThreadId thread) const {
        auto found = waits_.find(thread);
        return found != waits_.end() && found->second.active;
    }
    // Threads that wait or are ready to run.
    bool has_waiters() const { return active_ != 0; }
    std::size_t waiter_count() const { return active_; }
    // The earliest timer, or kNoDeadline.
    double next_deadline() const { return timers_.empty() ? kNoDeadline : timers_.next_deadline(); }

    // One turn: waits on the poller until something is ready, the earliest
    // timer, or `until` (whichever comes first; a past `until` polls without
    // blocking), then queues the threads that may go on. Returns 0, or an
    // error of the poller.
    int collect(double until);
    // What a Suspend-style caller should suspend on when `collect(now)`
    // queued nothing: the poller's items (the deadline is next_deadline()).
    void wait_items(std::vector<PollItem>* out);
    // The loop stops running: what the poller queued goes now (Poller::flush).
    void flush();

    // The next thread to resume, in the order they became ready.
    bool pop_ready(ThreadId* thread);

private:
    // A thread's record stays while the thread lives (cancel removes it),
    // so that waiting again allocates nothing. ready_ points at records
    // (the nodes of waits_ do not move), so that resuming a thread costs
    // no lookup; a record that entries of ready_ still point at outlives
    // its cancel until the last of them is popped.
    struct Wait {
        ThreadId thread = 0;
        Fd fd = kNoFd;       // kNoFd: a sleep (or not waiting)
        unsigned events = 0;
        bool active = false; // waits, or is queued in ready_
        bool ready = false;  // queued in ready_
        bool timed = false;  // has a timer in timers_
        bool cancelled = false;  // cancel() came while `queued`: erased at the last pop
        std::uint32_t queued = 0; // entries of ready_ that point here (stale ones too)
    };
    // A thread on a watch's list. `wait` points into waits_ (whose nodes do
    // not move): detach takes the waiter off the list before its record goes.
    struct Waiter {
        ThreadId thread;
        Wait* wait;
    };
    struct Watch {
        std::vector<Waiter> waiters;
        std::uint64_t tag = 0;   // 0: the descriptor is not watched
        unsigned armed = 0;      // what the poller was last asked for
        bool edge = false;       // registered edge-triggered: stays armed
        // Edge watches: what the poller reported that no waiter was woken
        // for since the last wait on this descriptor (may_be_ready). Hang-ups
        // and errors stay: they do not go away.
        unsigned unclaimed = 0;
    };

    // The checks that decide there is nothing to do are inline (every wait
    // and every wakeup makes them); the work is out of line.
    int open_poller() { return poller_ ? 0 : open_first_poller(); }
    int open_first_poller();
    // Runs the steps that register a wait; a bad_alloc among them cancels
    // the thread's wait and becomes ENOMEM.
    template <typename Register>
    int registering(ThreadId thread, Register&& steps);
    void set_timer(ThreadId thread, Wait& wait, double deadline);
    // Takes the wait off its watch's list and the timer heap.
    void detach(Wait& wait) {
        if (wait.fd != kNoFd || wait.timed) unlink(wait);
    }
    void unlink(Wait& wait);
    void make_ready(Wait& wait);
    // Erases a record nothing points at any more.
    void erase(Wait& wait);
    void wake_all(Watch& watch);
    void dispatch(const PollerEvent& event);
    // Asks the poller for what the watch's waiters want; an edge-triggered
    // watch is registered for everything, for good.
    int arm(Fd fd, Watch& watch) { return watch.edge ? 0 : arm_for_waiters(fd, watch); }
    int arm_for_waiters(Fd fd, Watch& watch);
    Wait& begin_wait(ThreadId thread);
    // The watch of `fd`, made on first use (may throw std::bad_alloc).
    Watch& watch_for(Fd fd);
    static bool is_direct(Fd fd) { return std::uint64_t(fd) < kDirectSlots; }  // false for kNoFd
    const Watch* find_watch(Fd fd) const {
        if (is_direct(fd)) {
            std::size_t index = std::size_t(fd);
            return index < watches_.size() && watches_[index].tag ? &watches_[index] : nullptr;
        }
        return fd >= 0 ? find_handle_watch(fd) : nullptr;
    }
    const Watch* find_handle_watch(Fd fd) const;
    // A large descriptor's slot goes back to the free list when it closes.
    void release_handle_slot(Fd fd);
    // watch_for: every slot for large descriptors is taken.
    struct TooManyHandles {};
    Watch* find_watch(Fd fd) { return const_cast<Watch*>(std::as_const(*this).find_watch(fd)); }

    Os* os_;
    std::unique_ptr<Poller> poller_;
    TimerHeap timers_;
    std::unordered_map<ThreadId, Wait> waits_;
    // Indexed by descriptor: descriptors are small and dense (the lowest
    // free number), and a slot is one memory access where a hash map is two.
    std::vector<Watch> watches_;
    // Descriptors of kDirectSlots and up (Windows handles can be): a slot
    // each, found by a map, its number in the tag above the direct ones.
    struct HandleWatch {
        Fd fd = kNoFd;
        Watch watch;
    };
    std::vector<HandleWatch> handle_watches_;
    std::unordered_map<Fd, std::size_t> handle_slots_;
    std::vector<std::size_t> free_handle_slots_;
    std::size_t active_ = 0;              // records with active set
    bool edge_ = true;                    // the poller may take Trigger::Edge
    std::deque<Wait*> ready_;
    // The record of the thread pop_ready handed out last (or null): the
    // thread it resumes usually waits again before anyone else, and then
    // finds its record without a lookup.
    Wait* last_popped_ = nullptr;
    std::vector<PollerEvent> events_;     // reused by collect
    std::uint64_t next_generation_ = 1;   // tells a watch of a reused fd from the old one (never 0)
};

}  // namespace lsock
