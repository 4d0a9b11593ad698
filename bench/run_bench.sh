#!/usr/bin/env bash
# Mock server benchmarks (design.md, "Targets"):
#   1. list serving: a 100,000-pod collection walked in pages of 500, then
#      served by wrk from the mock (the real limit=500&continue=... URLs) and
#      from nginx (the same pages as static files), same concurrency;
#      target: mock >= 0.5x nginx;
#   2. watch fan-out: 1,000 concurrent watches on one mock server, 1,000
#      updates, every event delivered to each watcher.
# Writes bench/results/mockserver.md. Runs in about two minutes on 2 cores.
#
# Environment knobs (defaults in brackets): BUILD [build-bench], PODS [100000],
# NAMESPACES [50], PAGE [500], WRK_THREADS [2], WRK_CONNS [8], WRK_SECS [10], ROUNDS [2],
# WATCHERS [1000], EVENTS [1000], OUT [bench/results/mockserver.md],
# KEEP_TMP=1 keeps the scratch directory (pages, logs, configs).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/bench/machine.sh"
BUILD=${BUILD:-$ROOT/build-bench}
OUT=${OUT:-$ROOT/bench/results/mockserver.md}
PODS=${PODS:-100000}
NAMESPACES=${NAMESPACES:-50}
PAGE=${PAGE:-500}
WRK_THREADS=${WRK_THREADS:-2}
WRK_CONNS=${WRK_CONNS:-8}
WRK_SECS=${WRK_SECS:-10}
WATCHERS=${WATCHERS:-1000}
ROUNDS=${ROUNDS:-2}
EVENTS=${EVENTS:-1000}
LUA=$ROOT/bench/wrk/cycle.lua

TMP=$(mktemp -d /tmp/lwc-bench.XXXXXX)
PIDS=()
FAILURES=()
CMDS=()

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Stops the processes this script started, by pid: TERM, a few seconds'
# grace (a server with 1,000 watches joins 1,000 threads), then KILL.
stop_pid() {
    local pid=$1 i
    kill -TERM "$pid" 2>/dev/null || return 0
    for i in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    # Forget it, so that cleanup never signals a recycled pid.
    local keep=() p
    for p in "${PIDS[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
    PIDS=("${keep[@]}")
}
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do [ -n "$pid" ] && stop_pid "$pid"; done
    if [ "${KEEP_TMP:-0}" = 1 ]; then log "scratch kept in $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Starts a server in the background; its stdout goes to $1.out, stderr to $1.err.
start_bg() {
    local name=$1; shift
    "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
    PIDS+=("$!")
    LAST_PID=$!
}
# Waits for the "listening on URL" line a server prints when ready.
wait_listening() {
    local name=$1 pid=$2 secs=$3 i url
    for i in $(seq $((secs * 10))); do
        url=$(sed -n 's/^listening on //p' "$TMP/$name.out" 2>/dev/null | head -1)
        if [ -n "$url" ]; then echo "$url"; return 0; fi
        kill -0 "$pid" 2>/dev/null || { cat "$TMP/$name.err" >&2; die "$name exited before listening"; }
        sleep 0.1
    done
    die "$name not listening after ${secs}s"
}
status_kb() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }

# ---- tools ----
command -v curl >/dev/null || die "curl is required"
command -v jq >/dev/null || die "jq is required"
if ! command -v nginx >/dev/null || ! command -v wrk >/dev/null; then
    log "installing nginx-light and wrk"
    apt-get install -y nginx-light wrk >/dev/null || die "cannot install nginx-light and wrk"
fi

# ---- build ----
log "building the mock server (Release) and the bench tools in $BUILD"
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
    cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >"$TMP/cmake.log" 2>&1 ||
        { cat "$TMP/cmake.log" >&2; die "cmake configure failed"; }
fi
cmake --build "$BUILD" -j2 --target lwc_mockserver lwc-mockserver >"$TMP/build.log" 2>&1 ||
    { tail -30 "$TMP/build.log" >&2; die "cmake build failed"; }
