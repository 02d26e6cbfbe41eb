// The `sock` module's loop on the Lua side: the userdata that owns a core
// Scheduler, the table of its threads, and the two runners everything else
// is built from:
//
// - run_in_thread: an I/O call (or sleep) inside a sock thread. It tries its
//   attempt; if that would block, it registers the wait with the scheduler
//   and yields the thread (lua_yieldk) with the wait mark. The loop resumes
//   the thread when the wait is over and the continuation tries again.
// - resume_thread: the loop side. It resumes a thread and looks at how it
//   stopped: waiting (it yielded the wait mark), finished, or failed (the
//   error is reported with its traceback and the others go on).
//
// sock.wrap coroutines run inside a sock thread: an I/O call there yields
// the mark to the wrapper, which passes it up, so the whole chain waits and
// the loop resumes the sock thread at its root (see sock_threads.cpp).
#pragma once

#include <lua.hpp>

#include <vector>

#include "core/scheduler.hpp"
#include "lua/blocking_call.hpp"

namespace lsock::lua::sock {

constexpr const char* kLoopMeta = "lsock.sock.loop";

struct LoopObject {
    Os* os;
    Scheduler* scheduler;  // null once the loop was collected
    bool stopping;         // sock.stop() was called
    bool running;          // inside sock.poll / sock.start (they do not nest)
    std::vector<PollItem>* suspend_items;  // what a Suspend-style loop waits on
    // The sock thread the loop is resuming right now (null: none): a call
    // made from it needs no lookup in the roots table (check_thread).
    lua_State* current;
};

// The loop table's fields, at integer keys: a string key would be interned
// (hashed and compared) on every lookup from C, and sockets look up the
// loop on every call.
enum LoopField { kFieldLoop = 1, kFieldThreads, kFieldRoots, kFieldOnError };

// luaL_testudata without the string lookup: the metatable is also stored in
// the registry at the address `key` (set_meta_key), and compared by identity.
void* test_udata(lua_State* L, int index, const void* key);
// registry[key] = the table at `meta_index`.
void set_meta_key(lua_State* L, int meta_index, const void* key);

// Pushes a new loop on `os`; the value at `owner_index` (0: none) is kept
// alive with it (a simulated world, so the Os outlives every socket).
LoopObject* push_loop(lua_State* L, Os& os, int owner_index);
LoopObject* loop_at(lua_State* L, int index);
// Pushes a field of the loop's table (kFieldLoop: the loop itself). That
// table is also every socket's uservalue (Lua 5.2 takes only tables there).
void push_loop_field(lua_State* L, int loop_index, LoopField field);

// The sock thread that runs L: L itself, or the sock thread a sock.wrap
// coroutine runs in. Raises, naming `function`, when there is none.
lua_State* check_thread(lua_State* L, int loop_index, const char* function);

// What a waiting thread yields, so that a wrapper and the loop can tell a
// wait from a plain coroutine.yield.
void push_wait_mark(lua_State* L);
bool is_wait_mark(lua_State* L, int index);

// Runs `attempt` in the current sock thread (see the top of this file). The
// attempt's slots must be in place; `loop_index` is the loop userdata.
int run_in_thread(lua_State* L, int loop_index, const AttemptRef& attempt);
// The same for a caller that already knows the first try would block: it
// waits for `wait` at once, and the attempt runs when that wait is over.
int wait_in_thread(lua_State* L, int loop_index, const AttemptRef& attempt, const Wait& wait);

// Anchors a new sock thread in the loop.
void adopt_thread(lua_State* L, int loop_index, int thread_index);
// Resumes `co` with `nargs` values from its stack; returns true when it
// is still alive (waiting or yielded) afterwards.
bool resume_thread(lua_State* L, int loop_index, lua_State* co, int nargs);
// Resumes every thread the scheduler found ready; returns how many.
int resume_ready(lua_State* L, int loop_index);

// Run-time failure: nil, the portable name (or the system's message), and
// the OS code when there is one. Returns the number of values pushed.
int push_error(lua_State* L, Os& os, int error);
int push_resolve_error(lua_State* L, Os& os, ResolveError error);

}  // namespace lsock::lua::sock
