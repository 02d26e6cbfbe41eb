// The common face of every simulated socket: the Os calls a descriptor
// accepts, the options every socket has, and readiness notification.
//
// A concrete socket (TcpSocket, UdpSocket, UnixStreamSocket,
// UnixDatagramSocket) overrides the calls it supports; the rest fail as Linux
// fails them for that kind of socket.
#pragma once

#include <cerrno>
#include <cstdint>
#include <memory>
#include <vector>

#include "lsock/os.hpp"

namespace lsock::sim {

class SimHost;

// What bind conflicts are judged on (see PortTable).
struct BindInfo {
    Address local;  // socket form
    bool reuse_addr = false;
    bool reuse_port = false;
    bool listening = false;
    bool time_wait = false;
};

class SimSocket : public std::enable_shared_from_this<SimSocket> {
public:
    SimSocket(SimHost& host, Family family, SocketType type);
    virtual ~SimSocket() = default;
    SimSocket(const SimSocket&) = delete;
    SimSocket& operator=(const SimSocket&) = delete;

    SimHost& host() const { return host_; }
    Family family() const { return family_; }
    SocketType type() const { return type_; }

    virtual int bind(const Address&) { return EOPNOTSUPP; }
    virtual int listen(int) { return EOPNOTSUPP; }
    virtual int connect(const Address&) { return EOPNOTSUPP; }
    virtual int finish_connect() { return 0; }
    virtual int accept(std::shared_ptr<SimSocket>*, Address*) { return EOPNOTSUPP; }
    virtual IoResult send(const void*, std::size_t) { return {0, EOPNOTSUPP}; }
    virtual IoResult send_to(const void*, std::size_t, const Address&) { return {0, EOPNOTSUPP}; }
    virtual IoResult receive(void*, std::size_t) { return {0, EOPNOTSUPP}; }
    virtual IoResult receive_from(void* buffer, std::size_t size, Address* from);
    virtual int shutdown(ShutdownHow) { return ENOTCONN; }
    virtual int local_address(Address* out) = 0;
    virtual int peer_address(Address* out) = 0;
    // The descriptor is closed: release what the socket holds, tell the peer.
    virtual void close() = 0;
    // Readiness now: kReadable | kWritable | kHangup | kFailed.
    virtual unsigned poll() const = 0;

    // Whether the socket still holds its bound port, and on what terms.
    virtual bool holds_port() const { return false; }
    virtual BindInfo bind_info() const { return {}; }

    virtual int set_option(SocketOption option, int value);
    int get_option(SocketOption option, int* value);

    // Readiness notification: a waiter asks to hear about this socket; any
    // change that may alter poll() hands the waiters to the world to re-check.
    // One-shot: a waiter that is still not ready watches again.
    void watch(std::uint64_t waiter);
    void notify();

protected:
    int take_error() {
        int e = error_;
        error_ = 0;
        return e;
    }

    SimHost& host_;
    Family family_;
    SocketType type_;
    int error_ = 0;  // SO_ERROR: reported once, by the next call that looks
    bool reuse_addr_ = false;
    bool reuse_port_ = false;
    bool keepalive_ = false;
    bool nodelay_ = false;
    bool broadcast_ = false;
    int linger_ = -1;
    std::size_t send_capacity_;
    std::size_t receive_capacity_;

private:
    std::vector<std::uint64_t> watchers_;
};

}  // namespace lsock::sim
