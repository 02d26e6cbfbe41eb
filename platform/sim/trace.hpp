// The record of a run: one text line per event, and a running FNV-1a hash
// over all of them.
//
// The hash identifies a run: the same seed and the same program give the same
// hash, and a differing hash says where to start comparing traces. Only the
// most recent lines are kept (the hash covers all), so a long benchmark does
// not grow without bound; a failing test prints the tail.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>

namespace lsock::sim {

class Trace {
public:
    // Appends "time kind host detail" and folds it into the hash.
    void record(double time, const char* kind, const std::string& host, const std::string& detail);

    std::uint64_t hash() const { return hash_; }
    std::uint64_t count() const { return count_; }
    // The kept tail, oldest first.
    const std::deque<std::string>& recent() const { return lines_; }
    // How many lines to keep (0 keeps none; the hash still covers every line).
    void set_limit(std::size_t lines);
    std::size_t limit() const { return limit_; }
    // The kept tail as one text, one record per line.
    std::string text() const;

    // A live view: `listener(context, line)` gets each line as it is
    // recorded (without the newline), whatever the limit. Null: none, and
    // recording costs nothing more. The listener must not throw.
    using Listener = void (*)(void* context, const std::string& line);
    void set_listener(Listener listener, void* context) {
        listener_ = listener;
        listener_context_ = context;
    }

private:
    std::uint64_t hash_ = 0xcbf29ce484222325ull;  // FNV-1a 64 offset basis
    std::uint64_t count_ = 0;
    std::size_t limit_ = 10000;
    std::deque<std::string> lines_;
    Listener listener_ = nullptr;
    void* listener_context_ = nullptr;
};

}  // namespace lsock::sim
