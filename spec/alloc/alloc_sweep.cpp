// The failing-allocation sweep (issue 9, item 4): every step of the Lua
// harness (a call, or a few, of the socket, sock and netsim modules) runs
// once to count its allocations, then once for each N with the N-th of them
// failing. A run must succeed or raise "not enough memory", crash nothing,
// leave no descriptor open, and (under ASan) leak nothing.
//
//   alloc_sweep [--kernel=loopback|sim] [--step=TEXT] [--most=K | --n=N] [--list] SCRIPT_DIR
//
// Without --most every N is swept (the long form); --most=K sweeps at most
// K values of N per step (the short form ctest runs); --n=N runs that N
// alone (to look at one finding). Each step runs in a
// child process, so that a crash or a hang is reported with its N and the
// sweep goes on after it; under LeakSanitizer the child checks for leaks at
// its end and, when it finds some, the step is run again N by N to name them.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "sweep_run.hpp"

#if defined(__SANITIZE_ADDRESS__) && __has_include(<sanitizer/lsan_interface.h>)
#include <sanitizer/lsan_interface.h>
#define LSOCK_SWEEP_LEAK_CHECK 1
#endif

namespace lsock::alloc_sweep {
namespace {

// A run may take this long before it counts as hung.
constexpr unsigned kRunSeconds = 60;
// How many leaking N values to name per step before moving on.
constexpr int kLeaksNamed = 3;

struct Options {
    std::vector<std::string> kernels{"loopback", "sim"};
    std::string step_filter;
    std::uint64_t most = 0;  // 0: every N
    std::uint64_t only_n = 0;  // --n: this N alone (0: as `most` says)
    bool list = false;
    RunSetup setup;
};

struct Finding {
    std::string kernel, step;
    std::uint64_t n;
    std::string text;
};

struct Totals {
    std::size_t steps = 0;
    std::uint64_t runs = 0;       // runs with an allocation failing
    std::uint64_t allocations = 0;  // sum over steps of their counts
    std::uint64_t moved = 0;        // runs whose failure moved past a finalizer call
    std::vector<Finding> findings;
};

// The N values to sweep for a step that makes `count` allocations.
std::vector<std::uint64_t> values_of_n(std::uint64_t count, std::uint64_t most, std::uint64_t only_n) {
    std::vector<std::uint64_t> out;
    if (only_n) {
        if (only_n <= count) out.push_back(only_n);
        return out;
    }
    if (most == 0 || count <= most) {
        for (std::uint64_t n = 1; n <= count; ++n) out.push_back(n);
        return out;
    }
    // The first allocations (where a call sets itself up) one by one, then
    // the rest spread evenly up to the last.
    std::uint64_t head = most / 2;
    for (std::uint64_t n = 1; n <= head; ++n) out.push_back(n);
    std::uint64_t spread = most - head;
    for (std::uint64_t i = 1; i <= spread; ++i) {
        std::uint64_t n = head + (count - head) * i / spread;
        if (n > out.back()) out.push_back(n);
    }
    return out;
}

// --- the child: runs one step's N values and reports on a pipe --------------

void write_all(int fd, const std::string& text) {
    std::size_t done = 0;
    while (done < text.size()) {
        ssize_t n = write(fd, text.data() + done, text.size() - done);
        if (n <= 0) return;
        done += std::size_t(n);
    }
}

// A record: a keyword, a number and a text of any length.
void send(int fd, const char* what, std::uint64_t n, const std::string& text = "") {
    write_all(fd, std::string(what) + " " + std::to_string(n) + " " + std::to_string(text.size()) + "\n" + text);
}

void send_findings(int fd, std::uint64_t n, const RunOutcome& outcome) {
    for (const std::string& finding : findings_of(outcome)) send(fd, "finding", n, finding);
}

bool leaks_now() {
#ifdef LSOCK_SWEEP_LEAK_CHECK
    return __lsan_do_recoverable_leak_check() != 0;
#else
    return false;
#endif
}

// The leak lines of a LeakSanitizer report with the frames in our own code
// (not the C++ library, Lua or the sanitizer): what a finding needs to say.
std::string summarize_leaks(const std::string& report) {
    std::string out;
    int frames = 0;
    std::size_t at = 0;
    while (at < report.size()) {
        std::size_t end = report.find('\n', at);
        if (end == std::string::npos) end = report.size();
        std::string line = report.substr(at, end - at);
        at = end + 1;
        if (line.find("leak of") != std::string::npos) {
            out += "\n  " + line;
            frames = 0;
        } else if (line.find("    #") == 0 && frames < 6 && line.find("/usr/") == std::string::npos &&
                   line.find("libsanitizer") == std::string::npos && line.find("liblua") == std::string::npos &&
                   line.find(" in 0x") == std::string::npos) {
            out += "\n    " + line.substr(line.find(" in ") + 4);
            ++frames;
        }
    }
    return out;
}

// leaks_now, with LeakSanitizer's report (written on stderr) caught in
// *summary instead.
bool leaks_now(std::string* summary) {
    std::fflush(stderr);
    FILE* file = std::tmpfile();
    if (!file) return leaks_now();
    int saved = dup(STDERR_FILENO);
    dup2(fileno(file), STDERR_FILENO);
    bool leaked = leaks_now();
    dup2(saved, STDERR_FILENO);
    close(saved);
    std::string report;
    std::rewind(file);
    char buffer[4096];
    while (std::size_t n = std::fread(buffer, 1, sizeof buffer, file)) report.append(buffer, n);
    std::fclose(file);
    *summary = summarize_leaks(report);
    return leaked;
}

// Sweeps the values of N after `after` (0: count first); with `check_each`
// looks for leaks after every run and stops at the first that leaked.
[[noreturn]] void child(int fd, const Options& options, const std::string& kernel, const std::string& step,
                        std::uint64_t count, std::uint64_t after, bool check_each) {
    if (after == 0 && count == 0) {
        send(fd, "run", 0);
        alarm(kRunSeconds);
        RunOutcome outcome = run_step(options.setup, kernel, step, 0);
        count = outcome.counted;
        send(fd, "count", count);
        send_findings(fd, 0, outcome);
    }
    for (std::uint64_t n : values_of_n(count, options.most, options.only_n)) {
        if (n <= after) continue;
        send(fd, "run", n);
        alarm(kRunSeconds);
        RunOutcome outcome = run_step(options.setup, kernel, step, n);
        if (outcome.moved) send(fd, "moved", n);
        send_findings(fd, n, outcome);
        std::string leaked;
        if (check_each && leaks_now(&leaked)) {
            send(fd, "leak", n, leaked);
            std::_Exit(0);
        }
    }
    alarm(0);
    if (!check_each && leaks_now()) send(fd, "leaks", 0);
    send(fd, "done", 0);
    std::_Exit(0);  // no second leak report at exit: this one was checked
}

// --- the parent -----------------------------------------------------------------

struct ChildReport {
    std::uint64_t count = 0;
    bool counted = false;
    std::uint64_t last_run = 0;  // the N it was running when it stopped
    bool started = false;        // it got to a run at all
    bool done = false;
    bool leaks = false;
    std::vector<std::pair<std::uint64_t, std::string>> leaked;  // check_each: the N that leaked, and what
    std::vector<std::uint64_t> runs;    // the N values it ran
    std::size_t moved = 0;              // runs whose failure moved past a finalizer call
    std::vector<std::pair<std::uint64_t, std::string>> findings;
    std::string how_it_ended;           // for a child that did not finish
};

ChildReport parse(const std::string& data) {
    ChildReport report;
    std::size_t at = 0;
    while (at < data.size()) {
        std::size_t end = data.find('\n', at);
        if (end == std::string::npos) break;
        char what[16] = {0};
        unsigned long long n = 0, size = 0;
        if (std::sscanf(data.c_str() + at, "%15s %llu %llu", what, &n, &size) != 3) break;
        std::string text = data.substr(end + 1, std::size_t(size));
        at = end + 1 + std::size_t(size);
        std::string kind = what;
        if (kind == "run") {
            report.last_run = n;
            report.started = true;
            if (n) report.runs.push_back(n);
        } else if (kind == "count") {
            report.count = n;
            report.counted = true;
        } else if (kind == "finding") {
            report.findings.emplace_back(n, text);
        } else if (kind == "leaks") {
            report.leaks = true;
        } else if (kind == "leak") {
            report.leaked.emplace_back(n, text);
        } else if (kind == "moved") {
            ++report.moved;
        } else if (kind == "done") {
            report.done = true;
        }
    }
    return report;
}

std::string describe_status(int status) {
    if (WIFSIGNALED(status)) {
        int signal = WTERMSIG(status);
        return signal == SIGALRM ? "hung (no end after " + std::to_string(kRunSeconds) + " s)"
                                 : std::string("crashed (") + strsignal(signal) + ")";
    }
    if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
    return "ended oddly";
}

ChildReport run_child(const Options& options, const std::string& kernel, const std::string& step,
                      std::uint64_t count, std::uint64_t after, bool check_each) {
    int fds[2];
    if (pipe(fds) != 0) {
        std::perror("alloc_sweep: pipe");
        std::exit(2);
    }
    std::fflush(stdout);
    std::fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        std::perror("alloc_sweep: fork");
        std::exit(2);
    }
    if (pid == 0) {
        close(fds[0]);
        child(fds[1], options, kernel, step, count, after, check_each);
    }
    close(fds[1]);
    std::string data;
    char buffer[4096];
    for (;;) {
        ssize_t n = read(fds[0], buffer, sizeof buffer);
        if (n > 0) {
            data.append(buffer, std::size_t(n));
        } else if (n == 0 || errno != EINTR) {
            break;
        }
    }
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    ChildReport report = parse(data);
    if (!report.done && report.leaked.empty()) report.how_it_ended = describe_status(status);
    return report;
}

void sweep_step(const Options& options, const std::string& kernel, const std::string& step, Totals* totals) {
    auto add = [&](std::uint64_t n, const std::string& text) { totals->findings.push_back({kernel, step, n, text}); };
    auto started = std::chrono::steady_clock::now();
    std::uint64_t count = 0;
    std::uint64_t after = 0;
    std::size_t swept = 0;
    std::size_t before = totals->findings.size();
    bool leaks = false;
    for (;;) {
        ChildReport report = run_child(options, kernel, step, count, after, false);
        if (report.counted) count = report.count;
        for (auto& [n, text] : report.findings) add(n, text);
        swept += report.runs.size();
        totals->moved += report.moved;
        leaks = leaks || report.leaks;
        if (report.done) break;
        if (!report.started) {
            add(0, "the step's child " + report.how_it_ended + " before its first run");
            break;
        }
        add(report.last_run, "the run " + report.how_it_ended);
        if (report.last_run == 0 && !report.counted) break;  // the counting run itself: nothing to sweep
        after = report.last_run;
    }
    if (leaks) {
        // Name the N values that leak: again, with a check after every run.
        int named = 0;
        after = 0;
        while (named < kLeaksNamed) {
            ChildReport report = run_child(options, kernel, step, count, after, true);
            if (report.leaked.empty()) {
                if (!report.done) add(report.last_run, "while looking for leaks, the run " + report.how_it_ended);
                break;
            }
            add(report.leaked.front().first, "LeakSanitizer: memory leaked:" + report.leaked.front().second);
            after = report.leaked.front().first;
            ++named;
        }
        if (named == 0) add(0, "LeakSanitizer found leaks in the step, but no single run leaked on its own");
    }
    totals->steps += 1;
    totals->runs += swept;
    totals->allocations += count;
    std::size_t found = totals->findings.size() - before;
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::printf("%-8s %-52s %6llu allocations, %5zu swept, %6.2f s: %s\n", kernel.c_str(), step.c_str(),
                static_cast<unsigned long long>(count), swept, seconds,
                found ? (std::to_string(found) + " finding(s)").c_str() : "ok");
    std::fflush(stdout);
}

bool parse_options(int argc, char** argv, Options* options) {
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg.rfind("--kernel=", 0) == 0) {
            options->kernels = {arg.substr(9)};
        } else if (arg.rfind("--step=", 0) == 0) {
            options->step_filter = arg.substr(7);
        } else if (arg.rfind("--most=", 0) == 0) {
            options->most = std::strtoull(arg.c_str() + 7, nullptr, 10);
        } else if (arg.rfind("--n=", 0) == 0) {
            options->only_n = std::strtoull(arg.c_str() + 4, nullptr, 10);
        } else if (arg == "--list") {
            options->list = true;
        } else if (arg[0] == '-' || !options->setup.script_dir.empty()) {
            return false;
        } else {
            options->setup.script_dir = arg;
        }
    }
    return !options->setup.script_dir.empty();
}

