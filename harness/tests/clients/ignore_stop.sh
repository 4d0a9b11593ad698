#!/bin/sh
# Breaks the protocol: answers DUMP (with an empty store, right for an empty
# world) but ignores STOP, end of input and SIGTERM. Writes its pid to $1 so
# the test can see that nothing outlives the harness.
[ -n "$1" ] && echo $$ > "$1"
trap '' TERM
. "$(dirname "$0")/empty_store_lib.sh"
list_once
echo '{"type":"READY"}'
while IFS= read -r line; do
  case "$line" in
    DUMP\ *) printf '{"type":"SNAPSHOT","seq":%s,"items":[]}\n' "${line#DUMP }" ;;
  esac
done
while :; do sleep 1; done
