#!/usr/bin/env bash
# ctest entry of the fidelity test: installs @kubernetes/client-node from
# this directory's package-lock.json into BUILD_DIR (npm ci, its cache there
# too; nothing is written into the source tree), finds a python3 with
# python3-kubernetes, then runs fidelity.py over the demo world and the catalog.
# Usage: run.sh LWC_MOCKSERVER SCENARIO_DIR BUILD_DIR
# Exits 77 (ctest: skipped) only when node or npm is missing.
set -euo pipefail
mock=$1 scenarios=$2 work=$3
here=$(cd "$(dirname "$0")" && pwd)
for tool in node npm; do
  if ! command -v "$tool" >/dev/null; then
    echo "SKIP: $tool is not installed; the @kubernetes/client-node half of this test needs node 20 and npm"
    exit 77
  fi
done
mkdir -p "$work"
# npm ci only when the lock changed since the last install.
if ! cmp -s "$here/package-lock.json" "$work/package-lock.json" || [ ! -d "$work/node_modules/@kubernetes/client-node" ]; then
  cp "$here/package.json" "$here/package-lock.json" "$work/"
  (cd "$work" && npm ci --ignore-scripts --no-audit --no-fund --cache "$work/npm-cache" >npm-ci.log 2>&1) || {
    echo "npm ci failed in $work:"; tail -20 "$work/npm-ci.log"; exit 1; }
fi
cp "$here/check_node.mjs" "$work/"
py=""
for cand in python3 /usr/bin/python3; do
  if command -v "$cand" >/dev/null && "$cand" -c 'import kubernetes.client' 2>/dev/null; then py=$cand; break; fi
done
if [ -z "$py" ]; then
  echo "FAIL: no python3 can import kubernetes; install python3-kubernetes (bash ci/install-deps.sh)"
  exit 1
fi
exec "$py" "$here/fidelity.py" "$mock" "$scenarios" "$work" "$work/check_node.mjs"
