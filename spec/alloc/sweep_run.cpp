#include "sweep_run.hpp"

#include <lua.hpp>

#include "failing_allocator.hpp"
#include "open_descriptors.hpp"

extern "C" int luaopen_lsock_socket(lua_State* L);
extern "C" int luaopen_lsock_sock(lua_State* L);
extern "C" int luaopen_lsock_netsim(lua_State* L);

namespace lsock::alloc_sweep {

namespace {

constexpr const char* kMemoryError = "not enough memory";
// What the harness raises when a check fails after the injected failure
// (a thread that died of it left its partner without an answer).
constexpr const char* kFallout = "alloc-sweep fallout:";

// What the `sweep` table's C functions reach (upvalue 1).
struct Context {
    FailingAllocator allocator;
    std::uint64_t fail_at = 0;
    bool armed = false;
    long simulated_left = 0;
};

Context* context_of(lua_State* L) { return static_cast<Context*>(lua_touserdata(L, lua_upvalueindex(1))); }

// sweep.arm(): the swept part of the step begins.
int sweep_arm(lua_State* L) {
    Context* context = context_of(L);
    context->armed = true;
    context->allocator.arm(context->fail_at);
    return 0;
}

// sweep.injected() -> whether the failing allocation happened.
int sweep_injected(lua_State* L) {
    lua_pushboolean(L, context_of(L)->allocator.injected());
    return 1;
}

// sweep.simulated_left(n): a world about to be collected still had n
// descriptors open on its hosts.
int sweep_simulated_left(lua_State* L) {
    context_of(L)->simulated_left += long(luaL_checkinteger(L, 1));
    return 0;
}

int traceback(lua_State* L) {
    const char* message = luaL_tolstring(L, 1, nullptr);
    luaL_traceback(L, L, message, 1);
    return 1;
}

void preload(lua_State* L, const char* name, lua_CFunction open) {
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "preload");
    lua_pushcfunction(L, open);
    lua_setfield(L, -2, name);
    lua_pop(L, 2);
}

// A state with the libraries, the three modules as package.preload entries,
// the `sweep` table and the harness on package.path.
lua_State* open_state(const RunSetup& setup, Context* context) {
    lua_State* L = lua_newstate(&FailingAllocator::alloc, &context->allocator);
    if (!L) return nullptr;
    context->allocator.attach(L);
    luaL_openlibs(L);
    preload(L, "socket", luaopen_lsock_socket);
    preload(L, "sock", luaopen_lsock_sock);
    preload(L, "netsim", luaopen_lsock_netsim);
    lua_getglobal(L, "package");
    lua_pushstring(L, (setup.script_dir + "/?.lua").c_str());
    lua_setfield(L, -2, "path");
    lua_pop(L, 1);
    lua_newtable(L);
    static const luaL_Reg functions[] = {
        {"arm", sweep_arm},
        {"injected", sweep_injected},
        {"simulated_left", sweep_simulated_left},
        {nullptr, nullptr},
    };
    lua_pushlightuserdata(L, context);
    luaL_setfuncs(L, functions, 1);
    lua_pushstring(L, setup.tmp_dir.c_str());
    lua_setfield(L, -2, "tmp");
    lua_createtable(L, 64, 0);  // recording a thread's failure allocates nothing
    lua_setfield(L, -2, "reported");
    lua_setglobal(L, "sweep");
    return L;
}

// Pushes harness[function]; false (with *error) when the harness fails to load.
bool push_harness_function(lua_State* L, const char* function, std::string* error) {
    lua_pushcfunction(L, traceback);
    lua_getglobal(L, "require");
    lua_pushliteral(L, "harness");
    if (lua_pcall(L, 1, 1, -3) != LUA_OK) {
        *error = std::string("harness.lua: ") + lua_tostring(L, -1);
        return false;
    }
    lua_getfield(L, -1, function);
    lua_remove(L, -2);
    return true;
}

bool contains(const std::string& text, const char* part) { return text.find(part) != std::string::npos; }

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

}  // namespace

