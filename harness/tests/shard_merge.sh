#!/usr/bin/env bash
# The sharded CI path of ci/templates/: N shards together run every scenario
# exactly once, and --merge-junit of their files gives the verdicts of one
# unsharded run. Also parses the CI templates with a YAML parser and checks
# they use that path. Usage: shard_merge.sh LWC_HARNESS SCENARIO_DIR TEMPLATE_DIR
set -euo pipefail
harness=$1 scenarios=$2 templates=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/lwc-shards-XXXXXX")
trap 'rm -rf "$work"' EXIT
filter=page   # a handful of quick catalog scenarios; --filter applies after --shard
"$harness" -j 2 --filter "$filter" --junit "$work/full.xml" "$scenarios" >/dev/null
for i in 1 2 3; do
  "$harness" -j 2 --shard "$i/3" --filter "$filter" --junit "$work/shard-$i.xml" "$scenarios" >/dev/null || [ $? -eq 1 ]
done
"$harness" --merge-junit "$work/merged.xml" "$work"/shard-*.xml
if "$harness" --merge-junit "$work/bad.xml" "$templates/gitlab-ci.yml" 2>"$work/err"; then
  echo "FAIL: --merge-junit accepted a file that is not lwc JUnit"; exit 1
fi
grep -q "not a JUnit file written by lwc-harness" "$work/err"
python3 - "$work" "$templates" <<'PY'
import sys, xml.etree.ElementTree as ET, yaml
work, templates = sys.argv[1], sys.argv[2]
def cases(path):
    root = ET.parse(path).getroot()
    suite = root.find("testsuite")
    out = {}
    for tc in suite.findall("testcase"):
        kind = "pass"
        for k in ("failure", "error", "skipped"):
            if tc.find(k) is not None:
                kind = k
        name = tc.get("name")
        assert name not in out, f"{path}: {name} twice"
        out[name] = kind
    assert int(suite.get("tests")) == len(out), f"{path}: tests={suite.get('tests')} but {len(out)} test cases"
    return root, out
_, full = cases(f"{work}/full.xml")
merged_root, merged = cases(f"{work}/merged.xml")
shards = [cases(f"{work}/shard-{i}.xml")[1] for i in (1, 2, 3)]
seen = [n for s in shards for n in s]
assert len(seen) == len(set(seen)), f"a scenario ran in two shards: {sorted(seen)}"
assert set(seen) == set(full), f"shards ran {sorted(seen)}, the unsharded run {sorted(full)}"
assert merged == full, f"merged verdicts {merged} differ from the unsharded run's {full}"
assert len(full) >= 4, f"only {len(full)} scenarios matched the filter"
props = merged_root.find("testsuite").find("properties")
assert props is not None and len(props.findall("property")) >= 2, "merged file lost the client/version properties"
gh = yaml.safe_load(open(f"{templates}/github-actions.yml"))
gl = yaml.safe_load(open(f"{templates}/gitlab-ci.yml"))
steps = " ".join(str(s.get("run", "")) for j in gh["jobs"].values() for s in j["steps"])
assert "--shard" in steps and "--merge-junit" in steps, "the GitHub template does not shard and merge"
assert gh["jobs"]["conformance"]["strategy"]["matrix"]["shard"], "no shard matrix"
def flat(script):  # a YAML anchor nests a list inside the script
    return " ".join(flat(x) if isinstance(x, list) else str(x) for x in script)
assert "--shard" in flat(gl["lwc-conformance"]["script"]) and gl["lwc-conformance"]["parallel"] >= 2
assert "--merge-junit" in flat(gl["lwc-report"]["script"])
print(f"shard/merge: {len(full)} scenarios over 3 shards, each once; merged verdicts equal the unsharded run's; templates parse")
PY
