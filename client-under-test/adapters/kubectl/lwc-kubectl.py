#!/usr/bin/env python3
"""The lwc client protocol around one `kubectl get -w --output-watch-events -o json` process.

kubectl does the list (with --chunk-size pages) and the watch from the list's resourceVersion
(k8s.io/kubectl pkg/cmd/get/get.go, GetOptions.watch). This script is glue: it starts kubectl once,
reads the watch events kubectl prints, keeps the objects they describe in a dict, as a script
consuming `kubectl get -w` would, and answers the harness's DUMP and STOP. It never restarts
kubectl: when kubectl's watch ends, kubectl ends, and the store stays as kubectl left it.
"""
import json
import os
import re
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile


def out(obj):
    sys.stdout.write(json.dumps(obj, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def log(level, message):
    out({"type": "LOG", "level": level, "message": message})


def die(message):
    sys.stderr.write("lwc-kubectl: %s\n" % message)
    sys.exit(2)


def kubectl_version(kubectl):
    try:
        res = subprocess.run([kubectl, "version", "--client", "-o", "json"], capture_output=True,
                             text=True, timeout=30, check=True)
        return json.loads(res.stdout)["clientVersion"]["gitVersion"]
    except (OSError, subprocess.SubprocessError, ValueError, KeyError) as e:
        die("cannot read the version of %s: %s" % (kubectl, e))
        return ""


def resource_arg(api_path, resource):
    """kubectl's name for the resource: `pods` for the core group, `widgets.v1.example.com` else."""
    if api_path == "/api/v1":
        return resource
    m = re.fullmatch(r"/apis/([^/]+)/([^/]+)", api_path)
    if not m:
        die("cannot parse LWC_API_PATH %r" % api_path)
    return "%s.%s.%s" % (resource, m.group(2), m.group(1))


# The request log kubectl writes at -v=6 (client-go rest/transport round_trippers.go): 1.27 to
# 1.29 print `GET URL 200 OK in 3 milliseconds`, 1.30 and later a structured
# `"Response" verb="GET" url="URL" status="200 OK"`.
REQUEST_LINE = re.compile(r'round_trippers\.go:\d+\] (?:"Response" verb="(?P<v2>[A-Z]+)" url="(?P<u2>[^"]+)" '
                          r'status="(?P<s2>\d+)|(?P<v1>[A-Z]+) (?P<u1>\S+) (?P<s1>\d+))')


class Adapter:
    def __init__(self, kubectl):
        env = os.environ
        self.kubectl = kubectl
        self.version = kubectl_version(kubectl)
        api_path = env.get("LWC_API_PATH", "/api/v1")
        resource = env.get("LWC_RESOURCE", "pods")
        namespace = env.get("LWC_NAMESPACE", "")
        page = env.get("LWC_PAGE_SIZE", "0")
        if not page.isdigit():
            die("bad LWC_PAGE_SIZE %r" % page)
        selector = env.get("LWC_LABEL_SELECTOR", "")
        self.cache_dir = tempfile.mkdtemp(prefix="lwc-kubectl-cache-")
        self.cmd = [kubectl, "get", resource_arg(api_path, resource)]
        self.cmd += ["-n", namespace] if namespace else ["-A"]
        self.cmd += ["-w", "--output-watch-events", "-o", "json", "--chunk-size=%s" % page]
        if selector:
            self.cmd += ["-l", selector]
        # --cache-dir: discovery cache per run, nothing written under $HOME. -v=6: kubectl's own
        # request log on stderr, whose watch request is the adapter's READY signal (see README).
        self.cmd += ["--cache-dir", self.cache_dir, "-v=6"]
        if env.get("KUBECONFIG"):
            self.cmd += ["--kubeconfig", env["KUBECONFIG"]]
        self.store = {}
        self.ready = False
        self.proc = None
        self.out_buf = ""
        self.err_buf = b""
        self.err_tail = []
        self.decoder = json.JSONDecoder()

    # --- kubectl's stdout: watch events ---------------------------------------------------
    def apply(self, kind, obj):
        md = obj.get("metadata") or {}
        key = (md.get("namespace") or "", md.get("name") or "")
        item = {"namespace": key[0], "name": key[1], "uid": md.get("uid") or "",
                "resourceVersion": md.get("resourceVersion") or ""}
        if kind == "DELETED":
            self.store.pop(key, None)
        else:
            self.store[key] = item
        out(dict({"type": "EVENT", "event": kind}, **item))

    def on_event(self, ev):
        kind = ev.get("type")
        obj = ev.get("object") or {}
        if kind in ("ADDED", "MODIFIED", "DELETED"):
            if isinstance(obj.get("items"), list) and str(obj.get("kind", "")).endswith("List"):
                # A chunked list of more than one page comes out as one ADDED event per page
                # holding the page's whole List object (see docs/findings.md).
                md = obj.get("metadata") or {}
                for item in obj["items"]:
                    self.apply(kind, item)
                if not md.get("continue") and not self.ready:
                    self.say_ready("the last page (no continue) at resourceVersion %s"
                                   % md.get("resourceVersion"))
                return
            self.apply(kind, obj)
        elif kind == "ERROR":
            log("warn", "kubectl printed an ERROR event: %s %s" % (obj.get("code"), obj.get("message")))
        else:
            log("debug", "kubectl printed a %s event" % kind)

    def parse_stdout(self):
        while True:
            text = self.out_buf.lstrip()
            if not text:
                self.out_buf = ""
                return
            try:
                ev, end = self.decoder.raw_decode(text)
            except ValueError:
                self.out_buf = text  # an incomplete object: wait for more
                return
            self.out_buf = text[end:]
            if isinstance(ev, dict):
                self.on_event(ev)
            else:
                log("warn", "kubectl printed a JSON value that is not an event")

    def read_stdout(self, data):
        self.out_buf += data.decode("utf-8", "replace")
        self.parse_stdout()

    # --- kubectl's stderr: its request log ------------------------------------------------
    def on_stderr_line(self, line):
        sys.stderr.write(line + "\n")
        self.err_tail = (self.err_tail + [line])[-20:]
        m = REQUEST_LINE.search(line)
        if not m:
            return
        url = m.group("u1") or m.group("u2")
        status = m.group("s1") or m.group("s2")
        if "watch=true" in url and not self.ready:
            # kubectl prints the whole list and flushes stdout before it opens the watch
            # (get.go: writer.Flush(), then r.Watch(rv)); drain stdout first.
            self.drain_stdout()
            self.say_ready("kubectl opened its watch (%s, HTTP %s)" % (url, status))

    def drain_stdout(self):
        # kubectl's pipes are non-blocking (see run): read until the pipe is empty.
        while True:
            try:
                data = os.read(self.proc.stdout.fileno(), 1 << 16)
            except BlockingIOError:
                return
            if not data:
                return
            self.read_stdout(data)

    def read_stderr(self, data):
        self.err_buf += data
        *lines, self.err_buf = self.err_buf.split(b"\n")
        for line in lines:
            self.on_stderr_line(line.decode("utf-8", "replace"))

    def say_ready(self, why):
        if self.ready:
            return
        self.ready = True
        log("info", "READY: " + why)
        out({"type": "READY"})

    # --- the loop ---------------------------------------------------------------------------
    def snapshot(self, seq):
        out({"type": "SNAPSHOT", "seq": seq, "items": list(self.store.values())})

    def stop_kubectl(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=1)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.cache_dir, ignore_errors=True)

    def run(self):
        out({"type": "HELLO", "protocol": 2, "client": "kubectl %s get -w" % self.version,
             "capabilities": ["events"]})
        log("info", "running " + " ".join(self.cmd))
        try:
            self.proc = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                         stderr=subprocess.PIPE)
        except OSError as e:
            die("cannot start %s: %s" % (self.kubectl, e))
        # Non-blocking: draining stdout on the watch's log line can empty a pipe that select
        # already reported as readable in the same round.
        os.set_blocking(self.proc.stdout.fileno(), False)
        os.set_blocking(self.proc.stderr.fileno(), False)
        sel = selectors.DefaultSelector()
        sel.register(sys.stdin, selectors.EVENT_READ, "stdin")
        sel.register(self.proc.stdout, selectors.EVENT_READ, "stdout")
        sel.register(self.proc.stderr, selectors.EVENT_READ, "stderr")
        stdin_buf = b""
        open_pipes = 2
        while True:
            for key, _ in sel.select():
                try:
                    data = os.read(key.fileobj.fileno(), 1 << 16)
                except BlockingIOError:
                    continue
                if key.data == "stdin":
                    if not data:
                        return
                    stdin_buf += data
                    *cmds, stdin_buf = stdin_buf.split(b"\n")
                    for cmd in cmds:
                        cmd = cmd.decode("utf-8", "replace").strip()
                        m = re.fullmatch(r"DUMP (\d+)", cmd)
                        if m:
                            self.snapshot(int(m.group(1)))
                        elif cmd == "STOP":
                            return
                        elif cmd:
                            log("warn", "unknown command %r" % cmd)
                    continue
                if not data:
                    sel.unregister(key.fileobj)
                    open_pipes -= 1
                    if open_pipes == 0:
                        self.on_kubectl_exit()
                    continue
                if key.data == "stdout":
                    self.read_stdout(data)
                else:
                    self.read_stderr(data)

    def on_kubectl_exit(self):
        if self.err_buf:
            self.on_stderr_line(self.err_buf.decode("utf-8", "replace"))
            self.err_buf = b""
        rc = self.proc.wait()
        # kubectl's own messages ("Error from server …", klog E/W lines), not its -v=6 info lines.
        errors = [l for l in self.err_tail if l.strip() and not re.match(r"I\d{4} ", l)]
        errors = [l for l in errors if l.lower().startswith("error")] or errors[-3:]
        # kubectl get -w has no reconnect and no relist: its watch ending ends it. The store
        # stays as kubectl left it; the adapter keeps answering DUMP until STOP.
        log("error", "kubectl exited with status %d; the store is frozen. %s"
            % (rc, " | ".join(errors[-3:]) if errors else "(no error message)"))


def main():
    args = sys.argv[1:]
    if len(args) != 2 or args[0] != "--kubectl":
        die("usage: lwc-kubectl.py --kubectl PATH")
    adapter = Adapter(args[1])

    def on_signal(signum, frame):
        adapter.stop_kubectl()
        sys.exit(0)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        adapter.run()
    finally:
        adapter.stop_kubectl()


if __name__ == "__main__":
    main()
