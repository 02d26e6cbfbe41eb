#!/bin/bash
# The Windows build, tested under wine64 (docs/build.md, "Windows"):
#
#   tools/windows/test.sh            (about a minute once Lua is built)
#
# 1. Lua 5.2 for Windows from Debian's source (tools/windows/build-lua.sh).
# 2. lsock.dll, cross-built with mingw-w64 (cmake/mingw-w64.cmake).
# 3. The Catch2 tests (spec/core, spec/sim, spec/threads; the files that do
#    not apply on Windows are listed, with why, in spec/CMakeLists.txt),
#    cross-built with the build machine's Catch2 v2 header and run by ctest
#    under wine64 (the toolchain's CROSSCOMPILING_EMULATOR).
# 4. The busted spec files, run by the cross-built lua.exe under wine64
#    with tools/windows/spec_runner.lua (busted's C modules are not
#    cross-built yet): every spec on the simulated kernel, and every spec on
#    loopback (real Winsock, Wine's, against the Linux Python peers of
#    tools/peers, which tools/windows/peer_broker.py starts), but those
#    tagged with a reason they cannot run here (WINDOWS_EXCLUDED, #unix).
# 4. A sock echo server under wine64 serving 1,000 connections from the
#    Linux load generator (tools/windows/echo_1000.sh).
# Summary lines are busted's, labelled "windows"; exit status 0 only when
# both runs and the echo test pass. tools/test.sh runs it (and
# installs mingw-w64 and wine64 first); it can also run on its own.
set -u
cd "$(dirname "$0")/../.."
root=$PWD
. tools/deps.sh
lsock_install "${LSOCK_BUILD_PACKAGES[@]}" python3 "${LSOCK_WINDOWS_PACKAGES[@]}" || exit 1
out=$root/build-windows
mkdir -p "$out"
log=$out/logs
mkdir -p "$log"
wine=${LSOCK_WINE:-/usr/lib/wine/wine64}
export WINEDEBUG=-all WINEPREFIX=$out/wineprefix

# The tags of the specs that cannot run here, each for its reason
# (spec/lua/README.md lists them): #unix AF_UNIX, which Wine 8 lacks;
# #posix_shell a child started through sh; #posix_signals SIGPIPE;
# #posix_descriptors descriptor numbers that Windows handles are not;
# #wine_no_reset and #wine_no_icmp, what Wine 8 does not do that Linux does.
WINDOWS_EXCLUDED=posix_shell,posix_signals,posix_descriptors,wine_no_reset,wine_no_icmp

tools/windows/build-lua.sh "$out/lua" || exit 1
lua=$out/lua
if ! { cmake -S . -B "$out/lsock" -DCMAKE_TOOLCHAIN_FILE="$root/cmake/mingw-w64.cmake" \
         -DLUA_INCLUDE_DIR="$lua/include" -DLSOCK_LUA_LIBRARY="$lua/lua52.dll" \
         -DBUILD_TESTING=ON -DLSOCK_WERROR=ON -DCMAKE_BUILD_TYPE=Release >"$log/configure" 2>&1 &&
       nice cmake --build "$out/lsock" -j2 >"$log/build" 2>&1; }; then
  tail -n 30 "$log/configure" "$log/build"
  echo "-- build, windows: 0 passed, 1 failed"
  exit 1
fi
dll=$out/lsock
# The specs' descriptor count (spec/support/loopback.lua; its file says why).
if ! "${LSOCK_MINGW_CC:-x86_64-w64-mingw32-gcc-posix}" -shared -O2 -Wall -Werror -I"$lua/include" tools/windows/spec_sockets.c \
       "$lua/lua52.dll" -lws2_32 -o "$dll/spec_sockets.dll" >"$log/spec_sockets" 2>&1; then
  cat "$log/spec_sockets"
  echo "-- build, windows: 0 passed, 1 failed (spec_sockets.dll)"
  exit 1
fi

# The Catch2 tests under wine64, one summary line. A cross build registers
# one ctest test per executable (spec/CMakeLists.txt); the cases are counted
# from Catch's own summary of each, and an executable that fails with no
# failed case (a crash, a timeout) counts as one failure. No tests at all (Catch2
# missing) is a failure here, never a pass.
# A fresh prefix is made by the first wine process. Two started at once
# (ctest -j2) on a fresh clone race to make it, and one of them can fail
# before its test runs ("chdir to /tmp/wine-.../server-...: No such file"):
# so make it here, alone, and wait for its wineserver to finish.
if [ ! -f "$WINEPREFIX/system.reg" ]; then
  "$wine" wineboot.exe --init >"$log/wineboot" 2>&1
  "${LSOCK_WINESERVER:-wineserver}" -w
