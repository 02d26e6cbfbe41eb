// Line splitting on one connection: the client sends `bytes` of CRLF
// lines of varied length, then half-closes; the server splits them with its
// library's line reader and answers "<lines> <payload bytes>\n" at end of
// stream. The time runs from the first write to the answer.
#include <cstdio>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.hpp"
#include "modes.hpp"
#include "net.hpp"
#include "result.hpp"
#include "window.hpp"

namespace bench {
namespace {

struct LineBlock {
    std::string text;              // whole CRLF-terminated lines
    std::uint64_t lines = 0;
    std::uint64_t payload = 0;     // bytes without the CRLFs
};

// About 1 MiB of lines of 1..159 printable bytes (mean ~80, like text
// protocols and logs), the same on every run.
LineBlock make_block() {
    LineBlock block;
    std::uint32_t x = 12345;
    while (block.text.size() < (1u << 20)) {
        x = x * 1103515245u + 12345u;
        std::size_t len = 1 + (x >> 16) % 159;
        for (std::size_t i = 0; i < len; ++i) block.text += static_cast<char>('!' + (i * 7 + len) % 90);
        block.text += "\r\n";
        ++block.lines;
        block.payload += len;
    }
    return block;
}

bool send_all(int fd, const char* data, std::size_t len, std::size_t chunk) {
    while (len > 0) {
        std::size_t piece = len < chunk ? len : chunk;
        ssize_t n = write_some(fd, data, piece);
        if (n <= 0) return false;
        data += n;
        len -= static_cast<std::size_t>(n);
    }
    return true;
}

std::string read_to_end(int fd) {
    std::string answer;
    char buf[256];
    ssize_t n;
    while ((n = read_some(fd, buf, sizeof buf)) > 0) answer.append(buf, static_cast<std::size_t>(n));
    return answer;
}

}  // namespace

int run_lines(const Options& o) {
    Result result;
    result.set("mode", "lines");
    const LineBlock block = make_block();
    int fd = connect_blocking(o.port);
    if (fd < 0) {
        result.set("error", "connect").print();
        return 1;
    }
    set_io_timeout(fd, o.timeout);

    std::uint64_t sent = 0, lines = 0, payload = 0;
    const char* error = nullptr;
    const WindowEdge before = sample_edge(o.watch_pid);
    const std::uint64_t start = now_ns();
    const std::uint64_t deadline = start + seconds_to_ns(o.timeout);
    // Whole blocks only, so the count of lines is known exactly.
    while (sent < o.bytes && !error) {
        if (now_ns() > deadline) { error = "timeout"; break; }
        if (!send_all(fd, block.text.data(), block.text.size(), o.chunk)) error = "write";
        sent += block.text.size();
        lines += block.lines;
        payload += block.payload;
    }
    shutdown(fd, SHUT_WR);
    const std::string answer = error ? std::string() : read_to_end(fd);
    const double seconds = ns_to_seconds(now_ns() - start);
    const WindowEdge after = sample_edge(o.watch_pid);
    close_with_reset(fd);

    unsigned long long got_lines = 0, got_payload = 0;
    if (!error && std::sscanf(answer.c_str(), "%llu %llu", &got_lines, &got_payload) != 2) error = "no_answer";
    if (!error && (got_lines != lines || got_payload != payload)) error = "wrong_count";

    result.set("bytes", sent).set("lines", lines).set("seconds", seconds)
        .set("mib_per_s", static_cast<double>(sent) / 1048576.0 / seconds)
        .set("lines_per_s", static_cast<double>(lines) / seconds);
    report_window(result, before, after, seconds);
    if (error) result.set("error", error).set("answer_lines", got_lines);
    result.print();
    return error ? 1 : 0;
}

}  // namespace bench
