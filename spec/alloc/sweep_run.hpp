// One run of the sweep: a fresh Lua state on the failing allocator, one
// step of the Lua harness (harness.lua) on one kernel with its N-th
// allocation failing, and what came of it. findings_of says what is wrong.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lsock::alloc_sweep {

struct RunSetup {
    std::string script_dir;  // where harness.lua and the calls_*.lua files are
    std::string tmp_dir;     // an empty folder for unix socket paths
};

struct RunOutcome {
    std::string setup_error;        // the harness did not load, or has no such step
    bool ok = false;                // the step returned
    std::string error;              // else what it raised (with a traceback)
    std::vector<std::string> reported;  // what its threads raised (sock.onerror)
    bool armed = false;             // the step called sweep.arm()
    std::uint64_t counted = 0;      // allocations from arm() to the step's end
    bool injected = false;          // the failing allocation happened
    bool moved = false;             // later than the N-th: that one was for a finalizer call
    std::string unusable_after;     // how the modules failed a simple use after the step
    std::string descriptors_left;   // kernel descriptors the run left open
    long simulated_left = 0;        // simulated descriptors open when their world was collected
};

// The steps the harness has for `kernel` ("loopback" or "sim").
std::vector<std::string> list_steps(const RunSetup& setup, const std::string& kernel, std::string* error);

// Runs `step` once; the `fail_at`-th allocation after its arm() fails (0: none).
RunOutcome run_step(const RunSetup& setup, const std::string& kernel, const std::string& step, std::uint64_t fail_at);

// What is wrong with a run (empty: nothing). A run with no injected failure
// must simply succeed; one with it must succeed or raise "not enough
// memory", and leave no descriptor open either way.
std::vector<std::string> findings_of(const RunOutcome& outcome);

}  // namespace lsock::alloc_sweep
