#!/usr/bin/env python3
"""Fidelity test: everything lwc-mockserver serves must read in real clients' typed models.

Usage: fidelity.py MOCKSERVER SCENARIO_DIR WORK_DIR NODE_CHECK|-

For the demo world and for every scenario of the catalog (a fresh
`lwc-mockserver --scenario FILE` each), collect what a client can be served:

  - every collection's list (pods, configmaps, namespaces, widgets and the
    scenario's own resource), with the scenario's faults removed first;
  - the objects its timeline writes (create, update, recreate, relabel,
    delete, churn, played through /lwc/v1/steps) and objects a client writes
    through the API itself (POST, PUT with a partial status, merge PATCH);
  - the events of watches from the first list's resourceVersion (ADDED,
    MODIFIED, DELETED, BOOKMARK), of resourceVersion=0 watches (synthetic
    ADDED) and an injected ERROR event.

Each is deserialized with python3-kubernetes's ApiClient().deserialize into
its typed model (V1PodList, V1Pod, V1ConfigMapList, V1NamespaceList,
V1Status, ...; custom resources' metadata into V1ObjectMeta), whose
constructors refuse a None required field. The metadata every real object
carries (name, uid, resourceVersion, creationTimestamp, namespace when
namespaced, generation for custom resources) is checked as well. Then the
same records go to NODE_CHECK (check_node.mjs, @kubernetes/client-node's
ObjectSerializer), unless it is "-".

Every failure names the world, the request, the object and the field; the
exit status is 1 when anything failed, 0 otherwise.
"""

import http.client
import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse

START_TIMEOUT = 60.0  # big-list-10000 fills 10,000 pods before it listens
HTTP_TIMEOUT = 20.0
WATCH_SECONDS = 1  # timeoutSeconds of the collecting watches: the server ends them
WRITE_STEPS = {"create", "update", "delete", "deleteAll", "recreate", "relabel", "churn"}

try:
    from kubernetes.client import ApiClient
except ImportError:
    print("fidelity: python3 cannot import kubernetes: install python3-kubernetes (ci/install-deps.sh)")
    sys.exit(1)

BUILTIN = [  # api path, plural, namespaced, typed model of an object (None: custom resource)
    ("/api/v1", "pods", True, "V1Pod"),
    ("/api/v1", "configmaps", True, "V1ConfigMap"),
    ("/api/v1", "namespaces", False, "V1Namespace"),
    ("/apis/example.com/v1", "widgets", True, None),
]


