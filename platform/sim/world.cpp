#include "sim/world.hpp"

#include <algorithm>
#include <cstdio>

#include "sim/address_util.hpp"
#include "sim/sim_host.hpp"

namespace lsock::sim {

// The seed is not written into the trace: the hash reflects only what
// happened, so two seeds give different hashes only when the runs differ.
World::World(std::uint64_t seed) : seed_(seed), random_(seed), waiters_(*this) {}

World::~World() = default;

namespace {

bool parse_addresses(const std::vector<std::string>& texts, std::vector<Address>* out, std::string* error) {
    for (const auto& text : texts) {
        auto parsed = Address::parse_ip(text, 0);
        if (!parsed) {
            if (error) *error = "not a numeric IP address: " + text;
            return false;
        }
        out->push_back(*parsed);
    }
    return true;
}

}  // namespace

SimHost* World::add_host(const std::string& name, const std::vector<std::string>& addresses, std::string* error) {
    std::vector<Address> parsed;
    if (!parse_addresses(addresses, &parsed, error)) return nullptr;
    if (parsed.empty()) {
        if (auto literal = Address::parse_ip(name, 0))
            parsed.push_back(*literal);  // a numeric name is its own address
        else
            parsed = free_addresses();
    }
    if (name.empty() || find_host(name) || names_.known(name)) {
        if (error) *error = "host name empty or taken: " + name;
        return nullptr;
    }
    for (const auto& a : parsed) {
        if (is_any_ip(a) || is_loopback_ip(a) || is_v4_mapped(a) || ip_owner_.count(a)) {
            if (error) *error = "address not usable or already taken: " + a.ip_text();
            return nullptr;
        }
    }
    HostId id = HostId(hosts_.size());
    for (const auto& a : parsed) {
        ip_owner_[a] = id;
        networks_.insert(network_of_ip(a));
    }
    if (!Address::parse_ip(name, 0)) names_.add(name, parsed);
    hosts_.push_back(std::make_unique<SimHost>(*this, id, name, parsed));
    host_by_name_[name] = id;
    std::string detail;
    for (const auto& a : parsed) detail += (detail.empty() ? "" : ",") + a.ip_text();
    record("host-add", name, detail);
    return hosts_.back().get();
}

std::vector<Address> World::free_addresses() const {
    // 10.0.x.y and fd00::x:y, counting up from 10.0.0.1: the first pair nobody has.
    for (unsigned k = 1;; ++k) {
        std::uint8_t x = std::uint8_t(k >> 8), y = std::uint8_t(k & 0xff);
        if (y == 0 || y == 255) continue;
        Address v4 = Address::inet({10, 0, x, y}, 0);
        std::array<std::uint8_t, 16> bytes{};
        bytes[0] = 0xfd;
        bytes[14] = x;
        bytes[15] = y;
        Address v6 = Address::inet6(bytes, 0);
        if (!ip_owner_.count(v4) && !ip_owner_.count(v6)) return {v4, v6};
    }
}

SimHost* World::find_host(const std::string& name) {
    auto found = host_by_name_.find(name);
    return found == host_by_name_.end() ? nullptr : hosts_[std::size_t(found->second)].get();
}

bool World::add_name(const std::string& name, const std::vector<std::string>& addresses, std::string* error) {
    std::vector<Address> parsed;
    if (!parse_addresses(addresses, &parsed, error)) return false;
    if (name.empty() || Address::parse_ip(name, 0)) {
        if (error) *error = "not a name: " + name;
        return false;
    }
    names_.add(name, parsed);
    return true;
}

SimHost* World::owner_of(const Address& wire) {
    auto it = ip_owner_.find(wire);
    return it == ip_owner_.end() ? nullptr : hosts_[std::size_t(it->second)].get();
}

Address World::network_of_ip(const Address& ip) const {
    return network_of(ip, ip.family == Family::Inet ? config_.network_prefix_v4 : config_.network_prefix_v6);
}

bool World::routable(const SimHost& from, const Address& ip) const {
    Address wire = to_wire(ip);
    return from.is_local_ip(wire) || ip_owner_.count(wire) || networks_.count(network_of_ip(wire));
}

// ---- Links and faults ----

namespace {
std::string describe_link(const LinkConfig& c) {
    char text[160];
    std::snprintf(text, sizeof text, "latency=%.6f jitter=%.6f bandwidth=%.0f loss=%.4f duplicate=%.4f reorder=%.4f",
                  c.latency, c.jitter, c.bandwidth, c.loss, c.duplicate, c.reorder);
    return text;
}
}  // namespace

void World::set_link(SimHost& a, SimHost& b, const LinkConfig& config) {
    set_link_one_way(a, b, config);
    if (&a != &b) set_link_one_way(b, a, config);
}

void World::set_link_one_way(SimHost& from, SimHost& to, const LinkConfig& config) {
    links_.set(from.id(), to.id(), config);
    record("link", from.name(), "to=" + to.name() + " " + describe_link(config));
}

LinkConfig World::link(SimHost& from, SimHost& to) const { return links_.get(from.id(), to.id()); }

void World::set_default_link(const LinkConfig& config) {
    links_.set_default(config);
    record("link-default", "-", describe_link(config));
}

void World::partition(SimHost& a, SimHost& b) {
    partition_one_way(a, b);
    partition_one_way(b, a);
}

void World::partition_one_way(SimHost& from, SimHost& to) {
    links_.block(from.id(), to.id());
    record("partition", from.name(), "to=" + to.name());
}

void World::heal(SimHost& a, SimHost& b) {
    heal_one_way(a, b);
    heal_one_way(b, a);
}

void World::heal_one_way(SimHost& from, SimHost& to) {
    links_.unblock(from.id(), to.id());
    record("heal", from.name(), "to=" + to.name());
}

void World::heal_all() {
    links_.unblock_all();
    record("heal-all", "-", "");
}

std::vector<void*> World::crash(SimHost& host) {
    record("crash", host.name(), "");
    std::vector<void*> tokens = waiters_.drop_host(host);
    host.crash();
    return tokens;
}

void World::restart(SimHost& host) {
    record("restart", host.name(), "");
    host.restart();
}

void World::note(const std::string& host, const std::string& text) { record("note", host, text); }

// ---- Events and the wire ----

EventId World::at(double time, std::function<void()> action, bool busy) {
    return queue_.push(std::max(time, now_), std::move(action), busy);
}

void World::transmit(SimHost& from, Packet&& packet) {
    SimHost* to = from.is_local_wire_ip(packet.dst) ? &from : owner_of(packet.dst);
    if (!to) {
        if (routable(from, packet.dst)) {
            record("drop", from.name(), "no-host", packet);
            neighbour_failed(from, packet);
        } else {
            record("drop", from.name(), "no-route", packet);
        }
        return;
    }
    LinkFate fate = links_.send(from.id(), to->id(), now_, packet.wire_size(), random_);
    if (fate.arrival_count == 0) {
        record("drop", from.name(), fate.drop_reason, packet);
        return;
    }
    record(fate.arrival_count > 1 ? "send-dup" : (fate.reordered ? "send-late" : "send"), from.name(), nullptr,
           packet);
    HostId dest = to->id();
    if (fate.arrival_count == 1) {
        std::uint32_t slot = park(std::move(packet));
        at(fate.arrivals[0], [this, dest, slot] { deliver_parked(dest, slot); });
        return;
    }
    auto shared = std::make_shared<const Packet>(std::move(packet));
    for (int i = 0; i < fate.arrival_count; ++i) at(fate.arrivals[i], [this, dest, shared] { deliver(dest, *shared); });
}

void World::neighbour_failed(SimHost& from, const Packet& packet) {
    // Only TCP hears of it: for UDP, Linux's host unreachable is a soft error
    // (icmp_err_convert: not fatal) that a socket sees only with IP_RECVERR,
    // which the modules never set; the datagram is simply gone.
    if (packet.transport != Transport::Tcp) return;
    Packet icmp;
    icmp.transport = Transport::Unreachable;
    icmp.flags = kIcmpHost | kIcmpAboutTcp;
    icmp.src = packet.dst;
    icmp.dst = packet.src;
    HostId id = from.id();
    // Busy: a connect waits for exactly this answer.
    at(now_ + config_.neighbour_timeout, [this, id, icmp = std::move(icmp)] { deliver(id, icmp); });
}

std::uint32_t World::park(Packet&& packet) {
    if (free_parked_.empty()) {
        free_parked_.reserve(parked_.size() + 1);  // so that deliver_parked never allocates
        parked_.push_back(std::make_unique<Packet>(std::move(packet)));
        return std::uint32_t(parked_.size() - 1);
    }
    std::uint32_t slot = free_parked_.back();
    free_parked_.pop_back();
    Packet& kept = *parked_[slot];
    kept.transport = packet.transport;
    kept.src = std::move(packet.src);
    kept.dst = std::move(packet.dst);
    kept.flags = packet.flags;
    kept.seq = packet.seq;
    kept.ack = packet.ack;
    kept.window = packet.window;
    kept.payload.swap(packet.payload);  // the delivered packet's buffer, back to the sender
    return slot;
}

void World::deliver_parked(HostId to, std::uint32_t slot) {
    deliver(to, *parked_[slot]);
    free_parked_.push_back(slot);
}

void World::deliver(HostId to, const Packet& packet) {
    SimHost& host = *hosts_[std::size_t(to)];
    if (!host.up()) {
        record("drop", host.name(), "host-down", packet);
        return;
    }
    record("recv", host.name(), nullptr, packet);
    host.deliver(packet);
}

}  // namespace lsock::sim
