#!/usr/bin/env bash
# Harness benchmarks (design.md, "Targets"):
#   1. the whole scenario catalog against the reference watcher
#      (target: under 30 s on two cores), at -j 1, 2 and 4;
#   2. the fixed cost of one trivial scenario (harness/bench/trivial.json:
#      server up, client up, READY, the initial check, convergence, STOP and
#      teardown; target: under 50 ms at the median), measured as the
#      harness's own per-run time over RUNS runs in one process, and as the
#      wall time of whole lwc-harness invocations (process start included).
# Writes harness/bench/results.md.
#
# Environment knobs (defaults in brackets): BUILD [build] (a configured and
# built tree with lwc-harness and lwc-watch), CLIENT [$BUILD/bin/lwc-watch],
# RUNS [20], CATALOG_ROUNDS [2], OUT [harness/bench/results.md].
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$ROOT/bench/machine.sh"
BUILD=${BUILD:-$ROOT/build}
CLIENT=${CLIENT:-$BUILD/bin/lwc-watch}
RUNS=${RUNS:-20}
CATALOG_ROUNDS=${CATALOG_ROUNDS:-2}
OUT=${OUT:-$ROOT/harness/bench/results.md}
HARNESS=$BUILD/bin/lwc-harness
TRIVIAL=$ROOT/harness/bench/trivial.json
PY=$(command -v /usr/bin/python3 || command -v python3)

[ -x "$HARNESS" ] || { echo "no $HARNESS: build first (cmake --build $BUILD)" >&2; exit 1; }
[ -x "${CLIENT%% *}" ] || { echo "no client $CLIENT" >&2; exit 1; }
TMP=$(mktemp -d /tmp/lwc-harness-bench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

load=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date +%s)

# 1. The catalog.
catalog_rows=""
for j in 1 2 4; do
  for round in $(seq "$CATALOG_ROUNDS"); do
    log "catalog -j $j, round $round"
    set +e
    "$HARNESS" --client "$CLIENT" -j "$j" --json "$TMP/cat-$j-$round.json" "$ROOT/scenarios" > "$TMP/cat-$j-$round.txt" 2>&1
    rc=$?
    set -e
    row=$("$PY" - "$TMP/cat-$j-$round.json" "$j" "$round" "$rc" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
s = d["summary"]
runs = d["scenarios"]
slow = max(runs, key=lambda r: r["totalMs"])
busy = sum(r["totalMs"] for r in runs) / 1000
failed = ", ".join(r["name"] for r in runs if r["verdict"] != "PASS") or "-"
print("| %s | %s | %.1f s | %d/%d | %.1f s | %s (%.1f s) | %s | %s |" % (
    sys.argv[2], sys.argv[3], s["wallMs"] / 1000, s["passed"], s["runs"], busy, slow["name"], slow["totalMs"] / 1000,
    failed, sys.argv[4]))
PYEOF
)
    catalog_rows+="$row"$'\n'
  done
done
nscen=$(ls "$ROOT"/scenarios/*.json | wc -l)

# 2. Fixed cost: RUNS runs in one harness process (the harness's own timing per run) ...
log "trivial scenario x $RUNS in one process"
"$HARNESS" --client "$CLIENT" --repeat "$RUNS" --json "$TMP/trivial.json" "$TRIVIAL" > "$TMP/trivial.txt" 2>&1
fixed=$("$PY" - "$TMP/trivial.json" <<'PYEOF'
import json, sys, statistics as st
runs = json.load(open(sys.argv[1]))["scenarios"]
def row(name, xs):
    xs = sorted(xs)
    p90 = xs[min(len(xs) - 1, int(round(0.9 * (len(xs) - 1))))]
    return "| %s | %.1f | %.1f | %.1f | %.1f |" % (name, st.median(xs), p90, xs[0], xs[-1])
print(row("whole run (server start to teardown)", [r["totalMs"] for r in runs]))
print(row("client start to READY", [r["readyMs"] for r in runs]))
print(row("run minus client start-to-READY (the harness's share)", [r["totalMs"] - r["readyMs"] for r in runs]))
print("passed: %d/%d" % (sum(r["verdict"] == "PASS" for r in runs), len(runs)))
PYEOF
)
# ... and RUNS whole invocations, process start and exit included.
log "trivial scenario: $RUNS separate invocations"
"$PY" - "$HARNESS" "$CLIENT" "$TRIVIAL" "$RUNS" > "$TMP/wall.txt" <<'PYEOF'
import subprocess, sys, time, statistics as st
harness, client, scen, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
xs = []
for _ in range(runs):
    t = time.monotonic()
    rc = subprocess.run([harness, "--client", client, scen], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    xs.append((time.monotonic() - t) * 1000)
    if rc != 0:
        print("| lwc-harness invocation | failed (exit %d) | | | |" % rc)
        sys.exit(0)
xs.sort()
print("| lwc-harness invocation (process start to exit) | %.1f | %.1f | %.1f | %.1f |" % (
    st.median(xs), xs[min(len(xs) - 1, int(round(0.9 * (len(xs) - 1))))], xs[0], xs[-1]))
PYEOF
wall=$(cat "$TMP/wall.txt")
elapsed=$(( $(date +%s) - started ))

commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo "?")
dirty=""
git -C "$ROOT" status --porcelain -- harness client-under-test mockserver 2>/dev/null | grep -q . && dirty=" (with uncommitted changes in harness/, client-under-test/ or mockserver/)"
btype=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD/CMakeCache.txt" 2>/dev/null)
[ -n "$btype" ] || btype="RelWithDebInfo (the project's default)"
cc=$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$BUILD/CMakeCache.txt" 2>/dev/null)
{
cat <<MD
# Harness benchmarks

Written by \`harness/bench/run_bench.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'); it took ${elapsed} s.

$(machine_table)
| commit | ${commit}${dirty} |
| build | CMake ${btype:-?} (${cc:-?}), \`$BUILD\` |
| client | \`$CLIENT\` |
| load average (1/5/15 min) before the run | $load |

Client, mock servers and harness share these cores; other work on the machine (see the load
average) adds noise.

## The catalog against the reference watcher (target: under 30 s on two cores)

$nscen scenarios, \`lwc-harness --client lwc-watch -j N scenarios/\`. *Busy* is the sum of the
scenarios' own times; the slowest scenario bounds the wall time at any -j.

| -j | round | wall | passed | busy (sum of runs) | slowest scenario | not passed | exit |
|---:|---:|---:|---:|---:|---|---|---:|
${catalog_rows}
Most of the catalog's time is the scenarios' own waiting: Retry-After seconds, backoffs, watch
timeouts and stalls that the behaviour under test needs. The harness itself waits on events (the
client's stdout, a pidfd, a wake pipe fed by the request log), never on fixed sleeps. A scenario
that failed here failed on its own timing (see "not passed"; `error-410-mid-watch` and
`dropped-mid-event` add a watch fault on READY, which races with the client's first watch), and a
failed run's time includes the trigger deadline it waited out.

## Fixed cost of one scenario (target: under 50 ms at the median)

\`harness/bench/trivial.json\`: 3 pods in one page, no timeline. One run is: start the mock server
in process, write the kubeconfig, start the client, wait for READY, DUMP, the initial-state check,
the final convergence check, STOP, wait for the exit, stop the server. Milliseconds over $RUNS runs:

| measure | median | p90 | min | max |
|---|---:|---:|---:|---:|
${fixed%passed*}${wall}

${fixed##*$'\n'}
MD
} > "$OUT"
log "wrote $OUT"
cat "$OUT"
