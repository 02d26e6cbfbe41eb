// The world itself: clock, event order, random source, trace hash, names,
// waiting and deadlock reports.
#include <chrono>

#include "sim/timer.hpp"
#include "sim_harness.hpp"

using namespace simtest;

TEST_CASE("event queue runs events by time, then by the order they were scheduled", "[sim][world]") {
    EventQueue q;
    std::string order;
    q.push(2.0, [&] { order += 'c'; }, true);
    q.push(1.0, [&] { order += 'a'; }, true);
    EventId dropped = q.push(1.0, [&] { order += 'x'; }, true);
    q.push(1.0, [&] { order += 'b'; }, false);
    REQUIRE(q.busy_count() == 3);
    REQUIRE(q.cancel(dropped));
    REQUIRE_FALSE(q.cancel(dropped));
    REQUIRE(q.busy_count() == 2);
    double t;
    std::function<void()> action;
    while (q.pop(&t, &action)) action();
    REQUIRE(order == "abc");
    REQUIRE(q.next_time() == std::numeric_limits<double>::infinity());
}

TEST_CASE("event queue: an id of an event that ran or was cancelled never cancels the event that reuses its slot",
          "[sim][world]") {
    EventQueue q;
    int ran = 0;
    EventId first = q.push(1.0, [&] { ++ran; }, true);
    double t;
    std::function<void()> action;
    REQUIRE(q.pop(&t, &action));
    action();
    EventId second = q.push(2.0, [&] { ran += 10; }, true);  // takes the freed slot
    REQUIRE(second != first);
    REQUIRE_FALSE(q.cancel(first));
    REQUIRE(q.size() == 1);
    REQUIRE(q.cancel(second));
    EventId third = q.push(3.0, [&] { ran += 100; }, false);
    REQUIRE_FALSE(q.cancel(second));
    REQUIRE(q.size() == 1);
    REQUIRE(q.busy_count() == 0);
    REQUIRE(q.next_time() == 3.0);  // the cancelled event's heap entry is skipped
    REQUIRE(q.pop(&t, &action));
    action();
    REQUIRE(ran == 101);
    REQUIRE_FALSE(q.cancel(third));
    REQUIRE_FALSE(q.cancel(kNoEvent));
    REQUIRE_FALSE(q.pop(&t, &action));
}

TEST_CASE("event queue: cancelling lets go of what the action holds at once", "[sim][world]") {
    EventQueue q;
    auto held = std::make_shared<int>(7);
    EventId id = q.push(1.0, [held] {}, true);
    REQUIRE(held.use_count() == 2);
    REQUIRE(q.cancel(id));
    REQUIRE(held.use_count() == 1);
}

TEST_CASE("timers with equal deadlines resume in the order they were set", "[sim][world]") {
    World world(1);
    SimHost& h = *world.add_host("h", {"10.0.0.1"});
    int a, b, c, d;
    h.suspend(nullptr, 0, 5.0, &b);
    h.suspend(nullptr, 0, 5.0, &a);
    h.suspend(nullptr, 0, 3.0, &d);
    h.suspend(nullptr, 0, 5.0, &c);
    std::vector<void*> order;
    std::vector<double> times;
    REQUIRE(world.run_until_idle([&](void* t) {
        order.push_back(t);
        times.push_back(world.now());
    }) == RunResult::Idle);
    REQUIRE(order == std::vector<void*>{&d, &b, &a, &c});
    REQUIRE(times == std::vector<double>{3.0, 5.0, 5.0, 5.0});
}

// Timers re-arm and cancel lazily (sim/timer.hpp): the event left in the
// queue must not show. A re-armed timer fires at its last time, in the place
// among equal times that an event scheduled at the re-arm has.
TEST_CASE("a timer re-armed for later fires once, at the later time, where an event scheduled then would",
          "[sim][world][timer]") {
    World world(1);
    std::string order;
    Timer timer(world);
    timer.arm(1.0, [&] { order += 'x'; });
    world.at(2.0, [&] { order += 'a'; });
    timer.arm(2.0, [&] { order += 't'; });  // later, after 'a' was scheduled
    world.at(2.0, [&] { order += 'b'; });
    REQUIRE(timer.armed());
    REQUIRE(timer.due() == 2.0);
    std::vector<double> times;
    while (world.step()) times.push_back(world.now());
    REQUIRE(order == "atb");
    REQUIRE_FALSE(timer.armed());
    REQUIRE(world.now() == 2.0);
    // Re-armed for earlier than its event: it fires at the earlier time.
    timer.arm(5.0, [&] { order += 'y'; });
    timer.arm(3.0, [&] { order += 'z'; });
    while (world.step()) {}
    REQUIRE(order == "atbz");
    REQUIRE(world.now() == 3.0);
}

