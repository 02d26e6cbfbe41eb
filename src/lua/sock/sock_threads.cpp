// sock.newthread, poll, start, stop, sleep, sleep_until, wrap, onerror and
// epoll_fd, iocp: the scheduling half of the `sock` module. Every function holds
// the loop userdata as upvalue 1.
#include <cerrno>
#include <cmath>
#include <cstring>

#include "lua/common/errors.hpp"
#include "lua/common/guard.hpp"
#include "lua/common/lua_compat.hpp"
#include "lua/sock/sock_loop.hpp"
#include "lua/sock/sock_module.hpp"
#include "lua/common/trampoline.hpp"
#include "lua/common/yield_safe.hpp"

namespace lsock::lua::sock {

namespace {

int loop_index() { return lua_upvalueindex(1); }

LoopObject* live_loop(lua_State* L, int index) {
    LoopObject* loop = loop_at(L, index);
    if (!loop->scheduler) luaL_error(L, "sock: the loop was collected");
    return loop;
}

int sock_newthread(lua_State* L) {
    luaL_checktype(L, 1, LUA_TFUNCTION);
    live_loop(L, loop_index());
    int n = lua_gettop(L);
    lua_State* co = lua_newthread(L);
    if (!lua_checkstack(co, n)) return luaL_error(L, "sock.newthread: too many arguments");
    adopt_thread(L, loop_index(), -1);
    // The coroutine below the function and its arguments, which then move
    // over: no stack space needed beyond what the caller gave us.
    lua_insert(L, 1);
    lua_xmove(L, co, n);
    resume_thread(L, loop_index(), co, n - 1);
    lua_settop(L, 1);
    return 1;
}

bool suspends(const LoopObject* loop) { return loop->os->wait_style() == WaitStyle::Suspend; }

// A Suspend-style loop found nothing to do: it waits (in virtual time) on
// what the poller watches, until the earliest timer or `until`.
int suspend_loop(LoopObject* loop, double until, Wait* wait) {
    loop->scheduler->wait_items(loop->suspend_items);
    wait->items = loop->suspend_items->data();
    wait->count = loop->suspend_items->size();
    wait->deadline = std::fmin(until, loop->scheduler->next_deadline());
    return kWouldBlock;
}

// The loop stops running: what its poller queued (sends through a ring)
// must not wait for a next run that may never come.
void stop_running(LoopObject* loop) {
    loop->running = false;
    if (loop->scheduler) loop->scheduler->flush();
}

int finish(lua_State* L, LoopObject* loop, bool ok) {
    stop_running(loop);
    lua_pushboolean(L, ok);
    if (ok) return 1;
    lua_pushliteral(L, "timeout");
    return 2;
}

int fail(lua_State* L, LoopObject* loop, int error) {
    stop_running(loop);
    return push_sock_error(L, *loop->os, error);
}

// poll: [1] loop [2] until
int attempt_poll(lua_State* L, Wait* wait) {
    LoopObject* loop = loop_at(L, 1);
    double until = deadline_at(L, 2);
    for (;;) {
        if (!loop->scheduler || !loop->scheduler->has_waiters()) return finish(L, loop, false);
        if (int error = loop->scheduler->collect(suspends(loop) ? -kNoDeadline : until)) return fail(L, loop, error);
        if (resume_ready(L, 1) > 0) return finish(L, loop, true);
        if (loop->os->now() >= until) return finish(L, loop, false);
        if (suspends(loop)) return suspend_loop(loop, until, wait);
    }
}
const BlockingCall kPoll{attempt_poll, park_on_os, "sock.poll"};

// start: [1] loop [2] until
int attempt_start(lua_State* L, Wait* wait) {
    LoopObject* loop = loop_at(L, 1);
    double until = deadline_at(L, 2);
    for (;;) {
        if (!loop->scheduler || !loop->scheduler->has_waiters() || loop->stopping) {
            loop->stopping = false;
            return finish(L, loop, true);
        }
        if (loop->os->now() >= until) return finish(L, loop, false);
        if (int error = loop->scheduler->collect(suspends(loop) ? -kNoDeadline : until)) return fail(L, loop, error);
        int resumed = resume_ready(L, 1);
        if (suspends(loop) && resumed == 0 && !loop->stopping && loop->scheduler->has_waiters() &&
            loop->os->now() < until) {
            return suspend_loop(loop, until, wait);
        }
    }
}
const BlockingCall kStart{attempt_start, park_on_os, "sock.start"};

// Lays out [1] loop [2] until for poll and start and runs `attempt`.
int run_loop(lua_State* L, const char* function, const BlockingCall& call) {
    double timeout = luaL_optnumber(L, 1, -1);
    luaL_argcheck(L, timeout == timeout, 1, "timeout is NaN");
    LoopObject* loop = live_loop(L, loop_index());
    if (find_root(L, loop_index()))
        return luaL_error(L, "sock.%s: the loop cannot run inside one of its own threads", function);
    if (loop->running) return luaL_error(L, "sock.%s: the loop is already running", function);
    if (suspends(loop)) {
        if (runs_in_main_thread(L)) {
            return luaL_error(L, "sock.%s: on a simulated host the loop must run inside the host's thread", function);
        }
    }
    lua_settop(L, 0);
    lua_pushvalue(L, loop_index());
    push_deadline(L, timeout < 0 ? kNoDeadline : loop->os->now() + timeout);
    loop->running = true;
    push_os_context(L, *loop->os);
    return run_blocking(L, call);
}

int sock_poll(lua_State* L) { return run_loop(L, "poll", kPoll); }

int sock_start(lua_State* L) {
    live_loop(L, loop_index())->stopping = false;
    return run_loop(L, "start", kStart);
}

int sock_stop(lua_State* L) {
    live_loop(L, loop_index())->stopping = true;
    return 0;
}

// sleep: [1] deadline [2] has waited once
int attempt_sleep(lua_State* L, Wait* wait) {
    double deadline = deadline_at(L, 1);
    LoopObject* loop = loop_at(L, lua_upvalueindex(1));
    // Even a sleep that is already over lets the other threads run once.
    if (lua_toboolean(L, 2) && loop->os->now() >= deadline) return 0;
    lua_pushboolean(L, 1);
    lua_replace(L, 2);
    wait->pause_until(deadline);
    return kWouldBlock;
}
const BlockingCall kSleep{attempt_sleep, park_in_loop, "sock.sleep"};

int sleep_until(lua_State* L, double deadline, const char* function) {
    check_thread(L, loop_index(), function);
    lua_settop(L, 0);
    push_deadline(L, deadline);
    lua_pushboolean(L, 0);
    lua_pushvalue(L, loop_index());
    return run_blocking(L, kSleep);
}

int sock_sleep(lua_State* L) {
    double seconds = luaL_checknumber(L, 1);
    luaL_argcheck(L, seconds == seconds, 1, "seconds is NaN");
    LoopObject* loop = live_loop(L, loop_index());
    return sleep_until(L, seconds > 0 ? loop->os->now() + seconds : loop->os->now(), "sock.sleep");
}

int sock_sleep_until(lua_State* L) {
    double deadline = luaL_checknumber(L, 1);
    luaL_argcheck(L, deadline == deadline, 1, "time is NaN");
    live_loop(L, loop_index());
    return sleep_until(L, deadline, "sock.sleep_until");
}

// The wrapper of sock.wrap: upvalues [1] the coroutine [2] the loop.
int wrapper_step(lua_State* L, lua_State* co, int nargs);

int wrapper_continue(lua_State* L, int) { return wrapper_step(L, lua_tothread(L, lua_upvalueindex(1)), 0); }

int wrapper_step(lua_State* L, lua_State* co, int nargs) {
    int n = 0;
    int status = resume(co, L, nargs, &n);
    if (status == LUA_YIELD && n >= 1 && is_wait_mark(co, -1)) {
        // Socket I/O inside: our own thread waits too, up to the sock thread
        // at the root, which the loop resumes; then we resume the coroutine.
        lua_pop(co, n);
        push_wait_mark(L);
        return yield_to<wrapper_continue>(L, 1, 0);
    }
    if (status == LUA_YIELD || status == LUA_OK) {
        if (!lua_checkstack(L, n + LUA_MINSTACK)) return luaL_error(L, "sock.wrap: too many results");
        lua_xmove(co, L, n);
        return n;
    }
    // Like coroutine.wrap: the error goes on, with where it happened.
    lua_xmove(co, L, 1);
    if (lua_type(L, -1) == LUA_TSTRING) {
        luaL_where(L, 1);
        lua_insert(L, -2);
        lua_concat(L, 2);
    }
    return lua_error(L);
}

int wrapper_call(lua_State* L) {
    lua_State* co = lua_tothread(L, lua_upvalueindex(1));
    int status = lua_status(co);
    if (!(status == LUA_YIELD || (status == LUA_OK && lua_gettop(co) > 0))) {
        return luaL_error(L, "cannot resume dead coroutine");
    }
    // The coroutine's I/O waits on behalf of the sock thread we run in,
    // found through us (find_root): only our link is set here, so that a
    // coroutine nested deeper in it follows when a second sock thread calls
    // this wrapper (a copied root went stale, and that thread was parked
    // with no wait). Outside any sock thread there is no link.
    bool in_thread = find_root(L, lua_upvalueindex(2)) != nullptr;
    push_loop_field(L, lua_upvalueindex(2), kFieldRoots);
    lua_pushvalue(L, lua_upvalueindex(1));
    if (in_thread) lua_pushthread(L);
    else lua_pushnil(L);
    lua_rawset(L, -3);
    lua_pop(L, 1);
    int n = lua_gettop(L);
    if (!lua_checkstack(co, n)) return luaL_error(L, "sock.wrap: too many arguments");
    lua_xmove(L, co, n);
    return wrapper_step(L, co, n);
}

int sock_wrap(lua_State* L) {
    luaL_checktype(L, 1, LUA_TFUNCTION);
    lua_State* co = lua_newthread(L);
    lua_pushvalue(L, 1);
    lua_xmove(L, co, 1);
    lua_pushvalue(L, loop_index());
    push_function(L, guarded<wrapper_call>, 2, "wrap");
    return 1;
}

int sock_onerror(lua_State* L) {
    if (!lua_isnoneornil(L, 1)) luaL_checktype(L, 1, LUA_TFUNCTION);
    lua_settop(L, 1);
    push_loop_field(L, loop_index(), kFieldOnError);
    lua_getuservalue(L, loop_index());
    lua_pushvalue(L, 1);
    lua_rawseti(L, -2, kFieldOnError);
    lua_pop(L, 1);
    return 1;  // the handler it replaced
}

// sock.epoll_fd, sock.kqueue_fd, sock.uring_fd and sock.iocp: the poller's
// handle, or joins another state's. Each answers nil, err where the loop's
// poller is another kind (docs/sock.md, "Several OS threads"). `what` names
// the handle in the argument error ("an epoll descriptor").
int poller_fd(lua_State* L, const char* kind, const char* name, const char* what) {
    LoopObject* loop = live_loop(L, loop_index());
    bool set = !lua_isnoneornil(L, 1);
    lua_Integer fd = 0;
    if (set) {
        fd = luaL_checkinteger(L, 1);
        luaL_argcheck(L, fd >= 0 && fd <= 0x7fffffff, 1, "descriptor expected");
    }
    int error = 0;
    Fd handle = loop->scheduler->poller_handle(&error);
    if (handle == kNoFd) return push_sock_error(L, *loop->os, error);
    const char* actual = loop->scheduler->poller_kind();
    if (!actual || std::strcmp(actual, kind) != 0) {
        lua_pushnil(L);
        lua_pushfstring(L, "%s: the poller here is %s, not %s", name, actual ? actual : "not shareable", kind);
        return 2;
    }
    if (!set) {
        lua_pushinteger(L, lua_Integer(handle));
        return 1;
    }
    error = loop->scheduler->use_poller(Fd(fd));
    if (error == EBUSY) return luaL_error(L, "%s: the poller cannot change while threads wait", name);
    if (error == EINVAL || error == EBADF) {
        lua_pushfstring(L, "not %s", what);
        return luaL_argerror(L, 1, lua_tostring(L, -1));
    }
    if (error) return push_sock_error(L, *loop->os, error);
    lua_pushboolean(L, 1);
    return 1;
}

int sock_epoll_fd(lua_State* L) { return poller_fd(L, "epoll", "sock.epoll_fd", "an epoll descriptor"); }
int sock_kqueue_fd(lua_State* L) { return poller_fd(L, "kqueue", "sock.kqueue_fd", "a kqueue descriptor"); }
int sock_iocp(lua_State* L) { return poller_fd(L, "iocp", "sock.iocp", "an iocp handle (an I/O completion port)"); }
int sock_uring_fd(lua_State* L) { return poller_fd(L, "io_uring", "sock.uring_fd", "an io_uring descriptor"); }

int sock_clock(lua_State* L) {
    lua_pushnumber(L, live_loop(L, loop_index())->os->now());
    return 1;
}

}  // namespace

void register_thread_functions(lua_State* L, int loop) {
    static const luaL_Reg functions[] = {
        // threads and the loop
        {"newthread", guarded<sock_newthread>}, {"wrap", guarded<sock_wrap>}, {"onerror", guarded<sock_onerror>},
        {"poll", guarded<sock_poll>}, {"start", guarded<sock_start>}, {"stop", guarded<sock_stop>},
        // time
        {"sleep", guarded<sock_sleep>}, {"sleep_until", guarded<sock_sleep_until>}, {"clock", guarded<sock_clock>},
        // the poller, shared with other states
        {"epoll_fd", guarded<sock_epoll_fd>}, {"kqueue_fd", guarded<sock_kqueue_fd>}, {"iocp", guarded<sock_iocp>},
        {"uring_fd", guarded<sock_uring_fd>},
        {nullptr, nullptr},
    };
    lua_pushvalue(L, loop);
    set_functions(L, functions, 1);
}

}  // namespace lsock::lua::sock
