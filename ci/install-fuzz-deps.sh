#!/usr/bin/env bash
# Installs what the fuzz build needs (cmake -DCMAKE_C_COMPILER=clang
# -DLWC_FUZZ=ON): Debian's clang and its compiler-rt (libFuzzer, ASan and
# UBSan runtimes), and llvm for symbolized stack traces.
# Idempotent; needs root (or sudo).
set -euo pipefail
exec bash "$(dirname "$0")/install-deps.sh" clang libclang-rt-14-dev llvm