TEST_CASE("a cancelled timer neither fires nor keeps the world busy, and arms again", "[sim][world][timer]") {
    World world(1);
    int fired = 0;
    Timer timer(world);
    timer.arm(1.0, [&] { fired += 1; });
    REQUIRE_FALSE(world.idle());
    timer.cancel();
    REQUIRE_FALSE(timer.armed());
    REQUIRE(world.idle());  // what is left of it is a background event
    REQUIRE(world.run_until_idle([](void*) {}) == RunResult::Idle);
    REQUIRE(world.now() == 0.0);
    timer.arm(2.0, [&] { fired += 10; });
    REQUIRE_FALSE(world.idle());
    REQUIRE(world.run_until_idle([](void*) {}) == RunResult::Idle);
    REQUIRE(fired == 10);
    REQUIRE(world.now() == 2.0);
    {
        Timer dropped(world);
        dropped.arm(4.0, [&] { fired += 100; });
    }  // destroyed: its event goes with it
    REQUIRE(world.idle());
    while (world.step()) {}
    REQUIRE(fired == 10);
}

TEST_CASE("an idle wait of ten seconds jumps the clock and costs no wall time", "[sim][world]") {
    World world(1);
    SimHost& h = *world.add_host("h", {"10.0.0.1"});
    int token;
    auto start = std::chrono::steady_clock::now();
    h.suspend(nullptr, 0, 10.0, &token);
    int resumed = 0;
    REQUIRE(world.run_until_idle([&](void*) { ++resumed; }) == RunResult::Idle);
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    REQUIRE(resumed == 1);
    REQUIRE(world.now() == 10.0);
    REQUIRE(wall < 0.1);
}

TEST_CASE("run_until stops at its time and the clock reads that time", "[sim][world]") {
    World world(1);
    SimHost& h = *world.add_host("h", {"10.0.0.1"});
    int token;
    h.suspend(nullptr, 0, 7.0, &token);
    int resumed = 0;
    REQUIRE(world.run_until(4.0, [&](void*) { ++resumed; }) == RunResult::TimeReached);
    REQUIRE(world.now() == 4.0);
    REQUIRE(resumed == 0);
    REQUIRE(world.run_until(8.0, [&](void*) { ++resumed; }) == RunResult::Idle);
    REQUIRE(resumed == 1);
    REQUIRE(world.now() == 8.0);
}

namespace {
void collect_line(void* lines, const std::string& line) { static_cast<std::vector<std::string>*>(lines)->push_back(line); }
}  // namespace

TEST_CASE("a trace listener gets each line as it is recorded, the lines the trace keeps", "[sim][world][trace]") {
    World world(1);
    std::vector<std::string> live;
    world.trace().set_listener(collect_line, &live);
    world.add_host("h", {"10.0.0.1"});
    REQUIRE(live.size() == 1);
    world.note("h", "first");
    REQUIRE(live.size() == 2);
    REQUIRE(live.back() == "0.000000000 note h first");
    std::vector<std::string> kept = world.trace().recent();
    REQUIRE(live == kept);
    // The kept tail is bounded; the live view is not.
    world.trace().set_limit(1);
    world.note("h", "second");
    REQUIRE(world.trace().recent().size() == 1);
    REQUIRE(live.size() == 3);
    world.trace().set_listener(nullptr, nullptr);
    world.note("h", "unheard");
    REQUIRE(live.size() == 3);
}

TEST_CASE("after_event runs after each resume and each step of a run", "[sim][world][trace]") {
    World world(1);
    SimHost& h = *world.add_host("h", {"10.0.0.1"});
    int a, b;
    h.suspend(nullptr, 0, 2.0, &a);
    h.suspend(nullptr, 0, 5.0, &b);
    std::string order;
    auto resume = [&](void* token) { order += token == &a ? "A" : "B"; };
    auto after = [&] { order += '.'; };
    REQUIRE(world.run_until_idle(resume, after) == RunResult::Idle);
    // Each deadline is a step (the timer fires), then the token it woke resumes.
    REQUIRE(order == ".A..B.");
    h.suspend(nullptr, 0, 9.0, &a);
    order.clear();
    REQUIRE(world.run_until(7.0, resume, after) == RunResult::TimeReached);
    REQUIRE(order.empty());
    REQUIRE(world.run_until(10.0, resume, after) == RunResult::Idle);
    REQUIRE(order == ".A.");
}

