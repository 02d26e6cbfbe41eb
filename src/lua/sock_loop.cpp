#include "lua/sock_loop.hpp"
#include "lua/sock_guard.hpp"

#include <cstdio>
#include <cstring>
#include <new>
#include <string>

#include "core/error_names.hpp"

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

// Copies the Os's text into `out` so no std::string is alive when Lua may
// raise (a memory error while pushing).
void copy_text(const std::string& text, char* out, std::size_t size) {
    std::size_t n = text.size() < size - 1 ? text.size() : size - 1;
    std::memcpy(out, text.data(), n);
    out[n] = '\0';
}

int error_text(lua_State* L) {
    luaL_tolstring(L, 1, nullptr);
    return 1;
}

// The loop's handler for a failed thread, or stderr.
void report_failure(lua_State* L, int loop_index, lua_State* co) {
    // The error object comes over to L first: nothing (a __tostring) may
    // run on the dead coroutine, whose stack stays as it was for the traceback.
    lua_xmove(co, L, 1);
    // Its text, protected: a __tostring that fails must not stop the loop.
    lua_pushcfunction(L, error_text);
    lua_pushvalue(L, -2);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
        lua_pop(L, 1);
        lua_pushliteral(L, "(an error object that cannot be shown)");
    }
    luaL_traceback(L, co, lua_tostring(L, -1), 0);
    lua_replace(L, -3);
    lua_pop(L, 1);
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

int continue_in_thread(lua_State* L);
int wait_from(lua_State* L, int base, const Wait& wait);

// Stack while a call runs: the attempt's slots, the loop userdata, the
// AttemptRef (light userdata) at `base`, whose position is the yield context.
int push_call_frame(lua_State* L, int loop_index, const AttemptRef& attempt) {
    lua_pushvalue(L, loop_index);
    lua_pushlightuserdata(L, const_cast<AttemptRef*>(&attempt));
    return lua_gettop(L);
}

int run_from(lua_State* L, int base) {
    auto* ref = static_cast<const AttemptRef*>(lua_touserdata(L, base));
    lua_settop(L, base);
    Wait wait;
    int results = ref->run(L, &wait);
    if (results != kWouldBlock) return results;
    return wait_from(L, base, wait);
}

// Registers `wait` and yields; the continuation calls the attempt again.
int wait_from(lua_State* L, int base, const Wait& wait) {
    lua_settop(L, base);
    int loop_index = base - 1;
    LoopObject* loop = loop_at(L, loop_index);
    if (!loop->scheduler) return luaL_error(L, "sock: the loop of this socket was collected");
    lua_State* root = check_thread(L, loop_index, "this call");
    Scheduler::ThreadId thread = id_of(root);
    int error = wait.count == 0 ? loop->scheduler->wait_until(thread, wait.deadline)
                                : loop->scheduler->wait_io(thread, wait.items[0].fd, wait.items[0].events, wait.deadline);
    if (error) return push_error(L, *loop->os, error);
    push_wait_mark(L);
    return lua_yieldk(L, 1, base, guarded<continue_in_thread>);
}

int continue_in_thread(lua_State* L) {
    int base = 0;
    lua_getctx(L, &base);
    return run_from(L, base);
}

}  // namespace

LoopObject* push_loop(lua_State* L, Os& os, int owner_index) {
    if (owner_index) owner_index = lua_absindex(L, owner_index);
    auto* loop = static_cast<LoopObject*>(lua_newuserdata(L, sizeof(LoopObject)));
    *loop = LoopObject{&os, nullptr, false, false, nullptr, nullptr};
    if (luaL_newmetatable(L, kLoopMeta)) {
        lua_pushcfunction(L, guarded<loop_gc>);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
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

void* test_udata(lua_State* L, int index, const void* key) {
    void* memory = lua_touserdata(L, index);
    if (!memory || !lua_getmetatable(L, index)) return nullptr;
    lua_rawgetp(L, LUA_REGISTRYINDEX, key);
    bool same = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
    return same ? memory : nullptr;
}

void set_meta_key(lua_State* L, int meta_index, const void* key) {
    lua_pushvalue(L, meta_index);
    lua_rawsetp(L, LUA_REGISTRYINDEX, key);
}

lua_State* check_thread(lua_State* L, int loop_index, const char* function) {
    loop_index = lua_absindex(L, loop_index);
    // The common case: a call from the thread the loop resumed.
    if (L == loop_at(L, loop_index)->current) return L;
    push_loop_field(L, loop_index, kFieldRoots);
    lua_pushthread(L);
    lua_rawget(L, -2);
    lua_State* root = lua_tothread(L, -1);
    lua_pop(L, 2);
    if (!root) {
        luaL_error(L, "sock: %s must be called inside a thread made by sock.newthread of this socket's loop "
                   "(or a sock.wrap coroutine inside one)", function);
    }
    return root;
}

void push_wait_mark(lua_State* L) { lua_pushlightuserdata(L, const_cast<char*>(&wait_mark)); }

bool is_wait_mark(lua_State* L, int index) { return lua_touserdata(L, index) == &wait_mark; }

int run_in_thread(lua_State* L, int loop_index, const AttemptRef& attempt) {
    return run_from(L, push_call_frame(L, loop_index, attempt));
}

int wait_in_thread(lua_State* L, int loop_index, const AttemptRef& attempt, const Wait& wait) {
    return wait_from(L, push_call_frame(L, loop_index, attempt), wait);
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

bool resume_thread(lua_State* L, int loop_index, lua_State* co, int nargs) {
    loop_index = lua_absindex(L, loop_index);
    LoopObject* resuming = loop_at(L, loop_index);
    lua_State* outer = resuming->current;  // newthread inside a thread nests
    resuming->current = co;
    int status = lua_resume(co, L, nargs);
    resuming->current = outer;
    if (status == LUA_YIELD) {
        bool waiting = lua_gettop(co) >= 1 && is_wait_mark(co, -1);
        lua_settop(co, 0);
        LoopObject* loop = loop_at(L, loop_index);
        // A plain coroutine.yield() lets the others run first: the thread
        // goes on at the next turn of the loop (as on a simulated host).
        if (!waiting && loop->scheduler) loop->scheduler->wait_until(id_of(co), -kNoDeadline);
        return true;
    }
    if (status != LUA_OK) report_failure(L, loop_index, co);
    release_thread(L, loop_index, co);
    return false;
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
            resume_thread(L, loop_index, co, 0);
            ++resumed;
        }
    }
    return resumed;
}

int push_error(lua_State* L, Os& os, int error) {
    lua_pushnil(L);
    if (const char* name = portable_error_name(error)) {
        lua_pushstring(L, name);
    } else {
        char text[256];
        copy_text(os.error_message(error), text, sizeof text);
        lua_pushstring(L, text);
    }
    int code = os_error_code(error);
    if (!code) return 2;
    lua_pushinteger(L, code);
    return 3;
}

int push_resolve_error(lua_State* L, Os& os, ResolveError error) {
    lua_pushnil(L);
    if (const char* name = portable_resolve_error_name(error)) {
        lua_pushstring(L, name);
    } else {
        char text[256];
        copy_text(os.resolve_error_message(error), text, sizeof text);
        lua_pushstring(L, text);
    }
    return 2;
}

}  // namespace lsock::lua::sock
