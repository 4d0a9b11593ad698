#!/usr/bin/env python3
"""kubectl interop test for lwc-mockserver.

Usage: kubectl_interop.py PATH/TO/lwc-mockserver

For every versioned kubectl binary (kubectl.1.27 ... kubectl.1.33) installed
beside the kubectl on PATH (the Google Cloud SDK layout), start a fresh mock
server and check that real kubectl commands print what the server holds:

  pods-json-chunked        get pods -A --chunk-size=3 -o json  == GET /api/v1/pods
  pods-json-pagination     the server's request log shows kubectl walked the pages
  pods-table-chunked       get pods -A --chunk-size=4 (Table output) parsed and compared
  pods-table-pagination    ... and walked those pages too
  namespaces-table         get namespaces
  configmaps-name          get configmaps -n team-a -o name
  widgets-json             get widgets.example.com -A -o json
  watch-team-a             get pods -n team-a -w --output-watch-events -o json while a
                           pod is created, patched and deleted over HTTP
  watch-all-chunked        get pods -A --chunk-size=3 -w ...: watch after a paginated list
  server-sigterm           the server exits 0 on SIGTERM

Output: one PASS/FAIL line per (version, check), failure details indented
below, then "N passed, M failed". Exit 0 if everything passed, 1 if not,
77 (ctest's skip code) if no kubectl version is installed at all.

Standard library only. Every subprocess and HTTP call has a timeout, and the
server and kubectl processes are killed on every path.

Environment:
  LWC_KUBECTL_DIR   look for kubectl.1.NN here instead of beside `kubectl`.
"""

import codecs
import json
import math
import os
import queue
import re
import selectors
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request

MINORS = range(27, 34)  # kubectl 1.27 .. 1.33

SERVER_START_TIMEOUT = 10.0  # until "listening on" is printed
SERVER_STOP_TIMEOUT = 10.0  # SIGTERM -> exit
KUBECTL_TIMEOUT = 30.0  # one non-watch kubectl run
HTTP_TIMEOUT = 5.0  # one urllib request
WATCH_INITIAL_TIMEOUT = 20.0  # kubectl start + discovery + list -> first events (generous:
#                               kubectl takes well under 1 s, but CI machines get loaded)
WATCH_EVENT_TIMEOUT = 10.0  # one HTTP change -> its watch event
LOG_TIMEOUT = 3.0  # request completes -> its line in the server's log
# Whole-run budget, below ctest's TIMEOUT of 180 s: if kubectl hangs everywhere, the
# remaining checks fail fast and the summary line is still printed (a ctest timeout
# would kill us and lose it). A healthy run takes well under 30 s.
TIME_BUDGET = 120.0
_deadline = time.monotonic() + TIME_BUDGET  # reset in main()


def budget(timeout):
    """`timeout`, shortened to what is left of the run's time budget (at least 1 s)."""
    return max(1.0, min(timeout, _deadline - time.monotonic()))


TABLE_ACCEPT = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
DETAIL_LIMIT = 3000  # characters of stdout/stderr quoted in a failure

# The server and kubectl run on 127.0.0.1: never send our requests through a
# proxy taken from http_proxy/HTTP_PROXY (kubectl's Go client already skips
# proxies for loopback; urllib does not).
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class CheckFailed(Exception):
    """A check's assertion failed; the message is the detail to print."""


# ---------------------------------------------------------------------------
# Results


class Results:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def record(self, version, check, ok, detail="", seconds=None):
        took = f" ({seconds:.1f}s)" if seconds is not None else ""
        if ok:
            self.passed += 1
            print(f"PASS {version} {check}{took}", flush=True)
        else:
            self.failed += 1
            print(f"FAIL {version} {check}{took}", flush=True)
            for line in detail.rstrip("\n").splitlines():
                print("    " + line, flush=True)

    def run(self, version, check, context, fn, *args):
        """Run one check function; an exception of any kind is a FAIL, not a crash,
        so that one broken check does not hide the results of the others.
        context() adds to a failure's detail (the server's side of the story)."""
        if time.monotonic() >= _deadline:
            self.record(version, check, False, f"not run: the run's time budget of {TIME_BUDGET:.0f}s is used up")
            return
        start = time.monotonic()
        try:
            fn(*args)
        except CheckFailed as e:
            self.record(version, check, False, str(e) + "\n" + context(), time.monotonic() - start)
        except Exception:  # noqa: BLE001 - report anything unexpected as this check's failure
            self.record(version, check, False, "unexpected error:\n" + traceback.format_exc() + context(),
                        time.monotonic() - start)
        else:
            self.record(version, check, True, seconds=time.monotonic() - start)


