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
        body = get(collection(), params)
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
    ready = False
    while True:
        try:
            items, rv = list_all()
            replace(items)
            if not ready:
                emit({"type": "READY"})
                ready = True
            time.sleep(WATCH_DELAY_S)
            while True:
                rv = watch(rv)
        except Expired:
            emit({"type": "RESTART", "reason": "410 Gone"})
            time.sleep(0.02)
        except Exception as e:  # transport errors, 5xx: back off and relist
            log("error: %s" % e)
            time.sleep(0.1)


def main():
    global EVENTS, WATCH_DELAY_S
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
