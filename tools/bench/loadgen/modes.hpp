// The load generator's modes; each prints one result line and returns the
// process exit code (0 when every byte came back as sent).
#pragma once

#include "options.hpp"

namespace bench {

// One connection: `bytes` in `chunk`-sized writes, echoed back and checked.
int run_bulk(const Options& o);

// `conns` connections in a closed loop of `message`-byte requests; with one
// connection this is the ping-pong row.
int run_echo(const Options& o);

// `conns` connections, each served once, then left idle while the server's
// resident memory is sampled.
int run_idle(const Options& o);

// One connection: `bytes` of CRLF-terminated lines; the server answers with
// "<lines> <bytes>\n" (payload bytes, without the CRLFs) at end of stream.
int run_lines(const Options& o);

}  // namespace bench
