#!/bin/sh
# Speaks the protocol correctly for an empty world, but first leaves two
# helpers the process group cannot hold: one in a new session (setsid), and
# one in a new session whose parent has already exited (a daemon's double
# fork). Each writes its pid to $1.a / $1.b; the harness must kill both.
rm -f "$1.a" "$1.b"
setsid sh -c 'echo $$ > "$1.tmp" && mv "$1.tmp" "$1"; exec sleep 1000' sh "$1.a" </dev/null >/dev/null 2>&1 &
( setsid sh -c 'echo $$ > "$1.tmp" && mv "$1.tmp" "$1"; exec sleep 1000' sh "$1.b" </dev/null >/dev/null 2>&1 & )
while [ ! -s "$1.a" ] || [ ! -s "$1.b" ]; do sleep 0.05; done
# READY means "my store holds a complete list": list once, for real, first.
python3 -c 'import os, urllib.request as u; u.urlopen(os.environ["LWC_SERVER"] + os.environ["LWC_COLLECTION"]).read()' &&
  echo '{"type":"READY"}'
while IFS= read -r line; do
  case "$line" in
    DUMP\ *) printf '{"type":"SNAPSHOT","seq":%s,"items":[]}\n' "${line#DUMP }" ;;
    STOP) exit 0 ;;
  esac
done
exit 0