def clip(text, limit=DETAIL_LIMIT):
    text = text if isinstance(text, str) else text.decode("utf-8", "replace")
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n... ({len(text) - limit} more characters)"


def diff_lines(expected, actual):
    """Describe the difference between two lists of comparable items (duplicates count)."""
    exp, act = sorted(expected), sorted(actual)
    missing = list(exp)
    extra = []
    for item in act:
        if item in missing:
            missing.remove(item)
        else:
            extra.append(item)
    out = [f"expected {len(exp)} items, got {len(act)}"]
    out += [f"  missing:    {m}" for m in missing]
    out += [f"  unexpected: {e}" for e in extra]
    return "\n".join(out)


# ---------------------------------------------------------------------------
# HTTP to the server (our own view of its state)


def http_json(method, url, body=None, content_type="application/json", accept="application/json"):
    data = None
    headers = {"Accept": accept}
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = content_type
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with _OPENER.open(req, timeout=HTTP_TIMEOUT) as resp:
            raw = resp.read()
    except urllib.error.HTTPError as e:
        raise CheckFailed(f"{method} {url} -> HTTP {e.code}: {clip(e.read())}") from None
    except (urllib.error.URLError, OSError) as e:
        raise CheckFailed(f"{method} {url} failed: {e}") from None
    try:
        return json.loads(raw)
    except ValueError:
        raise CheckFailed(f"{method} {url} returned non-JSON: {clip(raw)}") from None


def server_list(base, path, accept="application/json"):
    """The server's full list at `path`, in one request (no limit)."""
    obj = http_json("GET", base + path, accept=accept)
    if obj.get("metadata", {}).get("continue"):
        # We asked for no limit; a partial answer would make every comparison wrong.
        raise CheckFailed(f"GET {path} without limit returned a continue token: {obj['metadata']}")
    return obj


def meta_key(obj):
    """(namespace, name, uid, resourceVersion) of an object, as strings so that keys
    always sort; a missing or non-string field shows up as "<None>", "<26>", ..."""
    m = obj.get("metadata", {})

    def field(k, default=None):
        v = m.get(k, default)
        return v if isinstance(v, str) else f"<{v!r}>"
    return (field("namespace", ""), field("name"), field("uid"), field("resourceVersion"))


# ---------------------------------------------------------------------------
# The mock server process


