// A descriptor that one thread makes readable to wake another: an eventfd
// on Linux (linux/wake_fd_eventfd.cpp), a non-blocking pipe elsewhere
// (wake_fd_pipe.cpp); CMake compiles one of the two. Used by the lookup
// threads (async_resolver.cpp) and by the epoll poller's mailbox.
#pragma once

#include <memory>

#include "lsock/poller_mailbox.hpp"

namespace lsock::posix {

class WakeFd {
public:
    WakeFd() = default;
    ~WakeFd();
    WakeFd(const WakeFd&) = delete;
    WakeFd& operator=(const WakeFd&) = delete;

    // Opens it non-blocking and close-on-exec: 0 or an errno value.
    int open();
    // What a waiter polls for readable.
    int read_end() const { return read_end_; }
    // Any thread: makes read_end() readable (stays so until drained).
    void signal();
    // Makes read_end() not readable again.
    void drain();

private:
    int read_end_ = -1;
    int write_end_ = -1;  // == read_end_ for an eventfd
};

// A mailbox's doorbell over a WakeFd.
class WakeFdDoorbell final : public Doorbell {
public:
    explicit WakeFdDoorbell(std::unique_ptr<WakeFd> fd) : fd_(std::move(fd)) {}
    void ring() override { fd_->signal(); }
    void reset() override { fd_->drain(); }

private:
    std::unique_ptr<WakeFd> fd_;
};

}  // namespace lsock::posix
