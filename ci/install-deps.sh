#!/usr/bin/env bash
# Installs the Debian packages lwc builds and tests with (or, given package
# names, those). Idempotent; needs root (or sudo). Skips apt when everything
# is already present.
set -euo pipefail
pkgs=(build-essential cmake pkg-config libmicrohttpd-dev libcjson-dev libcurl4-openssl-dev check lcov valgrind
      python3 python3-kubernetes python3-yaml python3-jsonschema)
if (($#)); then pkgs=("$@"); fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "== dependencies present"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "== installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
# Another apt run (a developer's, a sibling job's) holds the lock for a while: wait for it.
$SUDO apt-get install -y -o DPkg::Lock::Timeout=600 --no-install-recommends "${missing[@]}"
