#!/usr/bin/env bash
# Differential fidelity of lwc-mockserver against real kube-apiservers (issue 13): builds the real
# servers from source (fidelity/realserver, one go.mod per release), builds lwc and the runner,
# sends every check in fidelity/checks/ to each server and writes fidelity/results.md (machine,
# versions, start-up time and memory of every server, the table of divergences).
#
# Environment knobs (defaults in brackets): BUILD [build] (a directory under the repository),
# VERSIONS ["1.33 1.37"] (the releases to build; each needs fidelity/realserver/go[-X.Y].mod),
# WATCHLIST_ON ["1.33"] (releases also run with --feature-gates=WatchList=true, which is off by
# default in 1.33), OUT [fidelity/results.md], ONLY (a regexp on check names), SCENARIOS [1] (0: skip
# the scenarios on the real servers), GO [/usr/local/go/bin/go].
# GO_CACHE_DIR [BUILD/fidelity] (where GOPATH, GOMODCACHE and GOCACHE live; point it at another
# checkout's BUILD/fidelity to reuse its downloads and build cache).
# Everything else is written under BUILD/fidelity (binaries, logs, responses).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
. "$ROOT/bench/machine.sh"
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
FID="$BUILD/fidelity"
VERSIONS=${VERSIONS:-"1.33 1.37"}
WATCHLIST_ON=${WATCHLIST_ON-"1.33"}
OUT=${OUT:-$ROOT/fidelity/results.md}
GO=${GO:-/usr/local/go/bin/go}
mkdir -p "$FID/bin" "$FID/logs"
# GO_CACHE_DIR lets a second checkout reuse a first one's module and build caches.
GO_CACHE_DIR=${GO_CACHE_DIR:-$FID}
export GOPATH="$GO_CACHE_DIR/gopath" GOMODCACHE="$GO_CACHE_DIR/gomodcache" GOCACHE="$GO_CACHE_DIR/gocache" \
    GOFLAGS="-modcacherw" GOTOOLCHAIN=local

