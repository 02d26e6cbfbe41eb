#!/usr/bin/env bash
# The simulated network's speed, this tree against the build before the
# speed work (issue 16), in one run: builds both modules (RelWithDebInfo,
# the old commit from `git archive` into build-bench/sim-old, this tree into
# build-bench/sim-new), then runs tools/bench/sim_speed.lua on each in turn,
# ROUNDS times interleaved (so a busy machine slows both alike), and prints
# each run, the best of each (wall and CPU time) and their ratios. Then the
# 10,000-host world on the new build alone (the old one's SYNs walked every
# connection of a port: 4.6 s before commit e0d039c removed that walk).
#   bash tools/bench/sim_speed_compare.sh [--rounds 3] [--connections 1000] [--messages 100] [--hosts 10000]
#                                         [--new-build DIR]
# --new-build: measure the module already built in DIR (e.g. build) instead
# of building this tree into build-bench/sim-new.
# A benchmark, not a test: nothing here asserts a time.
set -euo pipefail
cd "$(dirname "$0")/../.."
# The last commit before the simulator's speed work (the trace formats
# nothing until read came after it).
old_commit=0c35843
rounds=3 connections=1000 messages=100 hosts=10000 new_build=
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --messages) messages=$2; shift 2 ;;
    --hosts) hosts=$2; shift 2 ;;
    --new-build) new_build=$2; shift 2 ;;
    *) echo "usage: $0 [--rounds N] [--connections N] [--messages N] [--hosts N] [--new-build DIR]" >&2; exit 2 ;;
  esac
done
out=build-bench
mkdir -p "$out"
if [ ! -f "$out/sim-old/build/lsock.so" ]; then
  rm -rf "$out/sim-old"
  mkdir -p "$out/sim-old/src"
  git archive "$old_commit" | tar -x -C "$out/sim-old/src"
  cmake -S "$out/sim-old/src" -B "$out/sim-old/build" -DBUILD_TESTING=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$out/sim-old/build" -j"$(nproc)" --target lsock_lua >/dev/null
fi
if [ -z "$new_build" ]; then
  new_build=$out/sim-new
  cmake -S . -B "$new_build" -DBUILD_TESTING=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$new_build" -j"$(nproc)" --target lsock_lua >/dev/null
fi

# run BUILD_DIR HOSTS: the bench's output with that build's module.
run() {
  LUA_PATH="$PWD/$1/?.lua;;" LUA_CPATH="$PWD/$1/?.so;;" lua5.2 tools/bench/sim_speed.lua "$connections" "$messages" "$2"
}
# field LINE NAME: the seconds before " s NAME," in a bench line (NAME: wall or CPU).
field() { sed -nE "s/.* ([0-9.]+) s $2,.*/\1/p" <<<"$1"; }

olds=() news=()
for round in $(seq 1 "$rounds"); do
  old_line=$(run "$out/sim-old/build" 0 | grep " connections x ")
  new_line=$(run "$new_build" 0 | grep " connections x ")
  echo "round $round old ($old_commit): $old_line"
  echo "round $round new ($(git rev-parse --short HEAD)): $new_line"
  olds+=("$(field "$old_line" wall)/$(field "$old_line" CPU)")
  news+=("$(field "$new_line" wall)/$(field "$new_line" CPU)")
done
# The old build's script is this tree's, so it prints CPU time too.
python3 - "${olds[*]}" "${news[*]}" <<'PY'
import sys
old = [tuple(map(float, x.split("/"))) for x in sys.argv[1].split()]
new = [tuple(map(float, x.split("/"))) for x in sys.argv[2].split()]
for i, name in ((0, "wall"), (1, "CPU")):
    o, n = min(x[i] for x in old), min(x[i] for x in new)
    print(f"best of {len(old)}, {name}: old {o:.2f} s, new {n:.2f} s, ratio {o / n:.2f}x")
PY
if [ "$hosts" -gt 0 ]; then
  echo "new: $(run "$new_build" "$hosts" | grep " hosts, ")"
fi
