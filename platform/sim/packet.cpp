#include "sim/packet.hpp"

#include <cstdio>

namespace lsock::sim {

std::size_t Packet::wire_size() const {
    bool v6 = dst.family == Family::Inet6;
    std::size_t ip_header = v6 ? 40 : 20;
    std::size_t transport_header = transport == Transport::Tcp ? 20 : 8;
    return ip_header + transport_header + payload.size();
}

std::string Packet::describe() const {
    std::string text;
    switch (transport) {
        case Transport::Tcp: text = "tcp "; break;
        case Transport::Udp: text = "udp "; break;
        case Transport::Unreachable: text = "icmp-unreachable "; break;
    }
    text += src.to_string() + ">" + dst.to_string();
    if (transport == Transport::Tcp) {
        std::string f;
        if (flags & kSyn) f += 'S';
        if (flags & kFin) f += 'F';
        if (flags & kRst) f += 'R';
        if (flags & kProbe) f += 'P';
        if (flags & kAck) f += 'A';
        char numbers[96];
        std::snprintf(numbers, sizeof numbers, " %s seq=%llu ack=%llu win=%u", f.c_str(),
                      static_cast<unsigned long long>(seq), static_cast<unsigned long long>(ack), window);
        text += numbers;
    }
    text += " len=" + std::to_string(payload.size());
    return text;
}

}  // namespace lsock::sim
