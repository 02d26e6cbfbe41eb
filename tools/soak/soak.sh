#!/usr/bin/env bash
# The soak: a `sock` server (server.lua) and a `socket` client (client.lua)
# on loopback for MINUTES minutes, CONNECTIONS connections open all the
# time, every byte checked, descriptors and RSS of both sampled every
# INTERVAL seconds and required flat (tools/soak/README.md).
#
#   bash tools/soak/soak.sh BUILD_DIR [--minutes N] [--interval S] [--connections C] [--seed S] [--warmup S]
#
# The first sample at or after --warmup seconds (default 60) is the
# reference the later ones are held to.
# Raises the soft descriptor limit when it is too low for CONNECTIONS (each
# process holds one descriptor per connection), up to the hard limit; says
# so. Both processes are bounded in time and ended by their PID. Ends with
# "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
dir=${1:?usage: soak.sh BUILD_DIR [--minutes N] [--interval S] [--connections C] [--seed S] [--warmup S]}
shift
build=$(cd "$dir" && pwd) || exit 2
minutes=2 interval=60 connections=2000 seed=1 warmup=60
while [ $# -gt 0 ]; do
  case $1 in
    --minutes) minutes=$2; shift 2 ;;
    --interval) interval=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    *) echo "soak.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
seconds=$(awk -v m="$minutes" 'BEGIN { printf "%d", m * 60 }')

needed=$((connections + 256))
soft=$(ulimit -Sn) hard=$(ulimit -Hn)
if [ "$soft" != unlimited ] && [ "$soft" -lt "$needed" ]; then
  if [ "$hard" != unlimited ] && [ "$hard" -lt "$needed" ]; then
    echo "soak.sh: $connections connections need $needed descriptors per process; the hard limit is $hard"
    echo "0 passed, 1 failed"
    exit 1
  fi
  ulimit -Sn "$needed"
  echo "soak.sh: raised the soft descriptor limit from $soft to $needed"
fi
echo "soak.sh: $minutes min, $connections connections, a sample every $interval s (the reference at $warmup s or later), seed $seed, descriptor limit $(ulimit -Sn)"

work=$(mktemp -d)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
env=(LUA_PATH="$build/?.lua;;" LUA_CPATH="$build/?.so;;")

env "${env[@]}" LSOCK_SOAK_SERVER_LIMIT=$((seconds + 300)) lua5.2 tools/soak/server.lua "$work/port" \
  >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
if [ ! -s "$work/port" ]; then
  echo "soak.sh: the server did not start:"; cat "$work/server.err"
  echo "0 passed, 1 failed"
  exit 1
fi

started=$(date +%s)
env "${env[@]}" timeout $((seconds + 240)) lua5.2 tools/soak/client.lua "$(cat "$work/port")" "$server_pid" \
  "$seconds" "$interval" "$connections" "$seed" "$warmup" 2>"$work/client.err" | tee "$work/client.out"
client_rc=${PIPESTATUS[0]}

# The client told the server to stop; give it a moment, then end it by PID.
server_rc=
for _ in $(seq 100); do
  if ! kill -0 "$server_pid" 2>/dev/null; then wait "$server_pid"; server_rc=$?; break; fi
  sleep 0.1
done
if [ -z "$server_rc" ]; then
  echo "soak.sh: the server did not stop when told; ending it (PID $server_pid)"
  kill "$server_pid"; wait "$server_pid"; server_rc=124
fi
server_pid=
cat "$work/server.out"
head -20 "$work/client.err" "$work/server.err" 2>/dev/null | grep -v "^==> .* <==$" | grep -v "^$"

line=$(grep -E "^[0-9]+ passed, [0-9]+ failed$" "$work/client.out" | tail -1)
passed=${line%% passed*} failed=$(sed -E 's/.* ([0-9]+) failed$/\1/' <<<"$line")
[ -z "$line" ] && passed=0 failed=1
[ "$client_rc" -eq 124 ] && echo "soak.sh: the client did not end within its limit" && failed=$((failed + 1))
if [ "$server_rc" -eq 0 ]; then passed=$((passed + 1)); else
  echo "soak.sh: the server ended with status $server_rc"; failed=$((failed + 1)); fi
echo "soak.sh: done in $(( $(date +%s) - started )) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
