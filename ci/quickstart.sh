#!/usr/bin/env bash
# Sets up a fresh machine and runs the main job: the scenario catalog against
# the reference watcher, with its table. Exit status is the harness's:
# 0 all passed, 1 some failed, 2 could not run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/install-deps.sh
cmake -S . -B build -DLWC_WERROR=ON >/dev/null
cmake --build build -j"$(nproc)"
exec build/bin/lwc-harness -j "$(nproc)" scenarios/