class MockServer:
    """A fresh lwc-mockserver on 127.0.0.1:0 with its kubeconfig and request log."""

    def __init__(self, binary, workdir):
        self.kubeconfig = os.path.join(workdir, "kubeconfig")
        self.log_path = os.path.join(workdir, "server.log")
        self.url = None
        self._log = open(self.log_path, "wb")
        # -v: one line per finished request on stderr, which lets us see kubectl's
        # list requests (the server has no HTTP endpoint for its log). Only the
        # "listening on" line is read from stdout; the server prints nothing after it.
        self.proc = subprocess.Popen(
            [binary, "--listen", "127.0.0.1:0", "--kubeconfig", self.kubeconfig, "-v"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._log,
            # Its own process group, so that a forced stop also kills anything it (or a
            # wrapper script given as the binary) started.
            start_new_session=True,
        )
        try:
            self.url = self._wait_listening()
        except BaseException:
            self.stop()
            raise

    def _wait_listening(self):
        """Read stdout until the first line, with a deadline (the line is printed
        only after the socket is bound and the kubeconfig written)."""
        deadline = time.monotonic() + budget(SERVER_START_TIMEOUT)
        buf = b""
        with selectors.DefaultSelector() as sel:
            sel.register(self.proc.stdout, selectors.EVENT_READ)
            while b"\n" not in buf:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise CheckFailed(f"no 'listening on' line within {SERVER_START_TIMEOUT}s; "
                                      f"stdout so far {buf!r}; log:\n{self.log_text()}")
                if not sel.select(left):
                    continue
                chunk = os.read(self.proc.stdout.fileno(), 4096)
                if not chunk:
                    rc = self.proc.wait(timeout=5)
                    raise CheckFailed(f"server exited (rc={rc}) before listening; "
                                      f"stdout {buf!r}; log:\n{self.log_text()}")
                buf += chunk
        line = buf.split(b"\n", 1)[0].decode("utf-8", "replace")
        m = re.fullmatch(r"listening on (http://\S+)", line.strip())
        if not m:
            raise CheckFailed(f"unexpected first line from the server: {line!r}")
        if not os.path.exists(self.kubeconfig):
            raise CheckFailed(f"server is listening but did not write {self.kubeconfig}")
        return m.group(1)

    def log_text(self, offset=0):
        with open(self.log_path, "rb") as f:
            f.seek(offset)
            return f.read().decode("utf-8", "replace")

    def log_tail(self, lines=25):
        tail = self.log_text().splitlines()[-lines:]
        return f"server log, last {len(tail)} lines:\n" + "\n".join("  " + ln for ln in tail)

    def log_offset(self):
        return os.path.getsize(self.log_path)

    def stop(self):
        """SIGTERM, then SIGKILL if it does not exit in time. Returns (rc, how)."""
        how = "already exited"
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=SERVER_STOP_TIMEOUT)
                how = "exited after SIGTERM"
            except subprocess.TimeoutExpired:
                # Kill its whole process group (a wrapper script's child too). The
                # leader is not reaped yet, so the group id cannot have been reused.
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
                how = f"did not exit within {SERVER_STOP_TIMEOUT}s of SIGTERM; killed"
        if self.proc.stdout:
            self.proc.stdout.close()
        self._log.close()
        return self.proc.returncode, how


# ---------------------------------------------------------------------------
# kubectl


class Kubectl:
    def __init__(self, binary, server, workdir):
        self.binary = binary
        self.server = server
        self.workdir = workdir
        self._n = 0
        # HOME is private so nothing from the user's ~/.kube (config, cache, kuberc)
        # leaks in; KUBECONFIG is dropped because we pass --kubeconfig.
        self.env = dict(os.environ, HOME=workdir)
        self.env.pop("KUBECONFIG", None)

    def argv(self, args):
        # A fresh --cache-dir for every run: each run does its own discovery against
        # this server instead of trusting a cache from an earlier run.
        self._n += 1
        cache = os.path.join(self.workdir, f"cache-{self._n}")
        return [self.binary, "--kubeconfig", self.server.kubeconfig, "--cache-dir", cache] + list(args)

    def run(self, args):
        argv = self.argv(args)
        timeout = budget(KUBECTL_TIMEOUT)
        try:
            p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, env=self.env,
                               timeout=timeout)
            return KubectlRun(argv, p.returncode, p.stdout.decode("utf-8", "replace"),
                              p.stderr.decode("utf-8", "replace"))
        except subprocess.TimeoutExpired as e:  # subprocess.run has already killed it
            return KubectlRun(argv, None, (e.stdout or b"").decode("utf-8", "replace"),
                              (e.stderr or b"").decode("utf-8", "replace"),
                              note=f"timed out after {timeout:.0f}s")

    def run_ok(self, args):
        """Run kubectl; it must exit 0 and print nothing on stderr (a warning or a
        retried discovery request would show up there)."""
        r = self.run(args)
        if r.rc != 0 or r.stderr.strip():
            raise CheckFailed("kubectl did not succeed cleanly\n" + r.describe())
        return r


class KubectlRun:
    def __init__(self, argv, rc, stdout, stderr, note=""):
        self.argv, self.rc, self.stdout, self.stderr, self.note = argv, rc, stdout, stderr, note

    def describe(self):
        out = [f"command: {shlex.join(self.argv)}", f"exit code: {self.rc}" + (f" ({self.note})" if self.note else "")]
        out.append("stderr:\n" + (clip(self.stderr) if self.stderr.strip() else "  (empty)"))
        out.append("stdout:\n" + (clip(self.stdout) if self.stdout.strip() else "  (empty)"))
        return "\n".join(out)


