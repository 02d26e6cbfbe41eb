// Bulk throughput on one connection: the client writes the pattern stream
// in fixed-size writes and reads the echo back at the same time (a server
// that echoes must be read while written to, or both sides stall on full
// buffers), checking every byte.
#include <cerrno>
#include <cstring>
#include <unistd.h>
#include <vector>

#include "clock.hpp"
#include "modes.hpp"
#include "net.hpp"
#include "pattern.hpp"
#include "poller.hpp"
#include "result.hpp"
#include "window.hpp"

namespace bench {

int run_bulk(const Options& o) {
    Result result;
    result.set("mode", "bulk").set("bytes", o.bytes).set("chunk", o.chunk);
    int fd = connect_blocking(o.port);
    if (fd < 0) {
        result.set("error", "connect").set("errno", -fd).print();
        return 1;
    }
    set_nonblocking(fd, true);

    const Pattern pattern;
    const std::size_t chunk = o.chunk < Pattern::max_span ? o.chunk : Pattern::max_span;
    std::vector<unsigned char> inbox(Pattern::max_span);
    std::uint64_t sent = 0, received = 0;
    std::size_t chunk_sent = 0;  // progress inside the current write
    const char* error = nullptr;

    Poller poller;
    poller.add(fd, EPOLLIN | EPOLLOUT, 0);
    bool want_write = true;
    const WindowEdge before = sample_edge(o.watch_pid);
    const std::uint64_t start = now_ns();
    const std::uint64_t deadline = start + seconds_to_ns(o.timeout);

    while (received < o.bytes && !error) {
        if (now_ns() > deadline) { error = "timeout"; break; }
        int n = poller.wait(100);
        for (int i = 0; i < n && !error; ++i) {
            std::uint32_t ev = poller.event(i).events;
            if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
                ssize_t got = read_some(fd, inbox.data(), inbox.size());
                if (got == 0) error = "closed";
                else if (got < 0 && errno != EAGAIN) error = "read";
                else if (got > 0) {
                    if (received + static_cast<std::uint64_t>(got) > sent ||
                        !pattern.matches(received, inbox.data(), static_cast<std::size_t>(got)))
                        error = "corrupt";
                    received += static_cast<std::uint64_t>(got);
                }
            }
            if ((ev & EPOLLOUT) && sent < o.bytes) {
                // Whole `chunk`-sized writes, as an application would issue them.
                std::size_t want = chunk - chunk_sent;
                if (o.bytes - sent < want) want = static_cast<std::size_t>(o.bytes - sent);
                ssize_t put = write_some(fd, pattern.at(sent), want);
                if (put < 0 && errno != EAGAIN) error = "write";
                else if (put > 0) {
                    sent += static_cast<std::uint64_t>(put);
                    chunk_sent = (chunk_sent + static_cast<std::size_t>(put)) % chunk;
                }
            }
            if (want_write && sent >= o.bytes) {
                poller.modify(fd, EPOLLIN, 0);
                want_write = false;
            }
        }
    }
    const double seconds = ns_to_seconds(now_ns() - start);
    const WindowEdge after = sample_edge(o.watch_pid);
    close_with_reset(fd);

    result.set("received", received).set("seconds", seconds)
        .set("mib_per_s", static_cast<double>(received) / 1048576.0 / seconds);
    report_window(result, before, after, seconds);
    if (error) result.set("error", error);
    result.print();
    return error ? 1 : 0;
}

}  // namespace bench