TEST_CASE("the random source is the same for the same seed and differs across seeds", "[sim][world]") {
    Random a(42), b(42), c(43);
    for (int i = 0; i < 100; ++i) {
        std::uint64_t x = a.next();
        REQUIRE(x == b.next());
        (void)c;
    }
    REQUIRE(Random(42).next() != Random(43).next());
    Random u(7);
    for (int i = 0; i < 1000; ++i) {
        double v = u.uniform();
        REQUIRE(v >= 0.0);
        REQUIRE(v < 1.0);
    }
}

namespace {
// A transfer over a lossy, jittery link; the trace hash names the run.
std::uint64_t lossy_transfer_hash(std::uint64_t seed, double* finished_at = nullptr) {
    World world(seed);
    SimHost& a = *world.add_host("a", {"10.0.0.1"});
    SimHost& b = *world.add_host("b", {"10.0.0.2"});
    LinkConfig link;
    link.latency = 0.01;
    link.jitter = 0.005;
    link.loss = 0.1;
    world.set_link(a, b, link);
    Fd listener = listen_on(b, 80);
    Fd c, s;
    std::tie(c, s) = connect_pair(world, a, b, listener, ip("10.0.0.2", 80));
    std::string data = pattern(50000);
    std::size_t sent = 0;
    std::string got;
    step_until(world, [&] {
        while (sent < data.size()) {
            IoResult r = a.send(c, data.data() + sent, data.size() - sent);
            if (!r.ok()) break;
            sent += r.bytes;
        }
        got += read_now(b, s);
        return got.size() == data.size();
    });
    REQUIRE(got == data);
    if (finished_at) *finished_at = world.now();
    return world.trace_hash();
}
}  // namespace

TEST_CASE("same seed gives the same trace hash, another seed another hash", "[sim][world][determinism]") {
    std::uint64_t first = lossy_transfer_hash(42);
    std::uint64_t again = lossy_transfer_hash(42);
    std::uint64_t other = lossy_transfer_hash(43);
    INFO("seed 42 -> " << first << ", seed 43 -> " << other);
    REQUIRE(first == again);
    REQUIRE(first != other);
}

TEST_CASE("a deadlock is reported with host, descriptor and direction", "[sim][world][deadlock]") {
    World world(5);
    SimHost& a = *world.add_host("alpha", {"10.0.0.1"});
    SimHost& b = *world.add_host("beta", {"10.0.0.2"});
    Fd listener = listen_on(b, 80);
    Fd c, s;
    std::tie(c, s) = connect_pair(world, a, b, listener, ip("10.0.0.2", 80));
    // Both sides wait to read; nobody writes.
    int client_token, server_token;
    PollItem ci{c, kReadable, 0}, si{s, kReadable, 0};
    a.suspend(&ci, 1, kNoDeadline, &client_token);
    b.suspend(&si, 1, kNoDeadline, &server_token);
    REQUIRE(world.run_until_idle([](void*) { FAIL("nobody should wake"); }) == RunResult::Deadlock);
    auto blocked = world.blocked();
    REQUIRE(blocked.size() == 2);
    std::string report = world.deadlock_report();
    INFO(report);
    REQUIRE(report.find("deadlock") != std::string::npos);
    REQUIRE(report.find("host 'alpha' fd " + std::to_string(c) + " waits readable") != std::string::npos);
    REQUIRE(report.find("host 'beta' fd " + std::to_string(s) + " waits readable") != std::string::npos);
    REQUIRE(report.find("seed 5") != std::string::npos);
}

TEST_CASE("a cancelled wait is forgotten and no longer counts as blocked", "[sim][world]") {
    World world(1);
    SimHost& h = *world.add_host("h", {"10.0.0.1"});
    int forever, later;
    h.suspend(nullptr, 0, kNoDeadline, &forever);
    h.suspend(nullptr, 0, 2.0, &later);
    REQUIRE(world.waiting(&forever));
    world.cancel_wait(&forever);
    REQUIRE_FALSE(world.waiting(&forever));
    world.cancel_wait(&later);
    REQUIRE(world.run_until_idle([](void*) { FAIL("cancelled"); }) == RunResult::Idle);
    REQUIRE(world.now() == 0.0);  // the cancelled deadline no longer moves the clock
}

