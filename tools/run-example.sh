#!/usr/bin/env bash
# The main job: builds the library, then runs the examples on loopback: an
# echo server with its client, and a line-protocol server with its client.
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh
lsock_install "${LSOCK_BUILD_PACKAGES[@]}"

# A build folder of its own, so that it never changes the options of the
# test command's build/ (nor they its): the module only, as installed.
cmake -S . -B build-example -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
  -DLSOCK_SANITIZE=OFF -DLSOCK_TSAN=OFF >/dev/null
cmake --build build-example -j"$(nproc)" --target lsock_lua >/dev/null
export LUA_PATH="$PWD/build-example/?.lua;;" LUA_CPATH="$PWD/build-example/?.so;;"

# Starts a server example in the background; sets $pid and $port.
start_server() {
  local log=$1; shift
  lua5.2 "$@" >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do
    grep -q "^listening on" "$log" 2>/dev/null && break
    sleep 0.05
  done
  port=$(sed -n 's/^listening on //p' "$log")
}

# Waits for a server that ends by itself; ends it by PID if it does not.
finish_server() {
  local waited=0
  while kill -0 "$pid" 2>/dev/null && [ $waited -lt 100 ]; do sleep 0.1; waited=$((waited + 1)); done
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

start_server "$tmp/echo.log" examples/echo_server.lua 0 20 1
echo "== echo server on 127.0.0.1:$port (pid $pid)"
lua5.2 examples/echo_client.lua "$port" 5
finish_server
cat "$tmp/echo.log"

start_server "$tmp/line.log" examples/line_server.lua 20
echo "== line-protocol server on 127.0.0.1:$port (pid $pid)"
lua5.2 examples/line_client.lua "$port"
finish_server
echo "== done"
