#!/bin/sh
# Breaks the protocol: never says READY (but stops when told).
while IFS= read -r line; do :; done
