// A Poller on any Os, through Os::wait: the list of watched descriptors is
// handed over whole on every wait (O(n), like poll(2)). The simulated kernel
// has no epoll of its own and uses this one; with a Suspend-style Os, `wait`
// only reports what is ready now and the loop suspends on `wait_items`.
#pragma once

#include <vector>

#include "lsock/poller.hpp"

namespace lsock {

class PollSetPoller final : public Poller {
public:
    explicit PollSetPoller(Os& os) : os_(&os) {}

    int watch(Fd fd, unsigned events, std::uint64_t tag, Trigger trigger) override;
    int unwatch(Fd fd) override;
    int wait(double deadline, std::vector<PollerEvent>* out) override;
    void wait_items(std::vector<PollItem>* out) override;
    // Os::wait cannot be interrupted from outside: ENOTSUP.
    int wake() override { return ENOTSUP; }
    Fd native_handle() const override { return kNoFd; }

private:
    struct Entry {
        Fd fd;
        unsigned events;  // 0 while a one-shot entry is disarmed
        std::uint64_t tag;
        Trigger trigger;
    };
    Entry* find(Fd fd);

    Os* os_;
    std::vector<Entry> entries_;
    std::vector<PollItem> items_;      // the armed entries, rebuilt per wait
    std::vector<std::size_t> owners_;  // items_[i] belongs to entries_[owners_[i]]
};

}  // namespace lsock
