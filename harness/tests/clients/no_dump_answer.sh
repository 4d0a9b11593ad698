#!/bin/sh
# Breaks the protocol: says READY, then never answers DUMP.
echo '{"type":"READY"}'
while IFS= read -r line; do :; done
