#include "lua/sock/sock_loop.hpp"

#include <cstdio>
#include <new>

#include "lua/common/errors.hpp"
#include "lua/common/guard.hpp"
#include "lua/common/lua_compat.hpp"
#include "lua/common/yield_safe.hpp"

namespace lsock::lua::sock {

namespace {

// Its address is the wait mark (a light userdata nobody else can forge).
const char wait_mark = 0;

Scheduler::ThreadId id_of(lua_State* thread) { return Scheduler::ThreadId(reinterpret_cast<std::uintptr_t>(thread)); }
lua_State* thread_of(Scheduler::ThreadId id) { return reinterpret_cast<lua_State*>(std::uintptr_t(id)); }

int loop_gc(lua_State* L) {
    auto* loop = static_cast<LoopObject*>(lua_touserdata(L, 1));
    delete loop->scheduler;
    loop->scheduler = nullptr;
    delete loop->suspend_items;
    loop->suspend_items = nullptr;
    return 0;
}

int error_text(lua_State* L) {
    luaL_tolstring(L, 1, nullptr);
    return 1;
}

// [1] a failed thread's error object [2] the thread -> its text and traceback.
int failure_report(lua_State* L) {
    // The text, protected again: a __tostring that fails must not hide the
    // traceback. Out of memory, the memory error is the text.
    lua_pushcfunction(L, error_text);
    lua_pushvalue(L, 1);
    int status = lua_pcall(L, 1, 1, 0);
    if (status != LUA_OK && status != LUA_ERRMEM) {
        lua_pop(L, 1);
        lua_pushliteral(L, "(an error object that cannot be shown)");
    }
    luaL_traceback(L, lua_tothread(L, 2), lua_tostring(L, -1), 0);
    return 1;
}

// The loop's handler for a failed thread, or stderr.
void report_failure(lua_State* L, int loop_index, lua_State* co) {
    // The error object comes over to L first: nothing (a __tostring) may
    // run on the dead coroutine, whose stack stays as it was for the traceback.
    lua_xmove(co, L, 1);
    // The report is made under pcall: nothing may raise out of the loop,
    // which would stay "running" for good. Its only failure is a memory
    // error (failure_report handles the rest), whose message is the report.
    lua_pushcfunction(L, failure_report);
    lua_insert(L, -2);
    lua_pushthread(co);
    lua_xmove(co, L, 1);
    lua_pcall(L, 2, 1, 0);
    push_loop_field(L, loop_index, kFieldOnError);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        std::fprintf(stderr, "sock: a thread failed: %s\n", lua_tostring(L, -1));
        std::fflush(stderr);
        lua_pop(L, 1);
        return;
    }
    lua_insert(L, -2);
    lua_pushthread(co);
    lua_xmove(co, L, 1);
    // The handler's own failure must not stop the loop either.
    if (lua_pcall(L, 2, 0, 0) != LUA_OK) {
        std::fprintf(stderr, "sock: the onerror handler failed: %s\n", lua_tostring(L, -1));
        std::fflush(stderr);
        lua_pop(L, 1);
    }
}

// Forgets a thread that ended.
void release_thread(lua_State* L, int loop_index, lua_State* co) {
    LoopObject* loop = loop_at(L, loop_index);
    if (loop->scheduler) loop->scheduler->cancel(id_of(co));
    push_loop_field(L, loop_index, kFieldThreads);
    lua_pushnil(L);
    lua_rawsetp(L, -2, co);
    lua_pop(L, 1);
}

}  // namespace

const TypeSpec kLoopType{"lsock.sock.loop", "sock loop", nullptr, loop_gc};

