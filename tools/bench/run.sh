#!/usr/bin/env bash
# The whole benchmark in one command: installs what it needs from Debian's
# packages (quiet when already installed), builds the load generator, the
# C++ limit server and our library, runs every row against every server,
# and writes docs/bench.md and docs/bench.png.
#
#   bash tools/bench/run.sh                 # full run, about 6 minutes
#   BENCH_QUICK=1 bash tools/bench/run.sh   # smaller sizes, under 2 minutes,
#                                           # report in build-bench/results/
#
# See tools/bench/README.md for the variables that change sizes and CPUs.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
. tools/deps.sh
lsock_install "${LSOCK_BUILD_PACKAGES[@]}" python3 util-linux gnuplot-nox liburing-dev \
  lua-socket lua-copas lua-cqueues lua-luv

out=$repo/build-bench
mkdir -p "$out"

# The load generator and the C++ server build on their own, whatever state
# the library's tree is in.
cmake -S tools/bench -B "$out/tools" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$out/tools" -j"$(nproc)" >/dev/null

# Our library, from the working tree (default), from the last commit
# (BENCH_SOURCE=head), so that colleagues' unfinished edits need not be in
# the numbers, or from any commit (BENCH_SOURCE=<commit>: a before/after
# comparison). Each source has its own build folder. A build that fails
# leaves our rows as "n/a": an older build is never measured instead.
source=${BENCH_SOURCE:-tree}
src=$repo
name=$source   # of the build folder: tree, head, or the commit's hash
if [ "$source" != tree ]; then
  rev=HEAD
  [ "$source" != head ] && rev=$source
  commit=$(git rev-parse --verify "$rev^{commit}")
  [ "$source" != head ] && name=${commit:0:10}
  src=$out/$name-src
  # A fresh copy only when the commit moved: every file of a copy is new to make.
  if [ "$(cat "$src/.commit" 2>/dev/null)" != "$commit" ]; then
    rm -rf "$src" && mkdir -p "$src"
    git archive "$commit" | tar -x -C "$src"
    echo "$commit" >"$src/.commit"
  fi
fi
# The Lua every Lua server runs in (BENCH_LUA: lua5.1 ... lua5.4, luajit;
# lua5.2 by default), and our library built for it.
lua=${BENCH_LUA:-lua5.2}
case "$lua" in
  lua5.[1-4]) version=${lua#lua} ;;
  luajit) version=luajit ;;
  *) echo "BENCH_LUA: lua5.1, lua5.2, lua5.3, lua5.4 or luajit, not '$lua'" >&2; exit 2 ;;
esac
[ "$lua" != lua5.2 ] && lsock_install "${LSOCK_OTHER_LUA_PACKAGES[@]}"
ours=$out/ours-$name
[ "$lua" != lua5.2 ] && ours=$ours-$lua
if ! { cmake -S "$src" -B "$ours" -DLSOCK_LUA="$version" -DBUILD_TESTING=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$out/ours-build.log" 2>&1 &&
       cmake --build "$ours" -j"$(nproc)" >>"$out/ours-build.log" 2>&1; }; then
  echo "our library did not build (see $out/ours-build.log); its rows will say n/a"
  ours=""
fi

# 10,000 connections need 10,000 descriptors in the server and as many in
# the load generator.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

exec python3 tools/bench/harness/main.py "$repo" "$out/tools" "$out/results" "$ours"
