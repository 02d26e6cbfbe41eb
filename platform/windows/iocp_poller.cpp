#include "windows/iocp_poller.hpp"

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <new>

#include "windows/monotonic_clock.hpp"
#include "windows/windows_os.hpp"
#include "windows/wsa_errors.hpp"

namespace lsock {
namespace windows {

namespace {

// Completions taken off the port per GetQueuedCompletionStatusEx.
constexpr ULONG kBatch = 256;
// How long a closing poller waits for the driver to give back the groups
// of its cancelled polls, at most (they come back at once in practice).
constexpr int kDrainMilliseconds = 2000;
// What a socket is told when its poll could not be issued or failed: try
// again, and the retry reports what is wrong.
constexpr unsigned kRetry = kFailed | kReadable | kWritable;

// The Win32 errors of these calls as errno values.
int errno_of_win32(DWORD error) {
    switch (error) {
        case ERROR_INVALID_HANDLE: return EBADF;
        case ERROR_INVALID_PARAMETER: return EINVAL;
        case ERROR_NOT_ENOUGH_MEMORY:
        case ERROR_OUTOFMEMORY: return ENOMEM;
        case ERROR_ACCESS_DENIED: return EACCES;
        default: return errno_of_wsa(int(error));
    }
}

// Hang-ups and errors are always asked for: the caller hears of them
// whatever it waits for. The peer's FIN only when reading: it stays, and a
// writer polled for it would be woken again and again.
ULONG to_afd(unsigned events) {
    ULONG afd_events = afd::kLocalClose | afd::kAbort | afd::kConnectFail;
    if (events & kReadable) afd_events |= afd::kReceive | afd::kAccept | afd::kDisconnect;
    if (events & kWritable) afd_events |= afd::kSend;
    return afd_events;
}

// As poll(2) reports the same conditions: a reset is readable, writable,
// a hang-up and an error; a failed connect writable and an error.
unsigned from_afd(ULONG afd_events) {
    unsigned events = 0;
    if (afd_events & (afd::kReceive | afd::kAccept)) events |= kReadable;
    if (afd_events & afd::kDisconnect) events |= kReadable | kHangup;
    if (afd_events & afd::kSend) events |= kWritable;
    if (afd_events & afd::kAbort) events |= kReadable | kWritable | kHangup | kFailed;
    if (afd_events & afd::kConnectFail) events |= kWritable | kFailed;
    return events;
}

bool is_socket(SOCKET socket) {
    int type = 0;
    int size = sizeof type;
    return getsockopt(socket, SOL_SOCKET, SO_TYPE, reinterpret_cast<char*>(&type), &size) == 0 ||
           WSAGetLastError() != WSAENOTSOCK;
}

}  // namespace

int IocpPoller::open(Fd shared, std::unique_ptr<Poller>* out) {
    std::unique_ptr<IocpPoller> poller(new (std::nothrow) IocpPoller);
    if (!poller) return ENOMEM;
    if (shared == kNoFd) {
        poller->port_ = CreateIoCompletionPort(INVALID_HANDLE_VALUE, nullptr, 0, 0);
        if (!poller->port_) return errno_of_win32(GetLastError());
    } else {
        // Our own reference to the caller's port: it stays valid whatever
        // the caller does with its handle.
        HANDLE self = GetCurrentProcess();
        if (!DuplicateHandle(self, reinterpret_cast<HANDLE>(shared), self, &poller->port_, 0, FALSE,
                             DUPLICATE_SAME_ACCESS)) {
            poller->port_ = nullptr;
            return EBADF;
        }
    }
    std::unique_ptr<ThreadDoorbell> doorbell(new (std::nothrow) ThreadDoorbell);
    if (!doorbell) return ENOMEM;
    poller->doorbell_ = doorbell.get();
    poller->mailbox_ = std::shared_ptr<Mailbox>(new (std::nothrow) Mailbox(std::move(doorbell)));
    if (!poller->mailbox_) return ENOMEM;
    poller->owner_ = mailboxes::add(poller->mailbox_);
    if (!poller->owner_) return ENOMEM;
    if (DWORD error = afd::open_device(poller->port_, poller->owner_, &poller->device_)) {
        poller->device_ = nullptr;
        // Associating a handle with something that is not a port fails so.
        if (shared != kNoFd && (error == ERROR_INVALID_PARAMETER || error == ERROR_INVALID_HANDLE)) return EINVAL;
        return errno_of_win32(error);
    }
    try {
        poller->entries_.resize(kBatch);
    } catch (const std::bad_alloc&) {
        return ENOMEM;
    }
    *out = std::move(poller);
    return 0;
}

IocpPoller::~IocpPoller() {
    // Nobody may hand us completions any more: another poller that dequeues
    // one of ours from now on drops it (our groups are touched by us only).
    if (owner_) mailboxes::remove(owner_);
    for (auto& group : groups_) {
        if (group->pending) afd::cancel_poll(device_, &group->status);
    }
    // A group is freed once the driver wrote its answer (cancelled or not);
    // one it never gives back is left alone rather than freed under it.
    for (int waited = 0; waited < kDrainMilliseconds; ++waited) {
        bool all = std::all_of(groups_.begin(), groups_.end(),
                               [](const auto& group) { return !group->pending || afd::finished(group->status); });
        if (all) break;
        Sleep(1);
    }
    for (auto& group : groups_) {
        if (group->pending && !afd::finished(group->status)) group.release();
    }
    if (device_) CloseHandle(device_);
    if (port_) CloseHandle(port_);
    // The doorbell goes with the mailbox's last reference.
}

IocpPoller::Group* IocpPoller::group_with_room() {
    for (auto& group : groups_) {
        if (group->members.size() < kGroupSize) return group.get();
    }
    std::unique_ptr<Group> group(new Group);
    group->members.reserve(kGroupSize);
    group->polled.reserve(kGroupSize);
    groups_.reserve(groups_.size() + 1);
    alive_.insert(group.get());
    groups_.push_back(std::move(group));  // cannot throw: reserved
    return groups_.back().get();
}

void IocpPoller::mark_dirty(Group& group) {
    if (group.dirty) return;
    dirty_.push_back(&group);  // may throw; then nothing changed
    group.dirty = true;
}

int IocpPoller::watch(Fd fd, unsigned events, std::uint64_t tag, Trigger trigger) {
    if (fd == kNoFd) return EBADF;
    if (trigger == Trigger::Edge) return ENOTSUP;
    try {
        auto found = watched_.find(fd);
        if (found == watched_.end()) {
            Group* group = group_with_room();
            Watched fresh;
            fresh.base = afd::base_socket(SOCKET(fd));
            fresh.serial = next_serial_++;
            fresh.group = group;
            found = watched_.emplace(fd, fresh).first;
            group->members.push_back(fd);  // cannot throw: reserved
        }
        Watched& watched = found->second;
        watched.tag = tag;
        watched.events = events;
        watched.trigger = trigger;
        watched.armed = true;
        // The poll in flight asks for it already: nothing to change.
        Group& group = *watched.group;
        ULONG wanted = to_afd(events);
        if (group.pending && !group.cancelling && (watched.polled & wanted) == wanted) return 0;
        mark_dirty(group);
    } catch (const std::bad_alloc&) {
        return ENOMEM;
    }
    return 0;
}

int IocpPoller::unwatch(Fd fd) {
    auto found = watched_.find(fd);
    if (found == watched_.end()) return ENOENT;
    forget(found);
    return 0;
}

// A poll in flight that still names it reports nothing for it: its serial
// is gone (and the next poll of the group leaves it out).
void IocpPoller::forget(std::unordered_map<Fd, Watched>::iterator watched) {
    std::vector<Fd>& members = watched->second.group->members;
    auto member = std::find(members.begin(), members.end(), watched->first);
    if (member != members.end()) {
        *member = members.back();
        members.pop_back();
    }
    watched_.erase(watched);
}

void IocpPoller::flush(std::vector<PollerEvent>* out) {
    for (std::size_t i = 0; i < dirty_.size(); ++i) {
        Group& group = *dirty_[i];
        group.dirty = false;
        if (group.pending) {
            // Its completion (cancelled, or with events if it won the race)
            // marks it dirty again, and the next flush polls it anew.
            if (!group.cancelling) afd::cancel_poll(device_, &group.status);
            group.cancelling = true;
            continue;
        }
        submit(group, out);
    }
    dirty_.clear();
}

void IocpPoller::submit(Group& group, std::vector<PollerEvent>* out) {
    group.polled.clear();
    ULONG count = 0;
    for (Fd fd : group.members) {
        Watched& watched = watched_.find(fd)->second;
        watched.polled = 0;
        if (!watched.armed) continue;
        watched.polled = to_afd(watched.events);
        group.info.handles[count] = afd::PollHandleInfo{reinterpret_cast<HANDLE>(watched.base), watched.polled, 0};
        group.polled.push_back(Polled{watched.base, fd, watched.serial});  // cannot throw: reserved
        ++count;
    }
    if (count == 0) return;
    group.info.number_of_handles = count;
    ULONG size = ULONG(offsetof(afd::PollInfo<kGroupSize>, handles) + count * sizeof(afd::PollHandleInfo));
    if (afd::start_poll(device_, &group.info, size, &group.status) != 0) {
        report_unpolled(group, out);
        return;
    }
    group.pending = true;
    group.cancelling = false;
}

void IocpPoller::report_unpolled(Group& group, std::vector<PollerEvent>* out) {
    for (const Polled& one : group.polled) {
        auto found = watched_.find(one.fd);
        if (found == watched_.end()) continue;
        Watched& watched = found->second;
        watched.polled = 0;
        std::uint64_t tag = watched.tag;
        // Closed without unwatch: it would fail every poll of its group.
        if (!is_socket(watched.base)) forget(found);
        else if (watched.trigger == Trigger::OneShot) watched.armed = false;
        try {
            out->push_back(PollerEvent{tag, kRetry});
        } catch (const std::bad_alloc&) {
            // Its waiter stays until its deadline or the next event.
        }
    }
    group.polled.clear();
}

void IocpPoller::complete(IO_STATUS_BLOCK* status, std::vector<PollerEvent>* out) {
    Group* group = reinterpret_cast<Group*>(status);
    if (!alive_.count(group)) return;  // not (or no longer) one of ours
    group->pending = false;
    group->cancelling = false;
    if (afd::cancelled(group->status)) {
        // Ended to poll a changed set: nothing to report.
    } else if (afd::failed(group->status)) {
        report_unpolled(*group, out);
    } else {
        ULONG count = std::min<ULONG>(group->info.number_of_handles, ULONG(kGroupSize));
        for (ULONG i = 0; i < count; ++i) {
            const afd::PollHandleInfo& answer = group->info.handles[i];
            SOCKET base = SOCKET(reinterpret_cast<std::uintptr_t>(answer.handle));
            auto one = std::find_if(group->polled.begin(), group->polled.end(),
                                    [base](const Polled& p) { return p.base == base; });
            if (one == group->polled.end()) continue;
            auto found = watched_.find(one->fd);
            if (found == watched_.end() || found->second.serial != one->serial) continue;  // unwatched since
            Watched& watched = found->second;
            if (answer.events & afd::kLocalClose) {
                // Closed without unwatch: the handle may name a new socket soon.
                forget(found);
                continue;
            }
            unsigned events = from_afd(answer.events) & (watched.events | kHangup | kFailed);
            if (!watched.armed || events == 0) continue;
            try {
                out->push_back(PollerEvent{watched.tag, events});
            } catch (const std::bad_alloc&) {
                continue;  // still armed: the next poll reports it again
            }
            if (watched.trigger == Trigger::OneShot) watched.armed = false;
        }
    }
    for (const Polled& one : group->polled) {
        auto found = watched_.find(one.fd);
        if (found != watched_.end() && found->second.serial == one.serial) found->second.polled = 0;
    }
    group->polled.clear();
    try {
        mark_dirty(*group);
    } catch (const std::bad_alloc&) {
        // Polled again when one of its sockets is watched again.
    }
}

void IocpPoller::take_mailbox(std::vector<PollerEvent>* out) {
    mail_.clear();
    mailbox_->take(&mail_);
    for (const PollerEvent& mail : mail_) complete(reinterpret_cast<IO_STATUS_BLOCK*>(std::uintptr_t(mail.tag)), out);
}

int IocpPoller::wait(double deadline, std::vector<PollerEvent>* out) {
    if (DWORD error = doorbell_->follow_current_thread()) return errno_of_win32(error);
    std::size_t had = out->size();
    for (;;) {
        if (doorbell_->rung()) take_mailbox(out);
        flush(out);
        if (out->size() > had) return 0;
        if (woken_.exchange(false)) return ETIMEDOUT;  // wake(): return at once, with nothing
        DWORD timeout = timeout_ms(deadline);
        ULONG count = 0;
        if (!GetQueuedCompletionStatusEx(port_, entries_.data(), ULONG(entries_.size()), &count, timeout, TRUE)) {
            DWORD error = GetLastError();
            if (error == WAIT_IO_COMPLETION) continue;  // rung: take the mailbox
            if (error != WAIT_TIMEOUT) return errno_of_win32(error);
            count = 0;
        }
        for (ULONG i = 0; i < count; ++i) {
            const OVERLAPPED_ENTRY& entry = entries_[i];
            auto status = reinterpret_cast<IO_STATUS_BLOCK*>(entry.lpOverlapped);
            std::uint32_t owner = std::uint32_t(entry.lpCompletionKey);
            if (owner == owner_) {
                complete(status, out);
            } else if (std::shared_ptr<Mailbox> mailbox = mailboxes::find(owner)) {
                // Not ours: the owner handles it on its thread. Its group
                // is not touched here.
                mailbox->post(PollerEvent{std::uint64_t(reinterpret_cast<std::uintptr_t>(status)), 0});
                mailboxes::count_forwarded();
                ++forwarded_;
            }
            // An owner that is gone cancelled its polls and waits for its
            // groups itself: nothing to do.
        }
        if (out->size() > had) return 0;
        // Nothing of ours: the deadline decides (a wait may end a hair early).
        if (timeout == 0 || (deadline != kNoDeadline && monotonic_now() >= deadline)) return ETIMEDOUT;
    }
}

int IocpPoller::wake() {
    woken_.store(true);
    mailbox_->ring();
    return 0;
}

}  // namespace windows

int windows::WindowsOs::open_poller(Fd shared, std::unique_ptr<Poller>* out) {
    return IocpPoller::open(shared, out);
}

}  // namespace lsock
