#!/usr/bin/env bash
# lwc-explore benchmark (issue 12):
#   1. against lwc-watch with no bug: NOBUG_RUNS random runs (target: at
#      least 2,000 with zero failures);
#   2. against each of lwc-watch's reproduced bugs, with no catalog file as
#      input: found within BUDGET runs or not (target: at least 12 of 14
#      within 300), the run that first failed, the size of the shrunk
#      scenario (target: at most 5 timeline steps and faults, 20 objects);
#   3. runs per second and the fixed cost of one run, from the same runs.
# Writes harness/bench/explore-results.md, and keeps every JSON report and
# shrunk scenario under $KEEP.
#
# Environment knobs (defaults in brackets): BUILD [build], SEED [20261201],
# NOBUG_RUNS [2000], BUDGET [300], JOBS [8] (runs mostly wait on the client
# and on timeline waits, so more jobs than cores), OUT
# [harness/bench/explore-results.md], KEEP [/tmp/lwc-explore-bench],
# BUGS [every bug of lwc-watch --list-bugs], SKIP_NOBUG [0], REUSE [0] (1: a bug whose
# JSON report and wall time are already in $KEEP is not run again, e.g. after an interruption).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$ROOT/bench/machine.sh"
BUILD=${BUILD:-$ROOT/build}
SEED=${SEED:-20261201}
NOBUG_RUNS=${NOBUG_RUNS:-2000}
BUDGET=${BUDGET:-300}
JOBS=${JOBS:-8}
OUT=${OUT:-$ROOT/harness/bench/explore-results.md}
KEEP=${KEEP:-/tmp/lwc-explore-bench}
SKIP_NOBUG=${SKIP_NOBUG:-0}
REUSE=${REUSE:-0}
EXPLORE=$BUILD/bin/lwc-explore
WATCH=$BUILD/bin/lwc-watch
PY=$(command -v /usr/bin/python3 || command -v python3)

[ -x "$EXPLORE" ] && [ -x "$WATCH" ] || { echo "no $EXPLORE or $WATCH: build first" >&2; exit 1; }
mkdir -p "$KEEP"
log() { printf '[explore-bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
BUGS=${BUGS:-$("$WATCH" --list-bugs | awk '{print $1}')}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date +%s)

field() { "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

# 1. No bug.
if [ "$SKIP_NOBUG" != 1 ]; then
  log "lwc-watch, no bug: $NOBUG_RUNS runs, seed $SEED, -j $JOBS"
  t0=$(date +%s)
  "$EXPLORE" --seed "$SEED" --runs "$NOBUG_RUNS" -j "$JOBS" --out "$KEEP/nobug" --json "$KEEP/nobug.json" \
      >"$KEEP/nobug.txt" 2>"$KEEP/nobug.err"
  nobug_rc=$?
  nobug_wall=$(( $(date +%s) - t0 ))
  log "no bug: exit $nobug_rc in ${nobug_wall} s"
fi

# 2. Each reproduced bug: stop at the first confirmed failure.
rows=""
found=0 total=0
for b in $BUGS; do
  total=$((total + 1))
  if [ "$REUSE" = 1 ] && [ -f "$KEEP/bug-$b.json" ] && [ -f "$KEEP/bug-$b.wall" ]; then
    log "bug $b: reusing $KEEP/bug-$b.json"
    rc=- wall=$(cat "$KEEP/bug-$b.wall")
  else
    log "bug $b: up to $BUDGET runs"
    t0=$(date +%s)
    "$EXPLORE" --client "$WATCH --bug $b" --seed "$SEED" --runs "$BUDGET" -j "$JOBS" --stop-after 1 \
        --out "$KEEP/bug-$b" --json "$KEEP/bug-$b.json" >"$KEEP/bug-$b.txt" 2>"$KEEP/bug-$b.err"
    rc=$?
    wall=$(( $(date +%s) - t0 ))
    echo "$wall" >"$KEEP/bug-$b.wall"
  fi
  if [ -f "$KEEP/bug-$b.json" ]; then
    row=$("$PY" - "$KEEP/bug-$b.json" "$b" "$wall" "$rc" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1])); b, wall, rc = sys.argv[2], sys.argv[3], sys.argv[4]
