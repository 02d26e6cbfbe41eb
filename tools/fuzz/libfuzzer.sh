#!/usr/bin/env bash
# Builds the libFuzzer targets (tools/fuzz/libfuzzer, with clang, ASan and
# UBSan) and runs each for a bounded number of inputs or seconds, starting
# from its seed corpus in the repository (copied: what a run finds stays out
# of the tree unless --corpus names a folder to keep it in).
#
#   bash tools/fuzz/libfuzzer.sh [--build DIR] [--target NAME] [--runs N] [--seconds S] [--corpus DIR]
#
# Default: every target, 20 seconds each, in build-libfuzzer. A finding (a
# crash, a sanitizer report, a failed check, a timeout) fails the target and
# prints its input's path and the command that replays it. Ends with
# "N passed, M failed" (one check per target).
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
dir=build-libfuzzer target=all runs= seconds=20 keep=
while [ $# -gt 0 ]; do
  case $1 in
    --build) dir=$2; shift 2 ;;
    --target) target=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --corpus) keep=$2; shift 2 ;;
    *) echo "libfuzzer.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
targets=(readuntil_search_fuzz address_text_fuzz sim_tcp_fuzz)
[ "$target" != all ] && targets=("$target")

echo "== build $dir (clang, libFuzzer, ASan+UBSan)"
if ! { cmake -S tools/fuzz/libfuzzer -B "$dir" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=None >"$dir.cmake.log" 2>&1 &&
       cmake --build "$dir" -j2 >"$dir.build.log" 2>&1; }; then
  # The compiler's own words first (make's last lines only say "Error 2"),
  # then the end of each log.
  grep -h -m 12 -A 8 -E "error:|Error:|CMake Error" "$dir.cmake.log" "$dir.build.log" 2>/dev/null
  tail -15 "$dir.cmake.log" "$dir.build.log" 2>/dev/null
  echo "0 passed, ${#targets[@]} failed"
  exit 1
fi
rm -f "$dir.cmake.log" "$dir.build.log"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
for t in "${targets[@]}"; do
  corpus=$work/corpus-$t
  [ -n "$keep" ] && corpus=$keep/$t
  mkdir -p "$corpus" "$work/findings-$t"
  limit=(-max_total_time="$seconds")
  [ -n "$runs" ] && limit=(-runs="$runs")
  started=$(date +%s)
  # -timeout: one input taking 30 s is a hang (the slowest legitimate
  # inputs take a few seconds under ASan on a loaded machine). The seed corpus is read,
  # not written: new inputs go to the first folder.
  (cd "$work" && ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    timeout $(( ${seconds%.*} + 600 )) "$root/$dir/$t" "${limit[@]}" -timeout=30 -rss_limit_mb=2048 -max_len=8192 \
      -print_final_stats=1 -artifact_prefix="$work/findings-$t/" "$corpus" "$root/tools/fuzz/libfuzzer/corpus/$t") \
    >"$work/$t.log" 2>&1
  rc=$?
  took=$(( $(date +%s) - started ))
  done_line=$(grep -E "^Done [0-9]+ runs" "$work/$t.log" | tail -1)
  # What failed: a crash, leak, timeout or out-of-memory input (a slow-unit
  # file alone is a note, kept only when nothing else is there).
  finding=$(ls "$work/findings-$t" 2>/dev/null | grep -E "^(crash|leak|timeout|oom)-" | head -1)
  [ -z "$finding" ] && [ "$rc" -ne 0 ] && finding=$(ls "$work/findings-$t" 2>/dev/null | head -1)
  if [ "$rc" -eq 0 ] && [ -n "$done_line" ] && [ -z "$finding" ]; then
    echo "ok - libfuzzer $t: ${done_line#Done }, no finding (corpus $(ls "$corpus" | wc -l) inputs, ${took} s)"
    passed=$((passed + 1))
  else
    echo "not ok - libfuzzer $t: exit status $rc after ${took} s"
    grep -E -B2 -A25 "fuzz check failed|ERROR: AddressSanitizer|ERROR: libFuzzer|runtime error:|SUMMARY" "$work/$t.log" | head -60
    if [ -n "$finding" ]; then
      mkdir -p "$root/$dir/findings"
      cp "$work/findings-$t/$finding" "$root/$dir/findings/$t-$finding"
      echo "-- the input: $dir/findings/$t-$finding; replay: $dir/$t $dir/findings/$t-$finding"
    fi
    failed=$((failed + 1))
  fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
