// Command-line options of the load generator: one flat struct, filled from
// "--name value" pairs, so the harness can build a command line per row.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace bench {

struct Options {
    std::string mode;            // bulk | echo | idle | lines
    int port = 0;                // server port on 127.0.0.1
    std::uint64_t bytes = 0;     // bulk, lines: bytes to send
    std::size_t chunk = 65536;   // bulk, lines: bytes per write
    std::size_t message = 64;    // echo, idle: bytes per request
    int conns = 1;               // echo, idle: concurrent connections
    double duration = 5;         // echo: seconds measured
    double warmup = 1;           // echo: seconds run before measuring
    double ramp_timeout = 30;    // echo, idle: seconds allowed to connect all
    double settle = 0.5;         // idle: seconds between connecting and sampling
    double timeout = 300;        // every mode: the whole run ends by then
    int watch_pid = 0;           // server whose CPU and RSS are sampled
};

// Parses argv; on a bad option prints why to stderr and returns false.
bool parse_options(int argc, char** argv, Options& out);

}  // namespace bench
