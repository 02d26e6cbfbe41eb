#include "core/poll_set_poller.hpp"

#include <new>

namespace lsock {

PollSetPoller::Entry* PollSetPoller::find(Fd fd) {
    for (Entry& entry : entries_)
        if (entry.fd == fd) return &entry;
    return nullptr;
}

int PollSetPoller::watch(Fd fd, unsigned events, std::uint64_t tag, Trigger trigger) {
    if (fd < 0) return EBADF;
    // Os::wait reports levels: an edge cannot be told from one.
    if (trigger == Trigger::Edge) return ENOTSUP;
    events &= kReadable | kWritable;
    if (Entry* entry = find(fd)) {
        *entry = Entry{fd, events, tag, trigger};
        return 0;
    }
    try {
        entries_.push_back(Entry{fd, events, tag, trigger});
    } catch (const std::bad_alloc&) {
        return ENOMEM;
    }
    return 0;
}

int PollSetPoller::unwatch(Fd fd) {
    for (std::size_t i = 0; i < entries_.size(); ++i) {
        if (entries_[i].fd != fd) continue;
        entries_[i] = entries_.back();
        entries_.pop_back();
        return 0;
    }
    return ENOENT;
}

void PollSetPoller::wait_items(std::vector<PollItem>* out) {
    // A disarmed entry stays out: poll(2) reports hang-ups even for a
    // descriptor that asks for nothing, and a one-shot watch must be quiet.
    for (const Entry& entry : entries_)
        if (entry.events) out->push_back(PollItem{entry.fd, entry.events, 0});
}

int PollSetPoller::wait(double deadline, std::vector<PollerEvent>* out) {
    try {
        items_.clear();
        owners_.clear();
        for (std::size_t i = 0; i < entries_.size(); ++i) {
            if (!entries_[i].events) continue;
            items_.push_back(PollItem{entries_[i].fd, entries_[i].events, 0});
            owners_.push_back(i);
        }
    } catch (const std::bad_alloc&) {
        return ENOMEM;
    }
    // A Suspend-style Os never blocks here; a past deadline asks for "now".
    if (os_->wait_style() == WaitStyle::Suspend) deadline = -kNoDeadline;
    int error = os_->wait(items_.data(), items_.size(), deadline);
    if (error) return error;
    std::size_t reported = 0;
    for (std::size_t i = 0; i < items_.size(); ++i) {
        if (!items_[i].revents) continue;
        Entry& entry = entries_[owners_[i]];
        try {
            out->push_back(PollerEvent{entry.tag, items_[i].revents});
        } catch (const std::bad_alloc&) {
            return ENOMEM;
        }
        if (entry.trigger == Trigger::OneShot) entry.events = 0;
        ++reported;
    }
    return reported ? 0 : ETIMEDOUT;
}

}  // namespace lsock
