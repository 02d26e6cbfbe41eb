#include "sim/trace.hpp"

#include <cstdio>
#include <cstring>

#include "sim/hash_fold.hpp"

namespace lsock::sim {
namespace {

// Text is folded eight bytes at a time (fold_number, sim/hash_fold.hpp):
// the hash runs on every event, and byte-wise FNV-1a was the larger part of
// recording one.

// Up to eight bytes as a little-endian number, so that the hash is the same
// on every machine.
std::uint64_t little_endian8(const char* bytes) {
    std::uint64_t word = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    std::memcpy(&word, bytes, 8);  // one load where the host's order is the one wanted
#else
    for (std::size_t i = 0; i < 8; ++i) word |= std::uint64_t(static_cast<unsigned char>(bytes[i])) << (8 * i);
#endif
    return word;
}

// The last one to seven bytes: four at once where they are there (an IPv4
// address, most kinds and host names), the rest byte by byte. A copy of a
// variable length was a call to memcpy for every field of every event.
std::uint64_t little_endian_tail(const char* bytes, std::size_t size) {
    std::uint64_t word = 0;
    std::size_t i = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (size >= 4) {
        std::uint32_t low;
        std::memcpy(&low, bytes, 4);
        word = low;
        i = 4;
    }
#endif
    for (; i < size; ++i) word |= std::uint64_t(static_cast<unsigned char>(bytes[i])) << (8 * i);
    return word;
}

// The length first: "a" + "bc" and "ab" + "c" hash apart.
std::uint64_t fold_text(std::uint64_t hash, const char* bytes, std::size_t size) {
    hash = fold_number(hash, size);
    for (; size >= 8; bytes += 8, size -= 8) hash = fold_number(hash, little_endian8(bytes));
    if (size > 0) hash = fold_number(hash, little_endian_tail(bytes, size));
    return hash;
}

// Whole nanoseconds of a time, rounded half away from zero as llround does
// (times are never negative; the difference x - trunc(x) is exact), without
// its call.
std::uint64_t whole_nanoseconds(double time) {
    double ns = time * 1e9;
    auto whole = static_cast<std::uint64_t>(ns);
    return ns - static_cast<double>(whole) >= 0.5 ? whole + 1 : whole;
}

// A packet's address into a kept entry: field by field, because a packet
// on the wire has no path and assigning the empty string is a call per
// address on the path of every packet.
void keep_address(Address* kept, const Address& from) {
    kept->family = from.family;
    kept->ip = from.ip;
    kept->port = from.port;
    kept->scope_id = from.scope_id;
    if (!from.path.empty() || !kept->path.empty()) kept->path = from.path;
}

}  // namespace

void Trace::fold_common(double time, const char* kind, const std::string& host) {
    // Whole nanoseconds, as the text's nine decimals show them: the hash sees
    // timing differences, not only differences of order.
    hash_ = fold_number(hash_, whole_nanoseconds(time));
    hash_ = fold_text(hash_, kind, std::strlen(kind));
    hash_ = fold_text(hash_, host.data(), host.size());
    ++count_;
}

Trace::Entry* Trace::entry_for(double time, const char* kind, const std::string& host) {
    if (limit_ == 0 && !listener_) return nullptr;
    Entry& entry = limit_ == 0 ? scratch_ : next_slot();
    entry.time = time;
    entry.kind = kind;
    entry.host.assign(host);  // assign keeps the slot's capacity
    return &entry;
}

void Trace::record(double time, const char* kind, const std::string& host, const std::string& detail) {
    fold_common(time, kind, host);
    hash_ = fold_text(hash_, detail.data(), detail.size());
    Entry* entry = entry_for(time, kind, host);
    if (!entry) return;
    entry->has_packet = false;
    entry->detail.assign(detail);
    if (listener_) listener_(listener_context_, line_of(*entry));
}

void Trace::record(double time, const char* kind, const std::string& host, const char* reason,
                   const Packet& packet) {
    fold_common(time, kind, host);
    if (reason) hash_ = fold_text(hash_, reason, std::strlen(reason));
    hash_ = fold_number(hash_, std::uint64_t(packet.transport) | std::uint64_t(packet.flags) << 8 |
                                   std::uint64_t(packet.window) << 32);
    hash_ = fold_number(hash_, packet.seq);
    hash_ = fold_number(hash_, packet.ack);
    hash_ = fold_number(hash_, packet.payload.size());
    for (const Address* a : {&packet.src, &packet.dst}) {
        hash_ = fold_number(hash_, std::uint64_t(a->family) | std::uint64_t(a->port) << 16);
        hash_ = fold_text(hash_, reinterpret_cast<const char*>(a->ip.data()), a->ip_size());
    }
    Entry* entry = entry_for(time, kind, host);
    if (!entry) return;
    entry->has_packet = true;
    entry->reason = reason;
    // Field by field into the slot: no header built on the way, and the
    // slot's addresses keep their storage.
    PacketHeader& kept = entry->packet;
    kept.transport = packet.transport;
    keep_address(&kept.src, packet.src);
    keep_address(&kept.dst, packet.dst);
    kept.flags = packet.flags;
    kept.seq = packet.seq;
    kept.ack = packet.ack;
    kept.window = packet.window;
    kept.length = packet.payload.size();
    if (listener_) listener_(listener_context_, line_of(*entry));
}

Trace::Entry& Trace::next_slot() {
    if (ring_.size() < limit_) {
        ring_.emplace_back();
        ++size_;
        return ring_.back();
    }
    // Full: the oldest entry is overwritten and the next one becomes oldest.
    Entry& slot = ring_[first_];
    first_ = (first_ + 1) % ring_.size();
    return slot;
}

std::string Trace::line_of(const Entry& entry) {
    char stamp[40];
    std::snprintf(stamp, sizeof stamp, "%.9f ", entry.time);
    std::string line = stamp;
    line += entry.kind;
    line += ' ';
    line += entry.host;
    if (entry.has_packet) {
        line += ' ';
        if (entry.reason) {
            line += entry.reason;
            line += ' ';
        }
        line += entry.packet.describe();
    } else if (!entry.detail.empty()) {
        line += ' ';
        line += entry.detail;
    }
    return line;
}

void Trace::set_limit(std::size_t entries) {
    // Keep the newest `entries`, in order, in a ring of that size.
    std::size_t keep = size_ < entries ? size_ : entries;
    std::vector<Entry> ring;
    ring.reserve(keep);
    for (std::size_t i = size_ - keep; i < size_; ++i) ring.push_back(kept(i));
    ring_ = std::move(ring);
    first_ = 0;
    size_ = keep;
    limit_ = entries;
}

std::vector<std::string> Trace::recent() const {
    std::vector<std::string> lines;
    lines.reserve(size_);
    for (std::size_t i = 0; i < size_; ++i) lines.push_back(line_of(kept(i)));
    return lines;
}

std::string Trace::text() const {
    std::string all;
    for (std::size_t i = 0; i < size_; ++i) {
        all += line_of(kept(i));
        all += '\n';
    }
    return all;
}

}  // namespace lsock::sim