TEST_CASE("a wait begun while the world resumes a token belongs to that token and not to the one it names",
          "[sim][world]") {
    // A coroutine nested in the resumed one (5.1's socket.pcall, lua-coxpcall)
    // names itself; only the resumed token can be resumed by the world.
    World world(1);
    SimHost& h = *world.add_host("h", {"10.0.0.1"});
    int outer, nested, outside;
    world.wake(&outer);
    std::vector<void*> resumed;
    std::vector<double> times;
    REQUIRE(world.run_until_idle([&](void* t) {
        resumed.push_back(t);
        times.push_back(world.now());
        REQUIRE(world.resuming() == t);
        if (resumed.size() == 1) {
            h.suspend(nullptr, 0, 2.0, &nested);
            REQUIRE(world.waiting(&outer));
            REQUIRE_FALSE(world.waiting(&nested));
        }
    }) == RunResult::Idle);
    REQUIRE(resumed == std::vector<void*>{&outer, &outer});
    REQUIRE(times == std::vector<double>{0.0, 2.0});
    // Outside a run the token given is the one that waits.
    REQUIRE(world.resuming() == nullptr);
    h.suspend(nullptr, 0, 3.0, &outside);
    REQUIRE(world.waiting(&outside));
}

TEST_CASE("a wait ends when the descriptor becomes ready, not before", "[sim][world]") {
    World world(1);
    SimHost& a = *world.add_host("a", {"10.0.0.1"});
    SimHost& b = *world.add_host("b", {"10.0.0.2"});
    LinkConfig link;
    link.latency = 0.25;
    world.set_link(a, b, link);
    Fd listener = listen_on(b, 80);
    Fd c, s;
    std::tie(c, s) = connect_pair(world, a, b, listener, ip("10.0.0.2", 80));
    double sent_at = world.now();
    REQUIRE(a.send(c, "ping", 4).bytes == 4);
    int token;
    PollItem item{s, kReadable, 0};
    REQUIRE(b.wait(&item, 1, kNoDeadline) == ETIMEDOUT);  // wait never blocks in the sim
    b.suspend(&item, 1, world.now() + 100, &token);
    double woke = -1;
    REQUIRE(world.run_until_idle([&](void*) { woke = world.now(); }) == RunResult::Idle);
    REQUIRE(woke == Approx(sent_at + 0.25));
    REQUIRE(b.wait(&item, 1, kNoDeadline) == 0);
    REQUIRE((item.revents & kReadable) != 0);
}

TEST_CASE("names resolve to host addresses, localhost and literals, unknown names fail", "[sim][world][names]") {
    World world(1);
    SimHost& a = *world.add_host("server", {"10.0.0.1", "fd00::1"});
    REQUIRE(world.add_name("www.example.test", {"10.0.0.1"}));
    std::vector<ResolvedAddress> out;
    ResolveHints stream;
    stream.type = SocketType::Stream;
    REQUIRE(a.resolve("server", "80", stream, &out) == ResolveError::None);
    REQUIRE(out.size() == 2);
    REQUIRE(out[0].address.to_string() == "10.0.0.1:80");
    REQUIRE(out[1].address.to_string() == "[fd00::1]:80");
    REQUIRE(out[0].protocol == 6);

    REQUIRE(a.resolve("WWW.example.test", "http", stream, &out) == ResolveError::None);
    REQUIRE(out.at(0).address.to_string() == "10.0.0.1:80");

    ResolveHints v4 = stream;
    v4.family = Family::Inet;
    REQUIRE(a.resolve("localhost", "8080", v4, &out) == ResolveError::None);
    REQUIRE(out.size() == 1);
    REQUIRE(out[0].address.to_string() == "127.0.0.1:8080");

    REQUIRE(a.resolve("192.168.7.9", "1", stream, &out) == ResolveError::None);
    REQUIRE(out[0].address.ip_text() == "192.168.7.9");

    REQUIRE(a.resolve("nowhere.test", "80", stream, &out) == ResolveError::NotFound);
    REQUIRE(a.resolve_error_message(ResolveError::NotFound) == "Name or service not known");
    REQUIRE(a.resolve("server", "no-such-service", stream, &out) == ResolveError::BadService);
    REQUIRE(a.resolve_error_message(ResolveError::BadService) == "Servname not supported for ai_socktype");

    ResolveHints passive = stream;
    passive.flags = kResolvePassive;
    passive.family = Family::Inet;
    REQUIRE(a.resolve(nullptr, "80", passive, &out) == ResolveError::None);
    REQUIRE(out[0].address.to_string() == "0.0.0.0:80");
}