fs = [f for f in d["failures"] if f["confirmFails"] > 0 and f["sameAs"] == -1 and f["file"]]
if fs:
    # the failure that was shrunk (one per set of failed checks; with --stop-after the others
    # in flight are recorded as found), else the earliest
    f = min(fs, key=lambda f: (f["shrinkTried"] == 0, f["run"]))
    print(f"| `{b}` | yes | {d['firstFailingRun']} | {d['runs']} | {f['checks']} | {f['confirmFails']}/{f['confirmRuns']} | "
          f"{f['stepsAndFaultsBefore']} -> {f['stepsAndFaults']} | {f['objectsBefore']} -> {f['objects']} | "
          f"{f['shrinkSteps']}/{f['shrinkTried']} | {f['reproFails']}/{f['reproRuns']} | {wall} s |")
else:
    print(f"| `{b}` | **no** | - | {d['runs']} | - | - | - | - | - | - | {wall} s |")
EOF
)
  else
    row="| \`$b\` | error (exit $rc) | - | - | - | - | - | - | - | - | $wall s |"
  fi
  case "$row" in *"| yes |"*) found=$((found + 1)) ;; esac
  rows+="$row"$'\n'
  log "bug $b: $(echo "$row" | cut -d'|' -f3-5)"
done

load_after=$(cut -d' ' -f1-3 /proc/loadavg)
elapsed=$(( $(date +%s) - started ))
commit=$(git -C "$ROOT" rev-parse --short HEAD)

{
  echo "# lwc-explore benchmark"
  echo
  echo "Written by \`harness/bench/run_explore_bench.sh\` on $(date -u '+%Y-%m-%d %H:%M') UTC; it took ${elapsed} s."
  echo "Seed $SEED, \`-j $JOBS\`. Every JSON report and shrunk scenario was kept in \`$KEEP\` (not in the repo)."
  echo
  machine_table
  echo "| commit | $commit |"
  echo "| load average (1/5/15 min) before / after | $load_before / $load_after |"
  echo
  echo "The machine's two cores are shared with other workers (see the load average): the"
  echo "runs' wall times include that contention."
  echo
  if [ "$SKIP_NOBUG" != 1 ] && [ -f "$KEEP/nobug.json" ]; then
    echo "## lwc-watch with no bug (target: at least 2,000 runs, zero failures)"
    echo
    echo "\`lwc-explore --seed $SEED --runs $NOBUG_RUNS -j $JOBS\` (exit $nobug_rc, ${nobug_wall} s):"
    echo
    echo "| runs | passed | failed | could not run | n/a | runs/s | mean run | fixed cost of a run |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
    field "$KEEP/nobug.json" '"| %s | %s | %s | %s | %s | %s | %s ms | %s ms |" % (d["runs"], d["passed"], d["failed"], d["errors"], d["notApplicable"], round(d["runsPerSecond"], 2), round(d["meanRunMs"]), round(d["fixedCostMs"]))'
    echo
    echo "*Fixed cost* is lwc-explore's probe run (one object, READY, one checkpoint, STOP): server"
    echo "and client start, the initial check, teardown. A generated run adds its timeline's waits"
    echo "(a watch aged past 1 s before it is closed, storms of 0.8-2 s, the quiet-close episode's"
    echo "2.7 s) and the client's recovery (backoff, relists) to it."
    echo
    failures=$(field "$KEEP/nobug.json" '"\n".join("- %s: %s (%s)" % (f["name"], f["checks"], f["file"]) for f in d["failures"])')
    [ -n "$failures" ] && { echo "Failures:"; echo; echo "$failures"; echo; }
  fi
  [ "$total" -gt 0 ] || exit 0
  echo "## lwc-watch's reproduced bugs, no catalog input (target: 12 of 14 within 300 runs)"
  echo
  echo "\`lwc-explore --client 'lwc-watch --bug NAME' --seed $SEED --runs $BUDGET -j $JOBS --stop-after 1\`: found"
  echo "$found of $total. *First run*: the index of the first generated run that failed (runs are"
  echo "numbered from 0; with -j $JOBS a few later runs are in flight when it fails). *Runs*: how many"
  echo "were started before the explorer stopped. *Confirmed*: reruns of the first failing scenario"
  echo "that failed again. *Steps+faults* and *objects*: the failing scenario before and after"
  echo "shrinking (steps not counting checkpoints and waits). *Shrink*: reductions accepted / candidates"
  echo "run. *Repro*: reruns of the written file that failed."
  echo
  echo "| bug | found | first run | runs | checks | confirmed | steps+faults | objects | shrink | repro | wall |"
  echo "|---|---|---:|---:|---|---|---|---|---|---|---:|"
  printf '%s' "$rows"
} >"$OUT"
log "wrote $OUT"
