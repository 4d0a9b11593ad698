#!/usr/bin/env bash
# Runs every fuzz target for a bounded time under ASan+UBSan, starting from
# its seed corpus (fuzz/corpus/<target>/, replayed first: crashes found once
# and added there stay regression inputs). New inputs go to a scratch corpus
# in the build folder, never into the repository. Prints the inputs each
# target tried; exits 1 when any target crashed, leaked or timed out (its
# reproducer is in BUILD_DIR/fuzz-out/<target>/).
# The seed is fixed (LWC_FUZZ_SEED, default 1) so that a run can be repeated exactly.
# Usage: fuzz/run.sh BUILD_DIR [SECONDS_EACH] [TARGET...]
set -uo pipefail
build=${1:?usage: fuzz/run.sh BUILD_DIR [SECONDS_EACH] [TARGET...]}
secs=${2:-25}
shift $(( $# > 1 ? 2 : 1 ))
here=$(cd "$(dirname "$0")" && pwd)
targets=("$@")
if ((${#targets[@]} == 0)); then
  # Every target has its seed corpus folder: the folders are the list.
  targets=()
  for d in "$here"/corpus/*/; do
    targets+=("$(basename "$d")")
  done
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=0
printf '%-22s %12s %10s  %s\n' target inputs corpus result
for t in "${targets[@]}"; do
  bin="$build/bin/$t"
  out="$build/fuzz-out/$t"
  rm -rf "$out" && mkdir -p "$out/corpus"
  if [ ! -x "$bin" ]; then
    printf '%-22s %12s %10s  %s\n' "$t" - - "MISSING ($bin)"
    failed=1
    continue
  fi
  "$bin" -seed="${LWC_FUZZ_SEED:-1}" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
    -artifact_prefix="$out/" "$out/corpus" "$here/corpus/$t" >"$out/log" 2>&1
  rc=$?
  runs=$(awk '/stat::number_of_executed_units/ {print $NF}' "$out/log" | tail -1)
  n=$(find "$out/corpus" -type f | wc -l)
  if [ "$rc" -eq 0 ]; then
    printf '%-22s %12s %10s  %s\n' "$t" "${runs:-?}" "$n" ok
  else
    printf '%-22s %12s %10s  %s\n' "$t" "${runs:-?}" "$n" "FAILED (exit $rc): $(ls "$out" | grep -E '^(crash|leak|timeout|oom)-' | head -3 | tr '\n' ' ')"
    grep -E 'ERROR: |SUMMARY: |runtime error' "$out/log" | head -5
    failed=1
  fi
done
exit "$failed"
