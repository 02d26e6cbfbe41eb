// A thin owner of one epoll instance. Level-triggered: a connection that
// is not fully served in one pass is simply reported again.
#pragma once

#include <cstdint>
#include <sys/epoll.h>
#include <vector>

namespace bench {

class Poller {
public:
    Poller();
    ~Poller();
    Poller(const Poller&) = delete;
    Poller& operator=(const Poller&) = delete;

    void add(int fd, std::uint32_t events, std::uint64_t key);
    void modify(int fd, std::uint32_t events, std::uint64_t key);
    void remove(int fd);

    // Waits up to timeout_ms; the ready events are in events() afterwards.
    int wait(int timeout_ms);
    const epoll_event& event(int i) const { return ready_[static_cast<std::size_t>(i)]; }

private:
    int epfd_;
    std::vector<epoll_event> ready_;
};

}  // namespace bench