LoopObject* push_loop(lua_State* L, Os& os, int owner_index) {
    if (owner_index) owner_index = lua_absindex(L, owner_index);
    auto* loop = static_cast<LoopObject*>(lua_newuserdata(L, sizeof(LoopObject)));
    *loop = LoopObject{&os, nullptr, false, false, nullptr, nullptr, 0};
    register_type(L, kLoopType);
    set_type(L, kLoopType);
    // The table first, the C++ objects last: nothing leaks if Lua raises.
    lua_createtable(L, kFieldOnError, 1);
    lua_newtable(L);
    lua_rawseti(L, -2, kFieldThreads);
    lua_newtable(L);
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_rawseti(L, -2, kFieldRoots);
    if (owner_index) {
        lua_pushvalue(L, owner_index);
        lua_setfield(L, -2, "owner");
    }
    lua_pushvalue(L, -2);
    lua_rawseti(L, -2, kFieldLoop);
    lua_setuservalue(L, -2);
    loop->scheduler = new (std::nothrow) Scheduler(os);
    loop->suspend_items = new (std::nothrow) std::vector<PollItem>;
    if (!loop->scheduler || !loop->suspend_items) luaL_error(L, "sock: not enough memory for a loop");
    return loop;
}

LoopObject* loop_at(lua_State* L, int index) { return static_cast<LoopObject*>(lua_touserdata(L, index)); }

void push_loop_field(lua_State* L, int loop_index, LoopField field) {
    lua_getuservalue(L, loop_index);
    lua_rawgeti(L, -1, field);
    lua_remove(L, -2);
}

lua_State* find_root(lua_State* L, int loop_index) {
    push_loop_field(L, loop_index, kFieldRoots);
    lua_pushthread(L);
    // A sock thread is its own root; a sock.wrap coroutine names the
    // coroutine that resumed it last (wrapper_call), so the walk follows
    // the chain as it is now, however deep (and through the coroutines of
    // 5.1's sock.pcall, yield_safe.hpp). A chain cannot be longer than
    // Lua's C-call limit (each link is a running resume); a longer walk met
    // a stale cycle and finds no root.
    lua_State* root = nullptr;
    for (int step = 0; step < 256; ++step) {
        lua_State* at = lua_tothread(L, -1);
        lua_pushvalue(L, -1);
        lua_rawget(L, -3);
        if (lua_isnil(L, -1)) {
            // Not one of this loop's: on 5.1 perhaps a coroutine of the
            // modules' pcall, whose waits are those of its caller.
            lua_pop(L, 1);
            replace_by_yield_link(L);
        } else {
            lua_remove(L, -2);
        }
        lua_State* next = lua_tothread(L, -1);
        if (!next) break;
        if (next == at) {
            root = at;
            break;
        }
    }
    lua_pop(L, 2);
    return root;
}

namespace {

// find_root, raising (naming `function`) when there is none.
lua_State* root_or_raise(lua_State* L, int loop_index, const char* function) {
    lua_State* root = find_root(L, loop_index);
    if (!root) {
        luaL_error(L, "sock: %s must be called inside a thread made by sock.newthread of this socket's loop "
                   "(or a sock.wrap coroutine inside one)", function);
    }
    return root;
}

}  // namespace

lua_State* check_thread(lua_State* L, int loop_index, const char* function) {
    loop_index = lua_absindex(L, loop_index);
    // The common case: a call from the thread the loop resumed.
    if (L == loop_at(L, loop_index)->current) return L;
    return root_or_raise(L, loop_index, function);
}

void push_wait_mark(lua_State* L) { lua_pushlightuserdata(L, const_cast<char*>(&wait_mark)); }

bool is_wait_mark(lua_State* L, int index) { return lua_touserdata(L, index) == &wait_mark; }

int park_in_loop(lua_State* L, int base, const Wait& wait) {
    return park_thread(L, base, loop_at(L, base - 1), base - 1, wait);
}

int park_thread(lua_State* L, int base, LoopObject* loop, int loop_index, const Wait& wait) {
    if (!loop->scheduler) return luaL_error(L, "sock: the loop of this socket was collected");
    // The call's name is needed only for the error of a call made outside
    // the loop's threads: the thread the loop resumes is its own root.
    lua_State* root = L == loop->current ? L : root_or_raise(L, loop_index, call_at(L, base).name);
    Scheduler::ThreadId thread = id_of(root);
    int error = wait.count == 0 ? loop->scheduler->wait_until(thread, wait.deadline)
                                : loop->scheduler->wait_io(thread, wait.items[0].fd, wait.items[0].events, wait.deadline);
    if (error) return push_sock_error(L, *loop->os, error);
    push_wait_mark(L);
    return yield_call(L, base, 1);
}

