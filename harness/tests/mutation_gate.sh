#!/usr/bin/env bash
# The mutation gate: every real client bug that lwc-watch can reproduce
# (--list-bugs) must fail at least one scenario of the catalog. The day a
# scenario loses its teeth, a bug slips through here and CI fails.
# Usage: mutation_gate.sh LWC_HARNESS LWC_WATCH SCENARIO_DIR [TIMEOUT_SCALE]
set -u
harness=$1 watch=$2 scenarios=$3 scale=${4:-1}
bugs=$("$watch" --list-bugs | awk '{print $1}')
if [ -z "$bugs" ]; then
  echo "lwc-watch --list-bugs listed no bug"
  exit 1
fi
passed=0 failed=0
for bug in $bugs; do
  # One failing scenario proves the bug is caught: stop there (--max-failures 1).
  out=$("$harness" -j 4 --max-failures 1 --timeout-scale "$scale" --client "$watch --bug $bug" "$scenarios" 2>&1)
  rc=$?
  caught=$(printf '%s\n' "$out" | awk '$2 == "FAIL" {print $1}' | tr '\n' ' ')
  if [ "$rc" -eq 1 ] && [ -n "$caught" ]; then
    echo "PASS $bug: caught by $caught"
    passed=$((passed + 1))
  elif [ "$rc" -eq 0 ]; then
    echo "FAIL $bug: passed every catalog scenario; no scenario catches this bug any more"
    failed=$((failed + 1))
  else
    echo "FAIL $bug: the harness could not run (exit $rc):"
    printf '%s\n' "$out" | tail -20
    failed=$((failed + 1))
  fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
