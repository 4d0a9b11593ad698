#!/usr/bin/env python3
"""A small list/watch client (stdlib only) that speaks the lwc client protocol.

Right by default: pages through the list following continue tokens, watches
from the list's resourceVersion, relists on 410 (HTTP or ERROR event), and
re-watches when a stream ends. --bug makes it wrong in one known way, so the
harness's tests can prove each check catches it:

  page1             keeps only the first page (kube-rs 0.92)
  own-namespace     lists the kubeconfig's namespace instead of all namespaces
  no-watch          watches but never applies the events
  fake-uid          reports a made-up uid for every object
  relist-no-deleted on relist, replaces the store without DELETED events
  lie-empty         answers every DUMP with an empty store
  ready-first       says READY before its first request, and holds its DUMP
                    answers until the list is done
  never-watch       never watches: lists afresh for every DUMP
  relist-keep-deleted  on relist, merges the list into the store: objects
                    absent from it stay (the stale-store class)
  relist-keep-uid   on relist, keeps the uid it held for a name
  relist-keep-rv    on relist, keeps the resourceVersion it held for a name
  no-backoff        retries a refused request at once, ignoring Retry-After
  retry-token       after a 410 on a continue, sends the same token again

--late MS starts listing MS milliseconds after the start.

--events sends EVENT lines (and so is held to the event checks).
--watch-delay MS waits MS milliseconds after each (re)list, READY included,
before opening its watch: a correct but slow-to-watch client, for finding
timeline steps that act on a watch the client has not opened yet.
--hello CAPS starts with a HELLO line (protocol 2) declaring CAPS (comma-separated,
"" for none); --hello-late sends a LOG line before it, which breaks the protocol.
"""
import http.client
import json
import os
import re
import sys
import threading
import time
import urllib.parse

BUGS = set()
EVENTS = False
WATCH_DELAY_S = 0.0
LATE_MS = 0
listed = threading.Event()  # the first list is in the store
out_lock = threading.Lock()
store_lock = threading.Lock()
store = {}  # (ns, name) -> (uid, rv)


def emit(obj):
    line = json.dumps(obj, separators=(",", ":"))
    with out_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def log(msg):
    sys.stderr.write("toy_watcher: %s\n" % msg)
    sys.stderr.flush()


def event(kind, key, uid, rv):
    if EVENTS:
        emit({"type": "EVENT", "event": kind, "namespace": key[0], "name": key[1], "uid": uid, "resourceVersion": rv})


class Expired(Exception):
    pass


class Refused(Exception):
    """A 429 or 5xx: the server said when to come back (Retry-After)."""

    def __init__(self, status, retry_after):
        super().__init__("HTTP %d" % status)
        self.retry_after = retry_after


def collection():
    coll = os.environ["LWC_COLLECTION"]
    if "own-namespace" in BUGS:
        with open(os.environ["KUBECONFIG"]) as f:
            m = re.search(r"namespace:\s*\"?([a-z0-9-]+)", f.read())
        ns = m.group(1) if m else "default"
        coll = "%s/namespaces/%s/%s" % (os.environ["LWC_API_PATH"], ns, os.environ["LWC_RESOURCE"])
    return coll


def connect():
    u = urllib.parse.urlparse(os.environ["LWC_SERVER"])
    return http.client.HTTPConnection(u.hostname, u.port, timeout=30)


def get(path, params):
    conn = connect()
    conn.request("GET", path + "?" + urllib.parse.urlencode(params))
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    if resp.status == 410:
        raise Expired()
    if resp.status == 429 or resp.status >= 500:
        raise Refused(resp.status, float(resp.getheader("Retry-After") or 0))
    if resp.status != 200:
        raise RuntimeError("HTTP %d on %s" % (resp.status, path))
    return json.loads(body)


def key_of(obj):
    m = obj["metadata"]
    return (m.get("namespace", ""), m["name"])


def meta(obj):
    m = obj["metadata"]
    uid = "fake" if "fake-uid" in BUGS else m["uid"]
    return uid, m["resourceVersion"]


def list_all():
    params = {}
    page = int(os.environ.get("LWC_PAGE_SIZE", "0") or "0")
    if page:
        params["limit"] = str(page)
    sel = os.environ.get("LWC_LABEL_SELECTOR", "")
    if sel:
        params["labelSelector"] = sel
    items, rv = [], None
    while True:
        try:
            body = get(collection(), params)
        except Expired:
            if "retry-token" in BUGS and "continue" in params:
                log("410 on a continue: sending the same token again")
                time.sleep(0.05)
                continue
            raise
        if rv is None:
            rv = body["metadata"]["resourceVersion"]
        items.extend(body.get("items") or [])
        cont = body["metadata"].get("continue")
        if not cont or "page1" in BUGS:
            break
        params["continue"] = cont
    return items, rv


