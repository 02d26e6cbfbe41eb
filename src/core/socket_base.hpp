// What every socket kind shares: the descriptor and its single owner, the
// family chosen at creation or at first use, options set before the
// descriptor exists, and the per-call timeout.
#pragma once

#include <utility>
#include <vector>

#include "core/step.hpp"
#include "lsock/os.hpp"

namespace lsock {

class SocketBase {
public:
    // With Family::Unspec the OS socket is made at the first call that
    // names an address (connect, bind, sendto), from that address.
    SocketBase(Os& os, SocketType type, Family family);
    // Adopts a descriptor the Os gave us (accept).
    SocketBase(Os& os, SocketType type, Family family, Fd adopted);
    virtual ~SocketBase();
    SocketBase(const SocketBase&) = delete;
    SocketBase& operator=(const SocketBase&) = delete;

    Os& os() const { return *os_; }
    Fd fd() const { return fd_; }
    Family family() const { return family_; }
    SocketType type() const { return type_; }
    bool closed() const { return closed_; }

    // Makes the OS socket for `family` unless it exists. EAFNOSUPPORT when
    // the socket already has another family.
    int open(Family family);
    // Closes the descriptor; later calls see kErrorClosed. Idempotent.
    void close();
    // Swaps the descriptor for a fresh one of `family` with the same
    // options: a connect that failed on one candidate address tries the
    // next on a new socket. EAFNOSUPPORT if the caller fixed another family.
    int reopen(Family family);

    // < 0 blocks (the default), 0 never waits, > 0 bounds each call.
    void set_timeout(double seconds) { timeout_ = seconds < 0 ? -1 : seconds; }
    double timeout() const { return timeout_; }
    // The absolute deadline of a call that starts now.
    double call_deadline() const;

    int bind(const Address& address);
    int shutdown(ShutdownHow how);
    int set_option(SocketOption option, int value);
    int get_option(SocketOption option, int* value);
    int local_address(Address* out);
    int peer_address(Address* out);

protected:
    // kErrorClosed when closed, else 0 (for calls that need no descriptor yet).
    int usable() const { return closed_ ? kErrorClosed : 0; }
    // kErrorClosed when closed, ENOTCONN when never opened, else 0.
    int has_descriptor() const;

private:
    Os* os_;
    SocketType type_;
    Family family_;
    bool family_fixed_;  // chosen by the caller, not by the first address
    Fd fd_ = kNoFd;
    bool closed_ = false;
    double timeout_ = -1;
    std::vector<std::pair<SocketOption, int>> options_;  // replayed on each new descriptor
};

}  // namespace lsock