class WatchProcess:
    """A long-running `kubectl ... -w -o json` whose stdout is read by a thread and
    decoded into JSON values as they arrive, so we can wait for events with a deadline."""

    def __init__(self, kubectl, args):
        self.argv = kubectl.argv(args)
        self._stderr_path = os.path.join(kubectl.workdir, f"watch-stderr-{kubectl._n}")
        self._stderr = open(self._stderr_path, "wb")  # a file: a full pipe would block kubectl
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=self._stderr, env=kubectl.env)
        self._q = queue.Queue()
        self._thread = threading.Thread(target=self._reader, daemon=True)
        self._thread.start()
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._buf = ""
        self.raw = ""  # everything printed, for failure details
        self.events = []  # decoded JSON values, in order
        self.eof = False

    def _reader(self):
        fd = self.proc.stdout.fileno()
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            self._q.put(chunk)
            if not chunk:
                return

    def _feed(self, chunk):
        text = self._decoder.decode(chunk, final=not chunk)
        self.raw += text
        self._buf += text
        # kubectl prints one JSON value per event (one per line in the versions we
        # know, but a raw_decode loop does not depend on that).
        dec = json.JSONDecoder()
        while True:
            stripped = self._buf.lstrip()
            if not stripped:
                self._buf = ""
                return
            try:
                value, end = dec.raw_decode(stripped)
            except ValueError:
                self._buf = stripped  # incomplete: wait for more
                return
            self.events.append(value)
            self._buf = stripped[end:]

    def wait_for(self, predicate, timeout):
        """Read output until predicate(self.events) is true; False on timeout or EOF."""
        deadline = time.monotonic() + budget(timeout)
        while not predicate(self.events):
            if self.eof:
                return False
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            try:
                chunk = self._q.get(timeout=left)
            except queue.Empty:
                return False
            if not chunk:
                self.eof = True
            self._feed(chunk)
        return True

    def stderr_text(self):
        with open(self._stderr_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def describe(self):
        rc = self.proc.poll()
        return "\n".join([
            f"command: {shlex.join(self.argv)}",
            f"kubectl state: {'running' if rc is None else f'exited with {rc}'}",
            "stderr:\n" + (clip(self.stderr_text()) if self.stderr_text().strip() else "  (empty)"),
            "stdout:\n" + (clip(self.raw) if self.raw.strip() else "  (empty)"),
            "unparsed stdout tail: " + repr(self._buf[-300:]),
        ])

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self._thread.join(timeout=5)
        self.proc.stdout.close()
        self._stderr.close()


# ---------------------------------------------------------------------------
# Parsing kubectl output


def parse_table(text):
    """Split kubectl's column output into (header tokens, rows of cells).

    Cells are cut at the header's column start positions instead of on whitespace,
    because a cell may contain spaces (e.g. RESTARTS "2 (5m ago)")."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        return [], []
    spans = [(m.start(), m.group()) for m in re.finditer(r"\S+", lines[0])]
    header = [name for _, name in spans]
    starts = [s for s, _ in spans] + [None]
    rows = []
    for ln in lines[1:]:
        rows.append([ln[starts[i]:starts[i + 1]].strip() for i in range(len(header))])
    return header, rows


def watch_items(events):
    """Flatten watch events into (type, object) pairs.

    With --chunk-size, kubectl -w prints each list page as one ADDED event whose
    object is the whole page (a PodList), because its builder returns one object per
    page; expand those so callers see one entry per pod."""
    out = []
    for ev in events:
        if not isinstance(ev, dict) or "type" not in ev:
            out.append(("?", ev))
            continue
        obj = ev.get("object") or {}
        if isinstance(obj.get("items"), list):
            out += [(ev["type"], item) for item in obj["items"]]
        else:
            out.append((ev["type"], obj))
    return out


def rv_int(rv):
    try:
        return int(rv)
    except (TypeError, ValueError):
        raise CheckFailed(f"resourceVersion {rv!r} is not an integer") from None


# ---------------------------------------------------------------------------
# Checks. Each raises CheckFailed with a readable detail.


def check_pods_json(kc, srv):
    r = kc.run_ok(["get", "pods", "-A", "--chunk-size=3", "-o", "json"])
    try:
        printed = json.loads(r.stdout)
    except ValueError:
        raise CheckFailed("kubectl printed invalid JSON\n" + r.describe()) from None
    got = [meta_key(i) for i in printed.get("items", [])]
    want = [meta_key(i) for i in server_list(srv.url, "/api/v1/pods")["items"]]
    if len(want) <= 3:
        raise CheckFailed(f"the server holds only {len(want)} pods: chunk size 3 would not paginate")
    if sorted(got) != sorted(want):
        raise CheckFailed("kubectl's items differ from GET /api/v1/pods "
                          "(namespace, name, uid, resourceVersion)\n" + diff_lines(want, got)
                          + "\n" + r.describe())


def check_pagination_log(srv, offset, path, limit, n_items):
    """kubectl's list requests for `path` logged since `offset` must be ceil(n/limit)
    pages of `limit` (one more is tolerated: an empty last page), the first without
    and the others with a continue token, all answered 200. This is direct evidence
    that kubectl followed `continue`, beyond its output matching the server's state."""
    pat = re.compile(r"^GET (" + re.escape(path) + r")(\?\S*)? -> (\d+)")
    pages = math.ceil(n_items / limit)
    deadline = time.monotonic() + LOG_TIMEOUT
    while True:  # lines are written when a request completes, possibly after kubectl exits
        text = srv.log_text(offset)
        reqs = []
        for ln in text.splitlines():
            m = pat.match(ln)
            if not m:
                continue
            q = urllib.parse.parse_qs((m.group(2) or "?")[1:])
            # Our own state fetches (urllib, no limit) are logged too, and their lines
            # can land inside this window; kubectl always sends limit (or continue).
            if ("limit" in q or "continue" in q) and "watch" not in q:
                reqs.append((q, m.group(3), ln))
        if len(reqs) >= pages or time.monotonic() >= deadline:
            break
        time.sleep(0.05)
    problems = []
    if not pages <= len(reqs) <= pages + 1:
        problems.append(f"expected {pages} list requests for {n_items} items with limit={limit}, saw {len(reqs)}")
    for i, (q, status, ln) in enumerate(reqs):
        if q.get("limit") != [str(limit)]:
            problems.append(f"request {i + 1} does not carry limit={limit}: {ln}")
        if status != "200":
            problems.append(f"request {i + 1} was not answered 200: {ln}")
        if (i == 0) == ("continue" in q):
            problems.append(f"request {i + 1} {'has' if i == 0 else 'lacks'} a continue token: {ln}")
    if problems:
        raise CheckFailed("\n".join(problems) + "\nserver log of the run:\n" + clip(text))


def check_pods_table(kc, srv):
    r = kc.run_ok(["get", "pods", "-A", "--chunk-size=4"])
    header, rows = parse_table(r.stdout)
    want_header = ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    if header != want_header:
        raise CheckFailed(f"header {header} != {want_header}\n" + r.describe())
    problems = []
    if any(not row[0] for row in rows):
        problems.append("rows with an empty NAMESPACE column (Table rows without object metadata?)")
    got = [(row[0], row[1]) for row in rows]
    want = [(p["metadata"]["namespace"], p["metadata"]["name"])
            for p in server_list(srv.url, "/api/v1/pods")["items"]]
    if sorted(got) != sorted(want):
        problems.append("(namespace, name) rows differ from GET /api/v1/pods\n" + diff_lines(want, got))
    # The READY/STATUS/RESTARTS cells must be the ones the server's own Table has
    # (AGE is left out: it is computed per request and may tick between requests).
    table = server_list(srv.url, "/api/v1/pods", accept=TABLE_ACCEPT)
    cols = [c.get("name", "").upper() for c in table.get("columnDefinitions", [])]
    server_cells = {}
    for row in table.get("rows", []):
        md = (row.get("object") or {}).get("metadata", {})
        server_cells[(md.get("namespace", ""), md.get("name"))] = dict(zip(cols, row.get("cells", [])))
    for row in rows:
        if (row[0], row[1]) not in want:
            continue  # an unexpected row, already reported above
        cells = server_cells.get((row[0], row[1]))
        if cells is None:
            problems.append(f"the server's own Table has no row whose object is {row[0]}/{row[1]}")
            continue
        for i, col in ((2, "READY"), (3, "STATUS"), (4, "RESTARTS")):
            if col not in cells:
                problems.append(f"the server's own Table has no {col} column: {cols}")
            elif row[i] != str(cells[col]):
                problems.append(f"{row[0]}/{row[1]} {col}: kubectl printed {row[i]!r}, "
                                f"the server's Table has {cells[col]!r}")
    if problems:
        raise CheckFailed("\n".join(problems) + "\n" + r.describe())


def check_namespaces(kc, srv):
    r = kc.run_ok(["get", "namespaces"])
    header, rows = parse_table(r.stdout)
    if header != ["NAME", "STATUS", "AGE"]:
        raise CheckFailed(f"header {header} != ['NAME', 'STATUS', 'AGE']\n" + r.describe())
    got = [(row[0], row[1]) for row in rows]
    want = [(n["metadata"]["name"], n.get("status", {}).get("phase", ""))
            for n in server_list(srv.url, "/api/v1/namespaces")["items"]]
    if sorted(got) != sorted(want):
        raise CheckFailed("(NAME, STATUS) rows differ from GET /api/v1/namespaces (name, status.phase)\n"
                          + diff_lines(want, got) + "\n" + r.describe())


def check_configmaps_name(kc, srv):
    r = kc.run_ok(["get", "configmaps", "-n", "team-a", "-o", "name"])
    got = [ln.strip() for ln in r.stdout.splitlines() if ln.strip()]
    want = ["configmap/" + c["metadata"]["name"]
            for c in server_list(srv.url, "/api/v1/namespaces/team-a/configmaps")["items"]]
    if not want:
        raise CheckFailed("the server has no configmaps in team-a: nothing to compare")
    if sorted(got) != sorted(want):
        raise CheckFailed("output differs from GET /api/v1/namespaces/team-a/configmaps\n"
                          + diff_lines(want, got) + "\n" + r.describe())


def check_widgets(kc, srv):
    r = kc.run_ok(["get", "widgets.example.com", "-A", "-o", "json"])
    try:
        items = json.loads(r.stdout).get("items", [])
    except ValueError:
        raise CheckFailed("kubectl printed invalid JSON\n" + r.describe()) from None
    want = [meta_key(w) for w in server_list(srv.url, "/apis/example.com/v1/widgets")["items"]]
    got = [meta_key(w) for w in items]
    problems = []
    if not want:
        problems.append("the server has no widgets: nothing to compare")
    if sorted(got) != sorted(want):
        problems.append("items differ from GET /apis/example.com/v1/widgets\n" + diff_lines(want, got))
    for w in items:
        if (w.get("apiVersion"), w.get("kind")) != ("example.com/v1", "Widget"):
            problems.append(f"item {meta_key(w)} has apiVersion/kind {w.get('apiVersion')}/{w.get('kind')}")
    if problems:
        raise CheckFailed("\n".join(problems) + "\n" + r.describe())


def new_pod(name):
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": {"app": "lwc-interop"}},
        "spec": {"containers": [{"name": "main", "image": "busybox:1.36"}]},
    }