make -s -C "$ROOT/bench" BUILD="$BUILD" >>"$TMP/build.log" 2>&1 ||
    { tail -30 "$TMP/build.log" >&2; die "building bench tools failed"; }
BUILD_TYPE=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$BUILD/CMakeCache.txt")
T_START=$(date +%s)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

# ============================== list serving ==============================
log "populating $PODS pods in $NAMESPACES namespaces"
POP_CMD="$BUILD/bench/bench_populate --listen 127.0.0.1:0 --pods $PODS --namespaces $NAMESPACES"
start_bg populate $POP_CMD
POP_PID=$LAST_PID
MOCK_URL=$(wait_listening populate "$POP_PID" 120)
POP_LINE=$(grep '^bench_populate:' "$TMP/populate.err" | tail -1)
CMDS+=("$POP_CMD")
log "mock: $MOCK_URL ($POP_LINE)"
MOCK_RSS_POPULATED=$(status_kb "$POP_PID" VmRSS)

# Walk the collection once, as a client would: each page's continue token
# leads to the next. Every page body and URL is kept for the replay.
log "walking the list in pages of $PAGE"
mkdir -p "$TMP/pages"
: >"$TMP/mock.paths"
tok=""
n=0
WALK_SERVER_S=0
while :; do
    path="/api/v1/pods?limit=$PAGE${tok:+&continue=$tok}"
    f=$(printf '%s/pages/page-%03d.json' "$TMP" "$n")
    res=$(curl -sS --max-time 30 -H 'Accept: application/json' -o "$f" -w '%{http_code} %{time_total}' "$MOCK_URL$path") ||
        die "curl failed on page $n"
    [ "${res%% *}" = 200 ] || die "page $n answered ${res%% *}: $(head -c 300 "$f")"
    WALK_SERVER_S=$(awk -v a="$WALK_SERVER_S" -v b="${res#* }" 'BEGIN { printf "%.4f", a + b }')
    echo "$path" >>"$TMP/mock.paths"
    # The list's metadata (with continue) comes before the items.
    tok=$(head -c 2048 "$f" | sed -n 's/.*"continue":"\([^"]*\)".*/\1/p')
    n=$((n + 1))
    [ -n "$tok" ] || break
    [ "$n" -lt 100000 ] || die "the walk does not end"
done
NPAGES=$n
CMDS+=("curl -sS -o \$TMP/pages/page-NNN.json '$MOCK_URL/api/v1/pods?limit=$PAGE[&continue=TOKEN]'   # $NPAGES times, each token from the page before")
# Every page must hold the same snapshot, and all pages together every pod.
read -r ITEMS NRVS < <(jq -r '"\(.metadata.resourceVersion) \(.items | length)"' "$TMP"/pages/page-*.json |
    awk '{ n += $2; rv[$1] = 1 } END { print n, length(rv) }')
[ "$ITEMS" = "$PODS" ] || die "the walk returned $ITEMS items, not $PODS"
[ "$NRVS" = 1 ] || die "the pages came from $NRVS different snapshots"
PAGES_BYTES=$(cat "$TMP"/pages/page-*.json | wc -c)
AVG_PAGE=$((PAGES_BYTES / NPAGES))
AVG_ITEM=$((PAGES_BYTES / ITEMS))
log "walked $NPAGES pages, $ITEMS items, $PAGES_BYTES bytes (avg page $AVG_PAGE B)"

