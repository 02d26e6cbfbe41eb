#!/usr/bin/env bash
# Runs tools/fuzz/api_fuzz.lua against a build, in a network namespace of
# its own (only loopback exists there: whatever address a random argument
# names, no packet leaves the machine, and a name lookup fails at once),
# under a time limit (a call that never returns is a hang, a finding).
# On a failure it runs the same seed again with a call log and prints the
# last calls, the last one being the reproducer.
#
#   bash tools/fuzz/api_fuzz.sh BUILD_DIR [--calls N] [--seed S] [--module M] [--limit SECONDS] [--asan]
#
# --asan preloads the sanitizer runtimes (BUILD_DIR built with
# -DLSOCK_SANITIZE=ON). Ends with "N passed, M failed" (one check per run).
set -uo pipefail
cd "$(dirname "$0")/../.."
dir=${1:?usage: api_fuzz.sh BUILD_DIR [--calls N] [--seed S] [--module M] [--limit SECONDS] [--asan]}
shift
build=$(cd "$dir" && pwd) || exit 2
calls=10000 seed=1 module=all limit=600 asan=0
while [ $# -gt 0 ]; do
  case $1 in
    --calls) calls=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --module) module=$2; shift 2 ;;
    --limit) limit=$2; shift 2 ;;
    --asan) asan=1; shift ;;
    *) echo "api_fuzz.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
env=(LSOCK_FUZZ_DIR="$work" LUA_PATH="$build/?.lua;;" LUA_CPATH="$build/?.so;;")
if [ "$asan" = 1 ]; then
  env+=(LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
        ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:allocator_may_return_null=1
        UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1)
fi

run() { # run [--log FILE]: the driver in a fresh network namespace
  env "${env[@]}" timeout "$limit" unshare -rn sh -c 'ip link set lo up && exec "$@"' sh \
    lua5.2 tools/fuzz/api_fuzz.lua --calls "$calls" --seed "$seed" --module "$module" "$@"
}

started=$(date +%s)
run >"$work/out" 2>"$work/err"
rc=$?
cat "$work/out"
findings=$(grep -cE "ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer" "$work/err")
if [ "$rc" -eq 0 ] && [ "$findings" -eq 0 ] && grep -q "^api_fuzz: seed $seed: " "$work/out"; then
  echo "api_fuzz.sh: module $module, seed $seed, $calls calls per module: no crash, no sanitizer report, no hang ($(( $(date +%s) - started )) s)"
  echo "1 passed, 0 failed"
  exit 0
fi
what="exit status $rc"
[ "$rc" -eq 124 ] && what="a hang (no end within $limit s)"
[ "$findings" -gt 0 ] && what="$what, $findings sanitizer report(s)"
echo "api_fuzz.sh: FAILED: module $module, seed $seed: $what"
grep -E -A30 "ERROR: AddressSanitizer|runtime error:" "$work/err" | head -60
echo "-- running seed $seed again with a call log; the last calls (the last one is the reproducer):"
run --log "$work/log" >/dev/null 2>&1
tail -15 "$work/log"
echo "-- rerun: bash tools/fuzz/api_fuzz.sh $dir --calls $calls --seed $seed --module $module$([ "$asan" = 1 ] && echo " --asan")"
echo "0 passed, 1 failed"
exit 1