class Server:
    def __init__(self, binary, args):
        self.proc = subprocess.Popen([binary, "--listen", "127.0.0.1:0"] + args, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        line_box = []
        reader = threading.Thread(target=lambda: line_box.append(self.proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(START_TIMEOUT)
        line = line_box[0] if line_box else ""
        if not line.startswith("listening on http://"):
            self.stop()
            raise RuntimeError("lwc-mockserver %s did not start: %r" % (" ".join(args), line))
        hostport = line.split("http://", 1)[1].strip()
        self.host, port = hostport.rsplit(":", 1)
        self.port = int(port)
        self.output = []
        self.drain = threading.Thread(target=lambda: self.output.append(self.proc.stdout.read()), daemon=True)
        self.drain.start()

    def stop(self):
        """Ends the server; returns a sentence when it did not exit 0 on SIGTERM (a crash, a sanitizer report)."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "drain", None):
            self.drain.join(10)
        if self.proc.returncode != 0:
            tail = "".join(getattr(self, "output", []))[-2000:]
            return "lwc-mockserver exited %d on SIGTERM: %s" % (self.proc.returncode, tail)
        return None

    def request(self, method, path, body=None, content_type="application/json"):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=HTTP_TIMEOUT)
        try:
            headers = {"Content-Type": content_type} if body is not None else {}
            conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, json.loads(data) if data else None
        finally:
            conn.close()

    def watch_lines(self, path):
        """Every event line of a watch the server ends itself (timeoutSeconds)."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=WATCH_SECONDS + 15)
        try:
            conn.request("GET", path)
            resp = conn.getresponse()
            if resp.status != 200:
                return resp.status, [resp.read().decode(errors="replace")]
            lines = []
            while True:
                line = resp.readline()
                if not line:
                    break
                if line.strip():
                    lines.append(json.loads(line))
            return 200, lines
        finally:
            conn.close()


class Records:
    def __init__(self, world):
        self.world = world
        self.items = []  # {"world", "what", "type", "body", "namespaced", "custom"}

    def add(self, what, model, body, namespaced, custom=False):
        self.items.append({"world": self.world, "what": what, "type": model, "body": body,
                           "namespaced": namespaced, "custom": custom})


class FakeResponse:
    def __init__(self, body):
        self.data = json.dumps(body)


def obj_name(o):
    m = (o or {}).get("metadata") or {}
    return "%s/%s" % (m.get("namespace", ""), m.get("name", "?")) if m.get("namespace") else m.get("name", "?")


def meta_problems(o, namespaced, custom):
    """Metadata a real apiserver always serves on a stored object."""
    m = o.get("metadata")
    if not isinstance(m, dict):
        return ["metadata: missing"]
    out = []
    for f in ("name", "uid", "resourceVersion", "creationTimestamp"):
        if not isinstance(m.get(f), str) or not m.get(f):
            out.append("metadata.%s: missing or empty" % f)
    if namespaced and not m.get("namespace"):
        out.append("metadata.namespace: missing on a namespaced object")
    if custom and not isinstance(m.get("generation"), int):
        out.append("metadata.generation: missing on a custom resource")
    ts = m.get("creationTimestamp")
    if isinstance(ts, str) and not (len(ts) == 20 and ts[10] == "T" and ts.endswith("Z")):
        out.append("metadata.creationTimestamp: %r is not RFC 3339 in UTC seconds" % ts)
    return out


def check_python(rec, api):
    """Failures of one record in python3-kubernetes's models, each a sentence."""
    body, model = rec["body"], rec["type"]
    fails = []

    def deser(obj, typ, label):
        try:
            api.deserialize(FakeResponse(obj), typ)
            return True
        except Exception as e:  # the models raise ValueError; dates ApiException
            fails.append("%s: %s does not deserialize as %s: %s" % (label, "object", typ, e))
            return False

    if model.endswith("List"):
        item_model = model[:-4]
        items = body.get("items")
        if not isinstance(items, list):
            return ["items: %r is not a list" % type(items).__name__]
        deser(body.get("metadata", {}), "V1ListMeta", "list metadata")
        for it in items:
            label = "item %s" % obj_name(it)
            if rec["custom"]:
                deser(it.get("metadata"), "V1ObjectMeta", label + " metadata")
            else:
                deser(it, item_model, label)
            fails.extend("%s: %s" % (label, p) for p in meta_problems(it, rec["namespaced"], rec["custom"]))
        if not rec["custom"] and not fails:
            deser(body, model, "the list")
    elif model == "event":
        ev_type, obj = body.get("type"), body.get("object")
        label = "%s event of %s" % (ev_type, obj_name(obj))
        if ev_type == "ERROR":
            deser(obj, "V1Status", label)
        elif rec["custom"]:
            deser((obj or {}).get("metadata"), "V1ObjectMeta", label + " metadata")
        else:
            deser(obj, rec["item_model"], label)
        if ev_type in ("ADDED", "MODIFIED", "DELETED"):
            fails.extend("%s: %s" % (label, p) for p in meta_problems(obj or {}, rec["namespaced"], rec["custom"]))
            for f in ("kind", "apiVersion"):
                if not (obj or {}).get(f):
                    fails.append("%s: %s missing on a watch event's object" % (label, f))
        elif ev_type == "BOOKMARK":
            if not ((obj or {}).get("metadata") or {}).get("resourceVersion"):
                fails.append("%s: a bookmark without metadata.resourceVersion" % label)
        elif ev_type != "ERROR":
            fails.append("unknown event type %r" % ev_type)
    else:
        label = "object %s" % obj_name(body)
        if rec["custom"]:
            deser(body.get("metadata"), "V1ObjectMeta", label + " metadata")
        else:
            deser(body, model, label)
        fails.extend("%s: %s" % (label, p) for p in meta_problems(body, rec["namespaced"], rec["custom"]))
    return fails


def resources_of(scenario):
    res = [(a, p, ns, m) for a, p, ns, m in BUILTIN]
    r = (scenario or {}).get("resource") or {}
    plural = r.get("plural", "pods")
    group, version = r.get("group", ""), r.get("version", "v1")
    api = "/apis/%s/%s" % (group, version) if group else "/api/%s" % version
    if not any(a == api and p == plural for a, p, _, _ in res):
        res.append((api, plural, bool(r.get("namespaced", True)), None))
    return res, (api, plural)


def collection(api, plural, ns=None):
    return "%s/namespaces/%s/%s" % (api, ns, plural) if ns else "%s/%s" % (api, plural)


def collect(server, world, scenario, notes):
    rec = Records(world)
    resources, (s_api, s_plural) = resources_of(scenario)
    server.request("DELETE", "/lwc/v1/faults")  # the scenario's faults would hide the objects
    start_rv = {}
    for api, plural, namespaced, model in resources:
        status, body = server.request("GET", collection(api, plural))
        if status != 200:
            notes.append("%s: GET %s answered %d" % (world, collection(api, plural), status))
            continue
        start_rv[(api, plural)] = body["metadata"]["resourceVersion"]
        rec.add("GET " + collection(api, plural), (model or "custom") + "List", body, namespaced, model is None)

    # The timeline's writes, in order, and writes a client makes through the API.
    for i, step in enumerate((scenario or {}).get("timeline", [])):
        if step.get("do") not in WRITE_STEPS:
            continue
        step = dict(step)
        step.pop("when", None)
        step.pop("afterMs", None)
        q = "?" + urllib.parse.urlencode({"resource": s_plural, "apiPath": s_api})
        status, body = server.request("POST", "/lwc/v1/steps" + q, step)
        if status != 200:
            notes.append("%s: timeline[%d] (%s) answered %d: %s" % (world, i, step["do"], status,
                                                                     (body or {}).get("message")))
    client_writes(server, rec, resources, notes)

    # Watches from the first lists' RVs replay every write; RV=0 gives synthetic ADDED.
    threads, results = [], []
    for api, plural, namespaced, model in resources:
        if (api, plural) not in start_rv:
            continue
        for rv in (start_rv[(api, plural)], "0"):
            path = "%s?watch=1&resourceVersion=%s&allowWatchBookmarks=true&timeoutSeconds=%d" % (
                collection(api, plural), rv, WATCH_SECONDS)
            t = threading.Thread(target=lambda p=path, n=namespaced, m=model: results.append(
                (p, n, m) + server.watch_lines(p)), daemon=True)
            t.start()
            threads.append(t)
    # An injected ERROR event (the errorEvent fault) on one more watch.
    err_fault = {"name": "fidelity-error", "match": {"verb": "watch", "resource": s_plural},
                 "action": {"stream": "errorEvent", "compact": True}}
    server.request("POST", "/lwc/v1/faults", err_fault)
    _, st = server.request("GET", "/lwc/v1/state")
    path = "%s?watch=1&resourceVersion=%s&timeoutSeconds=%d" % (collection(s_api, s_plural), st["resourceVersion"],
                                                                  WATCH_SECONDS)
    status, lines = server.watch_lines(path)
    results.append((path, True, None, status, lines))
    for t in threads:
        t.join(WATCH_SECONDS + 20)
    model_of = {(collection(a, p)): m for a, p, _, m in resources}
    for path, namespaced, model, status, lines in results:
        base = path.split("?", 1)[0]
        model = model_of.get(base, model)
        if status != 200:
            notes.append("%s: watch %s answered %d" % (world, path, status))
            continue
        for n, ev in enumerate(lines):
            rec.add("watch %s, event %d" % (path, n + 1), "event", ev, namespaced, model is None)
            rec.items[-1]["item_model"] = model or "custom"
    return rec


def client_writes(server, rec, resources, notes):
    """What a client writes itself: the server fills the rest, as a real one does."""
    ns = "fidelity-probe"
    steps = [
        ("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}},
         "V1Namespace", False, False),
        ("POST", "/api/v1/namespaces/%s/pods" % ns,
         {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "probe", "labels": {"app": "probe"}},
          "spec": {"containers": [{"name": "main", "image": "busybox"}]}}, "V1Pod", True, False),
        ("PUT", "/api/v1/namespaces/%s/pods/probe" % ns,
         {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "probe", "namespace": ns},
          "spec": {"containers": [{"name": "main", "image": "busybox"}]},
          "status": {"phase": "Running", "containerStatuses": [{"name": "main", "state": {"running": {}}}]}},
         "V1Pod", True, False),
        ("PATCH", "/api/v1/namespaces/%s/pods/probe" % ns, {"metadata": {"labels": {"patched": "yes"}}},
         "V1Pod", True, False),
        ("POST", "/api/v1/namespaces/%s/configmaps" % ns,
         {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "probe"}, "data": {"k": "v"}},
         "V1ConfigMap", True, False),
        ("POST", "/apis/example.com/v1/namespaces/%s/widgets" % ns,
         {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "probe"}, "spec": {"size": "s"}},
         "custom", True, True),
        ("PUT", "/apis/example.com/v1/namespaces/%s/widgets/probe" % ns,
         {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "probe", "namespace": ns},
          "spec": {"size": "m"}}, "custom", True, True),
    ]
    for method, path, body, model, namespaced, custom in steps:
        ctype = "application/merge-patch+json" if method == "PATCH" else "application/json"
        status, answer = server.request(method, path, body, ctype)
        if status not in (200, 201):
            notes.append("%s: %s %s answered %d: %s" % (rec.world, method, path, status, (answer or {}).get("message")))
            continue
        rec.add("%s %s" % (method, path), model, answer, namespaced, custom)
        status, got = server.request("GET", path if method != "POST" else path + "/" + body["metadata"]["name"])
        if status == 200:
            rec.add("GET after %s %s" % (method, path), model, got, namespaced, custom)
    status, got = server.request("GET", "/apis/example.com/v1/namespaces/%s/widgets/probe" % ns)
    if status == 200 and got["metadata"].get("generation") != 2:
        rec.add_fail = "a spec update of a custom resource left generation at %r, not 2" % got["metadata"].get(
            "generation")


