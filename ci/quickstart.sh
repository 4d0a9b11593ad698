#!/usr/bin/env bash
# Sets up a fresh machine and runs the main job. Until the harness exists, the
# main job is a demonstration: the demo server, listed and watched by kubectl.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/install-deps.sh
cmake -S . -B build -DLWC_WERROR=ON >/dev/null
cmake --build build -j"$(nproc)"

tmp=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$tmp"' EXIT
build/bin/lwc-mockserver --listen 127.0.0.1:0 --kubeconfig "$tmp/kubeconfig" >"$tmp/out" 2>"$tmp/err" &
server=$!
for _ in $(seq 100); do
  grep -q '^listening on' "$tmp/out" 2>/dev/null && break
  sleep 0.05
done
head -1 "$tmp/out"
url=$(awk '/^listening on/ {print $3; exit}' "$tmp/out")
[ -n "$url" ] || { echo "the server did not start:"; cat "$tmp/err"; exit 1; }

kubectl_bin=$(command -v kubectl || true)
if [ -n "$kubectl_bin" ]; then
  echo "\$ kubectl get pods -A --chunk-size=4"
  KUBECONFIG="$tmp/kubeconfig" "$kubectl_bin" --cache-dir "$tmp/cache" get pods -A --chunk-size=4
else
  echo "kubectl not found; listing with curl instead"
  curl -s "$url/api/v1/pods?limit=4" | head -c 400; echo
fi
echo
echo "\$ curl '$url/api/v1/pods?limit=4'   # first page: note continue and remainingItemCount"
curl -s "$url/api/v1/pods?limit=4" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(json.dumps(d["metadata"], indent=2))'
