#!/usr/bin/env bash
# The Debian package: `cpack -G DEB` in the build folder, `apt-get install`
# of the .deb (which must pull its runtime dependencies by itself), the
# catalog run from the installed package, then removal. Needs root (or
# sudo): CI runs it as its own stage. Usage: deb_test.sh BUILD_DIR
set -euo pipefail
build=$1
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if sudo -n true 2>/dev/null; then SUDO="sudo"; else echo "deb test: needs root or sudo"; exit 77; fi
fi
(cd "$build" && rm -f lwc_*.deb && cpack -G DEB >/dev/null)
deb=$(ls "$build"/lwc_*.deb)
echo "== $(basename "$deb")"
dpkg-deb --field "$deb" Package Version Depends
trap '$SUDO apt-get remove -y lwc >/dev/null 2>&1 || true' EXIT
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y "$deb" >/dev/null
[ "$(command -v lwc-harness)" = /usr/bin/lwc-harness ] || { echo "FAIL: lwc-harness not on PATH from the package"; exit 1; }
lwc-harness --version
man -w lwc-harness >/dev/null
# The whole catalog from the package: its own lwc-watch, its own share/lwc/scenarios.
(cd / && lwc-harness -j "$(nproc)")
echo "deb test passed"