def wait_initial_added(w, want_keys, what):
    """Wait until kubectl printed an ADDED event for every (namespace, name) in want_keys."""
    def seen(events):
        return want_keys <= {(o.get("metadata", {}).get("namespace", ""), o.get("metadata", {}).get("name"))
                             for t, o in watch_items(events) if t == "ADDED"}
    if not w.wait_for(seen, WATCH_INITIAL_TIMEOUT):
        raise CheckFailed(f"kubectl did not print ADDED for all {len(want_keys)} {what} "
                          f"within {WATCH_INITIAL_TIMEOUT}s (or its output ended)\n" + w.describe())


def events_for(events, name):
    return [(t, o) for t, o in watch_items(events) if o.get("metadata", {}).get("name") == name]


def check_watch_team_a(kc, srv):
    ns, name = "team-a", "lwc-interop-watch"
    existing = server_list(srv.url, f"/api/v1/namespaces/{ns}/pods")["items"]
    w = WatchProcess(kc, ["get", "pods", "-n", ns, "-w", "--output-watch-events", "-o", "json"])
    try:
        # 1. The list phase: every existing pod as ADDED, with the server's uid and RV.
        wait_initial_added(w, {(p["metadata"]["namespace"], p["metadata"]["name"]) for p in existing},
                           f"existing {ns} pods")
        initial = [meta_key(o) for t, o in watch_items(w.events) if t == "ADDED"]
        want = [meta_key(p) for p in existing]
        if sorted(initial) != sorted(want):
            raise CheckFailed("initial ADDED events differ from the server's pods\n"
                              + diff_lines(want, initial) + "\n" + w.describe())

        # 2. Changes made over HTTP must reach kubectl's watch, in order. (kubectl
        # watches from the list's resourceVersion, so a change made before its watch
        # request arrives must still be replayed to it.)
        base = f"{srv.url}/api/v1/namespaces/{ns}/pods"
        created = http_json("POST", base, new_pod(name))
        patched = http_json("PATCH", f"{base}/{name}", {"metadata": {"labels": {"lwc-interop": "patched"}}},
                            content_type="application/merge-patch+json")
        deleted = http_json("DELETE", f"{base}/{name}")
        server_rvs = [o.get("metadata", {}).get("resourceVersion") for o in (created, patched, deleted)]

        def has_three(events):
            return len(events_for(events, name)) >= 3
        w.wait_for(has_three, WATCH_EVENT_TIMEOUT)
        mine = events_for(w.events, name)
        types = [t for t, _ in mine]
        rvs = [o.get("metadata", {}).get("resourceVersion") for _, o in mine]
        ctx = (f"\nserver answered POST/PATCH/DELETE with resourceVersions {server_rvs}; "
               f"kubectl printed for {name}: {list(zip(types, rvs))}\n")
        if types != ["ADDED", "MODIFIED", "DELETED"]:
            raise CheckFailed(f"expected events ADDED, MODIFIED, DELETED for {ns}/{name}, got {types}"
                              + ctx + w.describe())
        nums = [rv_int(rv) for rv in rvs]
        if not nums[0] < nums[1] < nums[2]:
            raise CheckFailed("resourceVersions do not increase" + ctx + w.describe())
        if rvs[:2] != server_rvs[:2]:
            raise CheckFailed("ADDED/MODIFIED resourceVersions differ from the server's POST/PATCH answers"
                              + ctx + w.describe())
        uids = {o.get("metadata", {}).get("uid") for _, o in mine}
        if uids != {created["metadata"]["uid"]}:
            raise CheckFailed(f"events carry uids {uids}, POST returned {created['metadata']['uid']}"
                              + ctx + w.describe())
        if mine[1][1].get("metadata", {}).get("labels", {}).get("lwc-interop") != "patched":
            raise CheckFailed("the MODIFIED event does not carry the patched label" + ctx + w.describe())
        if w.proc.poll() is not None:
            raise CheckFailed("kubectl's watch ended on its own; it should still be running\n" + w.describe())
    finally:
        w.close()


