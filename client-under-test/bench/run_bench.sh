#!/usr/bin/env bash
# Initial sync of a large collection: lwc-watch against kubectl, on the same
# mock server (design.md, "Targets": the reference watcher at least 3 times
# faster, in a third of the memory, than kubectl get -A --chunk-size=500 -o json).
#
#   client-under-test/bench/run_bench.sh
#
# The server is bench/tools/bench_populate (the mock server filled with
# PODS realistic pods through its C API). Each round runs, one after the
# other on an otherwise idle server:
#   - lwc-watch (LWC_PAGE_SIZE=PAGE, all namespaces) under /usr/bin/time -v,
#     driven by sync_timer.py: time from start to READY, then STOP;
#   - kubectl.1.33 get pods -A --chunk-size=PAGE -o json > /dev/null under
#     /usr/bin/time -v, with a fresh --cache-dir.
# The figure for each is the median of ROUNDS rounds; peak RSS is the largest.
# Writes client-under-test/bench/results.md.
#
# Knobs (defaults in brackets): BUILD [build-cut], PODS [100000],
# NAMESPACES [50], PAGE [500], ROUNDS [3], KUBECTL [kubectl.1.33 beside the
# Google Cloud SDK's kubectl], OUT [client-under-test/bench/results.md],
# VERIFY [1: one extra untimed kubectl run, its items counted].
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$ROOT/bench/machine.sh"
BUILD=${BUILD:-$ROOT/build-cut}
PODS=${PODS:-100000}
NAMESPACES=${NAMESPACES:-50}
PAGE=${PAGE:-500}
ROUNDS=${ROUNDS:-3}
OUT=${OUT:-$HERE/results.md}
VERIFY=${VERIFY:-1}
if [ -z "${KUBECTL:-}" ]; then
    KUBECTL="$(dirname "$(readlink -f "$(command -v kubectl)")")/kubectl.1.33"
fi

TMP=$(mktemp -d /tmp/lwc-cut-bench.XXXXXX)
SERVER_PID=

log() { printf '[cut-bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
cleanup() {
    if [ -n "$SERVER_PID" ]; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ -x /usr/bin/time ] || die "/usr/bin/time (GNU time) is required"
command -v python3 >/dev/null || die "python3 is required (sync_timer.py)"
[ -x "$KUBECTL" ] || die "no kubectl at $KUBECTL"

# ---- build ----
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
    log "configuring $BUILD (Release)"
    cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >"$TMP/cmake.log" 2>&1 ||
        { tail -20 "$TMP/cmake.log" >&2; die "cmake configure failed"; }
fi
log "building lwc-watch and the mock server library in $BUILD"
cmake --build "$BUILD" -j2 --target lwc-watch lwc_mockserver >"$TMP/build.log" 2>&1 ||
    { tail -30 "$TMP/build.log" >&2; die "build failed"; }
make -s -C "$ROOT/bench" BUILD="$BUILD" >>"$TMP/build.log" 2>&1 ||
    { tail -30 "$TMP/build.log" >&2; die "building bench_populate failed"; }
BUILD_TYPE=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$BUILD/CMakeCache.txt")
# The top-level CMakeLists picks RelWithDebInfo when none is given, without caching it.
BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo}
BUILD_FLAGS=$(sed -n "s/^CMAKE_C_FLAGS_$(echo "$BUILD_TYPE" | tr a-z A-Z):STRING=//p" "$BUILD/CMakeCache.txt")
WATCH="$BUILD/bin/lwc-watch"

# ---- server ----
log "populating $PODS pods in $NAMESPACES namespaces"
"$BUILD/bench/bench_populate" --listen 127.0.0.1:0 --pods "$PODS" --namespaces "$NAMESPACES" \
    >"$TMP/server.out" 2>"$TMP/server.err" &
