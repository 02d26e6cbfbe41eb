// Which sockets hold which port of one host and one transport, and the rules
// by which a bind is refused with EADDRINUSE (the Linux rules):
// - addresses overlap when equal, or when either is a wildcard of a family
//   that covers the other (:: is dual-stack and covers IPv4 too);
// - overlapping holders conflict unless both set SO_REUSEPORT, or both set
//   SO_REUSEADDR and the holder does not listen (a holder in TIME_WAIT has
//   the flag its socket had; an accepted socket inherits the listener's).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "sim/sim_socket.hpp"

namespace lsock::sim {

class Random;

class PortTable {
public:
    // 0, or EADDRINUSE when a holder of port conflicts with `info`.
    int check(const BindInfo& info, const SimSocket* self) const;
    void add(std::uint16_t port, const std::shared_ptr<SimSocket>& socket);
    // Live holders of port, in the order they bound.
    std::vector<std::shared_ptr<SimSocket>> holders(std::uint16_t port) const;
    // A port in [low, high] that nobody holds; 0 when every one is taken. The
    // search starts at a random point, as Linux's does, then goes in order.
    std::uint16_t pick_ephemeral(Random& random, int low, int high);

private:
    struct Holders {
        std::vector<std::weak_ptr<SimSocket>> sockets;
        std::size_t sweep_at = 8;  // sweep the gone ones out at this size
    };
    std::map<std::uint16_t, Holders> ports_;
    int next_ephemeral_ = -1;
};

}  // namespace lsock::sim
