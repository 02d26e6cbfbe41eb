#!/bin/bash
# The Windows build, tested under wine64 (docs/build.md, "Windows"):
#
#   tools/windows/test.sh            (about a minute once Lua is built)
#
# 1. Lua 5.2 for Windows from Debian's source (tools/windows/build-lua.sh).
# 2. lsock.dll, cross-built with mingw-w64 (cmake/mingw-w64.cmake).
# 3. The busted spec files, run by the cross-built lua.exe under wine64
#    with tools/windows/spec_runner.lua (busted's C modules are not
#    cross-built yet): every spec on the simulated kernel, and on loopback
#    (real Winsock, Wine's, against the Linux Python peers of tools/peers,
#    which tools/windows/peer_broker.py starts) the files listed in
#    LOOPBACK_WHOLE, which run whole there. Then, for information, every loopback file, whose count
#    shows what is not there yet (platform/windows/README.md lists why).
# Summary lines are busted's, labelled "windows"; exit status 0 only when
# the sim run and the LOOPBACK_WHOLE run pass. tools/test.sh runs it (and
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

# Spec files that pass whole on loopback under wine today; the next files
# join as what they need arrives (child processes, descriptor counts, AF_UNIX).
LOOPBACK_WHOLE="fuzz_findings getaddrinfo integers names options readuntil select sock_addr sock_buffer_clock sock_raw sock_udp
  tcp_io timeout"

tools/windows/build-lua.sh "$out/lua" || exit 1
lua=$out/lua
if ! { cmake -S . -B "$out/lsock" -DCMAKE_TOOLCHAIN_FILE="$root/cmake/mingw-w64.cmake" \
         -DLUA_INCLUDE_DIR="$lua/include" -DLSOCK_LUA_LIBRARY="$lua/lua52.dll" \
         -DBUILD_TESTING=OFF -DLSOCK_WERROR=ON -DCMAKE_BUILD_TYPE=Release >"$log/configure" 2>&1 &&
       nice cmake --build "$out/lsock" -j2 >"$log/build" 2>&1; }; then
  tail -n 30 "$log/configure" "$log/build"
  echo "-- build, windows: 0 passed, 1 failed"
  exit 1
fi
dll=$out/lsock

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

failed=0
run_specs() { # run_specs KERNEL EXCLUDE LABEL GATE FILES...: one runner, its summary counted
  local kernel=$1 exclude=$2 label=$3 gate=$4; shift 4
  local file=$log/specs-$(tr -c "a-z0-9\n" "-" <<<"${label%% (*}")
  LSOCK_KERNEL=$kernel LUA_PATH="$dll/?.lua;./?.lua;./?/init.lua;/usr/share/lua/5.2/?.lua;/usr/share/lua/5.2/?/init.lua" \
    LUA_CPATH="$dll/?.dll" timeout 900 "$wine" "$lua/lua.exe" tools/windows/spec_runner.lua \
    --exclude-tags="$exclude" "$@" >"$file" 2>&1
  local line ok bad errors
  line=$(grep -E "[0-9]+ successes? / [0-9]+ failures? / [0-9]+ errors? / [0-9]+ pending" "$file" | tail -n 1)
  if [ -z "$line" ]; then
    tail -n 20 "$file"
    echo "-- busted $label, windows: no summary ($file)"
    [ "$gate" = gate ] && failed=1
    return
  fi
  ok=$(sed -E 's/^[^0-9]*([0-9]+) success.*/\1/' <<<"$line")
  bad=$(sed -E 's/.* ([0-9]+) failures? .*/\1/' <<<"$line")
  errors=$(sed -E 's/.* ([0-9]+) errors? .*/\1/' <<<"$line")
  # Only a gating run prints a summary line in the form CI counts
  # ("-- LABEL: N passed, M failed"); the informational one may not.
  if [ "$gate" = gate ]; then
    echo "-- busted $label, windows: $ok passed, $((bad + errors)) failed  ($line; log: $file)"
  else
    echo "== info, busted $label, windows: $ok pass, $((bad + errors)) do not  ($line; log: $file)"
  fi
  if [ "$gate" = gate ] && [ $((bad + errors)) -ne 0 ]; then
    grep -A8 -E "^(Failure|Error) → " "$file" | head -n 80
    failed=1
  fi
}

whole=()
for f in $LOOPBACK_WHOLE; do whole+=("spec/lua/${f}_spec.lua"); done
# #posix_shell: the spec starts a child through a POSIX shell (cmd.exe is
# what a Windows Lua's io.popen has).
run_specs sim loopback,posix_shell "sim" gate spec/lua/*_spec.lua
# #unix: AF_UNIX, which Wine 8 lacks (spec/lua/README.md).
run_specs loopback netsim,posix_shell,unix "loopback" gate "${whole[@]}"
run_specs loopback netsim,posix_shell,unix "loopback, every file (not yet expected to pass)" info spec/lua/*_spec.lua
exit $failed
