// A seed sweep: the same scenario over a hostile link under many seeds. Each
// seed is a different run; every one must deliver every byte in order, end
// idle (no false deadlock), and the failing seed is printed.
#include "sim_harness.hpp"

using namespace simtest;

namespace {

struct SweepResult {
    RunResult result;
    std::size_t verified;
    std::uint64_t hash;
};

SweepResult run_echo_under_faults(std::uint64_t seed) {
    World world(seed);
    SimHost& server = *world.add_host("server", {"10.0.0.1"});
    SimHost& client = *world.add_host("client", {"10.0.0.2"});
    LinkConfig link;
    link.latency = 0.005;
    link.jitter = 0.01;
    link.loss = 0.15;
    link.duplicate = 0.05;
    link.reorder = 0.1;
    link.reorder_delay = 0.03;
    link.bandwidth = 2e6;
    world.set_link(server, client, link);
    Fd listener = listen_on(server, 7, 8);
    REQUIRE(server.set_option(listener, SocketOption::ReceiveBuffer, 8192) == 0);  // small windows, more stalls

    TaskRunner runner(world);
    const int clients = 3;
    auto accepted = std::make_shared<int>(0);
    runner.spawn([&, accepted](Task& self) {
        for (;;) {
            Fd s;
            Address peer;
            int error = server.accept(listener, &s, &peer);
            if (error == EAGAIN) {
                PollItem item{listener, kReadable, 0};
                server.suspend(&item, 1, kNoDeadline, &self);
                return false;
            }
            REQUIRE(error == 0);
            // Echo with a slow reader: read a little, sleep, write it back.
            auto pending = std::make_shared<std::string>();
            runner.spawn([&server, s, pending, &world](Task& t) {
                char buffer[700];
                for (;;) {
                    while (!pending->empty()) {
                        IoResult w = server.send(s, pending->data(), pending->size());
                        if (!w.ok()) {
                            PollItem item{s, kWritable, 0};
                            server.suspend(&item, 1, kNoDeadline, &t);
                            return false;
                        }
                        pending->erase(0, w.bytes);
                    }
                    IoResult r = server.receive(s, buffer, sizeof buffer);
                    if (!r.ok()) {
                        PollItem item{s, kReadable, 0};
                        server.suspend(&item, 1, kNoDeadline, &t);
                        return false;
                    }
                    if (r.bytes == 0) {
                        server.close(s);
                        return true;
                    }
                    pending->append(buffer, r.bytes);
                    server.suspend(nullptr, 0, world.now() + 0.02, &t);
                    return false;
                }
            });
            if (++*accepted == clients) return true;
        }
    });
    auto verified = std::make_shared<std::size_t>(0);
    for (int i = 0; i < clients; ++i) {
        struct State {
            Fd fd = kNoFd;
            bool connected = false;
            std::string data;
            std::size_t sent = 0;
            bool shut = false;
            std::string got;
        };
        auto st = std::make_shared<State>();
        st->data = pattern(40000 + std::size_t(i) * 7919, unsigned(i));
        runner.spawn([&client, st, verified](Task& t) {
            if (st->fd == kNoFd) {
                st->fd = open_tcp(client);
                REQUIRE(client.connect(st->fd, ip("10.0.0.1", 7)) == EINPROGRESS);
            }
            if (!st->connected) {
                int error = client.finish_connect(st->fd);
                if (error == EINPROGRESS) {
                    PollItem item{st->fd, kWritable, 0};
                    client.suspend(&item, 1, kNoDeadline, &t);
                    return false;
                }
                REQUIRE(error == 0);
                st->connected = true;
            }
            for (;;) {
                bool progress = false;
                while (st->sent < st->data.size()) {
                    IoResult w = client.send(st->fd, st->data.data() + st->sent, st->data.size() - st->sent);
                    if (!w.ok()) break;
                    st->sent += w.bytes;
                    progress = true;
                }
                if (st->sent == st->data.size() && !st->shut) {
                    REQUIRE(client.shutdown(st->fd, ShutdownHow::Write) == 0);
                    st->shut = true;
                }
                char buffer[4096];
                IoResult r = client.receive(st->fd, buffer, sizeof buffer);
                if (r.ok() && r.bytes == 0) {
                    REQUIRE(st->got == st->data);
                    *verified += st->got.size();
                    client.close(st->fd);
                    return true;
                }
                if (r.ok()) {
                    st->got.append(buffer, r.bytes);
                    continue;
                }
                REQUIRE(r.error == EAGAIN);
                if (progress) continue;
                PollItem items[2] = {{st->fd, kReadable, 0}, {st->fd, st->sent < st->data.size() ? kWritable : 0u, 0}};
                client.suspend(items, 2, kNoDeadline, &t);
                return false;
            }
        });
    }
    RunResult result = runner.run();
    if (result != RunResult::Idle) UNSCOPED_INFO(world.deadlock_report() << "\n" << world.trace().text().substr(0, 4000));
    return {result, *verified, world.trace_hash()};
}

}  // namespace

TEST_CASE("seed sweep: echo under loss, duplication, reordering and jitter completes for every seed",
          "[sim][sweep]") {
    for (std::uint64_t seed = 1; seed <= 50; ++seed) {
        INFO("seed " << seed);
        SweepResult r = run_echo_under_faults(seed);
        REQUIRE(r.result == RunResult::Idle);
        REQUIRE(r.verified == 40000 * 3 + 7919 * 3);
    }
}

TEST_CASE("seed sweep: a seed replays to the same trace hash", "[sim][sweep][determinism]") {
    REQUIRE(run_echo_under_faults(7).hash == run_echo_under_faults(7).hash);
    REQUIRE(run_echo_under_faults(7).hash != run_echo_under_faults(8).hash);
}