TEST_CASE("resolve gives glibc's socket types: raw with no type asked, a service's own transports",
          "[sim][world][names]") {
    // spec/parity: "names: getaddrinfo of a numeric IPv4 address", "names:
    // getaddrinfo: which socket types a service has".
    World world(1);
    SimHost& a = *world.add_host("server", {"10.0.0.1"});
    std::vector<ResolvedAddress> out;
    ResolveHints any;
    any.family = Family::Inet;
    REQUIRE(a.resolve("127.0.0.1", "80", any, &out) == ResolveError::None);
    REQUIRE(out.size() == 3);
    REQUIRE(out[0].type == SocketType::Stream);
    REQUIRE(out[1].type == SocketType::Datagram);
    REQUIRE(out[2].type == SocketType::Raw);
    REQUIRE(out[2].protocol == 0);
    ResolveHints tcp = any;
    tcp.protocol = 6;
    REQUIRE(a.resolve("127.0.0.1", "80", tcp, &out) == ResolveError::None);
    REQUIRE(out.size() == 1);
    REQUIRE(a.resolve("127.0.0.1", "http", any, &out) == ResolveError::None);  // tcp only
    REQUIRE(out.size() == 1);
    REQUIRE(out[0].type == SocketType::Stream);
    REQUIRE(a.resolve("127.0.0.1", "ntp", any, &out) == ResolveError::None);  // udp only
    REQUIRE(out.size() == 1);
    REQUIRE(out[0].type == SocketType::Datagram);
    REQUIRE(a.resolve("127.0.0.1", "domain", any, &out) == ResolveError::None);
    REQUIRE(out.size() == 2);
    ResolveHints stream = any;
    stream.type = SocketType::Stream;
    REQUIRE(a.resolve("127.0.0.1", "ntp", stream, &out) == ResolveError::BadService);
    ResolveHints raw = any;
    raw.type = SocketType::Raw;
    REQUIRE(a.resolve("127.0.0.1", "80", raw, &out) == ResolveError::BadService);
    REQUIRE(a.resolve("127.0.0.1", nullptr, raw, &out) == ResolveError::None);
}

TEST_CASE("hosts refuse bad or taken addresses and names", "[sim][world]") {
    World world(1);
    std::string error;
    REQUIRE(world.add_host("a", {"10.0.0.1"}, &error));
    REQUIRE_FALSE(world.add_host("b", {"10.0.0.1"}, &error));
    REQUIRE_FALSE(world.add_host("a", {"10.0.0.2"}, &error));
    REQUIRE_FALSE(world.add_host("c", {"not-an-ip"}, &error));
    REQUIRE(error.find("not-an-ip") != std::string::npos);
    REQUIRE(world.find_host("a") != nullptr);
    REQUIRE(world.find_host("zzz") == nullptr);
}

TEST_CASE("hosts without addresses get free ones, a numeric name is its own address", "[sim][world]") {
    World world(1);
    SimHost& taken = *world.add_host("taken", {"10.0.0.1"});
    SimHost& auto1 = *world.add_host("auto1", {});
    SimHost& auto2 = *world.add_host("auto2", {});
    SimHost& numeric = *world.add_host("192.168.1.5", {});
    REQUIRE(taken.addresses().size() == 1);
    REQUIRE(auto1.addresses().size() == 2);
    REQUIRE(auto1.addresses()[0].ip_text() == "10.0.0.2");
    REQUIRE(auto1.addresses()[1].ip_text() == "fd00::2");
    REQUIRE(auto2.addresses()[0].ip_text() == "10.0.0.3");
    REQUIRE(numeric.addresses().size() == 1);
    REQUIRE(numeric.addresses()[0].ip_text() == "192.168.1.5");
    std::vector<ResolvedAddress> out;
    REQUIRE(taken.resolve("auto2", nullptr, ResolveHints{}, &out) == ResolveError::None);
    REQUIRE(out.at(0).address.ip_text() == "10.0.0.3");
}

TEST_CASE("error messages are the Linux strerror texts", "[sim][world]") {
    World world(1);
    SimHost& h = *world.add_host("h", {"10.0.0.1"});
    REQUIRE(h.error_message(ECONNREFUSED) == "Connection refused");
    REQUIRE(h.error_message(EMSGSIZE) == "Message too long");
    REQUIRE(h.error_message(EADDRINUSE) == "Address already in use");
    REQUIRE(h.wait_style() == WaitStyle::Suspend);
}
