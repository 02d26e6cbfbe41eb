#include "lsock/poller_mailbox.hpp"

#include <atomic>
#include <new>
#include <unordered_map>

namespace lsock {

void Mailbox::post(const PollerEvent& event) {
    bool was_empty;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        was_empty = queued_.empty();
        try {
            queued_.push_back(event);
        } catch (const std::bad_alloc&) {
            // Out of memory: the owner still gets a wakeup, its waiters retry.
            was_empty = true;
        }
    }
    // A non-empty box was already rung and not yet taken: the owner will
    // take this event with the others.
    if (was_empty) ring();
}

void Mailbox::ring() { doorbell_->ring(); }

void Mailbox::take(std::vector<PollerEvent>* out) {
    // Reset the doorbell first: a post after this rings it again.
    doorbell_->reset();
    std::lock_guard<std::mutex> lock(mutex_);
    try {
        out->insert(out->end(), queued_.begin(), queued_.end());
    } catch (const std::bad_alloc&) {
        return;  // leave them queued and rung for the next wait
    }
    queued_.clear();
}

namespace mailboxes {

namespace {

constexpr std::uint32_t kMaxOwner = (std::uint32_t(1) << (64 - kPollerTagBits)) - 1;

struct Table {
    std::mutex mutex;
    std::unordered_map<std::uint32_t, std::shared_ptr<Mailbox>> owners;
    std::uint32_t last = 0;
};

std::atomic<std::uint64_t> forwarded_events{0};

Table& table() {
    static Table* instance = new Table;  // never destroyed: threads may outlive main's statics
    return *instance;
}

}  // namespace

std::uint32_t add(std::shared_ptr<Mailbox> mailbox) {
    Table& t = table();
    std::lock_guard<std::mutex> lock(t.mutex);
    if (t.owners.size() >= kMaxOwner) return 0;
    // Ids are handed out round-robin, so an id that just went away is the
    // last to come back: a late event for it most likely finds nobody.
    do t.last = t.last == kMaxOwner ? 1 : t.last + 1;
    while (t.owners.count(t.last));
    try {
        t.owners.emplace(t.last, std::move(mailbox));
    } catch (const std::bad_alloc&) {
        return 0;
    }
    return t.last;
}

void remove(std::uint32_t owner) {
    std::shared_ptr<Mailbox> gone;  // released after the lock
    Table& t = table();
    std::lock_guard<std::mutex> lock(t.mutex);
    auto found = t.owners.find(owner);
    if (found == t.owners.end()) return;
    gone = std::move(found->second);
    t.owners.erase(found);
}

bool route(std::uint32_t self, Mailbox& own, std::uint64_t data, unsigned events, std::vector<PollerEvent>* out) {
    std::uint32_t owner = std::uint32_t(data >> kPollerTagBits);
    PollerEvent event{data & kPollerTagMask, events};
    if (owner == self) {
        try {
            out->push_back(event);
        } catch (const std::bad_alloc&) {
            own.post(event);  // keep it for the next wait
        }
        return false;
    }
    std::shared_ptr<Mailbox> mailbox = find(owner);
    if (!mailbox) return false;
    mailbox->post(event);
    count_forwarded();
    return true;
}

void count_forwarded() { forwarded_events.fetch_add(1, std::memory_order_relaxed); }

std::uint64_t forwarded() { return forwarded_events.load(std::memory_order_relaxed); }

std::shared_ptr<Mailbox> find(std::uint32_t owner) {
    Table& t = table();
    std::lock_guard<std::mutex> lock(t.mutex);
    auto found = t.owners.find(owner);
    return found == t.owners.end() ? nullptr : found->second;
}

}  // namespace mailboxes

}  // namespace lsock
