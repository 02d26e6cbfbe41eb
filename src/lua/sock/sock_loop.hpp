// The `sock` module's loop on the Lua side: the userdata that owns a core
// Scheduler, the table of its threads, and the two runners everything else
// is built from:
//
// - park_in_loop: how an I/O call (or sleep) inside a sock thread waits
//   (the Park of lua/common/blocking_call.hpp): it registers the wait with
//   the scheduler and yields the thread (lua_yieldk) with the wait mark. The
//   loop resumes the thread when the wait is over and the common runner's
//   continuation tries the attempt again.
// - resume_thread: the loop side. It resumes a thread and looks at how it
//   stopped: waiting (it yielded the wait mark), finished, or failed (the
//   error is reported with its traceback and the others go on).
//
// sock.wrap coroutines run inside a sock thread: an I/O call there yields
// the mark to the wrapper, which passes it up, so the whole chain waits and
// the loop resumes the sock thread at its root (see sock_threads.cpp).
#pragma once

#include "lua/common/lua_api.hpp"

#include <vector>

#include "core/scheduler.hpp"
#include "lua/common/blocking_call.hpp"
#include "lua/common/types.hpp"

namespace lsock::lua::sock {

extern const TypeSpec kLoopType;

struct LoopObject {
    Os* os;
    Scheduler* scheduler;  // null once the loop was collected
    bool stopping;         // sock.stop() was called
    bool running;          // inside sock.poll / sock.start (they do not nest)
    std::vector<PollItem>* suspend_items;  // what a Suspend-style loop waits on
    // The sock thread the loop is resuming right now (null: none): a call
    // made from it needs no lookup in the roots table (check_thread).
    lua_State* current;
    // Socket calls that thread made since the loop resumed it (may_go_on).
    unsigned calls_this_turn;
};

// Fairness. A thread whose calls never wait (the peer's next request is
// always there already, a bulk transfer the kernel keeps up with) would
// otherwise keep the loop until it ends, and every other thread waits
// behind it. So after kCallsPerTurn socket calls since the loop last
// resumed a thread, its next call first lets the other ready threads run,
// as coroutine.yield() does, and then goes on (docs/sock.md, "Threads").
// A thread that waits within its turn never meets the limit: the cost on
// the usual path is one count.
constexpr unsigned kCallsPerTurn = 64;
// Counts a call; false once the calling thread's turn is used up.
inline bool may_go_on(LoopObject* loop) { return ++loop->calls_this_turn <= kCallsPerTurn; }
// What a call whose turn is used up waits for: the loop's next turn.
inline void wait_for_next_turn(Wait* wait) { wait->pause_until(-kNoDeadline); }

// The loop table's fields, at integer keys: a string key would be interned
// (hashed and compared) on every lookup from C, and sockets look up the
// loop on every call.
enum LoopField { kFieldLoop = 1, kFieldThreads, kFieldRoots, kFieldOnError };

// Pushes a new loop on `os`; the value at `owner_index` (0: none) is kept
// alive with it (a simulated world, so the Os outlives every socket).
LoopObject* push_loop(lua_State* L, Os& os, int owner_index);
LoopObject* loop_at(lua_State* L, int index);
// Pushes a field of the loop's table (kFieldLoop: the loop itself). That
// table is also every socket's uservalue (Lua 5.2 takes only tables there),
// so `loop_index` may as well hold a socket of the loop.
void push_loop_field(lua_State* L, int loop_index, LoopField field);

// The sock thread that runs L: L itself, or the sock thread a sock.wrap
// coroutine runs in (through any nesting of wrappers), or null.
// `loop_index` holds the loop or one of its sockets (push_loop_field).
lua_State* find_root(lua_State* L, int loop_index);
// The same, raising (naming `function`) when there is none.
lua_State* check_thread(lua_State* L, int loop_index, const char* function);

// What a waiting thread yields, so that a wrapper and the loop can tell a
// wait from a plain coroutine.yield.
void push_wait_mark(lua_State* L);
bool is_wait_mark(lua_State* L, int index);

// The Park of a blocking call inside a sock thread whose context is the
// loop userdata (sock.sleep, sock.addr). Raises when L is not a thread of
// that loop.
int park_in_loop(lua_State* L, int base, const Wait& wait);
// What every Park of the loop does: registers the wait of the thread that
// runs L with `loop`'s scheduler and yields it. `loop_index` holds the loop
// or a socket of it (for find_root, which only a call made from outside the
// thread the loop resumes needs). The sockets' Parks (sock_socket.hpp)
// find the loop through the socket, which is cheaper than pushing it.
int park_thread(lua_State* L, int base, LoopObject* loop, int loop_index, const Wait& wait);

// Anchors a new sock thread in the loop.
void adopt_thread(lua_State* L, int loop_index, int thread_index);
// Resumes `co` with `nargs` values from its stack; returns true when it
// is still alive (waiting or yielded) afterwards.
bool resume_thread(lua_State* L, int loop_index, lua_State* co, int nargs);
// Resumes every thread the scheduler found ready; returns how many.
int resume_ready(lua_State* L, int loop_index);

// The loop's host crashed (netsim): every thread of the loop dies where it
// waits (its wait is cancelled and the loop forgets it) and the loop is not
// running any more, so the host's next life starts with an empty loop. The
// one thread that may be running now (it called host:crash() itself) stays
// anchored, so that nothing the scheduler knows can be collected.
void reset_loop(lua_State* L, int loop_index);

}  // namespace lsock::lua::sock