SERVER_PID=$!
URL=
for _ in $(seq 600); do
    URL=$(sed -n 's/^listening on //p' "$TMP/server.out" | head -1)
    [ -n "$URL" ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$TMP/server.err" >&2; die "bench_populate exited"; }
    sleep 0.1
done
[ -n "$URL" ] || die "bench_populate not listening after 60 s"
POP_LINE=$(grep '^bench_populate:' "$TMP/server.err" | tail -1)
log "server $URL ($POP_LINE)"
cat >"$TMP/kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters:
- name: bench
  cluster:
    server: $URL
users:
- name: bench
  user: {}
contexts:
- name: bench
  context:
    cluster: bench
    user: bench
current-context: bench
KC

# "Elapsed (wall clock) time (h:mm:ss or m:ss): 1:06.06" in seconds.
wall_s() {
    sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$1" |
        awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s }'
}
rss_kb() { sed -n 's/.*Maximum resident set size (kbytes): //p' "$1"; }
cpu_s() {
    awk -F': ' '/User time \(seconds\)/ { u = $2 } /System time \(seconds\)/ { s = $2 } END { printf "%.2f", u + s }' "$1"
}

: >"$TMP/rows.tsv" # tool round seconds rss_kb cpu_s extra
for round in $(seq "$ROUNDS"); do
    log "round $round: lwc-watch"
    line=$(env -u KUBECONFIG LWC_SERVER="$URL" LWC_API_PATH=/api/v1 LWC_RESOURCE=pods LWC_NAMESPACE= \
        LWC_COLLECTION=/api/v1/pods LWC_PAGE_SIZE="$PAGE" LWC_LABEL_SELECTOR= LWC_WATCH_LIST=0 \
        LWC_SCENARIO=bench python3 "$HERE/sync_timer.py" \
        /usr/bin/time -v -o "$TMP/time-lwc-$round.txt" "$WATCH") || die "lwc-watch round $round: $line"
    eval "$(echo "$line" | tr ' ' '\n' | sed 's/^/T_/')"
    [ "$T_events" = "$PODS" ] || die "lwc-watch announced $T_events objects before READY, not $PODS"
    printf 'lwc-watch\t%s\t%s\t%s\t%s\t%s\n' "$round" "$T_ready_s" "$(rss_kb "$TMP/time-lwc-$round.txt")" \
        "$(cpu_s "$TMP/time-lwc-$round.txt")" "$(wall_s "$TMP/time-lwc-$round.txt")" >>"$TMP/rows.tsv"
    log "  READY after $T_ready_s s, exit after $T_exit_s s, $(rss_kb "$TMP/time-lwc-$round.txt") kB peak"

    log "round $round: kubectl"
    mkdir -p "$TMP/kcache-$round"
    /usr/bin/time -v -o "$TMP/time-kubectl-$round.txt" "$KUBECTL" --kubeconfig "$TMP/kubeconfig" \
        --cache-dir "$TMP/kcache-$round" get pods -A --chunk-size="$PAGE" -o json >/dev/null 2>"$TMP/kubectl.err" ||
        { cat "$TMP/kubectl.err" >&2; die "kubectl failed"; }
    w=$(wall_s "$TMP/time-kubectl-$round.txt")
    printf 'kubectl\t%s\t%s\t%s\t%s\t%s\n' "$round" "$w" "$(rss_kb "$TMP/time-kubectl-$round.txt")" \
        "$(cpu_s "$TMP/time-kubectl-$round.txt")" "$w" >>"$TMP/rows.tsv"
    log "  $w s, $(rss_kb "$TMP/time-kubectl-$round.txt") kB peak"
    rm -rf "$TMP/kcache-$round"
done

KITEMS="not checked"
if [ "$VERIFY" = 1 ]; then
    log "verifying kubectl's output (one untimed run)"
    mkdir -p "$TMP/kcache-v"
    "$KUBECTL" --kubeconfig "$TMP/kubeconfig" --cache-dir "$TMP/kcache-v" get pods -A --chunk-size="$PAGE" -o json \
        >"$TMP/kubectl.json" 2>"$TMP/kubectl.err" || die "kubectl verification run failed"
    KITEMS=$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["items"]))' "$TMP/kubectl.json")
    rm -f "$TMP/kubectl.json"
    [ "$KITEMS" = "$PODS" ] || die "kubectl printed $KITEMS items, not $PODS"
fi

