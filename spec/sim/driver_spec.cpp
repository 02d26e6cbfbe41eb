// The driver contract with many coroutine stand-ins: an echo server and its
// clients written as resumable tasks, as the Lua face will run them; and the
// scale the benchmark needs (1000 connections x 100 messages in seconds).
#include <chrono>

#include "sim_harness.hpp"

using namespace simtest;

namespace {

// Suspends the task on one descriptor and says "not finished".
bool wait_for(SimHost& host, Fd fd, unsigned events, Task& task, double deadline = kNoDeadline) {
    PollItem item{fd, events, 0};
    host.suspend(&item, 1, deadline, &task);
    return false;
}

// An echo connection: read what is there, write it back (keeping what the
// send buffer refused), close on EOF.
std::function<bool(Task&)> echo_connection(SimHost& host, Fd fd) {
    auto pending = std::make_shared<std::string>();
    return [&host, fd, pending](Task& self) {
        char buffer[4096];
        for (;;) {
            while (!pending->empty()) {
                IoResult w = host.send(fd, pending->data(), pending->size());
                if (!w.ok()) {
                    REQUIRE(w.error == EAGAIN);
                    return wait_for(host, fd, kWritable, self);
                }
                pending->erase(0, w.bytes);
            }
            IoResult r = host.receive(fd, buffer, sizeof buffer);
            if (!r.ok()) {
                REQUIRE(r.error == EAGAIN);
                return wait_for(host, fd, kReadable, self);
            }
            if (r.bytes == 0) {
                host.close(fd);
                return true;
            }
            pending->append(buffer, r.bytes);
        }
    };
}

// Accepts `expected` connections, spawning an echo task for each.
std::function<bool(Task&)> acceptor(TaskRunner& runner, SimHost& host, Fd listener, int expected) {
    auto accepted = std::make_shared<int>(0);
    return [&runner, &host, listener, expected, accepted](Task& self) {
        for (;;) {
            Fd s;
            Address peer;
            int error = host.accept(listener, &s, &peer);
            if (error == EAGAIN) return wait_for(host, listener, kReadable, self);
            REQUIRE(error == 0);
            runner.spawn(echo_connection(host, s));
            if (++*accepted == expected) {
                host.close(listener);
                return true;
            }
        }
    };
}

// Connects, then sends `messages` messages of `size` bytes one at a time,
// reading each echo back before the next; counts verified bytes.
std::function<bool(Task&)> echo_client(SimHost& host, Address server, int messages, std::size_t size,
                                       std::size_t* verified) {
    struct State {
        Fd fd = kNoFd;
        int stage = 0;  // 0 connect, 1 connecting, 2 send, 3 receive
        int sent_messages = 0;
        std::string message;
        std::size_t written = 0;
        std::string echoed;
    };
    auto st = std::make_shared<State>();
    return [&host, server, messages, size, verified, st](Task& self) {
        for (;;) {
            switch (st->stage) {
                case 0:
                    st->fd = open_tcp(host);
                    REQUIRE(host.connect(st->fd, server) == EINPROGRESS);
                    st->stage = 1;
                    return wait_for(host, st->fd, kWritable, self);
                case 1: {
                    int error = host.finish_connect(st->fd);
                    if (error == EINPROGRESS) return wait_for(host, st->fd, kWritable, self);
                    REQUIRE(error == 0);
                    st->stage = 2;
                    break;
                }
                case 2: {
                    if (st->sent_messages == messages) {
                        host.close(st->fd);
                        return true;
                    }
                    if (st->written == 0) st->message = pattern(size, unsigned(st->sent_messages));
                    IoResult w = host.send(st->fd, st->message.data() + st->written, size - st->written);
                    if (!w.ok()) return wait_for(host, st->fd, kWritable, self);
                    st->written += w.bytes;
                    if (st->written == size) {
                        st->stage = 3;
                        st->echoed.clear();
                    }
                    break;
                }
                case 3: {
                    char buffer[4096];
                    IoResult r = host.receive(st->fd, buffer, sizeof buffer);
                    if (!r.ok()) return wait_for(host, st->fd, kReadable, self);
                    REQUIRE(r.bytes > 0);
                    st->echoed.append(buffer, r.bytes);
                    if (st->echoed.size() == size) {
                        REQUIRE(st->echoed == st->message);
                        *verified += size;
                        ++st->sent_messages;
                        st->written = 0;
                        st->stage = 2;
                    }
                    break;
                }
            }
        }
    };
}

}  // namespace