def check_watch_all_chunked(kc, srv):
    """Watch after a paginated list: kubectl must list all pages, then watch from the
    list's resourceVersion and still see a change."""
    ns, name = "team-b", "lwc-interop-chunked"
    existing = server_list(srv.url, "/api/v1/pods")["items"]
    w = WatchProcess(kc, ["get", "pods", "-A", "--chunk-size=3", "-w", "--output-watch-events", "-o", "json"])
    try:
        wait_initial_added(w, {(p["metadata"]["namespace"], p["metadata"]["name"]) for p in existing},
                           "pods of all namespaces")
        initial = [meta_key(o) for t, o in watch_items(w.events) if t == "ADDED"]
        want = [meta_key(p) for p in existing]
        if sorted(initial) != sorted(want):
            raise CheckFailed("initial ADDED pods differ from GET /api/v1/pods\n"
                              + diff_lines(want, initial) + "\n" + w.describe())
        base = f"{srv.url}/api/v1/namespaces/{ns}/pods"
        http_json("POST", base, new_pod(name))
        http_json("DELETE", f"{base}/{name}")
        w.wait_for(lambda ev: len(events_for(ev, name)) >= 2, WATCH_EVENT_TIMEOUT)
        types = [t for t, _ in events_for(w.events, name)]
        if types != ["ADDED", "DELETED"]:
            raise CheckFailed(f"expected ADDED, DELETED for {ns}/{name} after the paginated list, got {types}\n"
                              + w.describe())
    finally:
        w.close()


