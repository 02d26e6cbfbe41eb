// The real kernel: BSD sockets, poll(2) for the `socket` module's waits, and
// CLOCK_MONOTONIC. Linux first; the calls are POSIX so a kqueue sibling for
// the BSDs only has to add its poller.
#pragma once

#include "lsock/os.hpp"

namespace lsock::posix {

class PosixOs final : public Os {
public:
    int open_socket(Family family, SocketType type, int protocol, Fd* out) override;
    int close(Fd fd) override;
    int bind(Fd fd, const Address& address) override;
    int listen(Fd fd, int backlog) override;
    int connect(Fd fd, const Address& address) override;
    int finish_connect(Fd fd) override;
    int accept(Fd fd, Fd* out, Address* peer) override;
    IoResult send(Fd fd, const void* data, std::size_t size) override;
    IoResult send_to(Fd fd, const void* data, std::size_t size, const Address& to) override;
    IoResult receive(Fd fd, void* buffer, std::size_t size) override;
    IoResult receive_from(Fd fd, void* buffer, std::size_t size, Address* from) override;
    int shutdown(Fd fd, ShutdownHow how) override;
    int set_option(Fd fd, SocketOption option, int value) override;
    int get_option(Fd fd, SocketOption option, int* value) override;
    int local_address(Fd fd, Address* out) override;
    int peer_address(Fd fd, Address* out) override;
    ResolveError resolve(const char* host, const char* service, const ResolveHints& hints,
                         std::vector<ResolvedAddress>* out) override;
    std::string resolve_error_message(ResolveError error) override;
    std::unique_ptr<PendingResolve> start_resolve(const char* host, const char* service,
                                                 const ResolveHints& hints) override;
    std::string error_message(int error) override;
    WaitStyle wait_style() const override { return WaitStyle::Block; }
    int wait(PollItem* items, std::size_t count, double deadline) override;
    // epoll, shareable between threads (platform/posix/epoll_poller.cpp).
    int open_poller(Fd shared, std::unique_ptr<Poller>* out) override;
    double now() override;
};

}  // namespace lsock::posix
