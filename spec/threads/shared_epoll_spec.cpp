// Several Lua states in several OS threads sharing one epoll through
// sock.epoll_fd, one kqueue through sock.kqueue_fd in the kqueue flavour, or
// one I/O completion port through sock.iocp on Windows (LSOCK_TEST_POLLER;
// docs/sock.md, "Several OS threads"): an event is handled by the state that
// owns the socket, never by another. Two threads, each with its own Lua
// state, serve 1000 connections together; run it in a -DLSOCK_TSAN=ON build
// to have ThreadSanitizer watch the forwarding between them. Where the build
// has liburing the same runs once more on io_uring (sock.uring_fd: a ring
// per loop, joined).
#include <catch2/catch.hpp>

#include <lua.hpp>
#ifndef _WIN32
#include <sys/resource.h>
#endif

#include <algorithm>
#include <cstdlib>
#include <string>
#include <thread>

#include "lsock/poller_mailbox.hpp"

#ifndef LSOCK_TEST_POLLER
#ifdef _WIN32
#define LSOCK_TEST_POLLER "iocp"
#else
#define LSOCK_TEST_POLLER "epoll"
#endif
#endif

extern "C" int luaopen_lsock_sock(lua_State* L);

namespace {

// Each state runs an echo server and clients of the *other* state's server:
// both kinds of socket of both states sit in the one shared epoll, and
// either thread's epoll_wait may take any of their events off it.
const char* const kScript = R"lua(
local sock = require "sock"
local name = ...
stats = { served = 0, answered = 0, bytes = 0, errors = {} }
sock.onerror(function(message) stats.errors[#stats.errors + 1] = message end)

local function serve(c)
  local buf = sock.buffer(256)
  while true do
    local n, err = c:recv(buf, nil, sock.clock() + 60)
    if not n then assert(err == "closed", err) break end
    assert(c:send(buf, n))
  end
  c:close()
  stats.served = stats.served + 1
end

function listen(connections)
  local l = assert(sock.tcp())
  assert(l:listen(false, 0))
  sock.newthread(function()
    for _ = 1, connections do
      local c = assert(l:accept(sock.clock() + 60))
      sock.newthread(serve, c)
    end
    l:close()
  end)
  return l:getsockname():port()
end

function connect(port, connections, rounds)
  for i = 1, connections do
    sock.newthread(function()
      local c = assert(sock.tcp())
      assert(c:connect("127.0.0.1", port, sock.clock() + 60))
      local buf = sock.buffer(256)
      for r = 1, rounds do
        local message = ("%s/%d/%d/"):format(name, i, r):rep(4)
        assert(c:send(message))
        local got = {}
        local size = 0
        while size < #message do
          local n = assert(c:recv(buf, nil, sock.clock() + 60))
          got[#got + 1] = buf:tostring(n)
          size = size + n
        end
        assert(table.concat(got) == message, "corrupted echo on " .. name)
        stats.bytes = stats.bytes + size
      end
      c:close()
      stats.answered = stats.answered + 1
    end)
  end
end

function poller_fd(fd) return sock[POLLER == "iocp" and "iocp" or POLLER .. "_fd"](fd) end
function run(limit) return sock.start(limit) end
)lua";

struct LuaState {
    lua_State* L = luaL_newstate();

    // `poller`: which sock.<poller>_fd the script calls.
    LuaState(const char* name, const char* poller) {
        REQUIRE(L);
        luaL_openlibs(L);
        lua_getglobal(L, "package");
        lua_getfield(L, -1, "preload");
        lua_pushcfunction(L, luaopen_lsock_sock);
        lua_setfield(L, -2, "sock");
        lua_pop(L, 2);
        lua_pushstring(L, poller);
        lua_setglobal(L, "POLLER");
        REQUIRE(luaL_loadstring(L, kScript) == LUA_OK);
        lua_pushstring(L, name);
        check(lua_pcall(L, 1, 0, 0));
    }
    ~LuaState() { lua_close(L); }
    LuaState(const LuaState&) = delete;
    LuaState& operator=(const LuaState&) = delete;

    void check(int status) {
        if (status != LUA_OK) FAIL(lua_tostring(L, -1));
    }
    // Calls global `function` with integer arguments; leaves its one result.
    void call(const char* function, std::initializer_list<lua_Integer> args) {
        lua_settop(L, 0);
        lua_getglobal(L, function);
        for (lua_Integer arg : args) lua_pushinteger(L, arg);
        check(lua_pcall(L, int(args.size()), 1, 0));
    }
    lua_Integer stat(const char* field) {
        lua_getglobal(L, "stats");
        lua_getfield(L, -1, field);
        lua_Integer value = lua_tointeger(L, -1);
        lua_pop(L, 2);
        return value;
    }
    std::string errors() {
        lua_getglobal(L, "stats");
        lua_getfield(L, -1, "errors");
        std::string all;
        for (int i = 1; i <= int(lua_rawlen(L, -1)); ++i) {
            lua_rawgeti(L, -1, i);
            all += lua_tostring(L, -1);
            all += "\n";
            lua_pop(L, 1);
        }
        lua_pop(L, 2);
        return all;
    }
};

}  // namespace

namespace {

// Four descriptors per connection pair and state (server side, client side,
// in each of the two states): raise the soft limit as far as the hard one
// allows, and say so when the test has to shrink.
int connections_per_state(int wanted) {
#ifdef _WIN32
    return wanted;  // no descriptor limit to raise
#else
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return wanted;
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
        getrlimit(RLIMIT_NOFILE, &limit);
    }
    long fit = (long(limit.rlim_cur) - 64) / 4;
    return int(std::max(10L, std::min(long(wanted), fit)));
#endif
}


// LSOCK_POLLER for the length of a test (the loops read it when they open
// their poller), then as it was. Windows has one poller and no setenv.
class PollerChoice {
public:
#ifdef _WIN32
    explicit PollerChoice(const char*) {}
#else
    explicit PollerChoice(const char* value) {
        const char* before = std::getenv("LSOCK_POLLER");
        had_ = before != nullptr;
        if (had_) before_ = before;
        setenv("LSOCK_POLLER", value, 1);
    }
    ~PollerChoice() {
        if (had_) {
            setenv("LSOCK_POLLER", before_.c_str(), 1);
        } else {
            unsetenv("LSOCK_POLLER");
        }
    }
#endif

private:
    bool had_ = false;
    std::string before_;
};

// Two states in two threads, one joining the other's poller through
// sock.<poller>_fd, serve 1000 connections. `handed_over`: events must have
// gone from one poller to the other (a shared epoll or kqueue); rings are
// one per loop and hand nothing over.
void serve_through_one_poller(const char* poller, bool handed_over) {
    const int kPerState = connections_per_state(500);  // connections each state's server takes
    if (kPerState < 500) WARN("descriptor limit too low: " << 2 * kPerState << " connections instead of 1000");
    constexpr int kRounds = 3;
    LuaState a("a", poller);
    LuaState b("b", poller);

    a.call("poller_fd", {});
    REQUIRE(lua_isnumber(a.L, -1));  // nil: the loop is not on this poller
    lua_Integer shared = lua_tointeger(a.L, -1);
    REQUIRE(shared >= 0);
    b.call("poller_fd", {shared});
    REQUIRE(lua_toboolean(b.L, -1));

    a.call("listen", {kPerState});
    lua_Integer a_port = lua_tointeger(a.L, -1);
    b.call("listen", {kPerState});
    lua_Integer b_port = lua_tointeger(b.L, -1);
    std::uint64_t forwarded_before = lsock::mailboxes::forwarded();
    a.call("connect", {b_port, kPerState, kRounds});
    b.call("connect", {a_port, kPerState, kRounds});

    // From here on each state belongs to its own thread.
    bool a_done = false;
    bool b_done = false;
    std::thread a_thread([&] {
        a.call("run", {120});
        a_done = lua_toboolean(a.L, -1);
    });
    std::thread b_thread([&] {
        b.call("run", {120});
        b_done = lua_toboolean(b.L, -1);
    });
    a_thread.join();
    b_thread.join();

    INFO("a errors: " << a.errors());
    INFO("b errors: " << b.errors());
    CHECK(a.errors().empty());
    CHECK(b.errors().empty());
    CHECK(a_done);
    CHECK(b_done);
    CHECK(a.stat("served") == kPerState);
    CHECK(b.stat("served") == kPerState);
    CHECK(a.stat("answered") == kPerState);
    CHECK(b.stat("answered") == kPerState);
    CHECK(a.stat("bytes") > 0);
    CHECK(a.stat("bytes") == b.stat("bytes"));
    if (handed_over) {
        // Each thread took events of the other's sockets off the shared
        // poller and handed them over: the path under test was taken.
        CHECK(lsock::mailboxes::forwarded() > forwarded_before);
    } else {
        CHECK(lsock::mailboxes::forwarded() == forwarded_before);
    }
}

}  // namespace

TEST_CASE("two OS threads with a Lua state each share one " LSOCK_TEST_POLLER " and serve 1000 connections",
          "[threads]") {
    PollerChoice choice("epoll");  // the default may be io_uring: ask for epoll (kqueue builds ignore it)
    serve_through_one_poller(LSOCK_TEST_POLLER, true);
}

#ifdef LSOCK_TEST_IO_URING
TEST_CASE("two OS threads with a Lua state each, on io_uring rings joined by sock.uring_fd, serve 1000 connections",
          "[threads][io_uring]") {
    PollerChoice choice("io_uring");
    serve_through_one_poller("uring", false);
}
#endif