# ---------------------------------------------------------------------------


def kubectl_dir():
    if os.environ.get("LWC_KUBECTL_DIR"):
        return os.environ["LWC_KUBECTL_DIR"]
    k = shutil.which("kubectl")
    return os.path.dirname(os.path.realpath(k)) if k else None


def test_version(results, version, kbin, server_bin):
    with tempfile.TemporaryDirectory(prefix=f"lwc-interop-{version}-") as workdir:
        try:
            srv = MockServer(server_bin, workdir)
        except (CheckFailed, OSError) as e:  # OSError: it could not even be executed
            results.record(version, "server-start", False, str(e))
            return
        try:
            kc = Kubectl(kbin, srv, workdir)
            n_pods = len(server_list(srv.url, "/api/v1/pods")["items"])

            def check(name, fn, *args, with_log=True):
                # A failure's detail ends with the tail of the server's request log
                # (the pagination checks quote the relevant part of it themselves).
                results.run(version, name, srv.log_tail if with_log else (lambda: ""), fn, *args)

            off = srv.log_offset()
            check("pods-json-chunked", check_pods_json, kc, srv)
            check("pods-json-pagination", check_pagination_log, srv, off, "/api/v1/pods", 3, n_pods, with_log=False)

            off = srv.log_offset()
            check("pods-table-chunked", check_pods_table, kc, srv)
            check("pods-table-pagination", check_pagination_log, srv, off, "/api/v1/pods", 4, n_pods, with_log=False)

            check("namespaces-table", check_namespaces, kc, srv)
            check("configmaps-name", check_configmaps_name, kc, srv)
            check("widgets-json", check_widgets, kc, srv)
            check("watch-team-a", check_watch_team_a, kc, srv)
            check("watch-all-chunked", check_watch_all_chunked, kc, srv)
        except CheckFailed as e:  # the server could not even be read
            results.record(version, "server-state", False, str(e))
        finally:
            rc, how = srv.stop()
        results.record(version, "server-sigterm", rc == 0 and how == "exited after SIGTERM",
                       f"server {how}, exit code {rc}\n" + srv.log_tail())