# One wrk run; its "WRK requests=.. bytes=.. duration_us=.." line (from
# cycle.lua's done()) becomes a row of $TMP/wrk.tsv:
#   server round req/s MB/s p50_ms p99_ms requests errors
run_wrk() {
    local name=$1 round=$2 url=$3 paths=$4 line errs
    local cmd="wrk -t$WRK_THREADS -c$WRK_CONNS -d${WRK_SECS}s --timeout 10s --latency -s $LUA $url -- $paths"
    [ "$round" = 1 ] && CMDS+=("$cmd")
    log "round $round, wrk against $name"
    timeout $((WRK_SECS + 30)) $cmd >"$TMP/wrk-$name-$round.txt" 2>&1 ||
        die "wrk against $name failed: $(tail -5 "$TMP/wrk-$name-$round.txt")"
    line=$(grep '^WRK ' "$TMP/wrk-$name-$round.txt") || die "no WRK line from wrk against $name"
    local W_requests W_bytes W_duration_us W_connect_err W_read_err W_write_err W_status_err W_timeout_err W_p50_us W_p99_us
    eval "$(echo "${line#WRK }" | tr ' ' '\n' | sed 's/^/W_/')"
    errs=$((W_connect_err + W_read_err + W_write_err + W_status_err + W_timeout_err))
    [ "$errs" = 0 ] || FAILURES+=("round $round: wrk against $name saw $errs errors (non-2xx/3xx, timeouts or socket errors)")
    # Decimal megabytes (1e6), headers included, as wrk counts bytes.
    awk -v n="$name" -v r="$round" -v q="$W_requests" -v b="$W_bytes" -v d="$W_duration_us" -v p50="$W_p50_us" \
        -v p99="$W_p99_us" -v e="$errs" 'BEGIN {
            printf "%s\t%s\t%.0f\t%.0f\t%.2f\t%.2f\t%d\t%d\n", n, r, q / (d / 1e6), b / 1e6 / (d / 1e6), p50 / 1000, p99 / 1000, q, e
        }' >>"$TMP/wrk.tsv"
    log "  $(tail -1 "$TMP/wrk.tsv" | awk '{ print $3 " req/s, " $4 " MB/s" }')"
}
: >"$TMP/wrk.tsv"

# nginx serves the very pages the mock returned, from $TMP/pages, in two
# configurations: the one asked for (sendfile on), and sendfile off, which
# can be faster over loopback; the target is judged against the faster.
mkdir -p "$TMP/nginx"
ls "$TMP/pages" | sed 's|^|/|' >"$TMP/nginx.paths"
start_nginx() {
    local name=$1 sendfile=$2 port i try
    for try in $(seq 20); do
        port=$((20000 + RANDOM % 40000))
        cat >"$TMP/nginx/$name.conf" <<EOF
# root: the scratch dir is 0700, so workers must read as its owner.
user root;
worker_processes 2;
daemon off;
pid $TMP/nginx/$name.pid;
error_log $TMP/nginx/$name-error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile $sendfile;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_requests 1000000;
    keepalive_timeout 60s;
    default_type application/json;
    client_body_temp_path $TMP/nginx/body;
    proxy_temp_path $TMP/nginx/proxy;
    fastcgi_temp_path $TMP/nginx/fastcgi;
    uwsgi_temp_path $TMP/nginx/uwsgi;
    scgi_temp_path $TMP/nginx/scgi;
    server {
        listen 127.0.0.1:$port;
        root $TMP/pages;
    }
}
EOF
        start_bg "$name" nginx -c "$TMP/nginx/$name.conf" -p "$TMP/nginx" -e "$TMP/nginx/$name-error.log"
        for i in $(seq 30); do
            if curl -sf -o /dev/null "http://127.0.0.1:$port/page-000.json"; then
                eval "URL_${name//-/_}=http://127.0.0.1:$port"
                CMDS+=("nginx -c $TMP/nginx/$name.conf   # worker_processes 2, sendfile $sendfile, access_log off")
                # Same bytes: the static page must be the page the mock served.
                curl -sf "http://127.0.0.1:$port/page-001.json" | cmp -s - "$TMP/pages/page-001.json" ||
                    die "nginx serves other bytes than the mock"
                return 0
            fi
            kill -0 "$LAST_PID" 2>/dev/null || break # port taken: try another
            sleep 0.1
        done
        stop_pid "$LAST_PID"
    done
    die "nginx would not start: $(tail -3 "$TMP/nginx/$name-error.log")"
}
start_nginx nginx-sendfile-on on
start_nginx nginx-sendfile-off off

