#!/bin/bash
# lwc-explore end to end, CI-sized: against a reproduced bug of lwc-watch, a
# fixed seed finds a failure in its first runs, shrinks it, and writes a
# scenario file that lwc-harness loads and fails the same way; the right
# lwc-watch passes that file. No timing is asserted.
set -u
explore=$1 harness=$2 watch=$3 schema=${4:-}
out=$(mktemp -d "${TMPDIR:-/tmp}/lwc-explore-e2e.XXXXXX")
trap 'rm -rf "$out"' EXIT
fail() { echo "explore_e2e: $*" >&2; exit 1; }

"$explore" --client "$watch --bug first-page-only" --seed 7 --runs 4 -j 2 --stop-after 1 --confirm 2 \
    --out "$out/found" --json "$out/found.json" >"$out/stdout" 2>"$out/stderr"
rc=$?
[ $rc -eq 1 ] || { cat "$out/stdout" "$out/stderr"; fail "expected exit 1 (a failure found), got $rc"; }
grep -q 'seed 7' "$out/stdout" || fail "the summary does not name the seed"
file=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); f=[x for x in d["failures"] if x["sameAs"]==-1 and x["file"]]; print(f[0]["file"] if f else "")' "$out/found.json")
[ -n "$file" ] && [ -f "$file" ] || fail "no shrunk scenario file in $out/found.json"
steps=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); f=[x for x in d["failures"] if x["sameAs"]==-1][0]; print(f["stepsAndFaults"], f["objects"], f["objectsBefore"])' "$out/found.json")
set -- $steps
[ "$2" -le "$3" ] || fail "shrinking grew the world: $3 -> $2 objects"
[ "$1" -le 5 ] || fail "the shrunk scenario has $1 steps and faults (more than 5)"
"$harness" --client "$watch --bug first-page-only" "$file" >"$out/h1" 2>&1
[ $? -eq 1 ] || { cat "$out/h1"; fail "lwc-harness does not reproduce the failure from $file"; }
grep -q 'initial-state' "$out/h1" || fail "the reproduced failure is not the initial-state check"
"$harness" --client "$watch" "$file" >"$out/h2" 2>&1
[ $? -eq 0 ] || { cat "$out/h2"; fail "the right lwc-watch fails the shrunk file: a false positive"; }
# the same seed gives the same scenarios
a=$("$explore" --seed 7 --print 3) && b=$("$explore" --seed 7 --print 3) && [ "$a" = "$b" ] || fail "--seed 7 --print 3 differs between calls"
# every generated scenario validates against the format's JSON Schema too
if [ -n "$schema" ] && python3 -c 'import jsonschema' 2>/dev/null; then
  python3 - "$explore" "$schema" "$file" <<'PY' || fail "a generated scenario does not validate against the schema"
import json, subprocess, sys
import jsonschema
v = jsonschema.Draft202012Validator(json.load(open(sys.argv[2])))
docs = [json.load(open(sys.argv[3]))]
for i in range(100):
    docs.append(json.loads(subprocess.run([sys.argv[1], "--seed", "11", "--print", str(i)], check=True,
                                          capture_output=True, text=True).stdout))
for d in docs:
    errs = list(v.iter_errors(d))
    if errs:
        print(d["name"], errs[0].message, list(errs[0].path), file=sys.stderr)
        sys.exit(1)
PY
fi
echo "explore_e2e: found, shrunk and reproduced ($file)"