fi
ctest --test-dir "$out/lsock" -j2 --timeout 900 -V >"$log/ctest" 2>&1
ctest_counts=$(awk '
  # ctest -V prefixes each line of test N with "N: ".
  match($0, /^[0-9]+: /) { n = substr($0, 1, RLENGTH - 2); text = substr($0, RLENGTH + 1) }
  /^[0-9]+: All tests passed \(/ { t = text; sub(/.* in /, "", t); ok += t + 0 }
  /^[0-9]+: test cases: / { t = text
    if (match(t, /[0-9]+ passed/)) ok += substr(t, RSTART, RLENGTH) + 0
    if (match(t, /[0-9]+ failed/)) { bad += substr(t, RSTART, RLENGTH) + 0; cases_failed[n] = 1 } }
  /^ *[0-9]+\/[0-9]+ Test +#[0-9]+: / { tests++
    if ($0 !~ / Passed /) { id = $0; sub(/.*#/, "", id); sub(/:.*/, "", id); failed_tests[id] = 1 } }
  # A failed executable none of whose cases failed (a crash, at exit too;
  # a timeout) is one failure more.
  END { for (id in failed_tests) if (!(id in cases_failed)) bad++
        printf "%d %d %d\n", ok, bad, tests }' "$log/ctest")
read -r ok bad tests <<<"$ctest_counts"
if [ "${tests:-0}" -eq 0 ]; then
  tail -n 20 "$log/ctest"
  echo "-- ctest, windows: 0 passed, 1 failed (no tests ran; log: $log/ctest)"
  failed_ctest=1
else
  echo "-- ctest, windows: $ok passed, $bad failed  ($tests executables; log: $log/ctest)"
  [ "$bad" -ne 0 ] && grep -E "^[0-9]+: .*(FAILED|failed)|Test +#.*(Failed|Timeout|Exception|SEGFAULT)" "$log/ctest" | head -n 40
  failed_ctest=$((bad != 0))
fi

# The Python peers run on the Linux side: a Windows Lua cannot start them,
# so tools/windows/peer_broker.py does, when spec/support/loopback.lua asks
# (LSOCK_PEER_BROKER). Stopped by its PID when this script ends.
# The port file is removed first: the background job truncates it only
# once it runs, and the last run's port must not be read meanwhile.
rm -f "$log/broker"
python3 tools/windows/peer_broker.py --lifetime 1800 >"$log/broker" &
broker=$!
trap 'kill "$broker" 2>/dev/null' EXIT
for _ in $(seq 50); do [ -s "$log/broker" ] && break; sleep 0.1; done
LSOCK_PEER_BROKER=$(head -n 1 "$log/broker")
case $LSOCK_PEER_BROKER in
  '' | *[!0-9]*) echo "-- peer broker, windows: 0 passed, 1 failed (no port)"; exit 1 ;;
esac
export LSOCK_PEER_BROKER

failed=$failed_ctest
run_specs() { # run_specs KERNEL EXCLUDE LABEL FILES...: one runner, its summary counted
  local kernel=$1 exclude=$2 label=$3; shift 3
  local file=$log/specs-$label
  LSOCK_KERNEL=$kernel LUA_PATH="$dll/?.lua;./?.lua;./?/init.lua;/usr/share/lua/5.2/?.lua;/usr/share/lua/5.2/?/init.lua" \
    LUA_CPATH="$dll/?.dll" timeout 900 "$wine" "$lua/lua.exe" tools/windows/spec_runner.lua \
    --exclude-tags="$exclude" "$@" >"$file" 2>&1
  local line ok bad errors
  line=$(grep -E "[0-9]+ successes? / [0-9]+ failures? / [0-9]+ errors? / [0-9]+ pending" "$file" | tail -n 1)
  if [ -z "$line" ]; then
    tail -n 20 "$file"
    echo "-- busted $label, windows: 0 passed, 1 failed (no summary: $file)"
    failed=1
    return
  fi
  ok=$(sed -E 's/^[^0-9]*([0-9]+) success.*/\1/' <<<"$line")
  bad=$(sed -E 's/.* ([0-9]+) failures? .*/\1/' <<<"$line")
  errors=$(sed -E 's/.* ([0-9]+) errors? .*/\1/' <<<"$line")
  echo "-- busted $label, windows: $ok passed, $((bad + errors)) failed  ($line; log: $file)"
  if [ $((bad + errors)) -ne 0 ]; then
    grep -A8 -E "^(Failure|Error) → " "$file" | head -n 80
    failed=1
  fi
}

# The simulated kernel is the same under Wine, so only the specs that need
# what the Windows process lacks are left out there (#posix_shell).
run_specs sim loopback,posix_shell sim spec/lua/*_spec.lua
run_specs loopback "netsim,unix,$WINDOWS_EXCLUDED" loopback spec/lua/*_spec.lua
# 1,000 connections from the Linux load generator through the sock loop's
# IOCP poller (about 15 s); prints its own "-- sock echo ..., windows" line.
tools/windows/echo_1000.sh "$out" "$lua" "$dll" || failed=1
exit $failed