log() { printf '[fidelity %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
[ -x "$GO" ] || { log "no Go toolchain at $GO (set GO=...)"; exit 1; }

log "building lwc"
cmake -S "$ROOT" -B "$BUILD" -DLWC_WERROR=ON >"$FID/logs/cmake.log"
cmake --build "$BUILD" -j2 --target lwc-mockserver lwc-watch lwc-harness >>"$FID/logs/cmake.log"

log "building lwc-fidelity and lwc-realplay"
(cd fidelity && "$GO" build -o "$FID/bin/lwc-fidelity" ./diff && "$GO" build -o "$FID/bin/lwc-realplay" ./play)

declare -a SERVERS=("mock=mock=$BUILD/bin/lwc-mockserver --listen 127.0.0.1:0 --empty")
declare -a BUILT=()
for v in $VERSIONS; do
    modfile=go.mod
    [ "$v" = "1.33" ] || modfile="go-$v.mod"
    [ -f "fidelity/realserver/$modfile" ] || { log "no fidelity/realserver/$modfile for $v"; exit 1; }
    bin="$FID/bin/lwc-realserver-$v"
    kver=$(sed -n 's/^[[:space:]]*k8s.io\/kubernetes \(v[0-9.]*\)$/\1/p' "fidelity/realserver/$modfile" | head -1)
    if [ ! -x "$bin" ] || [ "fidelity/realserver/main.go" -nt "$bin" ] || [ "fidelity/realserver/$modfile" -nt "$bin" ]; then
        # The first build's cost is kept apart from later (cached) rebuilds: it is the figure
        # the results report.
        timefile="$FID/logs/build-$v.time"
        [ -f "$FID/logs/build-$v.first.time" ] || timefile="$FID/logs/build-$v.first.time"
        log "building kube-apiserver $kver (lwc-realserver-$v); the first build takes 15-30 minutes"
        start=$(date +%s)
        minor=${kver#v1.}; minor=${minor%%.*}
        ldflags="-X k8s.io/component-base/version.gitVersion=$kver -X k8s.io/component-base/version.gitMajor=1"
        ldflags+=" -X k8s.io/component-base/version.gitMinor=$minor"
        (cd fidelity/realserver && /usr/bin/time -f "%e s elapsed, %M KiB peak RSS of go build" -o "$timefile" \
            "$GO" build -modfile="$modfile" -ldflags "$ldflags" -o "$bin" .) >"$FID/logs/build-$v.log" 2>&1 \
            || { log "build of $kver failed, see $FID/logs/build-$v.log"; tail -20 "$FID/logs/build-$v.log" >&2; exit 1; }
        log "built $kver in $(( $(date +%s) - start )) s"
    fi
    BUILT+=("$v $kver $(cat "$FID/logs/build-$v.first.time" 2>/dev/null || echo 'not measured')")
    # The gated variant first: consecutive real servers are compared with each other, so the
    # report shows what the gate changes, then what the next release changes.
    for g in $WATCHLIST_ON; do
        [ "$g" = "$v" ] && SERVERS+=("real-$v-watchlist=real=$bin --apiserver-arg=--feature-gates=WatchList=true")
    done
    SERVERS+=("real-$v=real=$bin")
done

header="$FID/results-header.md"
{
    echo "# Differential fidelity: lwc-mockserver against real kube-apiservers"
    echo
    echo "Written by \`fidelity/run.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC') at lwc commit $(git rev-parse --short HEAD)."
    echo "Every check in \`fidelity/checks/\` was sent to each server; responses were normalised (uids by"
    echo "first appearance, timestamps, resourceVersions by their role: \`=X\` the RV of write X, \`>X\` after"
    echo "write X and before the next, continue tokens decoded) and compared member by member, member order"
    echo "included. How to read and extend it: \`fidelity/README.md\`."
    echo
    machine_table
    echo "| load average when the run started (\`/proc/loadavg\`) | $(cut -d' ' -f1-3 /proc/loadavg) |"
    echo "| Go | $("$GO" version | cut -d' ' -f3) |"
    for b in "${BUILT[@]}"; do
        set -- $b
        echo "| lwc-realserver-$1 | k8s.io/kubernetes $2, its etcd embedded; first build in this build folder: ${*:3} |"
    done
} >"$header"

args=()
for s in "${SERVERS[@]}"; do args+=(--server "$s"); done
[ -n "${ONLY:-}" ] && args+=(--only "$ONLY")
log "running the checks (about a minute per real server)"
"$FID/bin/lwc-fidelity" "${args[@]}" --checks fidelity/checks --known fidelity/known-divergences.json \
    --header "$header" --logs "$FID/logs" --json "$FID/responses.json" --out "$OUT"

if [ "${SCENARIOS:-1}" = 1 ]; then
    # Scenarios on the real servers: the catalog's fault-free ones, played through the API.
    mapfile -t playable < <("$FID/bin/lwc-realplay" -list scenarios/*.json)
    log "playing ${#playable[@]} scenarios on every server (a real server starts once per scenario)"
    "$BUILD/bin/lwc-harness" --client "$BUILD/bin/lwc-watch" --json "$FID/harness.json" "${playable[@]}" \
        >"$FID/logs/harness.log" 2>&1 || true
    pargs=()
    for s in "${SERVERS[@]}"; do pargs+=(--server "$s"); done
    mkdir -p "$FID/logs/play"
    "$FID/bin/lwc-realplay" --client "$BUILD/bin/lwc-watch" "${pargs[@]}" --harness-json "$FID/harness.json" \
        --logs "$FID/logs/play" --out "$FID/play.md" scenarios/*.json 2>"$FID/logs/play.log"
    {
        echo
        echo "## Scenarios on the real servers"
        echo
        echo "The catalog's scenarios that inject no fault and need no mock-only server behaviour, played by"
        echo "\`lwc-realplay\` with the reference watcher (\`lwc-watch\`): the world and the timeline's writes go"
        echo "through the API of each server (a fresh server per scenario), a compaction is the server's own,"
        echo "and the watcher's snapshots must equal the server's lists after READY, at each checkpoint and at"
        echo "the end. The last column is \`lwc-harness\`'s verdict for the same scenario on its in-process mock,"
        echo "with all of its checks (requests, events). Below the table: the scenarios not played, and why."
        echo
        cat "$FID/play.md"
        echo
        { grep 'not played' "$FID/logs/play.log" || true; } | sed 's/^lwc-realplay: /- /'
    } >>"$OUT"
fi
log "wrote $OUT (normalised responses: $FID/responses.json)"
