#!/usr/bin/env bash
# Installs the headless browser the conformance-matrix page test opens the
# page in (Debian's chromium) and a font for it to render text with.
# Idempotent; needs root (or sudo).
set -euo pipefail
exec bash "$(dirname "$0")/install-deps.sh" chromium fonts-dejavu-core
