#!/usr/bin/env python3
"""The scenario format's JSON Schema (scenarios/schema/scenario.schema.json)
and lwc's parser agree: the schema is a valid draft 2020-12 schema, every
catalog file and every good test scenario validates against it, and every
file in bad-scenarios/ is refused by both, the parser with the message in
its .error file (path and JSON path), the schema too.

Usage: schema_agreement.py LWC_MOCKSERVER REPO_ROOT"""
import glob
import json
import os
import subprocess
import sys

import jsonschema

server, root = sys.argv[1], sys.argv[2]
schema = json.load(open(os.path.join(root, "scenarios/schema/scenario.schema.json")))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
problems = []

good = sorted(glob.glob(os.path.join(root, "scenarios/*.json")))
good += [f for f in sorted(glob.glob(os.path.join(root, "harness/tests/scenarios/*.json")))
         if not f.endswith("bad-member.json")]
for f in good:
    for e in validator.iter_errors(json.load(open(f))):
        problems.append(f"{f}: the schema refuses a file the parser loads: "
                        f"{'.'.join(str(p) for p in e.absolute_path)}: {e.message[:200]}")

bad = sorted(glob.glob(os.path.join(root, "scenario/tests/bad-scenarios/*.json")))
for f in bad:
    want = open(f[:-5] + ".error").read().strip()
    try:
        p = subprocess.run([server, "--scenario", f, "--listen", "127.0.0.1:0", "--no-control"],
                           capture_output=True, text=True, timeout=10)
        rc, err = p.returncode, p.stderr
    except subprocess.TimeoutExpired:
        rc, err = "still running after 10 s (the server accepted it)", ""
    if rc != 2 or want not in err or f not in err:
        problems.append(f"{f}: the parser should refuse it with exit 2 and \"{want}\"; got {rc}: {err.strip()[:300]}")
    if validator.is_valid(json.load(open(f))):
        problems.append(f"{f}: the parser refuses it ({want}) but the schema accepts it")

for p in problems:
    print("FAIL", p)
print(f"{len(good)} good files validate, {len(bad)} bad files refused by parser and schema: "
      f"{len(problems)} problems")
sys.exit(1 if problems else 0)
