#!/bin/bash
# A `sock` echo server under wine64 serving 1,000 concurrent connections
# from the Linux load generator (tools/bench/loadgen), every echoed byte
# checked by the generator against its pattern (issue 10):
#
#   tools/windows/echo_1000.sh OUT LUA_DIR DLL_DIR     (tools/windows/test.sh runs it)
#
# The server is examples/sock_echo_server.lua, on the IOCP poller
# (platform/windows/iocp_poller.hpp); it stops by itself once its 1,000
# clients have come and gone, or after 90 s. Passes when all 1,000
# connections were established, none failed, dropped or got a corrupt
# echo, requests completed, and the server saw all 1,000 come and go.
# Prints `-- sock echo 1000 connections, windows: N passed, M failed`,
# N and M counting connections. About 15 s.
set -u
cd "$(dirname "$0")/../.."
out=$1 lua=$2 dll=$3
conns=1000
log=$out/logs
mkdir -p "$log"
wine=${LSOCK_WINE:-/usr/lib/wine/wine64}
export WINEDEBUG=-all WINEPREFIX=$out/wineprefix
fail() { echo "$1"; echo "-- sock echo $conns connections, windows: 0 passed, $conns failed"; exit 1; }

# The load generator is Linux's (epoll), built natively.
if ! { cmake -S tools/bench -B "$out/bench" -DCMAKE_BUILD_TYPE=Release >"$log/bench-configure" 2>&1 &&
       nice cmake --build "$out/bench" --target lsock_loadgen -j2 >"$log/bench-build" 2>&1; }; then
  tail -n 20 "$log/bench-configure" "$log/bench-build"
  fail "echo_1000: the load generator did not build"
fi
ulimit -n 4096 2>/dev/null

server_out=$log/echo-server.out
server_err=$log/echo-server.err
rm -f "$server_out" "$server_err"
LUA_PATH="$dll/?.lua;./?.lua" LUA_CPATH="$dll/?.dll" \
  timeout 120 "$wine" "$lua/lua.exe" examples/sock_echo_server.lua 0 90 "$conns" >"$server_out" 2>"$server_err" &
server=$!
trap 'kill "$server" 2>/dev/null' EXIT
port=
for _ in $(seq 300); do
  port=$(head -n 1 "$server_out" 2>/dev/null | tr -dc 0-9)
  [ -n "$port" ] && break
  kill -0 "$server" 2>/dev/null || break
  sleep 0.1
done
[ -n "$port" ] || fail "echo_1000: the server printed no port ($(head -c 400 "$server_err"))"

result=$("$out/bench/lsock_loadgen" --mode echo --port "$port" --conns "$conns" --message 64 \
           --ramp-timeout 60 --warmup 2 --duration 3 --timeout 60 2>&1 | grep '^result' | tail -n 1)
field() { sed -nE "s/.* $1=([0-9.e+]+).*/\1/p" <<<"$result"; }
# The server ends once every client has gone (the generator closes them all).
for _ in $(seq 300); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
served=$(sed -nE 's/^served ([0-9]+) connections.*/\1/p' "$server_err" | tr -d '\r')
echo "echo_1000: $result"
echo "echo_1000: server: $(tr -d '\r' <"$server_err" | tail -n 1)"
[ -n "$result" ] || fail "echo_1000: the load generator printed no result"

established=$(field established) requests=$(field requests) failed_connects=$(field connect_failed)
dropped=$(field dropped) corrupt=$(field corrupt)
bad=$((failed_connects + dropped + corrupt))
ok=$((established - dropped - corrupt))
if [ "$requests" = 0 ] || [ "${served:-0}" != "$conns" ]; then
  echo "echo_1000: $requests requests completed; the server saw ${served:-no} connections come and go"
  ok=0
fi
# Not gated: connections that completed no request inside the measured
# window (a sock thread whose I/O never blocks keeps the loop until it
# does; under Wine the generator answers before the server's next recv:
# platform/windows/README.md).
echo "-- sock echo $conns connections, windows: $ok passed, $((conns - ok > bad ? conns - ok : bad)) failed" \
  "($requests requests verified; $(field starved) connections without one in the last 3 s)"
[ "$ok" = "$conns" ]
