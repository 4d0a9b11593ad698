#!/usr/bin/env python3
"""Times one initial sync of a client-protocol watcher.

    sync_timer.py COMMAND [ARGS...]

Starts COMMAND (the LWC_* variables come from the environment), counts the
EVENT lines it prints, notes when READY arrives, sends STOP at once, and
prints one line: ready_s=... exit_s=... events=... rc=...  (seconds since
the start). Reading stdout as it comes is part of the protocol, so the
timer does what a harness does.
"""
import subprocess
import sys
import time


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    t0 = time.monotonic()
    p = subprocess.Popen(sys.argv[1:], stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=1 << 20)
    events = 0
    ready = -1.0
    for line in p.stdout:
        if line.startswith(b'{"type":"EVENT"'):
            events += 1
        elif line.startswith(b'{"type":"READY"') and ready < 0:
            ready = time.monotonic() - t0
            p.stdin.write(b"STOP\n")
            p.stdin.flush()
    rc = p.wait()
    print("ready_s=%.3f exit_s=%.3f events=%d rc=%d" % (ready, time.monotonic() - t0, events, rc))
    return 0 if rc == 0 and ready >= 0 else 1


if __name__ == "__main__":
    sys.exit(main())
