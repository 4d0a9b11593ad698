#!/bin/sh
# Speaks the protocol correctly for an empty world, and stops on STOP. Writes
# its pid to $1 when given (the Ctrl-C test uses it with never-ready mode $2).
[ -n "$1" ] && echo $$ > "$1"
# READY means "my store holds a complete list": list once, for real, first.
list_once() {
  python3 -c 'import os, urllib.request as u; u.urlopen(os.environ["LWC_SERVER"] + os.environ["LWC_COLLECTION"]).read()'
}
[ "$2" = "never-ready" ] || { list_once && echo '{"type":"READY"}'; }
while IFS= read -r line; do
  case "$line" in
    DUMP\ *) printf '{"type":"SNAPSHOT","seq":%s,"items":[]}\n' "${line#DUMP }" ;;
    STOP) exit 0 ;;
  esac
done
exit 0
