// libFuzzer target: the simulated TCP (platform/sim) fed random segment
// sequences.
//
// A world of two hosts, a (10.0.0.1) and b (10.0.0.2), and a third address
// no host owns (10.0.0.9): the attacker's. The input is a script of:
// - segments "from" the attacker delivered straight into a, with any flags,
//   sequence and acknowledgement numbers (absolute, or near what a last
//   sent it, which a's answers in the trace say), windows and payloads;
// - calls of a program on a (accept, send, receive, shutdown, close, options)
//   on what the attacker opened;
// - an honest connection b -> a over a link whose latency, loss,
//   duplication and reordering the input sets, with partitions, a crash
//   and restart of b, and reads and writes on both ends;
// - time passing.
// Nothing may crash or trip a sanitizer, and the honest stream must stay a
// stream: every byte either end reads is the next byte the other end's
// send accepted, and once the faults stop, a connection that reports no
// error delivers everything that was sent.
#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "fuzz_check.hpp"
#include "fuzz_input.hpp"
#include "sim/sim_host.hpp"
#include "sim/world.hpp"

using namespace lsock;
using namespace lsock::sim;
using lsock::fuzz::FuzzInput;

namespace {

constexpr std::uint16_t kPort = 80;
const char* const kAttacker = "10.0.0.9";

// The byte at `offset` of a direction's stream: a misplaced, lost or
// duplicated byte reads as the wrong one.
std::uint8_t stream_byte(std::uint64_t offset, unsigned salt) {
    std::uint64_t x = (offset + 1) * 0x9e3779b97f4a7c15ull ^ salt;
    return std::uint8_t(x >> 29);
}

// One direction of the honest connection.
struct Direction {
    SimHost* from;
    Fd from_fd;
    SimHost* to;
    Fd to_fd;
    unsigned salt;
    std::uint64_t sent = 0;      // bytes the sender's send accepted
    std::uint64_t received = 0;  // bytes the receiver read (all checked)
    bool ended = false;          // EOF or an error at the receiver

    // At most this much per direction: with a one-byte window every byte
    // is a segment, an ACK and maybe a duplicate, and an input must stay
    // well inside libFuzzer's timeout.
    static constexpr std::uint64_t kMaxStream = 16 * 1024;

