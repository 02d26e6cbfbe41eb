#!/usr/bin/env bash
# Builds everything and runs every test: first the README's other command
# (tools/run-example.sh), so that every run proves the two work in that
# order; the Catch2 tests (ctest) and the busted specs on each kernel, in
# Lua 5.2 and again in 5.1, 5.3, 5.4 and LuaJIT (their bindings from the same build),
# and the parity suite (spec/parity: loopback against the simulator, call
# by call), in a plain -Werror build; the install checks (spec/install: cmake --install
# beside LuaSocket, LuaSec and copas; luarocks make); the 2-minute soak
# (tools/soak) with the libFuzzer smoke runs (tools/fuzz/libfuzzer) beside
# it; the kqueue + portable-POSIX flavour (libkqueue) with its ctest, its
# two-thread shared-kqueue test and the loopback specs; the Windows build
# (mingw-w64) with its specs under wine64 (tools/windows/test.sh); then the
# tests again under AddressSanitizer +
# UndefinedBehaviorSanitizer (the busted specs once more under the
# aggressive GC, and the random API driver), and ThreadSanitizer.
# Ends with one line "N passed, M failed" over everything it ran; exits
# non-zero on a failure.
set -uo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh
lsock_install "${LSOCK_BUILD_PACKAGES[@]}" "${LSOCK_TEST_PACKAGES[@]}" "${LSOCK_OTHER_LUA_PACKAGES[@]}" \
  "${LSOCK_FUZZ_PACKAGES[@]}" "${LSOCK_WINDOWS_PACKAGES[@]}" || exit 1

jobs=$(nproc)
passed=0
failed=0
not_run=0
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

count() { # count PASSED FAILED LABEL [NOT_RUN]: NOT_RUN cases are neither passed nor failed
  local skipped=${4:-0}
  passed=$((passed + $1)); failed=$((failed + $2)); not_run=$((not_run + skipped))
  if [ "$skipped" -gt 0 ]; then
    echo "-- $3: $1 passed, $2 failed, $skipped not run"
  else
    echo "-- $3: $1 passed, $2 failed"
  fi
  echo "   (${SECONDS} s into the run: CI's budget is 30 minutes on 2 cores)"
}

build() { # build DIR [cmake options...] [-- targets...]
  local dir=$1; shift
  local options=() targets=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do options+=("$1"); shift; done
  [ "${1:-}" = -- ] && shift && targets=(--target "$@")
  echo "== build $dir ${options[*]} ${targets[*]}"
  # Every option the tests rely on is given, so that whatever an earlier
  # configure left in the folder's cache (a hand build, -DBUILD_TESTING=OFF)
  # does not count; the options given to build() come after and win.
  if ! { cmake -S . -B "$dir" -DLSOCK_WERROR=ON -DBUILD_TESTING=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
           -DLSOCK_SANITIZE=OFF -DLSOCK_TSAN=OFF -DLSOCK_BENCH=OFF "${options[@]}" >"$log/cmake" &&
         cmake --build "$dir" -j"$jobs" "${targets[@]}" >"$log/build" 2>&1; }; then
    cat "$log/cmake" "$log/build" 2>/dev/null | tail -50
    count 0 1 "build $dir"
    return 1
  fi
}

