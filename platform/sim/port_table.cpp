#include "sim/port_table.hpp"

#include <algorithm>

#include "sim/address_util.hpp"
#include "sim/random.hpp"

namespace lsock::sim {

namespace {

bool overlap(const Address& a, const Address& b) {
    Address wa = to_wire(a), wb = to_wire(b);
    // An IPv6 wildcard socket is dual-stack: it covers IPv4 addresses too.
    auto v6_any = [](const Address& x) { return x.family == Family::Inet6 && is_any_ip(x); };
    if (v6_any(wa) || v6_any(wb)) return true;
    if (wa.family != wb.family) return false;
    return is_any_ip(wa) || is_any_ip(wb) || same_ip(wa, wb);
}

bool may_share(const BindInfo& holder, const BindInfo& newcomer) {
    if (holder.reuse_port && newcomer.reuse_port) return true;
    // Linux (inet_bind_conflict) looks at the holder's state only: of two
    // sockets bound with SO_REUSEADDR the first to listen wins, the second
    // gets EADDRINUSE. A TIME_WAIT connection keeps the flag of the socket
    // it was (an accepted one inherits the listener's), so a new bind with
    // SO_REUSEADDR passes it only when the old socket had it too.
    return holder.reuse_addr && newcomer.reuse_addr && !holder.listening;
}

}  // namespace

int PortTable::check(const BindInfo& info, const SimSocket* self) const {
    for (const auto& holder : holders(info.local.port)) {
        if (holder.get() == self) continue;
        BindInfo theirs = holder->bind_info();
        if (overlap(theirs.local, info.local) && !may_share(theirs, info)) return EADDRINUSE;
    }
    return 0;
}

void PortTable::add(std::uint16_t port, const std::shared_ptr<SimSocket>& socket) {
    Holders& holders = ports_[port];
    auto& list = holders.sockets;
    // Drop holders that are gone, so a port bound and closed many times stays
    // small; only when the list has doubled since the last sweep, so that a
    // server port holding every accepted connection costs O(1) per accept.
    if (list.size() >= holders.sweep_at) {
        list.erase(std::remove_if(list.begin(), list.end(),
                                  [](const std::weak_ptr<SimSocket>& w) {
                                      auto s = w.lock();
                                      return !s || !s->holds_port();
                                  }),
                   list.end());
        holders.sweep_at = std::max<std::size_t>(8, 2 * list.size());
    }
    list.push_back(socket);
}

std::vector<std::shared_ptr<SimSocket>> PortTable::holders(std::uint16_t port) const {
    std::vector<std::shared_ptr<SimSocket>> live;
    auto it = ports_.find(port);
    if (it == ports_.end()) return live;
    for (const auto& weak : it->second.sockets) {
        auto socket = weak.lock();
        if (socket && socket->holds_port()) live.push_back(std::move(socket));
    }
    return live;
}

std::uint16_t PortTable::pick_ephemeral(Random& random, int low, int high) {
    int range = high - low + 1;
    if (range <= 0) return 0;
    if (next_ephemeral_ < 0) next_ephemeral_ = low + int(random.below(std::uint64_t(range)));
    for (int i = 0; i < range; ++i) {
        int port = low + (next_ephemeral_ - low + i) % range;
        auto it = ports_.find(std::uint16_t(port));
        if (it != ports_.end()) {
            // Forget holders that are gone, so the table does not grow with churn.
            auto& list = it->second.sockets;
            std::vector<std::weak_ptr<SimSocket>> kept;
            for (auto& weak : list) {
                auto s = weak.lock();
                if (s && s->holds_port()) kept.push_back(weak);
            }
            list.swap(kept);
            if (!list.empty()) continue;
            ports_.erase(it);
        }
        next_ephemeral_ = low + (port - low + 1) % range;
        return std::uint16_t(port);
    }
    return 0;
}

}  // namespace lsock::sim