TEST_CASE("driver: echo server and clients as suspended tasks run to completion, then the world is idle",
          "[sim][driver]") {
    World world(9);
    SimHost& server = *world.add_host("server", {"10.0.0.1"});
    SimHost& client = *world.add_host("client", {"10.0.0.2"});
    LinkConfig link;
    link.latency = 0.02;
    link.loss = 0.05;
    world.set_link(server, client, link);
    Fd listener = listen_on(server, 7, 64);
    TaskRunner runner(world);
    runner.spawn(acceptor(runner, server, listener, 10));
    std::size_t verified = 0;
    for (int i = 0; i < 10; ++i) runner.spawn(echo_client(client, ip("10.0.0.1", 7), 20, 3000, &verified));
    REQUIRE(runner.run() == RunResult::Idle);
    REQUIRE(runner.finished() == runner.size());
    REQUIRE(runner.size() == 21);
    REQUIRE(verified == 10 * 20 * 3000);
    REQUIRE(world.waiting_count() == 0);
}

TEST_CASE("driver: a deadline ends a wait that readiness never ends", "[sim][driver]") {
    World world(9);
    SimHost& h = *world.add_host("h", {"10.0.0.1"});
    Fd u = open_udp(h);
    REQUIRE(h.bind(u, ip("10.0.0.1", 53)) == 0);
    TaskRunner runner(world);
    int resumes = 0;
    double gave_up_at = -1;
    runner.spawn([&](Task& self) {
        ++resumes;
        char buffer[8];
        PollItem item{u, kReadable, 0};
        if (resumes == 1) {
            REQUIRE(h.receive(u, buffer, 8).error == EAGAIN);
            h.suspend(&item, 1, 2.5, &self);
            return false;
        }
        REQUIRE(h.wait(&item, 1, 2.5) == ETIMEDOUT);
        gave_up_at = world.now();
        return true;
    });
    REQUIRE(runner.run() == RunResult::Idle);
    REQUIRE(gave_up_at == 2.5);
}

TEST_CASE("driver: a closed descriptor wakes its waiter", "[sim][driver]") {
    World world(9);
    SimHost& h = *world.add_host("h", {"10.0.0.1"});
    Fd listener = listen_on(h, 80);
    int token;
    PollItem item{listener, kReadable, 0};
    h.suspend(&item, 1, kNoDeadline, &token);
    REQUIRE(world.take_runnable().empty());
    REQUIRE(h.close(listener) == 0);
    REQUIRE(world.take_runnable() == std::vector<void*>{&token});
    REQUIRE(h.wait(&item, 1, kNoDeadline) == 0);
    REQUIRE(item.revents == kFailed);  // POLLNVAL
}

// Sanitizers make every step several times slower: the workload shrinks
// there, the wall-time bound holds for ordinary builds.
#if defined(__SANITIZE_ADDRESS__)
constexpr int kBenchMessages = 10;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr int kBenchMessages = 10;
#else
constexpr int kBenchMessages = 100;
#endif
#else
constexpr int kBenchMessages = 100;
#endif

TEST_CASE("benchmark: 1000 connections x 100 messages run in seconds of wall time", "[sim][driver][bench]") {
    World world(2024);
    world.trace().set_limit(1000);
    SimHost& server = *world.add_host("server", {"10.0.0.1"});
    SimHost& client = *world.add_host("client", {"10.0.0.2"});
    LinkConfig link;
    link.latency = 0.001;
    world.set_link(server, client, link);
    Fd listener = listen_on(server, 7, 1024);
    TaskRunner runner(world);
    runner.spawn(acceptor(runner, server, listener, 1000));
    std::size_t verified = 0;
    for (int i = 0; i < 1000; ++i)
        runner.spawn(echo_client(client, ip("10.0.0.1", 7), kBenchMessages, 64, &verified));
    auto start = std::chrono::steady_clock::now();
    REQUIRE(runner.run() == RunResult::Idle);
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    WARN("1000 x " << kBenchMessages << " echo: " << wall << " s wall, " << world.now() << " s virtual, " << world.trace().count()
                             << " trace records");
    REQUIRE(runner.finished() == runner.size());
    REQUIRE(verified == 1000u * unsigned(kBenchMessages) * 64u);
    REQUIRE(wall < 30.0);  // about 1.5 s in a release build, 11 s in a debug build
}

TEST_CASE("driver: a daemon waiting forever is no deadlock and a plain waiter is", "[sim][driver][deadlock]") {
    World world(9);
    SimHost& h = *world.add_host("h", {"10.0.0.1"});
    Fd listener = listen_on(h, 80);
    int server_loop, client;
    PollItem item{listener, kReadable, 0};
    world.set_daemon(&server_loop, true);
    h.suspend(&item, 1, kNoDeadline, &server_loop);
    REQUIRE(world.run_until_idle([](void*) {}) == RunResult::Idle);
    REQUIRE(world.waiting_count() == 1);
    REQUIRE(world.blocked().empty());
    h.suspend(nullptr, 0, kNoDeadline, &client);
    REQUIRE(world.run_until_idle([](void*) {}) == RunResult::Deadlock);
    REQUIRE(world.blocked().size() == 1);
    REQUIRE(world.deadlock_report().find("sleeps forever") != std::string::npos);
    world.forget_token(&client);
    REQUIRE(world.run_until_idle([](void*) {}) == RunResult::Idle);
}

