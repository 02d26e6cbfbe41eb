// A scripted test double of a Poller, for tests of the scheduler.
//
// It records what it is asked to watch, and each wait hands out the next
// scripted batch of events. With nothing scripted, a wait "blocks" until its
// deadline: it moves the ClockOs clock there (time passes, nothing happens).
#pragma once

#include <deque>
#include <map>
#include <vector>

#include "clock_os.hpp"
#include "lsock/poller.hpp"

namespace lsock::test {

class ScriptedPoller : public Poller {
public:
    struct WatchCall {
        Fd fd;
        unsigned events;
        std::uint64_t tag;
        Trigger trigger;
    };

    explicit ScriptedPoller(ClockOs& os) : os_(&os) {}

    std::vector<WatchCall> watches;
    std::vector<Fd> unwatches;
    std::vector<double> wait_deadlines;
    std::deque<std::vector<PollerEvent>> script;
    int watch_error = 0;
    bool edge = false;  // accepts Trigger::Edge (else ENOTSUP, like the poll-set poller)

    // The next wait reports `events` on `fd`, with the tag it was last watched with.
    void fire(Fd fd, unsigned events) { script.push_back({PollerEvent{tag_of(fd), events}}); }
    std::uint64_t tag_of(Fd fd) const { return tags_.at(fd); }
    unsigned armed(Fd fd) const { return watches_of(fd).empty() ? 0 : watches_of(fd).back().events; }
    std::vector<WatchCall> watches_of(Fd fd) const {
        std::vector<WatchCall> out;
        for (const WatchCall& call : watches)
            if (call.fd == fd) out.push_back(call);
        return out;
    }

    int watch(Fd fd, unsigned events, std::uint64_t tag, Trigger trigger) override {
        if (watch_error) return watch_error;
        if (trigger == Trigger::Edge && !edge) return ENOTSUP;
        watches.push_back({fd, events, tag, trigger});
        tags_[fd] = tag;
        return 0;
    }
    int unwatch(Fd fd) override {
        unwatches.push_back(fd);
        return 0;
    }
    int wait(double deadline, std::vector<PollerEvent>* out) override {
        wait_deadlines.push_back(deadline);
        if (!script.empty()) {
            out->insert(out->end(), script.front().begin(), script.front().end());
            script.pop_front();
            return 0;
        }
        if (deadline != kNoDeadline && deadline > os_->clock) os_->clock = deadline;
        return ETIMEDOUT;
    }
    void wait_items(std::vector<PollItem>* out) override { out->push_back(PollItem{99, kReadable, 0}); }
    int wake() override { return 0; }
    Fd native_handle() const override { return 99; }

private:
    ClockOs* os_;
    std::map<Fd, std::uint64_t> tags_;
};

}  // namespace lsock::test