std::vector<std::string> list_steps(const RunSetup& setup, const std::string& kernel, std::string* error) {
    std::vector<std::string> names;
    Context context;
    lua_State* L = open_state(setup, &context);
    if (!L) {
        *error = "lua_newstate failed";
        return names;
    }
    if (push_harness_function(L, "list", error)) {
        lua_pushstring(L, kernel.c_str());
        if (lua_pcall(L, 1, 1, -3) != LUA_OK) {
            *error = lua_tostring(L, -1);
        } else {
            for (int i = 1; lua_rawgeti(L, -1, i), lua_isstring(L, -1); ++i) {
                names.emplace_back(lua_tostring(L, -1));
                lua_pop(L, 1);
            }
        }
    }
    lua_close(L);
    return names;
}

RunOutcome run_step(const RunSetup& setup, const std::string& kernel, const std::string& step, std::uint64_t fail_at) {
    RunOutcome outcome;
    Descriptors before = open_descriptors();
    Context context;
    context.fail_at = fail_at;
    lua_State* L = open_state(setup, &context);
    if (!L) {
        outcome.setup_error = "lua_newstate failed";
        return outcome;
    }
    if (push_harness_function(L, "run", &outcome.setup_error)) {
        lua_pushstring(L, kernel.c_str());
        lua_pushstring(L, step.c_str());
        outcome.ok = lua_pcall(L, 2, 0, -4) == LUA_OK;
        context.allocator.disarm();
        if (!outcome.ok) outcome.error = lua_tostring(L, -1) ? lua_tostring(L, -1) : "(an error without text)";
        lua_getglobal(L, "sweep");
        lua_getfield(L, -1, "reported");
        for (int i = 1; lua_rawgeti(L, -1, i), !lua_isnil(L, -1); ++i) {
            const char* text = lua_tostring(L, -1);
            outcome.reported.emplace_back(text ? text : "(an error without text)");
            lua_pop(L, 1);
        }
        lua_settop(L, 0);
        std::string error;
        if (push_harness_function(L, "after", &error) && lua_pcall(L, 0, 0, 1) != LUA_OK) {
            outcome.unusable_after = lua_tostring(L, -1) ? lua_tostring(L, -1) : "(an error without text)";
        }
    }
    context.allocator.disarm();
    outcome.armed = context.armed;
    outcome.counted = context.allocator.counted();
    outcome.injected = context.allocator.injected();
    outcome.moved = context.allocator.moved();
    lua_close(L);
    outcome.simulated_left = context.simulated_left;
    outcome.descriptors_left = descriptors_added(before, open_descriptors());
    return outcome;
}

std::vector<std::string> findings_of(const RunOutcome& outcome) {
    std::vector<std::string> out;
    if (!outcome.setup_error.empty()) {
        out.push_back("the harness failed: " + outcome.setup_error);
        return out;
    }
    if (!outcome.armed) out.push_back("the step never called sweep.arm()");
    bool memory_error = false;
    std::string fallout;  // the first check that failed after the injected failure
    auto judge = [&](const std::string& error, const char* what) {
        if (!outcome.injected) {
            out.push_back(std::string(what) + " with no allocation failing: " + error);
        } else if (contains(error, kMemoryError)) {
            memory_error = true;
        } else if (contains(error, kFallout)) {
            if (fallout.empty()) fallout = error;
        } else {
            out.push_back(std::string(what) + " '" + first_line(error) + "' instead of \"not enough memory\":\n" + error);
        }
    };
    if (!outcome.ok) judge(outcome.error, "raised");
    for (const std::string& error : outcome.reported) judge(error, "a thread failed with");
    if (!fallout.empty() && !memory_error) {
        out.push_back("a check failed after the injected failure, but nothing raised \"not enough memory\" "
                      "(the failure became something else):\n" + fallout);
    }
    if (!outcome.unusable_after.empty()) {
        out.push_back("the modules no longer work after the run: " + outcome.unusable_after);
    }
    if (!outcome.descriptors_left.empty()) out.push_back("descriptors left open: " + outcome.descriptors_left);
    if (outcome.simulated_left) {
        out.push_back(std::to_string(outcome.simulated_left) + " simulated descriptor(s) still open when the world was collected");
    }
    return out;
}

}  // namespace lsock::alloc_sweep
