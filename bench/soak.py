#!/usr/bin/env python3
"""Soak: lwc-mockserver under mixed list, watch, write and fault traffic for
DURATION seconds, its RSS sampled every 10 s (it must be flat once warm), and
lwc-watch clients against that server misbehaving in every way the fault
table offers (errors, 410s, stalls, drops, garbage and truncated lines, slow
streams), their RSS sampled too and bounded.

Usage: bench/soak.py [--duration S] [--build DIR] [--out FILE]
Writes a Markdown results file (default bench/results/soak.md) naming the
machine, with the samples and the verdicts."""
import argparse, http.client, json, os, random, subprocess, sys, threading, time

ap = argparse.ArgumentParser()
ap.add_argument("--duration", type=int, default=600)
ap.add_argument("--build", default="build")
ap.add_argument("--out", default="bench/results/soak.md")
ap.add_argument("--watchers", type=int, default=4)
ap.add_argument("--no-faults", action="store_true", help="no fault, close-watches or random compact traffic (the compaction every 10 s stays)")
ap.add_argument("--server-args", default="", help="more lwc-mockserver options, e.g. \"--log-limit 5000\"")
a = ap.parse_args()

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def machine_table():
    """bench/machine.sh's "## Machine" heading and first table rows, shared by all benchmark results."""
    return subprocess.run(["bash", "-c", '. "$1/bench/machine.sh" && machine_table', "machine.sh", ROOT],
                          check=True, capture_output=True, text=True).stdout

def rss_kb(pid):
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0