def main(argv):
    if len(argv) != 2:
        print(f"usage: {argv[0]} PATH/TO/lwc-mockserver", file=sys.stderr)
        return 1
    server_bin = argv[1]
    if not (os.path.isfile(server_bin) and os.access(server_bin, os.X_OK)):
        print(f"error: {server_bin} is not an executable file", file=sys.stderr)
        return 1

    kdir = kubectl_dir()
    results = Results()
    found, missing = [], []
    print(f"looking for kubectl.1.NN in {kdir}" if kdir else "no kubectl on PATH (and LWC_KUBECTL_DIR not set)",
          flush=True)
    for minor in MINORS:
        version = f"kubectl.1.{minor}"
        path = os.path.join(kdir, version) if kdir else None
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            found.append((version, path))
        else:
            missing.append(version)
            print(f"SKIP {version}: not installed", flush=True)

    global _deadline
    started = time.monotonic()
    _deadline = started + TIME_BUDGET
    for version, path in found:
        test_version(results, version, path, server_bin)

    if missing:
        print(f"missing: {' '.join(missing)}")
    print(f"versions tested: {len(found)} of {len(MINORS)} in {time.monotonic() - started:.1f}s")
    print(f"{results.passed} passed, {results.failed} failed")
    if not found:
        return 77  # ctest SKIP_RETURN_CODE: nothing could be tested, which is not a pass
    return 0 if results.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