run_ctest() { # run_ctest DIR LABEL [ctest options...]
  local dir=$1 label=$2; shift 2
  echo "== ctest: $label"
  ctest --test-dir "$dir" -j"$jobs" --output-on-failure --timeout 300 "$@" 2>&1 | tee "$log/ctest" |
    grep -E "tests passed|tests failed|\*\*\*Failed|\*\*\*Timeout|Exception|Error" | head -40
  local line total bad skipped disabled
  line=$(grep -E "tests passed, [0-9]+ tests? failed out of" "$log/ctest" | tail -1)
  if [ -z "$line" ]; then count 0 1 "ctest $label (no summary)"; return; fi
  bad=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
  total=$(sed -E 's/.* failed out of ([0-9]+).*/\1/' <<<"$line")
  # The tests ctest lists under "did not run" are not passed: a skipped one
  # (a case that printed spec/core/not_run.hpp's marker) is inside its
  # "out of N" and its "passed" percentage; a disabled one is outside both.
  grep -E "^[[:space:]]*[0-9]+ - .* \((Skipped|Disabled)\)$" "$log/ctest" | sed 's/^[[:space:]]*/   not run: /' | head -40
  skipped=$(grep -cE "^[[:space:]]*[0-9]+ - .* \(Skipped\)$" "$log/ctest")
  disabled=$(grep -cE "^[[:space:]]*[0-9]+ - .* \(Disabled\)$" "$log/ctest")
  count $((total - bad - skipped)) "$bad" "ctest $label" $((skipped + disabled))
}

# The busted specs in one Lua on one kernel, in two halves so that a run can
# go on in the background beside another (busted_start ... &, then
# busted_count). LUA is an interpreter (lua5.1, lua5.2, ..., luajit); its module is
# BUILD/lsock.so for the build's own Lua (5.2) and BUILD/<LUA>/lsock.so for
# the others (LSOCK_LUA_EXTRA).
busted_start() { # busted_start BUILD_DIR KERNEL LUA OUT [env...]
  local dir=$1 kernel=$2 lua=$3 out=$4; shift 4
  local cpath="$PWD/$dir/?.so"
  [ "$lua" != lua5.2 ] && cpath="$PWD/$dir/$lua/?.so"
  # Specs tagged #loopback need real processes; #netsim ones drive the
  # simulated network themselves and run once, with the sim kernel.
  local exclude=netsim
  [ "$kernel" = sim ] && exclude=loopback
  # Lua 5.1 cannot yield from a for loop's iterator; the specs whose
  # iterator waits are tagged and listed in docs/build.md.
  [ "$lua" = lua5.1 ] && exclude="$exclude,yield_in_for"
  # LSOCK_BUSTED_HELPER (among the env given): a busted --helper to load
  # first (the aggressive-GC run's).
  local helper=()
  for e in "$@"; do [[ $e == LSOCK_BUSTED_HELPER=* ]] && helper=(--helper="${e#LSOCK_BUSTED_HELPER=}"); done
  env "$@" LSOCK_KERNEL="$kernel" LUA_PATH="$PWD/$dir/?.lua;./?.lua;./?/init.lua;;" LUA_CPATH="$cpath;;" \
    timeout 900 "$lua" /usr/bin/busted -o utfTerminal --exclude-tags="$exclude" "${helper[@]}" spec/lua >"$out" 2>&1
}

busted_count() { # busted_count OUT LABEL: the output's tail and its summary, counted
  local out=$1 label=$2
  echo "== busted: $label"
  grep -vE "^[●◼⬒○ ]*$" "$out" | tail -60
  local line ok bad errors
  line=$(grep -E "[0-9]+ successes? / [0-9]+ failures? / [0-9]+ errors? / [0-9]+ pending" "$out" | tail -1)
  if [ -z "$line" ]; then count 0 1 "busted $label (no summary)"; return; fi
  ok=$(sed -E 's/^[^0-9]*([0-9]+) success.*/\1/' <<<"$line")
  bad=$(sed -E 's/.* ([0-9]+) failures? .*/\1/' <<<"$line")
  errors=$(sed -E 's/.* ([0-9]+) errors? .*/\1/' <<<"$line")
  count "$ok" $((bad + errors)) "busted $label"
}

run_busted() { # run_busted BUILD_DIR KERNEL LABEL [env...]: in Lua 5.2, the build's own
  local dir=$1 kernel=$2 label=$3; shift 3
  busted_start "$dir" "$kernel" lua5.2 "$log/busted" "$@"
  busted_count "$log/busted" "$label"
}

