// The Windows kernel: Winsock 2 sockets, select() for the waits of the
// `socket` module, an I/O completion port for the `sock` loop (its poller,
// windows/iocp_poller.hpp), and QueryPerformanceCounter.
#pragma once

#include <memory>
#include <mutex>
#include <unordered_set>

#include "lsock/os.hpp"

namespace lsock::windows {

class WindowsOs final : public Os {
public:
    WindowsOs();   // WSAStartup
    ~WindowsOs() override;

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
    // The same resolve on a lookup thread (common/lookup_pool.hpp).
    std::unique_ptr<PendingResolve> start_resolve(const char* host, const char* service,
                                                  const ResolveHints& hints) override;
    std::string resolve_error_message(ResolveError error) override;
    std::string error_message(int error) override;
    WaitStyle wait_style() const override { return WaitStyle::Block; }
    int wait(PollItem* items, std::size_t count, double deadline) override;
    // The IOCP poller (defined in iocp_poller.cpp).
    int open_poller(Fd shared, std::unique_ptr<Poller>* out) override;
    double now() override;

private:
    // Sockets a script asked SO_REUSEADDR of. Windows' SO_REUSEADDR lets
    // another socket bind a port that is in use (what SO_REUSEPORT does on
    // Linux), and rebinding a port whose connections linger in TIME_WAIT,
    // which is what the option means on POSIX, is Windows' default: so the
    // option is remembered for getoption and not passed on.
    std::mutex reuse_mutex_;
    std::unordered_set<Fd> reuse_addr_;
};

}  // namespace lsock::windows