    void send(std::size_t n) {
        if (sent >= kMaxStream) return;
        if (n > kMaxStream - sent) n = std::size_t(kMaxStream - sent);
        std::vector<char> bytes(n);
        for (std::size_t i = 0; i < n; ++i) bytes[i] = char(stream_byte(sent + i, salt));
        IoResult r = from->send(from_fd, bytes.data(), n);
        if (r.ok()) sent += r.bytes;
    }
    // Reads what is there; true when something came.
    bool receive(std::size_t limit) {
        if (ended) return false;
        char buffer[4096];
        bool any = false;
        while (limit > 0) {
            IoResult r = to->receive(to_fd, buffer, limit < sizeof buffer ? limit : sizeof buffer);
            if (!r.ok() || r.bytes == 0) {
                if (r.error != EAGAIN) ended = true;
                break;
            }
            for (std::size_t i = 0; i < r.bytes; ++i)
                FUZZ_CHECK(std::uint8_t(buffer[i]) == stream_byte(received + i, salt),
                           "byte %" PRIu64 " of the stream differs", received + i);
            received += r.bytes;
            FUZZ_CHECK(received <= sent, "%" PRIu64 " bytes read, only %" PRIu64 " sent", received, sent);
            limit -= r.bytes;
            any = true;
        }
        return any;
    }
};

// What a last said to each attacker port, read from the trace.
struct AttackerView {
    std::uint64_t seq = 0, ack = 0, next = 0;  // next: seq + length (+1 for SYN or FIN)
    std::uint32_t window = 0;
};

struct Attacker {
    AttackerView ports[2];
    static std::uint16_t port(int i) { return std::uint16_t(40000 + i); }
};

// LSOCK_FUZZ_TRACE=1 when replaying an input: the world's trace on stderr.
const bool kShowTrace = std::getenv("LSOCK_FUZZ_TRACE") != nullptr;

void hear(void* context, const std::string& line) {
    if (kShowTrace) std::fprintf(stderr, "%s\n", line.c_str());
    auto* attacker = static_cast<Attacker*>(context);
    std::size_t to = line.find(">10.0.0.9:");
    std::size_t fields = line.find(" seq=");
    if (to == std::string::npos || fields == std::string::npos || to > fields) return;
    unsigned port = 0;
    if (std::sscanf(line.c_str() + to, ">10.0.0.9:%u", &port) != 1) return;
    for (int i = 0; i < 2; ++i) {
        if (port != Attacker::port(i)) continue;
        AttackerView& view = attacker->ports[i];
        unsigned long long seq = 0, ack = 0, length = 0;
        unsigned window = 0;
        if (std::sscanf(line.c_str() + fields, " seq=%llu ack=%llu win=%u len=%llu", &seq, &ack, &window, &length) != 4)
            return;
        std::string flags = line.substr(line.rfind(' ', fields - 1) + 1, fields - line.rfind(' ', fields - 1) - 1);
        view.seq = seq;
        view.ack = ack;
        view.window = window;
        view.next = seq + length + (flags.find('S') != std::string::npos) + (flags.find('F') != std::string::npos);
    }
}

std::uint64_t near(std::uint64_t base, FuzzInput& in) { return base + std::uint64_t(std::int64_t(std::int8_t(in.byte()))); }

void attack(World& world, SimHost& a, Attacker& attacker, FuzzInput& in) {
    const int which = in.byte() & 1;
    const AttackerView& view = attacker.ports[which];
    Packet p;
    p.transport = Transport::Tcp;
    p.src = *Address::parse_ip(kAttacker, Attacker::port(which));
    const std::uint8_t aim = in.byte();
    p.dst = *Address::parse_ip("10.0.0.1", (aim & 7) == 0 ? in.u16() : kPort);
    p.flags = std::uint8_t(in.byte() & 0x1f);
    switch (aim >> 3 & 3) {
        case 0: p.seq = in.u64(); p.ack = in.u64(); break;
        case 1: p.seq = near(view.ack, in); p.ack = near(view.next, in); break;
        case 2: p.seq = view.ack; p.ack = view.next; break;
        default: p.seq = near(view.ack, in) + in.u32(); p.ack = near(view.next, in) - in.u16(); break;
    }
    p.window = (aim & 32) ? in.u32() : in.u16();
    p.payload = in.bytes(in.byte() % 4 == 0 ? in.u16() % 3000 : in.byte());
    world.note("a", "fuzz: attacker segment");
    a.deliver(p);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzInput in(data, size);
    World world(1 + in.byte());
    world.trace().set_limit(0);
    Attacker attacker;
    world.trace().set_listener(hear, &attacker);
    // Small buffers and segments reach the window's edges with few bytes.
    SimConfig& config = world.config();
    config.mss = 1 + in.u16() % 1460;
    config.receive_buffer = 1 + in.u16() % (64 * 1024);
    config.send_buffer = 1 + in.u16() % (64 * 1024);
    SimHost& a = *world.add_host("a", {"10.0.0.1"});
    SimHost& b = *world.add_host("b", {"10.0.0.2"});
    LinkConfig link;
    link.latency = 0.001 * (1 + in.byte() % 50);
    link.jitter = 0.001 * (in.byte() % 20);
    link.loss = (in.byte() % 40) / 100.0;
    link.duplicate = (in.byte() % 30) / 100.0;
    link.reorder = (in.byte() % 30) / 100.0;
    world.set_link(a, b, link);

    Fd listener = kNoFd;
    FUZZ_CHECK(a.open_socket(Family::Inet, SocketType::Stream, 0, &listener) == 0, "socket");
    FUZZ_CHECK(a.bind(listener, Address::any(Family::Inet, kPort)) == 0, "bind");
    FUZZ_CHECK(a.listen(listener, 1 + in.byte() % 8) == 0, "listen");
    Fd client = kNoFd;
    FUZZ_CHECK(b.open_socket(Family::Inet, SocketType::Stream, 0, &client) == 0, "socket");
    FUZZ_CHECK(b.connect(client, *Address::parse_ip("10.0.0.1", kPort)) == EINPROGRESS, "connect");

    Fd honest = kNoFd;                 // a's end of b's connection, once accepted
    std::vector<Fd> others;            // what else a accepted (the attacker's)
    bool b_alive = true;
    Direction up{&b, client, &a, kNoFd, 0x55};
    Direction down{&a, kNoFd, &b, client, 0xaa};
    auto run_for = [&](double seconds) { world.run_until(world.now() + seconds, [](void*) {}); };

    for (int steps = 0; steps < 400 && !in.empty(); ++steps) {
        const std::uint8_t op = in.byte();
        switch (op % 12) {
            case 0:
            case 1: attack(world, a, attacker, in); break;
            case 2: {  // a accepts whatever is queued
                Fd fd = kNoFd;
                Address peer;
                if (a.accept(listener, &fd, &peer) == 0) {
                    if (honest == kNoFd && peer == *Address::parse_ip("10.0.0.2", peer.port)) {
                        honest = fd;
                        up.to_fd = honest;
                        down.from_fd = honest;
                    } else {
                        others.push_back(fd);
                    }
                }
                break;
            }
            case 3:
                if (honest != kNoFd && b_alive) up.send(1 + in.u16() % 8192);
                break;
            case 4:
                if (honest != kNoFd && b_alive) down.send(1 + in.u16() % 8192);
                break;
            case 5:
                if (honest != kNoFd) up.receive(1 + in.u16());
                if (honest != kNoFd && b_alive) down.receive(1 + in.u16());
                break;
            case 6: {  // a program on a uses what the attacker opened
                if (others.empty()) break;
                Fd fd = others[in.byte() % others.size()];
                char buffer[2048];
                switch (in.byte() % 6) {
                    case 0: a.receive(fd, buffer, 1 + in.byte() * 8); break;
                    case 1: a.send(fd, buffer, 1 + in.u16() % sizeof buffer); break;
                    case 2: a.shutdown(fd, ShutdownHow(in.byte() % 3)); break;
                    case 3: a.set_option(fd, SocketOption::Linger, in.byte() % 2 ? 0 : -1); break;
                    case 4: a.set_option(fd, SocketOption::ReceiveBuffer, 1 + in.u16()); break;
                    default:
                        a.close(fd);
                        others.erase(std::find(others.begin(), others.end(), fd));
                        break;
                }
                break;
            }
            case 7: run_for(0.0005 + 0.001 * (in.u16() % 2000)); break;
            case 8: run_for(0.05 * (in.byte() % 40)); break;
            case 9:  // a partition comes or goes
                if (op & 16) world.partition(a, b); else world.heal(a, b);
                break;
            case 10:  // a half-close, the honest way
                if (honest == kNoFd || !b_alive) break;
                if (op & 16) b.shutdown(client, ShutdownHow::Write); else a.shutdown(honest, ShutdownHow::Write);
                break;
            case 11:
                if (op & 16 && b_alive && (op & 32)) {  // b crashes and comes back empty
                    world.crash(b);
                    world.restart(b);
                    b_alive = false;
                } else if (honest != kNoFd) {
                    a.set_option(honest, SocketOption::NoDelay, op >> 6 & 1);
                    a.set_option(honest, SocketOption::ReceiveBuffer, 1 + in.u16());
                }
                break;
        }
    }

    // The faults stop; what was sent must arrive on a connection that
    // reports no error. Bounded: virtual time, and a count of steps. The
    // attacker is done: its listener goes (a listener makes every trace
    // line be formatted, which a one-byte window's many segments made the
    // bulk of a run).
    if (!kShowTrace) world.trace().set_listener(nullptr, nullptr);
    world.set_link(a, b, LinkConfig{});
    world.heal_all();
    if (honest == kNoFd) {
        run_for(200);
        Fd fd = kNoFd;
        Address peer;
        while (a.accept(listener, &fd, &peer) == 0) {
            if (honest == kNoFd && b_alive && peer == *Address::parse_ip("10.0.0.2", peer.port)) {
                honest = fd;
                up.to_fd = down.from_fd = honest;
            } else {
                a.close(fd);
            }
        }
    }
    if (honest != kNoFd && b_alive) {
        // Event by event, reading after each, so a one-byte window still
        // moves; a run that needs more steps than this proves nothing.
        bool concluded = false;
        for (int steps = 0; steps < 200000 && world.now() < 1e5; ++steps) {
            up.receive(1 << 20);
            down.receive(1 << 20);
            if ((up.received == up.sent || up.ended) && (down.received == down.sent || down.ended)) {
                concluded = true;
                break;
            }
            if (!world.step()) {
                concluded = true;  // nothing left to happen: what has not arrived never will
                break;
            }
        }
        int up_error = 0, down_error = 0;
        a.get_option(honest, SocketOption::Error, &up_error);
        b.get_option(client, SocketOption::Error, &down_error);
        if (concluded && up_error == 0 && down_error == 0) {
            FUZZ_CHECK(up.ended || up.received == up.sent,
                       "b sent %" PRIu64 " bytes, a read %" PRIu64 ", no error, and nothing more will happen", up.sent,
                       up.received);
            FUZZ_CHECK(down.ended || down.received == down.sent,
                       "a sent %" PRIu64 " bytes, b read %" PRIu64 ", no error, and nothing more will happen",
                       down.sent, down.received);
        }
    }
    for (Fd fd : others) a.close(fd);
    if (honest != kNoFd) a.close(honest);
    a.close(listener);
    if (b_alive) b.close(client);
    run_for(300);
    FUZZ_CHECK(a.open_descriptors() == 0, "a still has %d descriptors open", a.open_descriptors());
    return 0;
}