// An empty folder for the runs' unix socket paths, emptied after each step.
std::string make_tmp_dir() {
    char name[] = "/tmp/lsock-alloc-XXXXXX";
    if (!mkdtemp(name)) {
        std::perror("alloc_sweep: mkdtemp");
        std::exit(2);
    }
    return name;
}

void empty_dir(const std::string& dir, bool remove) {
    std::string command = "rm -rf '" + dir + "'" + (remove ? "" : " && mkdir '" + dir + "'");
    if (std::system(command.c_str()) != 0) std::fprintf(stderr, "alloc_sweep: could not clean %s\n", dir.c_str());
}

}  // namespace
}  // namespace lsock::alloc_sweep

int main(int argc, char** argv) {
    using namespace lsock::alloc_sweep;
    Options options;
    if (!parse_options(argc, argv, &options)) {
        std::fprintf(stderr, "usage: %s [--kernel=loopback|sim] [--step=TEXT] [--most=K | --n=N] [--list] SCRIPT_DIR\n",
                     argv[0]);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    options.setup.tmp_dir = make_tmp_dir();
    Totals totals;
    int status = 0;
    for (const std::string& kernel : options.kernels) {
        std::string error;
        std::vector<std::string> steps = list_steps(options.setup, kernel, &error);
        if (!error.empty()) {
            std::fprintf(stderr, "alloc_sweep: the harness cannot list its steps: %s\n", error.c_str());
            status = 2;
            break;
        }
        for (const std::string& step : steps) {
            if (step.find(options.step_filter) == std::string::npos) continue;
            if (options.list) {
                std::printf("%s %s\n", kernel.c_str(), step.c_str());
                continue;
            }
            sweep_step(options, kernel, step, &totals);
            empty_dir(options.setup.tmp_dir, false);
        }
    }
    empty_dir(options.setup.tmp_dir, true);
    if (options.list) return status;
    for (const Finding& finding : totals.findings) {
        std::printf("\nFINDING %s / %s / N=%llu:\n  %s\n", finding.kernel.c_str(), finding.step.c_str(),
                    static_cast<unsigned long long>(finding.n), finding.text.c_str());
    }
    std::printf("\nalloc sweep: %zu steps, %llu allocations counted, %llu runs with the N-th failing "
                "(%s; in %llu the N-th was for a finalizer call and the next one failed), %zu findings\n",
                totals.steps, static_cast<unsigned long long>(totals.allocations),
                static_cast<unsigned long long>(totals.runs),
                options.most ? ("at most " + std::to_string(options.most) + " per step").c_str() : "every N",
                static_cast<unsigned long long>(totals.moved), totals.findings.size());
    if (status == 0 && (!totals.findings.empty() || totals.steps == 0)) status = 1;
    return status;
}