srv = subprocess.Popen([f"{a.build}/bin/lwc-mockserver", "--listen", "127.0.0.1:0", "--seed", "7"] + a.server_args.split(),
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
url = srv.stdout.readline().split()[-1]
host, port = url.split("//")[1].split(":")
port = int(port)
stop = threading.Event()
counts = {"lists": 0, "writes": 0, "faults": 0, "errors": 0}
lock = threading.Lock()

def req(method, path, body=None):
    c = http.client.HTTPConnection(host, port, timeout=10)
    try:
        c.request(method, path, body=json.dumps(body) if body is not None else None,
                  headers={"Content-Type": "application/merge-patch+json" if method == "PATCH" else "application/json"}
                  if body is not None else {})
        r = c.getresponse()
        data = r.read()
        return r.status, data
    finally:
        c.close()

def bump(k):
    with lock:
        counts[k] += 1

def lister():
    rng = random.Random(1)
    while not stop.is_set():
        try:
            path, cont = "/api/v1/pods?limit=%d" % rng.choice([1, 3, 50]), None
            while True:
                st, data = req("GET", path + ("&continue=" + cont if cont else ""))
                bump("lists")
                if st != 200:
                    break
                cont = json.loads(data)["metadata"].get("continue")
                if not cont:
                    break
        except Exception:
            bump("errors")

def writer(seed):
    rng = random.Random(seed)
    while not stop.is_set():
        try:
            ns = rng.choice(["default", "team-a", "team-b"])
            name = "soak-%d" % rng.randrange(200)
            op = rng.random()
            if op < 0.5:
                req("POST", f"/api/v1/namespaces/{ns}/configmaps",
                    {"metadata": {"name": name, "labels": {"soak": "yes"}}, "data": {"v": str(rng.random())}})
            elif op < 0.8:
                req("DELETE", f"/api/v1/namespaces/{ns}/configmaps/{name}")
            else:
                req("PATCH", "/api/v1/namespaces/default/pods/redis-0",
                    {"metadata": {"labels": {"tick": str(rng.randrange(1000))}}})
            bump("writes")
        except Exception:
            bump("errors")

FAULTS = [
    {"match": {"verb": "list"}, "action": {"status": 500}, "times": 3},
    {"match": {"verb": "list"}, "action": {"status": 429, "retryAfter": 1}, "times": 2},
    {"match": {"verb": "watch"}, "action": {"stream": "drop", "afterEvents": 2}, "times": 2},
    {"match": {"verb": "watch"}, "action": {"stream": "garbage", "afterEvents": 1}, "times": 1},
    {"match": {"verb": "watch"}, "action": {"stream": "truncate", "afterEvents": 1}, "times": 1},
    {"match": {"verb": "watch"}, "action": {"stream": "stall"}, "times": 1},
    {"match": {"verb": "watch"}, "action": {"stream": "slow", "delayMs": 200}, "times": 1},
    {"match": {"verb": "watch"}, "action": {"stream": "errorEvent", "code": 410}, "times": 1},
    {"match": {"verb": "list", "page": 2}, "action": {"status": 410}, "times": 1},
]

def faulter():
    rng = random.Random(3)
    while not stop.wait(2.0):
        try:
            f = dict(rng.choice(FAULTS))
            req("POST", "/lwc/v1/faults", f)
            if rng.random() < 0.3:
                req("POST", "/lwc/v1/close-watches")
            if rng.random() < 0.2:
                req("POST", "/lwc/v1/compact")
            bump("faults")
        except Exception:
            bump("errors")

def compactor():
    # The apiserver compacts etcd on a timer (--etcd-compaction-interval, 5 min by default); here
    # every 10 s, so that the history holds at most some 10 s of writes whatever the faults do, and
    # the RSS after warm-up measures leaks rather than the longest gap between the faulter's random
    # compactions: without it, two builds run side by side both grew 25-30% after warm-up, in the
    # same two steps (at 150 s and 270 s, the seeded sequence's long gaps), then stayed flat.
    while not stop.wait(10.0):
        try:
            req("POST", "/lwc/v1/compact")
        except Exception:
            bump("errors")

env = dict(os.environ, LWC_SERVER=url, LWC_API_PATH="/api/v1", LWC_NAMESPACE="", LWC_PAGE_SIZE="3",
           LWC_WATCH_TIMEOUT="20")
watchers = []
for i in range(a.watchers):
    e = dict(env, LWC_RESOURCE="pods" if i % 2 == 0 else "configmaps")
    watchers.append(subprocess.Popen([f"{a.build}/bin/lwc-watch", "--seed", str(i + 1), "--stall-margin-ms", "2000"],
                                     env=e, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL))
threads = [threading.Thread(target=lister, daemon=True) for _ in range(2)]
threads += [threading.Thread(target=writer, args=(s,), daemon=True) for s in range(2)]
threads.append(threading.Thread(target=compactor, daemon=True))
if not a.no_faults:
    threads.append(threading.Thread(target=faulter, daemon=True))
for t in threads:
    t.start()

samples = []
t0 = time.monotonic()
while True:
    el = time.monotonic() - t0
    try:
        st = json.loads(req("GET", "/lwc/v1/state")[1])
    except Exception:
        st = {}
    samples.append((int(el), rss_kb(srv.pid), max(rss_kb(w.pid) for w in watchers), st.get("requests", 0),
                    st.get("watches", 0), st.get("resourceVersion", 0)))
    if el >= a.duration:
        break
    time.sleep(min(10, a.duration - el) if a.duration - el > 0 else 0)
stop.set()
alive = [w.poll() is None for w in watchers]
for w in watchers:
    try:
        w.stdin.write(b"STOP\n"); w.stdin.flush()
    except Exception:
        pass
codes = []
for w in watchers:
    try:
        codes.append(w.wait(timeout=10))
    except subprocess.TimeoutExpired:
        w.kill(); codes.append("killed")
srv.terminate()
srv.wait(timeout=10)

warm = [s for s in samples if s[0] >= min(120, a.duration // 5)]
first, last = (warm[0], warm[-1]) if warm else (samples[0], samples[-1])
peak_srv = max(s[1] for s in samples)
peak_w = max(s[2] for s in samples)
growth = (last[1] - first[1]) / max(1, first[1])
flat = growth < 0.10
bounded = peak_w < 64 * 1024
# The verdicts: written into the results file and printed, as they are.
verdicts = (f"- server RSS after warm-up ({first[0]} s): {first[1]} kB; at the end: {last[1]} kB "
            f"({growth * 100:+.1f}%); peak {peak_srv} kB. Flat (< 10% growth after warm-up): "
            f"{'yes' if flat else 'NO'}\n"
            f"- lwc-watch peak RSS (largest of {a.watchers}): {peak_w} kB; bound 64 MiB: {'held' if bounded else 'EXCEEDED'}; "
            f"alive at the end: {sum(alive)}/{len(alive)}; exit codes on STOP: {codes}")
os.makedirs(os.path.dirname(a.out) or ".", exist_ok=True)
with open(a.out, "w") as f:
    f.write("# Soak: lwc-mockserver and lwc-watch under mixed traffic and faults\n\n")
    f.write(f"Command: `bench/soak.py --duration {a.duration}{' --server-args ' + repr(a.server_args) if a.server_args else ''}` ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}).\n\n")
    f.write(f"Traffic: 2 paginating listers, 2 writers (create/delete configmaps, patch pods), {a.watchers} lwc-watch "
            "(pods and configmaps, pages of 3), a fault every 2 s (500, 429, 410 on page 2, watch drop, garbage, "
            "truncated line, stall, slow stream, ERROR 410; close-watches 30%, compact 20%), and a compaction every 10 s "
            "as the apiserver's timer.\n\n")
    f.write(f"Totals: {counts['lists']} list requests, {counts['writes']} writes, {counts['faults']} faults, "
            f"{counts['errors']} client-side errors; server log {last[3]} requests; final RV {last[5]}.\n\n")
    f.write(verdicts + "\n\n")
    f.write("| t (s) | server RSS (kB) | lwc-watch max RSS (kB) | requests logged | open watches | RV |\n|---|---|---|---|---|---|\n")
    for s in samples:
        f.write("| %d | %d | %d | %d | %d | %d |\n" % s)
    # The machine as every benchmark names it (bench/machine.sh), then this run's own row.
    f.write("\n" + machine_table())
    f.write(f"| load average (1 min) at the end | {os.getloadavg()[0]:.1f} (shared with other jobs) |\n")
print(verdicts)
sys.exit(0 if flat and bounded and all(alive) else 1)
