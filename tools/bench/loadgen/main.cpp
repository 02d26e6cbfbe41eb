// lsock_loadgen: the benchmark's load generator. It connects to a server on
// 127.0.0.1 only, drives one mode, and prints one "result ..." line.
#include <cstdio>
#include <sys/resource.h>

#include "modes.hpp"
#include "options.hpp"

namespace {

// 10,000 connections need more descriptors than the usual soft limit; the
// hard limit is as far as an unprivileged process may go.
void raise_descriptor_limit() {
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
        lim.rlim_cur = lim.rlim_max;
        setrlimit(RLIMIT_NOFILE, &lim);
    }
}

}  // namespace

int main(int argc, char** argv) {
    bench::Options o;
    if (!bench::parse_options(argc, argv, o)) return 2;
    raise_descriptor_limit();
    if (o.mode == "bulk") return bench::run_bulk(o);
    if (o.mode == "echo") return bench::run_echo(o);
    if (o.mode == "idle") return bench::run_idle(o);
    if (o.mode == "lines") return bench::run_lines(o);
    std::fprintf(stderr, "lsock_loadgen: unknown mode %s\n", o.mode.c_str());
    return 2;
}