run_dns_specs() { # run_dns_specs BUILD_DIR LABEL [env...]: spec/dns, the resolver pointed at tools/peers/dns.py
  local dir=$1 label=$2; shift 2
  timeout 300 tools/with_dns_peer.sh env "$@" LUA_PATH="$PWD/$dir/?.lua;./?.lua;./?/init.lua;;" \
    LUA_CPATH="$PWD/$dir/?.so;;" lua5.2 /usr/bin/busted -o utfTerminal spec/dns >"$log/dns" 2>&1
  busted_count "$log/dns" "dns, $label"
}

run_api_docs() { # run_api_docs BUILD_DIR: every binding function annotated (docs/meta) and documented
  local dir=$1
  echo "== api docs: tools/check_api_docs.lua"
  LUA_PATH="$PWD/$dir/?.lua;;" LUA_CPATH="$PWD/$dir/?.so;;" timeout 60 lua5.2 tools/check_api_docs.lua . \
    >"$log/apidocs" 2>&1
  grep -v "^check_api_docs:" "$log/apidocs" | head -40
  local line
  line=$(grep -E "^check_api_docs: [0-9]+ passed, [0-9]+ failed$" "$log/apidocs" | tail -1)
  if [ -z "$line" ]; then count 0 1 "api docs (no summary)"; return; fi
  count "$(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$line")" "$(sed -E 's/.* ([0-9]+) failed$/\1/' <<<"$line")" "api docs"
}

run_checks() { # run_checks LABEL COMMAND...: a script that ends "N passed, M failed"
  local label=$1; shift
  echo "== $label"
  timeout 1200 "$@" >"$log/checks" 2>&1
  checks_tally "$log/checks" "$label"
}

checks_count() { # checks_count OUT LABEL: the output of such a script run earlier, counted
  echo "== $2"
  checks_tally "$@"
}

checks_tally() { # checks_tally OUT LABEL
  local out=$1 label=$2
  grep -vE "^ok - " "$out" | grep -vE "^[0-9]+ passed, [0-9]+ failed$" | tail -60
  local line
  line=$(grep -E "^[0-9]+ passed, [0-9]+ failed$" "$out" | tail -1)
  if [ -z "$line" ]; then count 0 1 "$label (no summary)"; return; fi
  count "${line%% passed*}" "$(sed -E 's/.* ([0-9]+) failed$/\1/' <<<"$line")" "$label"
}

# The libFuzzer targets, briefly, from their seed corpus (clang; ASan+UBSan):
# the readuntil search, address text, the simulated TCP, 10 s each, in the
# background (libfuzzer_pid); tools/fuzz/README.md has the long run.
libfuzzer_pid=
libfuzzer_start() {
  timeout 1200 bash tools/fuzz/libfuzzer.sh --seconds 10 >"$log/libfuzzer" 2>&1 &
  libfuzzer_pid=$!
}

kernels() { # the kernels the specs run on
  echo loopback
  [ -f spec/support/sim.lua ] && echo sim
}

# The README's first command, before everything else here, in this tree:
# what it leaves behind must not change what the tests below find.
echo "== example: bash tools/run-example.sh"
if timeout 600 bash tools/run-example.sh >"$log/example" 2>&1 && [ "$(tail -1 "$log/example")" = "== done" ]; then
  count 1 0 "run-example.sh first"
else
  tail -30 "$log/example"
  count 0 1 "run-example.sh first"
fi

