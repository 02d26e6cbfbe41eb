// The record of a run: one entry per event, and a running hash over all of
// them.
//
// The hash identifies a run: the same seed and the same program give the same
// hash, and a differing hash says where to start comparing traces. Only the
// most recent entries are kept (the hash covers all), so a long benchmark does
// not grow without bound; a failing test prints the tail.
//
// Recording is on the path of every packet, so it does no formatting: the
// hash is taken over the entry's fields (the time as whole nanoseconds, the
// kind, the host, the detail or the packet's header), and an entry becomes a
// text line ("time kind host detail") only when someone reads it: text(),
// recent(), or a live listener. The kept entries live in a ring whose
// strings keep their capacity, so a warm trace records without allocating.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "sim/packet.hpp"

namespace lsock::sim {

class Trace {
public:
    // Records one event and folds it into the hash. `kind` must outlive the
    // trace (every caller passes a string literal): it is kept by pointer.
    void record(double time, const char* kind, const std::string& host, const std::string& detail);
    // The same for a packet: its detail is "[reason ]<packet description>"
    // (reason: a string literal or null), made only when read.
    void record(double time, const char* kind, const std::string& host, const char* reason, const Packet& packet);

    std::uint64_t hash() const { return hash_; }
    std::uint64_t count() const { return count_; }
    // The kept tail as lines, oldest first.
    std::vector<std::string> recent() const;
    // How many entries to keep (0 keeps none; the hash still covers all).
    void set_limit(std::size_t entries);
    std::size_t limit() const { return limit_; }
    // The kept tail as one text, one line per entry.
    std::string text() const;

    // A live view: `listener(context, line)` gets each line as it is
    // recorded (without the newline), whatever the limit. Null: none, and
    // recording formats nothing. The listener must not throw.
    using Listener = void (*)(void* context, const std::string& line);
    void set_listener(Listener listener, void* context) {
        listener_ = listener;
        listener_context_ = context;
    }

private:
    struct Entry {
        double time = 0;
        const char* kind = "";
        std::string host;
        std::string detail;         // when !has_packet
        bool has_packet = false;
        const char* reason = nullptr;  // with a packet: the word before it
        PacketHeader packet;
    };
    static std::string line_of(const Entry& entry);
    const Entry& kept(std::size_t i) const { return ring_[(first_ + i) % ring_.size()]; }
    void fold_common(double time, const char* kind, const std::string& host);
    // Where the entry being recorded goes: the ring's next slot, or a
    // scratch entry for the listener alone; null when nobody keeps or hears.
    Entry* entry_for(double time, const char* kind, const std::string& host);
    Entry& next_slot();

    std::uint64_t hash_ = 0xcbf29ce484222325ull;  // any fixed start
    std::uint64_t count_ = 0;
    std::size_t limit_ = 10000;
    // The kept entries: ring_[first_] is the oldest of size_ entries. The
    // ring grows up to limit_ and then overwrites its oldest entry.
    std::vector<Entry> ring_;
    std::size_t first_ = 0;
    std::size_t size_ = 0;
    Entry scratch_;  // a live line's entry when nothing is kept
    Listener listener_ = nullptr;
    void* listener_context_ = nullptr;
};

}  // namespace lsock::sim
