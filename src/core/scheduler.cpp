#include "core/scheduler.hpp"

#include <algorithm>
#include <new>

#include "core/poll_set_poller.hpp"

namespace lsock {

namespace {

// A watch's tag: its slot in the low 24 bits, a generation above, so an
// event that was in flight for a closed descriptor (a shared epoll may hand
// it over late) does not wake the waiters of a new socket that got the same
// number. Together they fit kPollerTagBits. Generations run from 1 to
// kLastGeneration and wrap to 1, never 0: a tag of 0 means "not watched",
// and descriptor 0 (a daemon with standard input closed) would get it.
constexpr int kSlotBits = 24;
constexpr std::uint64_t kSlotMask = (std::uint64_t(1) << kSlotBits) - 1;
constexpr std::uint64_t kLastGeneration = (std::uint64_t(1) << (kPollerTagBits - kSlotBits)) - 1;

constexpr std::uint64_t make_tag(std::uint64_t slot, std::uint64_t generation) {
    return (generation << kSlotBits) | (slot & kSlotMask);
}
static_assert(make_tag(0, 1) != 0 && make_tag(0, kLastGeneration) <= kPollerTagMask,
              "every generation gives a non-zero tag that fits the poller");
static_assert(Scheduler::kDirectSlots * 2 == kSlotMask + 1,
              "direct and handle slots share the tag's slot bits half and half");

std::uint64_t slot_of_tag(std::uint64_t tag) { return tag & kSlotMask; }

}  // namespace

Scheduler::Scheduler(Os& os) : os_(&os) {}

Scheduler::~Scheduler() = default;

int Scheduler::open_first_poller() {
    std::unique_ptr<Poller> poller;
    int error = os_->open_poller(kNoFd, &poller);
    if (error == ENOSYS) {
        poller.reset(new (std::nothrow) PollSetPoller(*os_));
        error = poller ? 0 : ENOMEM;
    }
    if (error) return error;
    poller_ = std::move(poller);
    return 0;
}

int Scheduler::use_poller(Fd shared) {
    if (has_waiters()) return EBUSY;
    std::unique_ptr<Poller> poller;
    if (int error = os_->open_poller(shared, &poller)) return error;
    // What the old poller watches is its own business: let go of all of it.
    if (poller_) {
        for (std::size_t fd = 0; fd < watches_.size(); ++fd) {
            if (watches_[fd].tag) poller_->unwatch(Fd(fd));
        }
        for (const HandleWatch& slot : handle_watches_) {
            if (slot.watch.tag) poller_->unwatch(slot.fd);
        }
    }
    watches_.clear();
    handle_watches_.clear();
    handle_slots_.clear();
    free_handle_slots_.clear();
    poller_ = std::move(poller);
    edge_ = true;
    return 0;
}

Fd Scheduler::poller_handle(int* error) {
    *error = open_poller();
    if (*error) return kNoFd;
    Fd handle = poller_->native_handle();
    if (handle == kNoFd) *error = ENOTSUP;
    return handle;
}

int Scheduler::arm_for_waiters(Fd fd, Watch& watch) {
    unsigned wanted = 0;
    for (const Waiter& waiter : watch.waiters) wanted |= waiter.wait->events;
    // An armed one-shot watch that covers everyone already reports what
    // they need; asking again would only cost a system call.
    if (wanted == 0 || (watch.armed & wanted) == wanted) return 0;
    if (edge_) {
        int error = poller_->watch(fd, kReadable | kWritable, watch.tag, Trigger::Edge);
        if (error == 0) {
            watch.edge = true;
            watch.armed = kReadable | kWritable;
            return 0;
        }
        if (error != ENOTSUP) return error;
        edge_ = false;
    }
    if (int error = poller_->watch(fd, wanted, watch.tag, Trigger::OneShot)) return error;
    watch.armed = wanted;
    return 0;
}

Scheduler::Watch& Scheduler::watch_for(Fd fd) {
    Watch* watch;
    std::uint64_t slot;
    if (is_direct(fd)) {
        std::size_t index = std::size_t(fd);
        if (index >= watches_.size()) watches_.resize(index + 1 + index / 2);  // may throw; nothing changed then
        watch = &watches_[index];
        slot = index;
    } else {
        auto found = handle_slots_.find(fd);
        std::size_t index;
        if (found != handle_slots_.end()) {
            index = found->second;
        } else {
            if (free_handle_slots_.empty() && handle_watches_.size() >= kDirectSlots) throw TooManyHandles();
            // The table grows first: a throw after it leaves at most an unused slot.
            handle_slots_.reserve(handle_slots_.size() + 1);
            if (free_handle_slots_.empty()) {
                handle_watches_.emplace_back();
                index = handle_watches_.size() - 1;
            } else {
                index = free_handle_slots_.back();
                free_handle_slots_.pop_back();
            }
            handle_watches_[index].fd = fd;
            handle_slots_.emplace(fd, index);
        }
        watch = &handle_watches_[index].watch;
        slot = kDirectSlots + index;
    }
    if (!watch->tag) {
        watch->tag = make_tag(slot, next_generation_);
        next_generation_ = next_generation_ == kLastGeneration ? 1 : next_generation_ + 1;
    }
    return *watch;
}

const Scheduler::Watch* Scheduler::find_handle_watch(Fd fd) const {
    auto found = handle_slots_.find(fd);
    if (found == handle_slots_.end()) return nullptr;
    const Watch& watch = handle_watches_[found->second].watch;
    return watch.tag ? &watch : nullptr;
}

void Scheduler::release_handle_slot(Fd fd) {
    auto found = handle_slots_.find(fd);
    if (found == handle_slots_.end()) return;
    std::size_t index = found->second;
    handle_slots_.erase(found);
    handle_watches_[index] = HandleWatch{};
    try {
        free_handle_slots_.push_back(index);
    } catch (const std::bad_alloc&) {
        // The slot is lost until the table is cleared: it holds nothing.
    }
}

Scheduler::Wait& Scheduler::begin_wait(ThreadId thread) {
    Wait* record = last_popped_;
    if (!record || record->thread != thread) {
        record = &waits_[thread];  // may throw; nothing changed then
        record->thread = thread;
    }
    Wait& wait = *record;
    wait.cancelled = false;  // a new thread at the address of one that ended
    if (wait.active) {
        detach(wait);
    } else {
        wait.active = true;
        ++active_;
    }
    // A stale entry of this thread in ready_ is skipped by pop_ready.
    wait.ready = false;
    wait.fd = kNoFd;
    wait.events = 0;
    return wait;
}

// Registering a wait allocates (the thread's record, a watch, a timer).
// When memory runs out half-way, the thread waits on nothing rather than on
// half of what it asked for, and the caller hears ENOMEM.
template <typename Register>
int Scheduler::registering(ThreadId thread, Register&& steps) {
    try {
        return steps();
    } catch (const std::bad_alloc&) {
        cancel(thread);
        return ENOMEM;
    }
}

void Scheduler::set_timer(ThreadId thread, Wait& wait, double deadline) {
    timers_.set(thread, deadline);  // may throw
    wait.timed = true;
}

int Scheduler::wait_io(ThreadId thread, Fd fd, unsigned events, double deadline) {
    return registering(thread, [&] {
        if (int error = open_poller()) return error;
        if (fd < 0) return EBADF;
        Watch* found;
        try {
            found = &watch_for(fd);
        } catch (const TooManyHandles&) {
            return EMFILE;
        }
        Watch& watch = *found;
        Wait& wait = begin_wait(thread);
        watch.waiters.push_back(Waiter{thread, &wait});
        wait.fd = fd;
        wait.events = events;
        // The caller tried (or knows a try would find nothing): what was
        // reported for these events before is used up.
        watch.unclaimed &= ~events | kHangup | kFailed;
        if (int error = arm(fd, watch)) {
            cancel(thread);
            return error;
        }
        if (deadline != kNoDeadline) set_timer(thread, wait, deadline);
        return 0;
    });
}

int Scheduler::wait_until(ThreadId thread, double deadline) {
    return registering(thread, [&] {
        if (int error = open_poller()) return error;
        set_timer(thread, begin_wait(thread), deadline);
        return 0;
    });
}

void Scheduler::unlink(Wait& wait) {
    if (wait.fd != kNoFd) {
        if (Watch* watch = find_watch(wait.fd)) {
            std::vector<Waiter>& waiters = watch->waiters;
            ThreadId thread = wait.thread;
            waiters.erase(std::remove_if(waiters.begin(), waiters.end(),
                                         [thread](const Waiter& waiter) { return waiter.thread == thread; }),
                          waiters.end());
        }
        wait.fd = kNoFd;
    }
    if (wait.timed) {
        timers_.cancel(wait.thread);
        wait.timed = false;
    }
}

void Scheduler::erase(Wait& wait) {
    if (last_popped_ == &wait) last_popped_ = nullptr;
    waits_.erase(wait.thread);
}

void Scheduler::cancel(ThreadId thread) {
    auto found = waits_.find(thread);
    if (found == waits_.end()) return;
    Wait& wait = found->second;
    detach(wait);
    if (wait.active) --active_;
    wait.active = false;
    wait.ready = false;  // its entries in ready_ are stale now: pop_ready skips them
    if (wait.queued) {
        wait.cancelled = true;
    } else {
        erase(wait);
    }
}

void Scheduler::make_ready(Wait& wait) {
    if (!wait.active || wait.ready) return;
    detach(wait);
    wait.ready = true;
    try {
        ready_.push_back(&wait);
        ++wait.queued;
    } catch (const std::bad_alloc&) {
        // Cannot queue it: better to let it wait again than to lose it.
        wait.ready = false;
    }
}

void Scheduler::forget_fd(Fd fd) {
    Watch* watch = find_watch(fd);
    if (!watch) return;
    wake_all(*watch);
    if (poller_) poller_->unwatch(fd);
    *watch = Watch{};
    if (!is_direct(fd)) release_handle_slot(fd);
}

void Scheduler::wake_all(Watch& watch) {
    std::vector<Waiter> waiters;
    waiters.swap(watch.waiters);
    for (const Waiter& waiter : waiters) {
        waiter.wait->fd = kNoFd;  // already off the list
        make_ready(*waiter.wait);
    }
}

void Scheduler::dispatch(const PollerEvent& event) {
    std::uint64_t slot = slot_of_tag(event.tag);
    Fd fd;
    Watch* watched;
    if (slot < kDirectSlots) {
        fd = Fd(slot);
        watched = find_watch(fd);
    } else {
        slot -= kDirectSlots;
        if (slot >= handle_watches_.size()) return;  // stale
        fd = handle_watches_[slot].fd;
        watched = &handle_watches_[slot].watch;
    }
    if (!watched || watched->tag != event.tag) return;  // stale
    Watch& watch = *watched;
    if (!watch.edge) watch.armed = 0;  // one-shot: the poller disarmed it
    std::vector<Waiter>& waiters = watch.waiters;
    // A dead socket wakes everyone: their retry reports the error.
    unsigned always = kHangup | kFailed;
    unsigned claimed = 0;
    std::size_t kept = 0;
    for (std::size_t i = 0; i < waiters.size(); ++i) {
        Waiter waiter = waiters[i];
        if (event.events & (waiter.wait->events | always)) {
            claimed |= waiter.wait->events;
            waiter.wait->fd = kNoFd;  // taken off the list here, not by detach
            make_ready(*waiter.wait);
        } else {
            waiters[kept++] = waiter;
        }
    }
    waiters.resize(kept);
    // An edge nobody was woken for: the next try sees it, and may_be_ready
    // says so to a caller that would skip that try.
    if (watch.edge) watch.unclaimed |= event.events & (~claimed | always);
    // Could not re-arm for the others: wake them, their retry waits again
    // (and reports the error if it persists) instead of hanging.
    if (!waiters.empty() && arm(fd, watch) != 0) wake_all(watch);
}

int Scheduler::collect(double until) {
    try {
        if (int error = open_poller()) return error;
        double deadline = std::min(until, next_deadline());
        // Threads already queued (a socket closed under them) must not
        // wait for the poller: only look at what is ready now.
        if (!ready_.empty()) deadline = -kNoDeadline;
        events_.clear();
        int error = poller_->wait(deadline, &events_);
        if (error && error != ETIMEDOUT) return error;
        for (const PollerEvent& event : events_) dispatch(event);
        if (timers_.empty()) return 0;  // no clock to read
        double now = os_->now();
        TimerHeap::Key thread = 0;
        while (timers_.pop_due(now, &thread)) {
            auto found = waits_.find(thread);
            if (found == waits_.end()) continue;
            found->second.timed = false;  // popped already
            make_ready(found->second);
        }
        return 0;
    } catch (const std::bad_alloc&) {
        return ENOMEM;
    }
}

void Scheduler::wait_items(std::vector<PollItem>* out) {
    out->clear();
    if (poller_) poller_->wait_items(out);
}

void Scheduler::flush() {
    if (poller_) poller_->flush();
}

bool Scheduler::pop_ready(ThreadId* thread) {
    while (!ready_.empty()) {
        Wait& wait = *ready_.front();
        ready_.pop_front();
        --wait.queued;
        if (!wait.ready) {
            // Stale: the thread waited again since, or ended.
            if (wait.cancelled && wait.queued == 0) erase(wait);
            continue;
        }
        wait.ready = false;
        wait.active = false;
        --active_;
        last_popped_ = &wait;
        *thread = wait.thread;
        return true;
    }
    return false;
}

}  // namespace lsock
