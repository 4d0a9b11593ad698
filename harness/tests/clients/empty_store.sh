#!/bin/sh
# Speaks the protocol correctly for an empty world, and stops on STOP. Writes
# its pid to $1 when given (the Ctrl-C test uses it with never-ready mode $2).
[ -n "$1" ] && echo $$ > "$1"
. "$(dirname "$0")/empty_store_lib.sh"
[ "$2" = "never-ready" ] || { list_once && echo '{"type":"READY"}'; }
serve_empty_store
