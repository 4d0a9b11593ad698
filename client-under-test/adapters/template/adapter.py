#!/usr/bin/env python3
"""Template for an lwc adapter: the protocol plumbing around YOUR library's
list/watch machinery (docs/client-protocol.md). Copy it, then fill in the
three places marked TODO; everything else (HELLO, READY, DUMP, STOP, EVENT
lines, thread safety) is done. Keep the library's own loop: the point is to
test it, so never write your own pagination or relist logic here.

Run it:  lwc-harness --client 'python3 adapter.py' [--expect expected.txt]
"""
import json
import os
import sys
import threading

_out = threading.Lock()
_store_lock = threading.Lock()
_store = {}  # (namespace, name) -> (uid, resourceVersion)


def emit(obj):
    with _out:
        sys.stdout.write(json.dumps(obj, separators=(",", ":")) + "\n")
        sys.stdout.flush()


def on_upsert(ns, name, uid, rv, added):
    """Call from the library's add/update handler."""
    with _store_lock:
        _store[(ns or "", name)] = (uid, rv)
    emit({"type": "EVENT", "event": "ADDED" if added else "MODIFIED", "namespace": ns or "", "name": name,
          "uid": uid, "resourceVersion": rv})


def on_delete(ns, name, uid, rv):
    """Call from the library's delete handler."""
    with _store_lock:
        _store.pop((ns or "", name), None)
    emit({"type": "EVENT", "event": "DELETED", "namespace": ns or "", "name": name, "uid": uid,
          "resourceVersion": rv})


def on_synced():
    """Call once, when the library says its cache holds the whole initial list."""
    emit({"type": "READY"})


def start_library():
    """TODO 2: build the library's client from KUBECONFIG and start its
    informer/watcher on the collection the harness names, then return:
      LWC_API_PATH + LWC_RESOURCE (+ LWC_NAMESPACE, empty = all namespaces),
      LWC_PAGE_SIZE (the list's limit; 0 = none), LWC_LABEL_SELECTOR,
      LWC_WATCH_LIST (1: use streaming lists if the library can),
      LWC_WATCH_TIMEOUT (if set: the watch timeout to ask for, in seconds).
    Wire its handlers to on_upsert / on_delete / on_synced above."""
    raise NotImplementedError("start your library's informer here")


def main():
    # TODO 1: name your library and its version, and declare honestly what it does
    # (rewatch, relist, retry, bookmarks, watchList, watchTimeout, events).
    emit({"type": "HELLO", "protocol": 2, "client": "my-library 1.2.3",
          "capabilities": ["rewatch", "relist", "retry", "events"]})
    start_library()
    for line in sys.stdin:
        cmd = line.split()
        if cmd and cmd[0] == "DUMP":
            with _store_lock:
                items = [{"namespace": k[0], "name": k[1], "uid": v[0], "resourceVersion": v[1]}
                         for k, v in _store.items()]
            emit({"type": "SNAPSHOT", "seq": int(cmd[1]), "items": items})
        elif cmd and cmd[0] == "STOP":
            break
    # TODO 3: stop the library if it needs it; then exit 0 (within 2 s of STOP).
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
