#!/usr/bin/env bash
# tools/netsim-sweep's own test (run by ctest):
# 1. over seeds 1..40 of a planted seed-dependent failure (planted_loss.lua),
#    the sweep names exactly the seeds whose run, on its own, fails (and
#    there are some of each kind), each with a rerun command;
# 2. --determinism passes a deterministic script and flags a planted
#    nondeterminism (planted_nondeterminism.lua).
#
#   bash spec/sweep/sweep_test.sh SOURCE_DIR BUILD_DIR
set -uo pipefail
source_dir=$1 build=$2
cd "$source_dir" || exit 2
sweep=tools/netsim-sweep
export LUA_PATH="$build/?.lua;;" LUA_CPATH="$build/?.so;;"
failures=0
check() { # check DESCRIPTION CONDITION...
  local what=$1; shift
  if "$@"; then echo "ok - $what"; else echo "not ok - $what"; failures=$((failures + 1)); fi
}

out=$(python3 "$sweep" --build "$build" --seeds 40 spec/sweep/planted_loss.lua -- {seed})
status=$?
named=$(sed -n 's/^failing seeds: //p' <<<"$out")
expected=""
for seed in $(seq 1 40); do
  lua5.2 spec/sweep/planted_loss.lua "$seed" >/dev/null 2>&1 || expected="$expected $seed"
done
expected=${expected# }
check "the planted failure fails for some seeds and passes for others" \
  test -n "$expected" -a "$(wc -w <<<"$expected")" -lt 40
check "the sweep names exactly the failing seeds ($expected)" test "$named" = "$expected"
check "the sweep exits 1 when a seed fails" test "$status" -eq 1
first=${expected%% *}
check "a failing seed comes with the command that reruns it" \
  grep -q "rerun: LSOCK_SEED=$first .*planted_loss.lua $first\$" <<<"$out"
check "the last line counts the seeds" \
  test "$(tail -1 <<<"$out")" = "$((40 - $(wc -w <<<"$expected"))) passed, $(wc -w <<<"$expected") failed"

passing=$(for s in $(seq 1 40); do grep -qw "$s" <<<"$expected" || echo "$s"; done | head -3 | tr '\n' ' ')
set -- $passing
out=$(python3 "$sweep" --build "$build" --seeds 1 --first "$1" --determinism spec/sweep/planted_loss.lua -- {seed})
check "--determinism passes a deterministic passing run (seed $1)" \
  test "$(tail -1 <<<"$out")" = "1 passed, 0 failed"
out=$(python3 "$sweep" --build "$build" --seeds 3 --determinism spec/sweep/planted_nondeterminism.lua -- {seed})
check "--determinism flags a run whose trace differs between two runs" \
  grep -q "^seed 1: nondeterministic" <<<"$out"
check "... and counts it as failed" test "$(tail -1 <<<"$out")" = "0 passed, 3 failed"

echo "$((8 - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