median() { awk -F'\t' -v t="$1" -v c="$2" '$1 == t { print $c }' "$TMP/rows.tsv" | sort -g |
    awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
maxof() { awk -F'\t' -v t="$1" -v c="$2" '$1 == t && $c > m { m = $c } END { print m }' "$TMP/rows.tsv"; }
L_T=$(median lwc-watch 3)
K_T=$(median kubectl 3)
L_RSS=$(maxof lwc-watch 4)
K_RSS=$(maxof kubectl 4)
L_CPU=$(median lwc-watch 5)
K_CPU=$(median kubectl 5)
SPEEDUP=$(awk -v k="$K_T" -v l="$L_T" 'BEGIN { printf "%.1f", k / l }')
MEMRATIO=$(awk -v k="$K_RSS" -v l="$L_RSS" 'BEGIN { printf "%.1f", k / l }')
T_OK=$(awk -v s="$SPEEDUP" 'BEGIN { print (s >= 3 ? "met" : "NOT met") }')
M_OK=$(awk -v s="$MEMRATIO" 'BEGIN { print (s >= 3 ? "met" : "NOT met") }')
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }

{
    echo "# lwc-watch initial sync benchmark"
    echo
    echo "Written by \`client-under-test/bench/run_bench.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC')."
    echo
    machine_table
    echo "| commit | $(git -C "$ROOT" rev-parse --short HEAD)$([ -z "$(git -C "$ROOT" status --porcelain -- client-under-test)" ] || echo ' (client-under-test/ with uncommitted changes)') |"
    echo "| lwc-watch build | CMake $BUILD_TYPE ($(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$BUILD/CMakeCache.txt") $BUILD_FLAGS), libcurl $(pkg-config --modversion libcurl), cJSON $(pkg-config --modversion libcjson) |"
    echo "| kubectl | $("$KUBECTL" version --client 2>/dev/null | head -1) ($KUBECTL) |"
    echo
    echo "Server, client and timer share the $(nproc) cores of this one machine."
    echo
    echo "## Setup"
    echo
    echo "World: $POP_LINE."
    echo "Both clients list all namespaces in pages of $PAGE against the same server, one after the other,"
    echo "$ROUNDS rounds, interleaved. lwc-watch: time from its start to its READY line (every page listed"
    echo "and applied, the $PODS ADDED events printed), read by \`sync_timer.py\`, which sends STOP at once;"
    echo "peak RSS from \`/usr/bin/time -v\` over the whole run. kubectl: wall time and peak RSS of"
    echo "\`kubectl get pods -A --chunk-size=$PAGE -o json > /dev/null\` under \`/usr/bin/time -v\`, a fresh"
    echo "\`--cache-dir\` each round. kubectl's output checked once, untimed: $KITEMS items."
    echo
    echo "## Results"
    echo
    echo "| client | round | time (s) | peak RSS | CPU user+sys (s) |"
    echo "|---|---:|---:|---:|---:|"
    awk -F'\t' '{ printf "| %s | %s | %s | %.1f MiB | %s |\n", $1, $2, $3, $4 / 1024, $5 }' "$TMP/rows.tsv"
    echo
    echo "| figure | lwc-watch | kubectl | ratio | target |"
    echo "|---|---:|---:|---:|---|"
    echo "| time to a complete initial list (median) | ${L_T} s | ${K_T} s | **${SPEEDUP}x faster** | >= 3x: **$T_OK** |"
    echo "| peak RSS (largest) | $(mib "$L_RSS") | $(mib "$K_RSS") | **${MEMRATIO}x less** | >= 3x: **$M_OK** |"
    echo "| CPU user+sys (median) | ${L_CPU} s | ${K_CPU} s | | |"
    echo
    echo "## Commands"
    echo
    echo '```'
    echo "$BUILD/bench/bench_populate --listen 127.0.0.1:0 --pods $PODS --namespaces $NAMESPACES" | sed "s|$ROOT/||g"
    echo "LWC_SERVER=$URL LWC_API_PATH=/api/v1 LWC_RESOURCE=pods LWC_NAMESPACE= LWC_PAGE_SIZE=$PAGE \\"
    echo "  python3 client-under-test/bench/sync_timer.py /usr/bin/time -v $WATCH" | sed "s|$ROOT/||g"
    echo "/usr/bin/time -v $KUBECTL --kubeconfig \$TMP/kubeconfig --cache-dir \$TMP/kcache-N get pods -A --chunk-size=$PAGE -o json > /dev/null"
    echo '```'
} >"$OUT"
log "wrote $OUT: ${SPEEDUP}x faster, ${MEMRATIO}x less memory"
[ "$T_OK" = met ] && [ "$M_OK" = met ]
