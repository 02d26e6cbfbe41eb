#include "sim/packet.hpp"

#include <string>

namespace lsock::sim {

std::size_t Packet::wire_size() const {
    bool v6 = dst.family == Family::Inet6;
    std::size_t ip_header = v6 ? 40 : 20;
    std::size_t transport_header = transport == Transport::Tcp ? 20 : 8;
    return ip_header + transport_header + payload.size();
}

std::string PacketHeader::describe() const {
    std::string text;
    switch (transport) {
        case Transport::Tcp: text = "tcp "; break;
        case Transport::Udp: text = "udp "; break;
        case Transport::Unreachable:
            text = (flags & kIcmpHost) ? "icmp-host-unreachable " : "icmp-unreachable ";
            if (flags & kIcmpAboutTcp) text += "tcp ";
            break;
    }
    // Only when a trace line is read (the trace keeps headers, not text).
    text += src.to_string();
    text += '>';
    text += dst.to_string();
    if (transport == Transport::Tcp) {
        text += ' ';
        if (flags & kSyn) text += 'S';
        if (flags & kFin) text += 'F';
        if (flags & kRst) text += 'R';
        if (flags & kProbe) text += 'P';
        if (flags & kAck) text += 'A';
        text += " seq=";
        text += std::to_string(static_cast<unsigned long long>(seq));
        text += " ack=";
        text += std::to_string(static_cast<unsigned long long>(ack));
        text += " win=";
        text += std::to_string(window);
    }
    text += " len=";
    text += std::to_string(length);
    return text;
}

}  // namespace lsock::sim
