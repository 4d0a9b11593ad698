#!/bin/sh
# Speaks the protocol correctly for an empty world, but first leaves two
# helpers the process group cannot hold: one in a new session (setsid), and
# one in a new session whose parent has already exited (a daemon's double
# fork). Each writes its pid to $1.a / $1.b; the harness must kill both.
rm -f "$1.a" "$1.b"
setsid sh -c 'echo $$ > "$1.tmp" && mv "$1.tmp" "$1"; exec sleep 1000' sh "$1.a" </dev/null >/dev/null 2>&1 &
( setsid sh -c 'echo $$ > "$1.tmp" && mv "$1.tmp" "$1"; exec sleep 1000' sh "$1.b" </dev/null >/dev/null 2>&1 & )
while [ ! -s "$1.a" ] || [ ! -s "$1.b" ]; do sleep 0.05; done
. "$(dirname "$0")/empty_store_lib.sh"
list_once && echo '{"type":"READY"}'
serve_empty_store