# The other Lua versions' bindings are built in the same build (the core
# once): BUILD/lua5.1/lsock.so, ..., BUILD/luajit/lsock.so (docs/build.md).
other_luas=(5.1 5.3 5.4 luajit)
if build build "-DLSOCK_LUA_EXTRA=$(IFS=';'; echo "${other_luas[*]}")"; then
  run_ctest build "plain build"
  run_api_docs build
  # Linux runs the loop on io_uring where it can (docs/sock.md, "The
  # poller"): the specs once on each, each poller forced, so that neither
  # goes untested whatever the kernel here has.
  for k in $(kernels); do run_busted build "$k" "$k" LSOCK_POLLER=epoll; done
  if grep -q "io_uring poller is built" "$log/cmake"; then
    run_busted build loopback "loopback, io_uring" LSOCK_POLLER=io_uring
    run_ctest build "threads: Lua states in two OS threads on io_uring rings" -R "^threads:.*io_uring"
  else
    echo "== io_uring NOT RUN: the build found no liburing"
  fi
  # The parity suite (spec/parity): every scenario on loopback and on a
  # simulated host, compared value by value; a difference is a simulator
  # bug or a departure named in platform/sim/README.md.
  run_checks "parity: loopback vs the simulated kernel (spec/parity)" env LUA_PATH="$PWD/build/?.lua;./?.lua;./?/init.lua;;" \
    LUA_CPATH="$PWD/build/?.so;;" lua5.2 spec/parity/run.lua
  # Every seed must give one run: each spec of the simulated kernel, twice
  # per seed, world:run by world:run (docs/netsim.md, "Sweeping seeds").
  run_checks "netsim sweep: determinism of the sim specs, 3 seeds" python3 tools/netsim-sweep --build build \
    --seeds 3 --determinism spec/lua
  run_dns_specs build "plain"
  # Each other Lua on both kernels. The sim run is deterministic in virtual
  # time, so it goes on beside the loopback run (the second core) without
  # making the loopback run's timing checks any less able to fail.
  for v in "${other_luas[@]}"; do
    # The interpreter and the label: lua5.1, lua5.3, lua5.4, luajit.
    lua=lua$v
    [ "$v" = luajit ] && lua=luajit
    sim_pid=
    if [ -f spec/support/sim.lua ]; then
      busted_start build sim "$lua" "$log/busted-sim" & sim_pid=$!
    fi
    busted_start build loopback "$lua" "$log/busted-loopback"
    busted_count "$log/busted-loopback" "loopback, $lua"
    if [ -n "$sim_pid" ]; then
      wait "$sim_pid"
      busted_count "$log/busted-sim" "sim, $lua"
    fi
  done
  run_checks "install beside LuaSocket, LuaSec, copas" bash spec/install/cmake_install.sh build
  # The soak's short form: 2,000 connections for 2 minutes, every byte
  # checked, descriptors and RSS flat after the first minute
  # (tools/soak/README.md has the 30-minute command). The libFuzzer smoke
  # runs go on beside it, on the second core: the soak waits on loopback
  # most of the time and checks bytes and growth, not speed.
  libfuzzer_start
  run_checks "soak, 2 minutes, 2000 connections" bash tools/soak/soak.sh build --minutes 2 --interval 30 --warmup 60
fi
run_checks "luarocks make" bash spec/install/luarocks_make.sh

# The BSD flavour on Linux: the kqueue poller over libkqueue (built from
# ../shared/vendor/libkqueue into the build folder) and the portable POSIX
# socket calls (PORTING.md). Only what touches the posix backend is built:
# the module, the core tests (with the nm check of the module), the
# two-thread test with one shared kqueue; then the busted specs of socket and
# sock on loopback. The simulated kernel's tests would only repeat the plain
# build's.
# The sources are looked for beside this tree, and beside the tree it was
# cloned from (a clone made elsewhere, as the README's check does); where
# neither has them, the flavour is reported as not run, never as passed.
libkqueue_source() {
  local origin candidates=("$PWD/../shared/vendor/libkqueue")
  origin=$(git config --get remote.origin.url 2>/dev/null)
  [ -n "$origin" ] && [ -d "$origin" ] && candidates+=("$(cd "$origin" && pwd)/../shared/vendor/libkqueue")
  for c in "${candidates[@]}"; do
    [ -f "$c/CMakeLists.txt" ] && { (cd "$c" && pwd); return 0; }
  done
  echo "${candidates[*]}"
  return 1
}
if kqueue_source=$(libkqueue_source); then
  kqueue_options=(-DLSOCK_POLLER=kqueue -DLSOCK_PORTABLE_POSIX=ON "-DLSOCK_LIBKQUEUE_SOURCE=$kqueue_source")
  if build build-kqueue "${kqueue_options[@]}" -- lsock_lua core_tests threads_tests; then
    run_ctest build-kqueue "kqueue + portable POSIX" -E "^(sim: |sim_tests_NOT_BUILT|alloc_sweep|netsim_sweep|threads:)"
    run_ctest build-kqueue "kqueue: Lua states in two OS threads sharing one kqueue, lookup threads" -R "^threads:"
    run_busted build-kqueue loopback "loopback, kqueue + portable POSIX"
  fi
