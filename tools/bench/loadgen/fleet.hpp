// Many connections to one server, each a closed loop of fixed-size
// requests: send one, wait for its echo, check it, send the next. Shared by
// the concurrent echo rows, the ping-pong row (one connection) and the idle
// memory row (connect, one round trip each, then nothing).
#pragma once

#include <cstdint>
#include <vector>

#include "latencies.hpp"
#include "options.hpp"
#include "pattern.hpp"
#include "poller.hpp"

namespace bench {

struct FleetCounters {
    std::uint64_t established = 0;     // connections that completed a first round trip
    std::uint64_t connect_failed = 0;  // refused, reset before the first echo, or too slow
    std::uint64_t dropped = 0;         // closed or reset by the server later
    std::uint64_t corrupt = 0;         // echoed bytes that differ from those sent
    std::uint64_t completed = 0;       // round trips inside the measured window
};

class Fleet {
public:
    explicit Fleet(const Options& o);
    ~Fleet();  // closes every connection with RST
    Fleet(const Fleet&) = delete;
    Fleet& operator=(const Fleet&) = delete;

    // Opens every connection (a bounded number of handshakes at a time, so
    // the listen backlog never overflows into SYN retransmits) and makes one
    // round trip on each. Returns at `deadline` at the latest.
    void connect_all(std::uint64_t deadline);

    // Closed loop on every established connection until `end`; when
    // `measured`, the round trips that complete are counted and timed.
    void run(std::uint64_t end, bool measured);

    // Established connections that completed nothing in the window: a
    // scheduler that starves some connections shows here.
    std::uint64_t starved() const;

    const FleetCounters& counters() const { return counters_; }
    Latencies& latencies() { return latencies_; }

private:
    enum class State { connecting, busy, idle, dead };
    struct Connection {
        int fd = -1;
        State state = State::dead;
        std::uint64_t offset = 0;      // stream offset of the current request
        std::size_t written = 0;       // bytes of the request sent so far
        std::size_t echoed = 0;        // bytes of its echo received so far
        std::uint64_t sent_at = 0;
        std::uint64_t window_completed = 0;
        bool watching_output = false;  // EPOLLOUT is armed (a write was partial)
    };

    void open_next();
    void handle(std::size_t index, std::uint32_t events);
    void finish_connect(Connection& c, std::size_t index);
    void start_request(Connection& c, std::size_t index);
    void push_request(Connection& c, std::size_t index);
    void read_echo(Connection& c, std::size_t index);
    void complete(Connection& c, std::size_t index);
    void kill(Connection& c, bool during_ramp);
    void poll_once(std::uint64_t until);

    const Options& o_;
    const Pattern pattern_;
    Poller poller_;
    std::vector<Connection> conns_;
    std::vector<unsigned char> inbox_;
    FleetCounters counters_;
    Latencies latencies_;
    std::size_t opened_ = 0;
    std::size_t in_ramp_ = 0;        // connections between connect() and first echo
    bool ramping_ = true;
    bool keep_going_ = false;        // start a new request after each echo
    bool measuring_ = false;
};

}  // namespace bench
