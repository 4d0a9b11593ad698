#!/bin/sh
# Breaks the protocol: says READY and exits before STOP.
echo '{"type":"READY"}'
echo 'exit_early: giving up' >&2
exit 3
