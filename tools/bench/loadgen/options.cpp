#include "options.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>

namespace bench {
namespace {

// Each option knows how to store its text; numbers that fail to parse are
// rejected rather than read as zero, so a typo in the harness shows at once.
using Setter = std::function<bool(const char*)>;

bool to_double(const char* text, double& out) {
    char* end = nullptr;
    out = std::strtod(text, &end);
    return end != text && *end == '\0';
}

template <typename Int>
bool to_integer(const char* text, Int& out) {
    char* end = nullptr;
    unsigned long long value = std::strtoull(text, &end, 10);
    if (end == text || *end != '\0') return false;
    out = static_cast<Int>(value);
    return true;
}

std::map<std::string, Setter> setters(Options& o) {
    return {
        {"--mode", [&o](const char* t) { o.mode = t; return true; }},
        {"--port", [&o](const char* t) { return to_integer(t, o.port); }},
        {"--bytes", [&o](const char* t) { return to_integer(t, o.bytes); }},
        {"--chunk", [&o](const char* t) { return to_integer(t, o.chunk) && o.chunk > 0; }},
        {"--message", [&o](const char* t) { return to_integer(t, o.message) && o.message > 0; }},
        {"--conns", [&o](const char* t) { return to_integer(t, o.conns) && o.conns > 0; }},
        {"--duration", [&o](const char* t) { return to_double(t, o.duration); }},
        {"--warmup", [&o](const char* t) { return to_double(t, o.warmup); }},
        {"--ramp-timeout", [&o](const char* t) { return to_double(t, o.ramp_timeout); }},
        {"--settle", [&o](const char* t) { return to_double(t, o.settle); }},
        {"--timeout", [&o](const char* t) { return to_double(t, o.timeout); }},
        {"--watch-pid", [&o](const char* t) { return to_integer(t, o.watch_pid); }},
    };
}

}  // namespace

bool parse_options(int argc, char** argv, Options& out) {
    auto known = setters(out);
    for (int i = 1; i < argc; i += 2) {
        auto it = known.find(argv[i]);
        if (it == known.end() || i + 1 >= argc) {
            std::fprintf(stderr, "lsock_loadgen: unknown option or missing value: %s\n", argv[i]);
            return false;
        }
        if (!it->second(argv[i + 1])) {
            std::fprintf(stderr, "lsock_loadgen: bad value for %s: %s\n", argv[i], argv[i + 1]);
            return false;
        }
    }
    if (out.mode.empty() || out.port <= 0) {
        std::fprintf(stderr, "lsock_loadgen: --mode and --port are required\n");
        return false;
    }
    return true;
}

}  // namespace bench