def main():
    if len(sys.argv) != 5:
        print(__doc__)
        return 2
    binary, scen_dir, work, node_check = sys.argv[1:]
    os.makedirs(work, exist_ok=True)
    worlds = [("demo world", [], None)]
    for f in sorted(os.listdir(scen_dir)):
        if f.endswith(".json"):
            with open(os.path.join(scen_dir, f)) as fh:
                worlds.append(("scenario " + f[:-5], ["--scenario", os.path.join(scen_dir, f)], json.load(fh)))
    api = ApiClient()
    all_records, failures, notes = [], [], []
    counted = 0
    for world, args, scenario in worlds:
        server = Server(binary, args)
        try:
            rec = collect(server, world, scenario, notes)
        finally:
            exit_problem = server.stop()
        if exit_problem:
            failures.append("%s: %s" % (world, exit_problem))
        if getattr(rec, "add_fail", None):
            failures.append("%s: %s" % (world, rec.add_fail))
        for r in rec.items:
            counted += len(r["body"].get("items", [])) if r["type"].endswith("List") else 1
            for f in check_python(r, api):
                failures.append("%s: %s: %s" % (world, r["what"], f))
        all_records.extend(rec.items)
    for n in notes:
        print("note: " + n)
    print("python3-kubernetes: %d worlds, %d objects and events checked, %d failures" %
          (len(worlds), counted, len(failures)))
    for f in failures[:60]:
        print("FAIL (python3-kubernetes) " + f)
    if len(failures) > 60:
        print("... and %d more" % (len(failures) - 60))
    rc = 1 if failures else 0
    if node_check != "-":
        dump = os.path.join(work, "served.json")
        with open(dump, "w") as fh:
            json.dump(all_records, fh)
        node = subprocess.run(["node", node_check, dump], timeout=600)
        if node.returncode != 0:
            rc = 1
    print("fidelity: " + ("FAIL" if rc else "PASS"))
    return rc


if __name__ == "__main__":
    sys.exit(main())
