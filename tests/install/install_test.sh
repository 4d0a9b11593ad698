#!/usr/bin/env bash
# `cmake --install` into a temporary prefix, then use lwc as an outside
# project would: build a small C program against the installed mock server
# through pkg-config alone, run it, and run the installed lwc-harness on the
# installed catalog with the installed lwc-watch (no path into the build or
# source tree). Usage: install_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 src=$2
prefix=$(mktemp -d "${TMPDIR:-/tmp}/lwc-install-XXXXXX")
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null

for f in bin/lwc-harness bin/lwc-mockserver bin/lwc-watch include/lwc/lwc_mockserver.h include/lwc/lwc_scenario.h \
         include/lwc/lwc_reflector.h share/lwc/scenarios/one-page.json share/man/man1/lwc-harness.1; do
  [ -e "$prefix/$f" ] || { echo "FAIL: $f was not installed"; exit 1; }
done
pcdir=$(dirname "$(find "$prefix" -name lwc-mockserver.pc | head -1)")
[ -n "$pcdir" ] || { echo "FAIL: no lwc-mockserver.pc installed"; exit 1; }

# The outside project: its compiler flags come from pkg-config only.
export PKG_CONFIG_PATH="$pcdir"
cflags=$(pkg-config --cflags lwc-mockserver)
libs=$(pkg-config --libs lwc-mockserver)
pkg-config --exists lwc-reflector || { echo "FAIL: lwc-reflector.pc unusable"; exit 1; }
cc -std=c11 -D_GNU_SOURCE -Wall -Werror $cflags "$src/tests/install/embed.c" $libs -o "$prefix/embed"
"$prefix/embed"

# The installed programs find the installed catalog and lwc-watch by themselves.
"$prefix/bin/lwc-harness" --version
listed=$(cd / && "$prefix/bin/lwc-harness" --list)   # whole output first: grep -q would SIGPIPE it
grep -q '^one-page ' <<<"$listed" || { echo "FAIL: installed catalog not found"; exit 1; }
(cd / && "$prefix/bin/lwc-harness" --filter one-page)
echo "install test passed"