def replace(items):
    fresh = {key_of(o): meta(o) for o in items}
    with store_lock:
        if "relist-keep-deleted" in BUGS:
            fresh = {**store, **fresh}
        if "relist-keep-uid" in BUGS:
            fresh = {k: ((store[k][0], v[1]) if k in store else v) for k, v in fresh.items()}
        if "relist-keep-rv" in BUGS:
            fresh = {k: ((v[0], store[k][1]) if k in store else v) for k, v in fresh.items()}
        if "relist-no-deleted" not in BUGS:
            for k in list(store):
                if k not in fresh:
                    uid, rv = store.pop(k)
                    event("DELETED", k, uid, rv)
        else:
            for k in list(store):
                if k not in fresh:
                    del store[k]
        for k, (uid, rv) in fresh.items():
            old = store.get(k)
            store[k] = (uid, rv)
            if old is None:
                event("ADDED", k, uid, rv)
            elif old != (uid, rv):
                event("MODIFIED", k, uid, rv)


def watch(rv):
    """Watches from rv until the stream ends; returns the last RV seen. Raises Expired on 410."""
    params = {"watch": "1", "resourceVersion": rv, "allowWatchBookmarks": "true", "timeoutSeconds": "30"}
    sel = os.environ.get("LWC_LABEL_SELECTOR", "")
    if sel:
        params["labelSelector"] = sel
    conn = connect()
    conn.request("GET", collection() + "?" + urllib.parse.urlencode(params))
    resp = conn.getresponse()
    if resp.status == 410:
        conn.close()
        raise Expired()
    if resp.status != 200:
        conn.close()
        raise RuntimeError("watch: HTTP %d" % resp.status)
    try:
        for raw in resp:
            line = raw.strip()
            if not line:
                continue
            ev = json.loads(line)
            obj = ev.get("object") or {}
            if ev["type"] == "ERROR":
                if obj.get("code") == 410:
                    raise Expired()
                raise RuntimeError("watch ERROR %s" % obj.get("message"))
            rv = obj["metadata"]["resourceVersion"]
            if ev["type"] == "BOOKMARK" or "no-watch" in BUGS:
                continue
            k = key_of(obj)
            uid, orv = meta(obj)
            with store_lock:
                if ev["type"] == "DELETED":
                    if store.pop(k, None) is not None:
                        event("DELETED", k, uid, orv)
                else:
                    kind = "MODIFIED" if k in store else "ADDED"
                    store[k] = (uid, orv)
                    event(kind, k, uid, orv)
    finally:
        conn.close()
    return rv


def reflector():
    ready = "ready-first" in BUGS
    if ready:
        emit({"type": "READY"})
    time.sleep(LATE_MS / 1000.0)
    while True:
        try:
            items, rv = list_all()
            replace(items)
            listed.set()
            if not ready:
                emit({"type": "READY"})
                ready = True
            time.sleep(WATCH_DELAY_S)
            if "never-watch" in BUGS:
                return  # main() lists again for every DUMP
            while True:
                rv = watch(rv)
        except Expired:
            emit({"type": "RESTART", "reason": "410 Gone"})
            time.sleep(0.02)
        except Refused as e:  # 429, 5xx: wait as told (at least a little), unless buggy
            log("refused: %s, Retry-After %.0f" % (e, e.retry_after))
            if "no-backoff" not in BUGS:
                time.sleep(max(e.retry_after, 0.1))
        except Exception as e:  # transport errors: back off and relist
            log("error: %s" % e)
            time.sleep(0.1)


def main():
    global EVENTS, WATCH_DELAY_S, LATE_MS
    args = sys.argv[1:]
    hello, hello_late = None, False
    while args:
        a = args.pop(0)
        if a == "--bug":
            BUGS.add(args.pop(0))
        elif a == "--events":
            EVENTS = True
        elif a == "--hello":
            hello = [c for c in args.pop(0).split(",") if c]
        elif a == "--hello-late":
            hello_late = True
        elif a == "--watch-delay":
            WATCH_DELAY_S = int(args.pop(0)) / 1000.0
        elif a == "--late":
            LATE_MS = int(args.pop(0))
        else:
            log("unknown argument %s" % a)
            return 2
    if hello is not None:
        if hello_late:
            emit({"type": "LOG", "level": "info", "message": "a line before HELLO"})
        emit({"type": "HELLO", "protocol": 2, "client": "toy_watcher 1.0", "capabilities": hello})
    threading.Thread(target=reflector, daemon=True).start()
    for line in sys.stdin:
        cmd = line.split()
        if not cmd:
            continue
        if cmd[0] == "DUMP":
            if "ready-first" in BUGS:
                listed.wait()
            if "never-watch" in BUGS and listed.is_set():
                try:
                    replace(list_all()[0])
                except Exception as e:
                    log("list for DUMP: %s" % e)
            with store_lock:
                items = [] if "lie-empty" in BUGS else [
                    {"namespace": k[0], "name": k[1], "uid": v[0], "resourceVersion": v[1]} for k, v in store.items()]
            emit({"type": "SNAPSHOT", "seq": int(cmd[1]), "items": items})
        elif cmd[0] == "STOP":
            break
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