# Rounds interleave the three servers, so that a burst of other work on the
# machine weighs on all of them rather than on one; each server's best round
# is its figure. Idle servers cost nothing while another is measured.
MOCK_CPU0=$(awk '{ print $14 + $15 }' "/proc/$POP_PID/stat")
for round in $(seq "$ROUNDS"); do
    run_wrk mock "$round" "$MOCK_URL" "$TMP/mock.paths"
    run_wrk nginx-sendfile-on "$round" "$URL_nginx_sendfile_on" "$TMP/nginx.paths"
    run_wrk nginx-sendfile-off "$round" "$URL_nginx_sendfile_off" "$TMP/nginx.paths"
done
MOCK_CPU_S=$(awk -v a="$MOCK_CPU0" -v b="$(awk '{ print $14 + $15 }' "/proc/$POP_PID/stat")" -v t="$(getconf CLK_TCK)" \
    -v n="$ROUNDS" 'BEGIN { printf "%.1f", (b - a) / t / n }')
MOCK_RSS_AFTER=$(status_kb "$POP_PID" VmRSS)
MOCK_HWM=$(status_kb "$POP_PID" VmHWM)
# VmHWM is updated lazily for multi-threaded processes and can lag VmRSS.
[ "$MOCK_RSS_AFTER" -gt "$MOCK_HWM" ] && MOCK_HWM=$MOCK_RSS_AFTER
for pid in "${PIDS[@]}"; do stop_pid "$pid"; done

# A server's figure is its best round (column c of that round's row).
best() { awk -v n="$1" -v c="$2" '$1 == n && $3 > b { b = $3; v = $c } END { print v }' "$TMP/wrk.tsv"; }
MOCK_RPS=$(best mock 3)
NG_ON_RPS=$(best nginx-sendfile-on 3)
NG_OFF_RPS=$(best nginx-sendfile-off 3)
NGINX_BEST=$(awk -v a="$NG_ON_RPS" -v b="$NG_OFF_RPS" 'BEGIN { print (a > b ? a : b) }')
RATIO_ON=$(awk -v m="$MOCK_RPS" -v n="$NG_ON_RPS" 'BEGIN { printf "%.2f", m / n }')
RATIO_OFF=$(awk -v m="$MOCK_RPS" -v n="$NG_OFF_RPS" 'BEGIN { printf "%.2f", m / n }')
RATIO_BEST=$(awk -v m="$MOCK_RPS" -v n="$NGINX_BEST" 'BEGIN { printf "%.2f", m / n }')
LIST_OK=$(awk -v r="$RATIO_BEST" 'BEGIN { print (r >= 0.5 ? "met" : "NOT met") }')
[ "$LIST_OK" = met ] || FAILURES+=("list throughput $RATIO_BEST x nginx, below the 0.5 target")
log "list: mock/nginx = $RATIO_ON (sendfile on), $RATIO_OFF (sendfile off): target $LIST_OK"

# ============================== watch fan-out ==============================
log "watch fan-out: $WATCHERS watches, $EVENTS updates"
WS_CMD="$BUILD/bin/lwc-mockserver --listen 127.0.0.1:0 --empty"
start_bg watchserver $WS_CMD
WS_PID=$LAST_PID
WS_URL=$(wait_listening watchserver "$WS_PID" 20)
CMDS+=("$WS_CMD")
WF_CMD="$BUILD/bench/bench_watch_fanout --url $WS_URL --pid $WS_PID --watchers $WATCHERS --events $EVENTS --objects 10 --connect-timeout 30 --timeout 90"
CMDS+=("$WF_CMD")
WF_RC=0
timeout 150 $WF_CMD >"$TMP/fanout.out" 2>"$TMP/fanout.err" || WF_RC=$?
cat "$TMP/fanout.err" >&2
wf() { sed -n "s/^$1=//p" "$TMP/fanout.out" | head -1; }
if [ "$WF_RC" != 0 ]; then
    FAILURES+=("bench_watch_fanout exited $WF_RC: $(grep -m3 . "$TMP/fanout.err" | tr '\n' ' ')")
