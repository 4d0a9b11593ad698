#!/usr/bin/env python3
"""The oracle's teeth: deliberately wrong protocol clients against the catalog.

Each case runs lwc-harness with one wrong client (tests/clients/) on catalog
scenarios and asserts that every run fails, with the named checks among the
failed ones. The same scenarios must pass with the right client (toy_watcher.py
without --bug), so a failure is the bug's and not the scenario's. The flood
case also bounds the harness's time and memory.

Usage: wrong_clients.py LWC_HARNESS PYTHON3 CLIENTS_DIR CATALOG_DIR TMP_DIR
"""
import json
import os
import resource
import shlex
import subprocess
import sys
import time

harness, python, clients, catalog, tmp = sys.argv[1:6]
toy = "%s %s" % (shlex.quote(python), shlex.quote(os.path.join(clients, "toy_watcher.py")))

# (case, client arguments, scenarios, checks that must all be among the failed ones)
CASES = [
    # READY before the list: check 1 needs a completed list before READY. The liar lists 500 ms
    # after its READY: a list sent within the harness's own read latency of the READY line (a
    # millisecond at rest, more under load) cannot be told from one sent just before it, so the
    # gap is what makes the catch depend on the order of events, not on the machine's speed.
    ("ready-first", "--late 500 --bug ready-first", ["one-page", "many-pages-one-namespace"], ["initial-state"]),
    # Never watches: lists afresh for every DUMP.
    ("never-watch", "--bug never-watch", ["one-page", "page-size-one", "writes-during-pagination"], ["watch"]),
    # Stale store across a relist, one class each.
    ("relist-keep-deleted", "--bug relist-keep-deleted", ["deletes-during-relist"], ["convergence"]),
    ("relist-keep-uid", "--bug relist-keep-uid", ["recreate-during-relist"], ["convergence"]),
    ("relist-keep-rv", "--bug relist-keep-rv", ["updates-during-relist"], ["convergence"]),
    # No backoff, starting late: the window starts at the first 429, not at the scenario's start.
    ("no-backoff-late", "--late 1200 --bug no-backoff", ["429-list-retry-after-header"], ["requests"]),
    # Retries the expired continue token: it stays expired.
    ("retry-token", "--bug retry-token", ["expired-continue-retried"], ["requests"]),
    # The wrong clients that were already here (test_clients.c runs them on small scenarios).
    ("page1", "--bug page1", ["many-pages-many-namespaces"], ["initial-state"]),
    ("own-namespace", "--bug own-namespace", ["many-pages-many-namespaces"], ["initial-state"]),
    ("no-watch-apply", "--bug no-watch", ["one-page"], ["convergence"]),
    ("fake-uid", "--bug fake-uid", ["one-page"], ["initial-state"]),
    ("relist-no-deleted", "--events --bug relist-no-deleted", ["deletes-while-down"], ["events"]),
    ("lie-empty", "--bug lie-empty", ["one-page"], ["initial-state"]),
]


def run(client, scenarios, name):
    out = os.path.join(tmp, "wrong-%s.json" % name)
    if os.path.exists(out):
        os.unlink(out)
    files = [os.path.join(catalog, s + ".json") if not s.endswith(".json") else s for s in scenarios]
    t0 = time.monotonic()
    p = subprocess.run([harness, "-j", "2", "--json", out, "--client", client] + files,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
    took = time.monotonic() - t0
    if p.returncode not in (0, 1) or not os.path.exists(out):
        return None, p.stdout, took
    with open(out) as f:
        return json.load(f), p.stdout, took


failures = 0


def bad(msg, text=""):
    global failures
    failures += 1
    print("FAIL " + msg)
    if text:
        print("\n".join("    " + l for l in text.splitlines()[-30:]))


# The right client passes every scenario the wrong ones are tried on.
every = sorted({s for _, _, ss, _ in CASES for s in ss})
rep, text, took = run(toy, every, "right")
if rep is None:
    bad("the right client: the harness could not run", text)
else:
    for sc in rep["scenarios"]:
        if sc["verdict"] != "PASS":
            bad("the right client fails %s: %s" % (sc["name"], [f["check"] for f in sc["failures"]]), text)
    print("ok   right client passes %d scenarios (%.1f s)" % (len(rep["scenarios"]), took))

for name, args, scenarios, checks in CASES:
    rep, text, took = run(toy + " " + args, scenarios, name)
    if rep is None:
        bad("%s: the harness could not run" % name, text)
        continue
    for sc in rep["scenarios"]:
        got = [f["check"] for f in sc["failures"]]
        missing = [c for c in checks if c not in got]
        if sc["verdict"] != "FAIL" or missing:
            bad("%s on %s: verdict %s, failed %s; must fail %s" % (name, sc["name"], sc["verdict"], got, checks), text)
        else:
            print("ok   %-20s %-28s failed %s" % (name, sc["name"], ", ".join(got)))

# A flood: READY, then one unterminated line at pipe speed. The verdict must
# come within the protocol's deadlines, with the line buffer bounded.
flood = os.path.join(clients, "flood.sh")
before = resource.getrusage(resource.RUSAGE_CHILDREN)
rep, text, took = run(flood, [os.path.join(catalog, "one-page.json")], "flood")
after = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
rss_mb = after.ru_maxrss / 1024.0
if rep is None:
    bad("flood: the harness could not run", text)
else:
    sc = rep["scenarios"][0]
    got = [f["check"] for f in sc["failures"]]
    if sc["verdict"] != "FAIL" or "protocol" not in got:
        bad("flood: verdict %s, failed %s; must fail protocol" % (sc["verdict"], got), text)
    # 2 s DUMP deadline + 2 s STOP + 1 s SIGTERM, with room for a loaded machine.
    elif took > 12 or rss_mb > 400:
        bad("flood: verdict after %.1f s, %.1f s of CPU (harness and client), peak RSS %.0f MB" % (took, cpu, rss_mb))
    else:
        print("ok   flood: protocol failure after %.1f s, %.1f s CPU (harness and client), peak RSS of a child %.0f MB"
              % (took, cpu, rss_mb))

print("%d failures" % failures)
sys.exit(1 if failures else 0)
