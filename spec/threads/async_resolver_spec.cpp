// The real kernel's lookup threads (platform/common/lookup_pool.hpp, started
// as this build's backend starts them: platform/posix/async_resolver.cpp or
// platform/windows/async_resolver.cpp), with a resolver of
// the test's own in place of getaddrinfo: answers cross
// from a lookup thread to the caller, at most kMaxLookupThreads run at
// once, and a caller that gives up never waits for its lookup. Under
// ThreadSanitizer in the TSan build (tools/test.sh).
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/lookup_pool.hpp"

namespace backend = lsock::common;

using lsock::Address;
using lsock::PendingResolve;
using lsock::ResolveError;
using lsock::ResolvedAddress;
using lsock::ResolveHints;

namespace {

// A resolver that answers "name" with 10.0.0.<length of name> once the
// gate opens, counting how many of its calls run at once.
struct GatedResolver {
    std::mutex mutex;
    std::condition_variable opened;
    bool open = false;
    int running = 0, most_running = 0, calls = 0;

    backend::BlockingResolve function() {
        return [this](const char* host, const char*, const ResolveHints&, std::vector<ResolvedAddress>* out) {
            std::unique_lock<std::mutex> lock(mutex);
            ++calls;
            most_running = std::max(most_running, ++running);
            opened.wait_for(lock, std::chrono::seconds(20), [this] { return open; });
            --running;
            if (std::string(host) == "missing") return ResolveError::NotFound;
            ResolvedAddress answer;
            answer.family = lsock::Family::Inet;
            answer.address = *Address::parse_ip("10.0.0." + std::to_string(std::string(host).size()), 80);
            out->push_back(answer);
            return ResolveError::None;
        };
    }
    void open_gate() {
        std::lock_guard<std::mutex> lock(mutex);
        open = true;
        opened.notify_all();
    }
};

// Waits (at most 10 s) until the lookup's descriptor is readable, as a
// caller of Os::start_resolve does: through the kernel's Os::wait.
bool becomes_readable(const PendingResolve& pending) {
    lsock::Os& os = lsock::system_os();
    lsock::PollItem item{pending.ready_fd(), lsock::kReadable, 0};
    return os.wait(&item, 1, os.now() + 10) == 0 && (item.revents & lsock::kReadable);
}

}  // namespace

TEST_CASE("a lookup's answers reach the caller and its descriptor becomes readable", "[async_resolver]") {
    GatedResolver resolver;
    auto pending = backend::start_async_resolve(resolver.function(), "abc", nullptr, ResolveHints{});
    REQUIRE(pending);
    CHECK_FALSE(pending->ready());
    resolver.open_gate();
    REQUIRE(becomes_readable(*pending));
    REQUIRE(pending->ready());
    std::vector<ResolvedAddress> out;
    CHECK(pending->take(&out) == ResolveError::None);
    REQUIRE(out.size() == 1);
    CHECK(out[0].address == *Address::parse_ip("10.0.0.3", 80));
}

TEST_CASE("a lookup's error reaches the caller as it is", "[async_resolver]") {
    GatedResolver resolver;
    resolver.open_gate();
    auto pending = backend::start_async_resolve(resolver.function(), "missing", nullptr, ResolveHints{});
    REQUIRE(pending);
    REQUIRE(becomes_readable(*pending));
    std::vector<ResolvedAddress> out;
    CHECK(pending->take(&out) == ResolveError::NotFound);
    CHECK(out.empty());
}

TEST_CASE("200 lookups in flight run on at most kMaxLookupThreads threads and all finish",
          "[async_resolver]") {
    GatedResolver resolver;
    std::vector<std::unique_ptr<PendingResolve>> lookups;
    for (int i = 0; i < 200; ++i) {
        lookups.push_back(backend::start_async_resolve(resolver.function(), std::string(1 + i % 9, 'x').c_str(),
                                                            nullptr, ResolveHints{}));
        REQUIRE(lookups.back());
    }
    {
        // Let the pool fill up before the gate opens (at most 10 s): a
        // thread that started late would find the gate open and run alone.
        std::unique_lock<std::mutex> lock(resolver.mutex);
        auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (resolver.running < backend::kMaxLookupThreads && std::chrono::steady_clock::now() < until) {
            lock.unlock();
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
            lock.lock();
        }
    }
    resolver.open_gate();
    for (auto& pending : lookups) {
        REQUIRE(becomes_readable(*pending));
        std::vector<ResolvedAddress> out;
        CHECK(pending->take(&out) == ResolveError::None);
        CHECK(out.size() == 1);
    }
    std::lock_guard<std::mutex> lock(resolver.mutex);
    CHECK(resolver.calls == 200);
    CHECK(resolver.most_running == backend::kMaxLookupThreads);
}

TEST_CASE("a caller that abandons its lookup does not wait for it", "[async_resolver]") {
    auto resolver = std::make_shared<GatedResolver>();
    auto function = resolver->function();
    // The lookup thread holds the resolver through this copy until it ends.
    auto keep = [resolver, function](const char* h, const char* s, const ResolveHints& x,
                                     std::vector<ResolvedAddress>* out) { return function(h, s, x, out); };
    auto started = std::chrono::steady_clock::now();
    {
        auto pending = backend::start_async_resolve(keep, "abandoned", nullptr, ResolveHints{});
        REQUIRE(pending);
    }  // destroyed while its lookup thread still waits in the resolver
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
    resolver->open_gate();
    // The thread drops the answers; a later lookup still works.
    auto next = backend::start_async_resolve(keep, "next", nullptr, ResolveHints{});
    REQUIRE(next);
    REQUIRE(becomes_readable(*next));
    std::vector<ResolvedAddress> out;
    CHECK(next->take(&out) == ResolveError::None);
}
