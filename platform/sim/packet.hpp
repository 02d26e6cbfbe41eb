// What travels on a simulated wire: a TCP segment, a UDP datagram, or an
// ICMP destination-unreachable: "port unreachable" from a host for a
// datagram nobody receives, "host unreachable" from the sender's own stack
// for a TCP segment to an address nobody owns (its neighbour lookup failed).
#pragma once

#include <cstdint>
#include <string>

#include "lsock/address.hpp"

namespace lsock::sim {

enum class Transport : std::uint8_t { Tcp, Udp, Unreachable };

// TCP flags. kProbe marks a zero-window probe: a real stack sends one byte
// beyond the window, which the receiver refuses and acknowledges; an empty
// segment with this mark asks the same question without that detour.
enum : std::uint8_t { kSyn = 1, kAck = 2, kFin = 4, kRst = 8, kProbe = 16 };

// The flags of an Unreachable packet: what its ICMP says. None set is a port
// unreachable about a UDP datagram (the only kind there was at first, so its
// trace hash did not change when the others came).
enum : std::uint8_t { kIcmpHost = 1, kIcmpAboutTcp = 2 };

// What the trace keeps of a packet: everything but the payload's bytes.
struct PacketHeader {
    Transport transport = Transport::Tcp;
    Address src;
    Address dst;
    std::uint8_t flags = 0;
    std::uint64_t seq = 0;
    std::uint64_t ack = 0;
    std::uint32_t window = 0;
    std::size_t length = 0;  // payload bytes

    // One trace field: "tcp 10.0.0.1:40000>10.0.0.2:80 SA seq=.. ack=.. win=.. len=..".
    std::string describe() const;
};

struct Packet {
    Transport transport = Transport::Tcp;
    // Wire form (see address_util.hpp). For Unreachable: src is the address the
    // packet was sent to, dst the sender it came from.
    Address src;
    Address dst;
    std::uint8_t flags = 0;
    std::uint64_t seq = 0;  // 64-bit sequence space: no wrap-around to model
    std::uint64_t ack = 0;
    std::uint32_t window = 0;
    std::string payload;

    // Bytes on the wire, headers included, for bandwidth accounting.
    std::size_t wire_size() const;
};

}  // namespace lsock::sim