void adopt_thread(lua_State* L, int loop_index, int thread_index) {
    thread_index = lua_absindex(L, thread_index);
    lua_State* co = lua_tothread(L, thread_index);
    push_loop_field(L, loop_index, kFieldThreads);
    lua_pushvalue(L, thread_index);
    lua_rawsetp(L, -2, co);
    lua_pop(L, 1);
    push_loop_field(L, loop_index, kFieldRoots);
    lua_pushvalue(L, thread_index);
    lua_pushvalue(L, thread_index);
    lua_rawset(L, -3);
    lua_pop(L, 1);
}

namespace {

// resume_thread with the loop already found (`loop` is the userdata at the
// absolute `loop_index`, which stays on L's stack throughout).
bool resume_in(lua_State* L, int loop_index, LoopObject* loop, lua_State* co, int nargs) {
    lua_State* outer = loop->current;  // newthread inside a thread nests
    unsigned outer_calls = loop->calls_this_turn;
    loop->current = co;
    loop->calls_this_turn = 0;
    int left = 0;
    int status = resume(co, L, nargs, &left);
    loop->current = outer;
    loop->calls_this_turn = outer_calls;
    if (status == LUA_YIELD) {
        bool waiting = left >= 1 && is_wait_mark(co, -1);
        lua_pop(co, left);
        // A plain coroutine.yield() lets the others run first: the thread
        // goes on at the next turn of the loop (as on a simulated host).
        if (!waiting && loop->scheduler) loop->scheduler->wait_until(id_of(co), -kNoDeadline);
        return true;
    }
    if (status != LUA_OK) report_failure(L, loop_index, co);
    release_thread(L, loop_index, co);
    return false;
}

}  // namespace

bool resume_thread(lua_State* L, int loop_index, lua_State* co, int nargs) {
    loop_index = lua_absindex(L, loop_index);
    return resume_in(L, loop_index, loop_at(L, loop_index), co, nargs);
}

int resume_ready(lua_State* L, int loop_index) {
    loop_index = lua_absindex(L, loop_index);
    LoopObject* loop = loop_at(L, loop_index);
    int resumed = 0;
    Scheduler::ThreadId id = 0;
    while (loop->scheduler && loop->scheduler->pop_ready(&id)) {
        // The scheduler only knows threads the threads table anchors: a
        // thread leaves it in release_thread, which cancels its wait first.
        // So the id is a live coroutine, no lookup needed.
        lua_State* co = thread_of(id);
        // Only a suspended thread can go on (not one that is running or
        // that resumed the code that is running now).
        if (lua_status(co) == LUA_YIELD) {
            resume_in(L, loop_index, loop, co, 0);
            ++resumed;
        }
    }
    return resumed;
}

void reset_loop(lua_State* L, int loop_index) {
    loop_index = lua_absindex(L, loop_index);
    LoopObject* loop = loop_at(L, loop_index);
    loop->running = false;
    loop->stopping = false;
    if (loop->scheduler) loop->scheduler->flush();  // what the threads sent goes before they do
    push_loop_field(L, loop_index, kFieldThreads);
    int threads = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, threads)) {
        lua_State* co = lua_tothread(L, -1);
        if (co != loop->current) {
            if (loop->scheduler) loop->scheduler->cancel(id_of(co));
            lua_pushvalue(L, -2);
            lua_pushnil(L);
            lua_rawset(L, threads);  // clearing a field lua_next has passed is allowed
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    // The roots table has weak keys: the dead threads and their sock.wrap
    // coroutines leave it when they are collected.
}

}  // namespace lsock::lua::sock