namespace {
// Writes `data` to fd, waiting for room whenever the send buffer is full.
std::function<bool(Task&)> writer(SimHost& host, Fd fd, const std::string& data) {
    auto sent = std::make_shared<std::size_t>(0);
    return [&host, fd, &data, sent](Task& self) {
        while (*sent < data.size()) {
            IoResult r = host.send(fd, data.data() + *sent, data.size() - *sent);
            if (!r.ok()) return wait_for(host, fd, kWritable, self);
            *sent += r.bytes;
        }
        return true;
    };
}
}  // namespace

TEST_CASE("tcp: a lost window update is recovered by a zero-window probe, not reported as deadlock",
          "[sim][driver][tcp][window]") {
    World world(31);
    SimHost& a = *world.add_host("a", {"10.0.0.1"});
    SimHost& b = *world.add_host("b", {"10.0.0.2"});
    LinkConfig link;
    link.latency = 0.01;
    world.set_link(a, b, link);
    Fd listener = listen_on(b, 80);
    Fd c, s;
    std::tie(c, s) = connect_pair(world, a, b, listener, ip("10.0.0.2", 80));
    // b's answers are lost from t=1 to t=6: the window update after the read at t=5 too.
    world.at(1.0, [&] { world.partition_one_way(b, a); });
    world.at(6.0, [&] { world.heal_one_way(b, a); });
    std::string data = pattern(300000);
    std::string got;
    TaskRunner runner(world);
    runner.spawn(writer(a, c, data));
    runner.spawn([&](Task& self) {
        if (world.now() < 5.0) {
            b.suspend(nullptr, 0, 5.0, &self);  // a slow reader
            return false;
        }
        bool eof = false;
        got += read_now(b, s, nullptr, &eof);
        if (got.size() == data.size()) return true;
        return wait_for(b, s, kReadable, self);
    });
    RunResult result = runner.run();
    INFO(world.deadlock_report());
    REQUIRE(result == RunResult::Idle);
    REQUIRE(got == data);
    REQUIRE(count_trace(world, {"P"}) > 0);  // probes were sent
}

TEST_CASE("tcp: a writer blocked by a reader that never reads is a deadlock", "[sim][driver][tcp][deadlock]") {
    World world(32);
    SimHost& a = *world.add_host("a", {"10.0.0.1"});
    SimHost& b = *world.add_host("b", {"10.0.0.2"});
    Fd listener = listen_on(b, 80);
    Fd c, s;
    std::tie(c, s) = connect_pair(world, a, b, listener, ip("10.0.0.2", 80));
    std::string data = pattern(1 << 20);
    TaskRunner runner(world);
    runner.spawn(writer(a, c, data));
    runner.spawn([&](Task& self) {
        b.suspend(nullptr, 0, kNoDeadline, &self);  // waits for something else, forever
        return false;
    });
    REQUIRE(runner.run() == RunResult::Deadlock);
    std::string report = world.deadlock_report();
    INFO(report);
    REQUIRE(report.find("host 'a' fd " + std::to_string(c) + " waits writable") != std::string::npos);
    REQUIRE(report.find("host 'b' sleeps forever") != std::string::npos);
    REQUIRE(world.now() < 5.0);  // found without waiting through minutes of probes
    (void)s;
}

TEST_CASE("driver: crashing a host from a resumed task withdraws its tokens already runnable", "[sim][driver][crash]") {
    World world(33);
    SimHost& a = *world.add_host("a", {"10.0.0.1"});
    SimHost& b = *world.add_host("b", {"10.0.0.2"});
    int ta, tb1, tb2;
    a.suspend(nullptr, 0, 0.0, &ta);  // a deadline already passed: runnable at once
    b.suspend(nullptr, 0, 0.0, &tb1);
    b.suspend(nullptr, 0, 0.0, &tb2);
    std::vector<void*> resumed, withdrawn;
    REQUIRE(world.run_until_idle([&](void* token) {
        resumed.push_back(token);
        if (token == &ta) withdrawn = world.crash(b);
    }) == RunResult::Idle);
    REQUIRE(resumed == std::vector<void*>{&ta});
    REQUIRE(withdrawn == std::vector<void*>{&tb1, &tb2});
}
