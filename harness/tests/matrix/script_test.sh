#!/usr/bin/env bash
# ci/conformance-matrix end to end on the small scenarios of this folder:
# lwc-watch, one of its bugs, and the fake adapters (good: two clients with
# expected verdicts; broken: setup fails with hostile bytes; misjudged: a wrong
# expected file; slow: setup hangs), then lwc-matrix's own argument and
# report errors.
# Usage: script_test.sh BUILD_DIR OUT_DIR [TIMEOUT_SCALE]
set -u
build=$1 out=$2 scale=${3:-1}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
cm=$root/ci/conformance-matrix
fails=0 checks=0
check() { # DESCRIPTION COMMAND...
  checks=$((checks + 1))
  if "${@:2}"; then echo "ok   $1"; else echo "FAIL $1"; fails=$((fails + 1)); fi
}
has() { grep -qF -- "$2" "$1"; }
lacks() { ! grep -qF -- "$2" "$1"; }
rm -rf "$out" && mkdir -p "$out" || exit 1
common=(--build "$build" --scenarios "$here/scenarios" --adapters "$here/adapters" --timeout-scale "$scale")

# 1. Everything: the matrix is written even though rows fail.
"$cm" "${common[@]}" --out "$out/all" --clients 'lwc-watch,lwc-watch:first-page-only,good/*,broken/*,misjudged/*' \
  >"$out/all.stdout" 2>"$out/all.stderr"
rc=$?
check "without --ci the exit status is 0 (got $rc)" test "$rc" -eq 0
md=$out/all/matrix.md html=$out/all/matrix.html
check "matrix.md and matrix.html written" test -s "$md" -a -s "$html"
check "one manifest row per client (6)" test "$(wc -l <"$out/all/manifest.tsv")" -eq 6
for row in "| lwc-watch | reference |" "| lwc-watch:first-page-only | bug |" "| good/toy-1.0 | adapter |" \
  "| good/toy-1.0-page1 | adapter |" "| broken | adapter | **unavailable**" "| misjudged/toy-1.0 | adapter |"; do
  check "row $row" has "$md" "$row"
done
check "scenario rows in the Markdown" has "$md" "| harness-relist-deletes | PASS"
check "the bug row fails harness-pages" grep -qE '^\| harness-pages \| PASS [0-9.]+ m?s \| FAIL initial-state' "$md"
check "the broken adapter's error is shown, escaped" has "$md" \
  '> error: cannot build &lt;script&gt;document.title="pwned3"&lt;/script&gt;'
check "its exit status is named" has "$md" "> setup exited 3; its stderr"
check "no raw markup from setup in the page" lacks "$html" '<script>document.title="pwned3"'
check "the page holds the escaped error" has "$html" '&lt;script&gt;document.title=&quot;pwned3&quot;&lt;/script&gt;'
check "every HTML byte is valid UTF-8" python3 -c 'import sys; open(sys.argv[1], "rb").read().decode("utf-8")' "$html"
check "the fake adapter built into BUILD_DIR/adapters/good" test -d "$build/adapters/good"
check "the misjudged adapter differs from its expected file" has "$md" "**differs** (1) from"
check "the toy rows match their expected files" has "$md" "matches harness/tests/matrix/adapters/good/expected-right.txt"

# 2. --ci: a failed setup and a wrong expected file fail the run, and say why.
"$cm" "${common[@]}" --out "$out/ci" --clients 'lwc-watch,broken/*,misjudged/*' --ci >"$out/ci.stdout" 2>"$out/ci.stderr"
rc=$?
check "--ci with a broken adapter exits 1 (got $rc)" test "$rc" -eq 1
check "--ci names the broken setup" has "$out/ci.stderr" "conformance-matrix --ci: broken: setup failed (setup exited 3"
check "--ci names the differing adapter" has "$out/ci.stderr" "misjudged/toy-1.0: the run differs from"

# 3. --ci on rows that hold every rule.
"$cm" "${common[@]}" --out "$out/ci-good" --clients 'lwc-watch,lwc-watch:first-page-only,good/*' --ci \
  >"$out/ci-good.stdout" 2>"$out/ci-good.stderr"
rc=$?
check "--ci on the good rows exits 0 (got $rc)" test "$rc" -eq 0
check "--clients kept the broken adapter's setup from running" lacks "$out/ci-good.stderr" "== broken: setup"

# 4. A bug that no scenario catches fails --ci: lwc-watch with a bug that the
#    harness-empty scenario alone cannot reveal.
mkdir -p "$out/only-empty" && ln -sf "$here/scenarios/empty.json" "$out/only-empty/empty.json"
"$cm" --build "$build" --timeout-scale "$scale" --scenarios "$out/only-empty" --adapters "$here/adapters" --out "$out/ci-bug" \
  --clients 'lwc-watch:first-page-only' --ci >"$out/ci-bug.stdout" 2>"$out/ci-bug.stderr"
rc=$?
check "--ci with an uncaught bug exits 1 (got $rc)" test "$rc" -eq 1
check "and names the bug" has "$out/ci-bug.stderr" "lwc-watch:first-page-only: no scenario catches this bug"

# 5. A setup that never finishes is cut at --setup-timeout and listed as unavailable.
"$cm" "${common[@]}" --out "$out/slow" --clients 'lwc-watch,slow/*' --setup-timeout 2 >"$out/slow.stdout" 2>"$out/slow.stderr"
rc=$?
check "a hanging setup does not stop the matrix (exit $rc)" test "$rc" -eq 0
check "it is unavailable, with why" has "$out/slow/matrix.md" "> setup did not finish within 2 s (--setup-timeout); its stderr"

# 6. Bad arguments.
"$cm" "${common[@]}" --out "$out/none" --clients 'nothing-matches' >"$out/none.stdout" 2>"$out/none.stderr"
check "--clients matching nothing exits 2" test $? -eq 2
"$cm" --bogus >/dev/null 2>"$out/bogus.stderr"
check "an unknown option exits 2" test $? -eq 2

# 7. lwc-matrix: a report that is not one is a clear error naming the file.
mx=$build/bin/lwc-matrix
printf '{"scenarios": [' >"$out/trunc.json"
"$mx" --md "$out/x.md" ok="$root/harness/tests/matrix/fixtures/v1-report.json" bad="$out/trunc.json" 2>"$out/mx.stderr"
rc=$?
check "lwc-matrix on a truncated report exits 2 (got $rc)" test "$rc" -eq 2
check "and names the file" has "$out/mx.stderr" "lwc-matrix: $out/trunc.json: not valid JSON (line 1"
check "and writes nothing" test ! -e "$out/x.md"
"$mx" --md "$out/x.md" 2>/dev/null
check "lwc-matrix without reports exits 2" test $? -eq 2
"$mx" ok="$root/harness/tests/matrix/fixtures/v1-report.json" 2>/dev/null
check "lwc-matrix without --md or --html exits 2" test $? -eq 2
"$mx" --html "$out/nodir/x.html" ok="$root/harness/tests/matrix/fixtures/v1-report.json" 2>"$out/mx2.stderr"
check "an unwritable output exits 2 naming it" has "$out/mx2.stderr" "$out/nodir/x.html: No such file or directory"

echo "$((checks - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
