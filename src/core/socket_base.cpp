#include "core/socket_base.hpp"

#include <cerrno>

namespace lsock {

SocketBase::SocketBase(Os& os, SocketType type, Family family)
    : os_(&os), type_(type), family_(family), family_fixed_(family != Family::Unspec) {}

SocketBase::SocketBase(Os& os, SocketType type, Family family, Fd adopted)
    : os_(&os), type_(type), family_(family), family_fixed_(true), fd_(adopted) {}

SocketBase::~SocketBase() { close(); }

int SocketBase::open(Family family) {
    if (closed_) return kErrorClosed;
    if (fd_ != kNoFd) return family == family_ || family == Family::Unspec ? 0 : EAFNOSUPPORT;
    if (family_ != Family::Unspec && family != family_) return EAFNOSUPPORT;
    Fd fd = kNoFd;
    int error = os_->open_socket(family, type_, 0, &fd);
    if (error) return error;
    fd_ = fd;
    family_ = family;
    // Options set before the descriptor existed apply now, in order.
    for (const auto& [option, value] : options_) {
        if (family == Family::Unix && (option == SocketOption::NoDelay || option == SocketOption::KeepAlive)) continue;
        os_->set_option(fd_, option, value);
    }
    return 0;
}

int SocketBase::reopen(Family family) {
    if (closed_) return kErrorClosed;
    if (family_fixed_ && family != family_) return EAFNOSUPPORT;
    if (fd_ != kNoFd) os_->close(fd_);
    fd_ = kNoFd;
    if (!family_fixed_) family_ = Family::Unspec;
    return open(family);
}

void SocketBase::close() {
    if (fd_ != kNoFd) os_->close(fd_);
    fd_ = kNoFd;
    closed_ = true;
}

double SocketBase::call_deadline() const {
    if (timeout_ < 0) return kNoDeadline;
    return os_->now() + timeout_;
}

int SocketBase::has_descriptor() const {
    if (closed_) return kErrorClosed;
    return fd_ == kNoFd ? ENOTCONN : 0;
}

int SocketBase::bind(const Address& address) {
    if (int error = open(address.family)) return error;
    return os_->bind(fd_, address);
}

int SocketBase::shutdown(ShutdownHow how) {
    if (int error = has_descriptor()) return error;
    return os_->shutdown(fd_, how);
}

int SocketBase::set_option(SocketOption option, int value) {
    if (int error = usable()) return error;
    if (fd_ != kNoFd) {
        if (int error = os_->set_option(fd_, option, value)) return error;
    }
    // Remember the last value of each option once: a reopen replays them,
    // and a socket that toggles an option per message must not grow.
    for (auto& [known, v] : options_) {
        if (known == option) {
            v = value;
            return 0;
        }
    }
    options_.emplace_back(option, value);
    return 0;
}

int SocketBase::get_option(SocketOption option, int* value) {
    if (int error = usable()) return error;
    if (fd_ == kNoFd) {
        // Before the descriptor exists: the last value set, else the
        // caller's default in *value.
        for (const auto& [pending, v] : options_)
            if (pending == option) *value = v;
        return 0;
    }
    return os_->get_option(fd_, option, value);
}

int SocketBase::local_address(Address* out) {
    if (int error = has_descriptor()) return error;
    return os_->local_address(fd_, out);
}

int SocketBase::peer_address(Address* out) {
    if (int error = has_descriptor()) return error;
    return os_->peer_address(fd_, out);
}

}  // namespace lsock