else
  echo "== kqueue flavour NOT RUN: no libkqueue sources at $kqueue_source (see ../shared/vendor/README.md)"
fi

# Windows: the mingw-w64 cross-build of Lua 5.2 and lsock.dll, and the specs
# under wine64 (tools/windows/test.sh; platform/windows/README.md says what
# runs there and what does not yet). Its summary lines are counted here.
echo "== windows: tools/windows/test.sh"
timeout 1500 bash tools/windows/test.sh >"$log/windows" 2>&1
windows_rc=$?
windows_failed=0
while read -r line; do
  label=${line#-- }
  label=${label%%: [0-9]* passed*}
  windows_ok=$(sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\1/' <<<"$line")
  windows_bad=$(sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\2/' <<<"$line")
  count "$windows_ok" "$windows_bad" "$label"
  windows_failed=$((windows_failed + windows_bad))
done < <(grep -E '^-- .*: [0-9]+ passed, [0-9]+ failed' "$log/windows")
if [ "$windows_rc" -ne 0 ]; then
  tail -40 "$log/windows"
  [ "$windows_failed" -eq 0 ] && count 0 1 "windows: tools/windows/test.sh exited $windows_rc"
fi

# Sanitizers: the Lua interpreter is not instrumented, so the runtimes are
# preloaded. Leak checking stays off for the interpreter (Lua's own
# allocations at exit are not ours); the Catch2 tests run with it on.
asan_preload="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
if build build-asan -DLSOCK_SANITIZE=ON; then
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 run_ctest build-asan "ASan+UBSan"
  for k in $(kernels); do
    run_busted build-asan "$k" "$k, ASan+UBSan" LD_PRELOAD="$asan_preload" \
      ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  done
  run_dns_specs build-asan "ASan+UBSan" LD_PRELOAD="$asan_preload" \
    ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  # The busted specs once more with the collector running all the time
  # (spec/support/gc_stress.lua): a userdata used after C stopped holding
  # it, or a finalizer at an unplanned moment, shows as a sanitizer report.
  for k in $(kernels); do
    run_busted build-asan "$k" "$k, ASan+UBSan, aggressive GC" LD_PRELOAD="$asan_preload" \
      ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      LSOCK_BUSTED_HELPER=spec/support/gc_stress.lua LSOCK_GC_STRESS=pause=0,stepmul=200,every=100
  done
  # The random API driver's short form (tools/fuzz/README.md has the long one).
  for seed in 1 2; do
    run_checks "api fuzz, seed $seed, 50000 calls per module, ASan+UBSan" \
      bash tools/fuzz/api_fuzz.sh build-asan --calls 50000 --seed "$seed" --asan --limit 900
  done
fi

# The libFuzzer targets, counted here; started beside the soak above (or
# now, when the plain build failed).
[ -z "$libfuzzer_pid" ] && libfuzzer_start
wait "$libfuzzer_pid"
checks_count "$log/libfuzzer" "libfuzzer, 3 targets, 10 s each"

# ThreadSanitizer: the test of several Lua states in OS threads sharing one
# epoll (the only code with threads), and the same on io_uring rings where
# the build has liburing. A report fails the test (exit 66).
if build build-tsan -DLSOCK_TSAN=ON -- threads_tests; then
  TSAN_OPTIONS=halt_on_error=1 run_ctest build-tsan "ThreadSanitizer" -R "^threads:"
fi

[ "$not_run" -gt 0 ] && echo "$not_run not run (neither passed nor failed; listed above)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
