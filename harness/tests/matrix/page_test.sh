#!/usr/bin/env bash
# The conformance-matrix page in a real headless browser (Debian's chromium,
# installed by ci/install-browser-deps.sh): a screenshot that is a PNG of the
# window's size and not blank, and the DOM after the page's script ran —
# every client row and scenario column, a failing cell's link opening its
# report, N/A reasons, hostile report text shown as text.
# Usage: page_test.sh BUILD_DIR OUT_DIR [TIMEOUT_SCALE]
set -u
build=$1 out=$2 scale=${3:-1}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
py=/usr/bin/python3
[ -x "$py" ] || py=python3
browser=$(command -v chromium || command -v chromium-browser) || {
  echo "FAIL chromium is not installed: run ci/install-browser-deps.sh"
  exit 1
}
rm -rf "$out" && mkdir -p "$out" || exit 1
fails=0 checks=0
check() { # DESCRIPTION COMMAND...
  checks=$((checks + 1))
  if "${@:2}"; then echo "ok   $1"; else echo "FAIL $1"; fails=$((fails + 1)); fi
}
run_browser() { # ARGS... : chromium with its profile in OUT, bounded in time
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
    --user-data-dir="$out/profile" "$@" 2>>"$out/chromium.log"
}
W=1280 H=900

# Page A: ci/conformance-matrix on lwc-watch, one bug and the fake adapters.
"$root/ci/conformance-matrix" --build "$build" --timeout-scale "$scale" --scenarios "$here/scenarios" --adapters "$here/adapters" \
  --out "$out/a" --clients 'lwc-watch,lwc-watch:first-page-only,good/*,broken/*' >"$out/a.log" 2>&1
check "conformance-matrix wrote page A" test -s "$out/a/matrix.html"
pageA=$out/a/matrix.html
run_browser --window-size=$W,$H --screenshot="$out/a.png" "file://$pageA" >/dev/null
# The pass green and the fail red of the cells must be on screen.
check "screenshot of page A" "$py" "$here/check_page.py" png "$out/a.png" $W $H d9f2d9 f7c6c3
# The first failing cell of the bug row (row 1): its link, and that report opened by the fragment.
link=$(grep -o '<tr class="client" id="c-1">.*' "$pageA" | grep -o 'href="#r-1-[0-9]*"' | head -n 1 | sed 's/href="#//; s/"//')
check "the bug row has a failing cell with a link ($link)" test -n "$link"
run_browser --dump-dom "file://$pageA#$link" >"$out/a-open.html"
check "page A's DOM: rows, columns, the opened report" "$py" "$here/check_page.py" dom "$out/a-open.html" \
  --manifest "$out/a/manifest.tsv" --open "$link" --text "$link" "[initial-state]" --title "lwc conformance matrix"
run_browser --dump-dom "file://$pageA" >"$out/a-closed.html"
check "without the fragment the report stays closed" "$py" "$here/check_page.py" dom "$out/a-closed.html" \
  --manifest "$out/a/manifest.tsv" --closed "$link"
uid=$(grep -o 'id="u-[0-9]*"' "$pageA" | head -n 1 | sed 's/id="//; s/"//')
check "the broken adapter's error opens by its fragment, as text" "$py" "$here/check_page.py" dom \
  "$(run_browser --dump-dom "file://$pageA#$uid" >"$out/a-u.html"; echo "$out/a-u.html")" \
  --manifest "$out/a/manifest.tsv" --text "$uid" 'cannot build <script>document.title="pwned3"</script>' \
  --title "lwc conformance matrix"

# Page B: lwc-matrix on the fixtures: a newer report (HELLO, N/A, NOT RUN,
# expected verdicts, hostile stderr) beside an older one.
fx=$here/fixtures
"$build/bin/lwc-matrix" --html "$out/b.html" --title "fixture matrix" new="$fx/v2-report.json" old="$fx/v1-report.json" \
  >"$out/b.log" 2>&1
check "lwc-matrix wrote page B" test -s "$out/b.html"
run_browser --window-size=$W,$H --screenshot="$out/b.png" "file://$out/b.html" >/dev/null
# Pass green, expected-failure amber, N/A grey.
check "screenshot of page B" "$py" "$here/check_page.py" png "$out/b.png" $W $H d9f2d9 fde7b8 ececec
run_browser --dump-dom "file://$out/b.html#r-0-2" >"$out/b-na.html"
check "page B: the N/A cell opens its reason" "$py" "$here/check_page.py" dom "$out/b-na.html" \
  --report new="$fx/v2-report.json" --report old="$fx/v1-report.json" --open r-0-2 \
  --text r-0-2 "requires watchList; the client declares rewatch, relist, retry" --title "fixture matrix"
run_browser --dump-dom "file://$out/b.html#r-0-1" >"$out/b-fail.html"
check "page B: the expected failure opens with its evidence and the stderr as text" "$py" "$here/check_page.py" dom \
  "$out/b-fail.html" --report new="$fx/v2-report.json" --report old="$fx/v1-report.json" --open r-0-1 \
  --text r-0-1 "watch.py:160 waits forever on a silent socket" \
  --text r-0-1 "</pre><script>document.title='pwned'</script>" --title "fixture matrix"
check "page B: the adapter's expected-verdicts block opens" "$py" "$here/check_page.py" dom \
  "$(run_browser --dump-dom "file://$out/b.html#x-0" >"$out/b-x.html"; echo "$out/b-x.html")" \
  --report new="$fx/v2-report.json" --report old="$fx/v1-report.json" --text x-0 "5xx-storm: expected pass, got FAIL requests"

echo "screenshots: $out/a.png $out/b.png"
echo "$((checks - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