fi
WS_HWM=$(status_kb "$WS_PID" VmHWM || true)
# VmHWM is updated lazily for multi-threaded processes and can lag VmRSS.
for k in server_rss_after_kb server_hwm_kb; do
    v=$(wf "$k")
    [ -n "$v" ] && [ -n "$WS_HWM" ] && [ "$v" -gt "$WS_HWM" ] && WS_HWM=$v
done
stop_pid "$WS_PID"
WF_VERDICT=$([ "$WF_RC" = 0 ] && echo "every watcher got every event, in order" || echo "FAILED (see below)")
log "fan-out: $(wf events_per_s) events/s, full delivery in $(wf full_delivery_s) s: $WF_VERDICT"
T_END=$(date +%s)

# ============================== results ==============================
mkdir -p "$(dirname "$OUT")"
kb_mb() { awk -v k="${1:-0}" 'BEGIN { if (k == "" || k < 0) print "n/a"; else printf "%.1f MiB", k / 1024 }'; }
{
    echo "# Mock server benchmarks"
    echo
    echo "Written by \`bench/run_bench.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'); measured part took $((T_END - T_START)) s."
    echo
    machine_table
    echo "| commit | $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- mockserver/src mockserver/include scenario apimachinery common 2>/dev/null || echo ' (the server or its libraries differ from it: uncommitted work)') |"
    echo "| mock build | CMake $BUILD_TYPE ($(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$BUILD/CMakeCache.txt"), $(sed -n "s/^CMAKE_C_FLAGS_$(echo "$BUILD_TYPE" | tr a-z A-Z):STRING=//p" "$BUILD/CMakeCache.txt")), libmicrohttpd $(pkg-config --modversion libmicrohttpd), thread per connection |"
    echo "| nginx / wrk | $(nginx -v 2>&1 | sed 's/^nginx version: //') / $(wrk -v 2>&1 | head -1 | awk '{ print $2 }') |"
    echo "| load average (1/5/15 min) before the run | $LOAD_BEFORE |"
    echo
    echo "Everything runs on this one machine: client, servers and wrk share the $(nproc) cores; other work on the"
    echo "machine (see the load average) adds noise, which the interleaved rounds below spread over all servers."
    echo
    echo "## List serving ($PODS pods, pages of $PAGE)"
    echo
    echo "World: $POP_LINE."
    echo "Walk: $NPAGES pages, $ITEMS items, all at one resourceVersion; average page $AVG_PAGE bytes, $AVG_ITEM bytes per item;"
    echo "sum of curl's per-page times for the sequential walk: $WALK_SERVER_S s."
    echo
    echo "wrk: $WRK_THREADS threads, $WRK_CONNS connections, ${WRK_SECS} s a run, each request the next page URL in the"
    echo "list (\`bench/wrk/cycle.lua\`); $ROUNDS rounds, each round the three servers one after the other;"
    echo "MB = 10^6 bytes, headers included. Best round per server (the figure used):"
    echo
    echo "| server | requests/s | MB/s | p50 ms | p99 ms | requests | errors |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    for srvname in mock nginx-sendfile-on nginx-sendfile-off; do
        case $srvname in
        mock) label="mock (\`limit=$PAGE&continue=...\`)" ;;
        nginx-sendfile-on) label="nginx, sendfile on (static pages)" ;;
        *) label="nginx, sendfile off (static pages)" ;;
        esac
        awk -F'\t' -v n="$srvname" -v l="$label" '$1 == n && $3 > b { b = $3; row = $0 }
            END { split(row, f, "\t"); printf "| %s | %s | %s | %s | %s | %s | %s |\n", l, f[3], f[4], f[5], f[6], f[7], f[8] }' \
            "$TMP/wrk.tsv"
    done
    echo
    echo "Every round (requests/s):"
    echo
    echo "| round | mock | nginx sendfile on | nginx sendfile off |"
    echo "|---|---:|---:|---:|"
    for round in $(seq "$ROUNDS"); do
        awk -F'\t' -v r="$round" '$2 == r { v[$1] = $3 } END {
            printf "| %s | %s | %s | %s |\n", r, v["mock"], v["nginx-sendfile-on"], v["nginx-sendfile-off"] }' "$TMP/wrk.tsv"
    done
    echo
    echo "| figure | value |"
    echo "|---|---|"
    echo "| mock / nginx (sendfile on) | **$RATIO_ON** |"
    echo "| mock / nginx (sendfile off) | **$RATIO_OFF** |"
    echo "| target: mock >= 0.5x the faster nginx | **$LIST_OK** ($RATIO_BEST) |"
    echo "| mock RSS with $PODS pods, before wrk | $(kb_mb "$MOCK_RSS_POPULATED") |"
    echo "| mock RSS after wrk | $(kb_mb "$MOCK_RSS_AFTER") |"
    echo "| mock peak RSS (VmHWM) | $(kb_mb "$MOCK_HWM") |"
    echo "| mock CPU per ${WRK_SECS} s wrk run (of $(nproc) cores) | $MOCK_CPU_S s |"
    echo
    echo "## Watch fan-out ($WATCHERS watches, $EVENTS updates)"
    echo
    echo "Server: the CLI (\`lwc-mockserver --empty\`) in its own process. Client: \`bench_watch_fanout\`, one epoll"
    echo "loop over $WATCHERS raw sockets, each \`GET /api/v1/pods?watch=true&resourceVersion=<current>\`; the updates are"
    echo "sequential merge PATCHes of $(wf objects) ~1.2 KB pods over one keep-alive connection, update k carrying annotation"
    echo "\`bench.lwc/seq: k\`; each watcher checks it receives seq 1..$EVENTS in order, nothing missing, nothing extra."
    echo
    echo "| figure | value |"
    echo "|---|---|"
    echo "| verdict | **$WF_VERDICT** |"
    echo "| all watches established (200 heads) in | $(wf established_s) s |"
    echo "| events delivered / expected | $(wf delivered_events) / $(wf expected_events) |"
    echo "| time from first write to full delivery | **$(wf full_delivery_s) s** |"
    echo "| events delivered per second (N x E / time) | **$(wf events_per_s)** |"
    echo "| writes (PATCH) per second achieved | $(wf writes_per_s) |"
    echo "| watcher completion p50 / p99 / max | $(wf watcher_done_p50_s) / $(wf watcher_done_p99_s) / $(wf watcher_done_max_s) s |"
    echo "| bytes received by all watchers | $(wf received_mb) MB |"
    echo "| server RSS before the watches | $(kb_mb "$(wf server_rss_before_kb)") |"
    echo "| server RSS with $WATCHERS watches open | $(kb_mb "$(wf server_rss_watching_kb)") ($(wf server_threads) threads) |"
    echo "| server RSS after delivery | $(kb_mb "$(wf server_rss_after_kb)") |"
    echo "| server peak RSS (VmHWM) | $(kb_mb "${WS_HWM:-$(wf server_hwm_kb)}") |"
    echo "| server CPU during delivery | $(wf server_cpu_s) s |"
    if [ "$WF_RC" != 0 ]; then
        echo
        echo "bench_watch_fanout exited $WF_RC:"
        echo
        echo '```'
        head -20 "$TMP/fanout.err"
        echo '```'
    fi
    echo
    echo "## Commands"
    echo
    echo "\`bench/run_bench.sh\` ran, in order (\$TMP = a fresh \`mktemp -d\`):"
    echo
    echo '```'
    printf '%s\n' "${CMDS[@]}" | sed "s|$TMP|\$TMP|g; s|$ROOT/||g"
    echo '```'
    if [ "${#FAILURES[@]}" -gt 0 ]; then
        echo
        echo "## Problems"
        echo
        printf -- '- %s\n' "${FAILURES[@]}"
    fi
} >"$OUT"
log "wrote $OUT"
if [ "${#FAILURES[@]}" -gt 0 ]; then
    printf '%s\n' "${FAILURES[@]}" >&2
    exit 1
fi
