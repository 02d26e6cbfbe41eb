// Helpers for the simulated-network tests: addresses, stepping the world
// until something holds, one-call connection setup, and a tiny task runner
// that stands in for the Lua coroutines a real driver resumes.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "sim/sim_host.hpp"
#include "sim/world.hpp"

namespace simtest {

using namespace lsock;
using namespace lsock::sim;

inline Address ip(const char* text, std::uint16_t port = 0) { return *Address::parse_ip(text, port); }

// Runs events until pred() holds; false if the events ran out or the clock
// would pass `limit` first.
template <class Pred>
bool step_until(World& world, Pred pred, double limit = 1e6) {
    while (!pred()) {
        if (world.next_event_time() > limit || !world.step()) return pred();
    }
    return true;
}

// Runs every event up to `time` (the clock then reads at least `time`).
inline void run_to(World& world, double time) {
    world.run_until(time, [](void*) {});
}

inline Fd open_tcp(SimHost& host, Family family = Family::Inet) {
    Fd fd = kNoFd;
    REQUIRE(host.open_socket(family, SocketType::Stream, 0, &fd) == 0);
    return fd;
}

inline Fd open_udp(SimHost& host, Family family = Family::Inet) {
    Fd fd = kNoFd;
    REQUIRE(host.open_socket(family, SocketType::Datagram, 0, &fd) == 0);
    return fd;
}

inline Fd listen_on(SimHost& host, std::uint16_t port, int backlog = 16, Family family = Family::Inet) {
    Fd fd = open_tcp(host, family);
    REQUIRE(host.bind(fd, Address::any(family, port)) == 0);
    REQUIRE(host.listen(fd, backlog) == 0);
    return fd;
}

inline bool is_ready(SimHost& host, Fd fd, unsigned events) { return (host.poll_descriptor(fd) & events) != 0; }

// A connected pair: {client fd on `client`, accepted fd on the listener's host}.
inline std::pair<Fd, Fd> connect_pair(World& world, SimHost& client, SimHost& server, Fd listener,
                                      const Address& to) {
    Fd c = open_tcp(client, to.family);
    REQUIRE(client.connect(c, to) == EINPROGRESS);
    REQUIRE(step_until(world, [&] { return client.finish_connect(c) != EINPROGRESS; }));
    REQUIRE(client.finish_connect(c) == 0);
    REQUIRE(step_until(world, [&] { return is_ready(server, listener, kReadable); }));
    Fd s = kNoFd;
    Address peer;
    REQUIRE(server.accept(listener, &s, &peer) == 0);
    return {c, s};
}

// Reads what is there now (stops at EAGAIN, EOF or error).
inline std::string read_now(SimHost& host, Fd fd, int* last_error = nullptr, bool* eof = nullptr) {
    std::string data;
    char buffer[4096];
    for (;;) {
        IoResult r = host.receive(fd, buffer, sizeof buffer);
        if (!r.ok()) {
            if (last_error) *last_error = r.error;
            break;
        }
        if (r.bytes == 0) {
            if (eof) *eof = true;
            break;
        }
        data.append(buffer, r.bytes);
    }
    return data;
}

// Deterministic bytes, so that order and integrity can be checked.
inline std::string pattern(std::size_t n, unsigned salt = 0) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i) s[i] = char((i * 131 + salt + i / 251) & 0xff);
    return s;
}

// How many trace lines contain every one of the given fragments.
inline std::size_t count_trace(const World& world, std::initializer_list<const char*> fragments) {
    std::size_t n = 0;
    for (const auto& line : const_cast<World&>(world).trace().recent()) {
        bool all = true;
        for (const char* f : fragments) all = all && line.find(f) != std::string::npos;
        n += all;
    }
    return n;
}

// A stand-in for a coroutine: body() runs when the task is resumed and
// returns true when finished; before returning false it must suspend.
struct Task {
    std::function<bool(Task&)> body;
    bool done = false;
};

class TaskRunner {
public:
    explicit TaskRunner(World& world) : world_(world) {}
    Task& spawn(std::function<bool(Task&)> body) {
        tasks_.push_back(std::make_unique<Task>());
        tasks_.back()->body = std::move(body);
        world_.wake(tasks_.back().get());
        return *tasks_.back();
    }
    RunResult run() {
        return world_.run_until_idle([](void* token) {
            auto* task = static_cast<Task*>(token);
            if (!task->done) task->done = task->body(*task);
        });
    }
    std::size_t finished() const {
        std::size_t n = 0;
        for (const auto& t : tasks_) n += t->done;
        return n;
    }
    std::size_t size() const { return tasks_.size(); }

private:
    World& world_;
    std::vector<std::unique_ptr<Task>> tasks_;
};

}  // namespace simtest
