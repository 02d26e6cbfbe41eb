// The Linux poller of the `sock` loop: epoll, shareable between Lua states
// in several OS threads (sock.epoll_fd).
//
// Sockets are registered in one epoll, the *shared* one, which other pollers
// may join. A poller never blocks on the shared epoll itself: it blocks on a
// *private* epoll that holds the shared one and the poller's mailbox
// wake descriptor. When the shared epoll is ready it takes events off it without
// blocking; events of its own descriptors it returns, others it forwards to
// their owner's mailbox (lsock/poller_mailbox.hpp). Each event carries its owner's
// id above the caller's tag, and every watch is edge-triggered or one-shot,
// so an event is taken off once and delivered to exactly the poller that
// owns the descriptor.
#pragma once

#include <sys/epoll.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "lsock/poller.hpp"
#include "lsock/poller_mailbox.hpp"

namespace lsock::posix {

class EpollPoller final : public Poller {
public:
    // A new poller: joins the epoll `shared` (kNoFd: makes its own).
    static int open(Fd shared, std::unique_ptr<Poller>* out);
    ~EpollPoller() override;

    int watch(Fd fd, unsigned events, std::uint64_t tag, Trigger trigger) override;
    int unwatch(Fd fd) override;
    int wait(double deadline, std::vector<PollerEvent>* out) override;
    void wait_items(std::vector<PollItem>* out) override;
    int wake() override;
    Fd native_handle() const override { return shared_; }
    const char* kind() const override { return "epoll"; }

    // Events this poller took off the shared epoll for another owner.
    std::uint64_t forwarded() const { return forwarded_; }

private:
    EpollPoller() = default;
    // Takes everything ready off the shared epoll without blocking.
    int harvest(std::vector<PollerEvent>* out);
    bool is_registered(Fd fd) const { return std::size_t(fd) < registered_.size() && registered_[fd]; }
    void set_registered(Fd fd, bool value);

    int shared_ = -1;
    int private_ = -1;
    std::uint32_t owner_ = 0;
    std::shared_ptr<Mailbox> mailbox_;
    std::vector<epoll_event> ready_;   // harvest buffer
    std::vector<bool> registered_;     // by descriptor: added to the shared epoll
    std::uint64_t forwarded_ = 0;
};

}  // namespace lsock::posix
