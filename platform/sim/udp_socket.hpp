// A simulated UDP socket: whole datagrams up to the IP limit, a bounded
// receive queue (a full queue drops, silently, as a kernel does), truncation
// into a short buffer, and ECONNREFUSED on a connected socket after an ICMP
// port-unreachable. Loss, duplication and reordering come from the links.
#pragma once

#include <deque>
#include <string>

#include "sim/packet.hpp"
#include "sim/sim_socket.hpp"

namespace lsock::sim {

class UdpSocket final : public SimSocket {
public:
    UdpSocket(SimHost& host, Family family);

    int bind(const Address& address) override;
    int connect(const Address& address) override;
    IoResult send(const void* data, std::size_t size) override;
    IoResult send_to(const void* data, std::size_t size, const Address& to) override;
    IoResult receive(void* buffer, std::size_t size) override;
    IoResult receive_from(void* buffer, std::size_t size, Address* from) override;
    int shutdown(ShutdownHow how) override;
    int local_address(Address* out) override;
    int peer_address(Address* out) override;
    void close() override;
    unsigned poll() const override;
    bool holds_port() const override { return bound_ && !closed_; }
    BindInfo bind_info() const override;

    // How well this socket fits a datagram from src to dst (wire form):
    // negative when it does not take it, higher for a closer fit.
    int match(const Address& dst, const Address& src) const;
    void on_datagram(const Packet& packet);
    // An ICMP unreachable for a datagram this socket sent (ECONNREFUSED for
    // a port unreachable), reported by the next call.
    void on_unreachable(int error);
    bool connected_to(const Address& wire) const;

private:
    int autobind(const Address& destination);

    struct Datagram {
        std::string data;
        Address from;  // socket form
    };

    bool bound_ = false;
    bool connected_ = false;
    bool closed_ = false;
    bool read_shut_ = false;
    bool write_shut_ = false;
    Address local_;  // socket form
    Address peer_;   // socket form
    std::deque<Datagram> queue_;
    std::size_t queued_bytes_ = 0;
};

}  // namespace lsock::sim
