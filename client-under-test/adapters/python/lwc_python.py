#!/usr/bin/python3
"""lwc adapter for the official Kubernetes Python client (`kubernetes` package): list with the
generated API page by page, watch with kubernetes.watch.Watch, relist on 410, answer DUMP.

The library has no pager and no informer in the versions this adapter targets (Debian's 22.6.0;
37.x ships kubernetes.informer.SharedInformer, which does not paginate, see README.md), so the
outer loop here is the one the library's users write themselves: follow metadata._continue,
hand the list's resourceVersion to Watch().stream(), and on ApiException(410) list again, as
the docstring of Watch.stream says. Everything on the wire (requests, query parameters, decoding
into typed models, the watch stream, its own reconnect and 410 retry) is the library's.

With --informer (37.x and later) the adapter runs the library's own kubernetes.informer.SharedInformer
instead of that loop, and only mirrors its cache and its handler calls.

Usage: lwc_python.py [--site DIR] [--informer]   (DIR goes first on sys.path: a pip --target install)
"""

import functools

import json
import os
import random
import sys
import threading
import time

OUT_LOCK = threading.Lock()
STORE_LOCK = threading.Lock()
STORE = {}  # (namespace, name) -> (uid, resourceVersion), from the typed objects
SNAPSHOT_SOURCE = None  # --informer: a function listing the informer's own cache
STOP_HOOK = None  # --informer: called on STOP before the exit


def emit(msg):
    line = json.dumps(msg, separators=(",", ":"))
    with OUT_LOCK:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def log(level, message):
    emit({"type": "LOG", "level": level, "message": message})


def meta_of(obj):
    """(namespace, name, uid, resourceVersion) of a typed model or, for custom objects (which
    the library decodes into plain dicts), of a dict."""
    if isinstance(obj, dict):
        md = obj.get("metadata") or {}
        return (md.get("namespace") or "", md.get("name") or "", md.get("uid") or "",
                md.get("resourceVersion") or "")
    md = obj.metadata
    return (md.namespace or "", md.name or "", md.uid or "", md.resource_version or "")


def stdin_reader():
    """DUMP N: one SNAPSHOT of the store; STOP or end of input: exit 0 at once, whatever the
    main thread is blocked in (a watch read has no way to be interrupted from outside)."""
    for raw in sys.stdin:
        words = raw.split()
        if not words:
            continue
        if words[0] == "DUMP" and len(words) == 2:
            if SNAPSHOT_SOURCE is not None:
                items = SNAPSHOT_SOURCE()
            else:
                with STORE_LOCK:
                    items = [{"namespace": k[0], "name": k[1], "uid": v[0], "resourceVersion": v[1]}
                             for k, v in STORE.items()]
            emit({"type": "SNAPSHOT", "seq": int(words[1]), "items": items})
        elif words[0] == "STOP":
            break
    if STOP_HOOK is not None:
        STOP_HOOK()
    with OUT_LOCK:
        sys.stdout.flush()
    os._exit(0)


def typed_api_class(client, group, version):
    """The generated API class of a built-in group (apps/v1 -> AppsV1Api), or None."""
    name = "".join(p.capitalize() for p in group.replace(".k8s.io", "").split(".")) \
        + version.capitalize() + "Api"
    return getattr(client, name, None)


def find_list_function(api, plural, namespace):
    """The generated list_* method for a resource plural: list_namespaced_<kind> for one
    namespace, list_<kind>_for_all_namespaces for all, list_<kind> for cluster-scoped ones."""
    def kind_matches(snake):
        flat = snake.replace("_", "")
        return plural in (flat, flat + "s", flat + "es")

    namespaced = cluster = all_ns = None
    for attr in dir(api):
        if not attr.startswith("list_") or attr.endswith("_with_http_info"):
            continue
        if attr.startswith("list_namespaced_"):
            if kind_matches(attr[len("list_namespaced_"):]):
                namespaced = getattr(api, attr)
        elif attr.endswith("_for_all_namespaces"):
            if kind_matches(attr[len("list_"):-len("_for_all_namespaces")]):
                all_ns = getattr(api, attr)
        elif kind_matches(attr[len("list_"):]):
            cluster = getattr(api, attr)
    if namespaced is None and cluster is not None:
        return cluster, {}
    if namespace and namespaced is not None:
        return namespaced, {"namespace": namespace}
    if all_ns is not None:
        return all_ns, {}
    return None, None


def resolve(client, api_path, plural, namespace):
    """Bound list function and its fixed arguments for the collection the harness names."""
    if api_path == "/api/v1":
        fn, args = find_list_function(client.CoreV1Api(), plural, namespace)
        if fn is not None:
            return fn, args, "CoreV1Api." + fn.__name__
        raise SystemExit("lwc-python: no CoreV1Api list function for %r" % plural)
    parts = api_path.strip("/").split("/")
    if len(parts) != 3 or parts[0] != "apis":
        raise SystemExit("lwc-python: cannot use LWC_API_PATH %r" % api_path)
    group, version = parts[1], parts[2]
    cls = typed_api_class(client, group, version)
    if cls is not None:
        fn, args = find_list_function(cls(), plural, namespace)
        if fn is not None:
            return fn, args, cls.__name__ + "." + fn.__name__
    custom = client.CustomObjectsApi()
    if namespace:
        return (custom.list_namespaced_custom_object,
                {"group": group, "version": version, "namespace": namespace, "plural": plural},
                "CustomObjectsApi.list_namespaced_custom_object")
    return (custom.list_cluster_custom_object,
            {"group": group, "version": version, "plural": plural},
            "CustomObjectsApi.list_cluster_custom_object")


def watch_keeps_bookmark_rv(watch):
    """Whether this library's Watch moves its resource_version on a BOOKMARK (its own
    reconnect then resumes from it). kubernetes-client/python#2505 (2026) added that; 22.6.0
    has a TODO in Watch.unmarshal_event instead (issue #1729). Asking for bookmarks that the
    library then ignores would be a false `bookmarks` capability, so ask the library itself."""
    probe = watch.Watch()
    probe.unmarshal_event('{"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1",'
                          '"metadata":{"resourceVersion":"12345"}}}', "V1Pod")
    return probe.resource_version == "12345"


class Backoff:
    """Exponential backoff with jitter for the adapter's own retries (the library has none)."""

    def __init__(self, first=0.2, cap=5.0):
        self.first, self.cap, self.delay = first, cap, first

    def reset(self):
        self.delay = self.first

    def sleep(self):
        time.sleep(self.delay * (0.5 + random.random() / 2))
        self.delay = min(self.cap, self.delay * 2)


def run_informer():
    """The library's SharedInformer (kubernetes/informer/informer.py, new in 37.x): it lists,
    watches, relists on 410 and keeps its ObjectCache by itself. The adapter gives it the list
    function, mirrors its handler calls as EVENT lines, answers DUMP from informer.cache and says
    READY when the informer opens its first watch, which it does only once its first list is in
    the cache (SharedInformer has no HasSynced)."""
    import kubernetes
    from kubernetes import client, config
    try:
        from kubernetes import informer as informer_mod
    except ImportError:
        raise SystemExit("lwc-python: --informer needs kubernetes 37 or later, this is "
                         + kubernetes.__version__)

    lib_version = kubernetes.__version__
    # rewatch and relist are the informer's own loop (_run_loop); retry: it lists again after 5 s
    # and re-watches after any watch error. It never asks for bookmarks, has no client-side
    # timeout, and lists without limit.
    emit({"type": "HELLO", "protocol": 2, "client": "python kubernetes %s SharedInformer" % lib_version,
          "capabilities": ["rewatch", "relist", "retry", "events"]})

    config.load_kube_config(config_file=os.environ.get("KUBECONFIG"))
    namespace = os.environ.get("LWC_NAMESPACE", "")
    selector = os.environ.get("LWC_LABEL_SELECTOR", "")
    base, fixed, fn_name = resolve(client, os.environ.get("LWC_API_PATH", "/api/v1"),
                                   os.environ.get("LWC_RESOURCE", "pods"), namespace)
    ns_arg = fixed.pop("namespace", None)
    ready = threading.Event()

    @functools.wraps(base)
    def list_func(**kw):
        if kw.get("watch") and not ready.is_set():
            ready.set()
            emit({"type": "READY"})
        return base(**fixed, **kw)

    log("info", "kubernetes %s from %s, SharedInformer over %s (LWC_PAGE_SIZE=%s is not used: "
        "the informer lists without limit)" % (lib_version, kubernetes.__file__, fn_name,
                                               os.environ.get("LWC_PAGE_SIZE", "")))
    inf = informer_mod.SharedInformer(list_func, namespace=ns_arg,
                                      label_selector=selector or None)

    # What the EVENT lines printed so far describe, to let handler calls still on their way out
    # at STOP be printed: the informer updates its cache before it calls the handlers.
    told = {}
    told_cv = threading.Condition()

    def handler(kind):
        def on_event(obj):
            ns, name, uid, orv = meta_of(obj)
            emit({"type": "EVENT", "event": kind, "namespace": ns, "name": name, "uid": uid,
                  "resourceVersion": orv})
            with told_cv:
                if kind == informer_mod.DELETED:
                    told.pop((ns, name), None)
                else:
                    told[(ns, name)] = (uid, orv)
                told_cv.notify_all()
        return on_event

    for kind in (informer_mod.ADDED, informer_mod.MODIFIED, informer_mod.DELETED):
        inf.add_event_handler(kind, handler(kind))
    inf.add_event_handler(informer_mod.ERROR,
                          lambda exc: log("warn", "informer error: %s: %s" % (type(exc).__name__, exc)))

    def snapshot():
        items = []
        for obj in inf.cache.list():
            ns, name, uid, orv = meta_of(obj)
            items.append({"namespace": ns, "name": name, "uid": uid, "resourceVersion": orv})
        return items

    def cache_state():
        return {(i["namespace"], i["name"]): (i["uid"], i["resourceVersion"]) for i in snapshot()}

    def catch_up():
        """At STOP: wait, at most 1.5 s, until the EVENT lines describe the cache."""
        deadline = time.monotonic() + 1.5
        with told_cv:
            while told != cache_state():
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                told_cv.wait(left)

    global SNAPSHOT_SOURCE, STOP_HOOK
    SNAPSHOT_SOURCE = snapshot
    STOP_HOOK = catch_up
    inf.start()
    threading.Event().wait()  # the informer's thread does the work; STOP exits from stdin_reader
    return 0


def main(argv):
    args = argv[1:]
    informer_mode = "--informer" in args
    if informer_mode:
        args.remove("--informer")
    if len(args) == 2 and args[0] == "--site":
        sys.path.insert(0, args[1])
    elif args:
        sys.stderr.write("usage: lwc_python.py [--site DIR] [--informer]\n")
        return 2
    # STOP must work from the start: importing the library takes seconds on a loaded machine
    # (37.x builds its pydantic models on import). DUMP only comes after READY.
    threading.Thread(target=stdin_reader, name="stdin", daemon=True).start()
    if informer_mode:
        return run_informer()

    import kubernetes
    from kubernetes import client, config, watch
    from kubernetes.client.rest import ApiException

    lib_version = kubernetes.__version__
    use_bookmarks = watch_keeps_bookmark_rv(watch)
    watch_timeout = os.environ.get("LWC_WATCH_TIMEOUT", "")
    capabilities = ["rewatch", "relist", "retry"]
    if use_bookmarks:
        capabilities.append("bookmarks")
    if watch_timeout:
        capabilities.append("watchTimeout")
    emit({"type": "HELLO", "protocol": 2, "client": "python kubernetes " + lib_version,
          "capabilities": capabilities})

    config.load_kube_config(config_file=os.environ.get("KUBECONFIG"))
    namespace = os.environ.get("LWC_NAMESPACE", "")
    page_size = int(os.environ.get("LWC_PAGE_SIZE", "0") or "0")
    selector = os.environ.get("LWC_LABEL_SELECTOR", "")
    list_fn, fixed, fn_name = resolve(client, os.environ.get("LWC_API_PATH", "/api/v1"),
                                      os.environ.get("LWC_RESOURCE", "pods"), namespace)
    log("info", "kubernetes %s from %s, %s" % (lib_version, kubernetes.__file__, fn_name))
    common = dict(fixed)
    if selector:
        common["label_selector"] = selector

    def list_all():
        """The pagination loop every user of this library writes: follow _continue."""
        items, token, rv = [], None, None
        while True:
            kw = dict(common)
            if page_size > 0:
                kw["limit"] = page_size
            if token:
                kw["_continue"] = token
            page = list_fn(**kw)
            if isinstance(page, dict):  # CustomObjectsApi: no model, a dict
                items.extend(page.get("items") or [])
                md = page.get("metadata") or {}
                token, rv = md.get("continue"), md.get("resourceVersion") or rv
            else:
                items.extend(page.items or [])
                token, rv = page.metadata._continue, page.metadata.resource_version or rv
            if not token:
                return items, rv

    backoff = Backoff()
    ready_sent = False
    rv = None  # None: list before watching
    while True:
        if rv is None:
            try:
                items, rv = list_all()
            except ApiException as exc:
                if exc.status == 410:
                    emit({"type": "RESTART", "reason": "410 Expired during the list"})
                else:
                    log("warn", "list failed: HTTP %s %s" % (exc.status, exc.reason))
                rv = None
                backoff.sleep()
                continue
            except Exception as exc:  # noqa: BLE001 - transport errors, bad bodies: retry
                log("warn", "list failed: %s: %s" % (type(exc).__name__, exc))
                rv = None
                backoff.sleep()
                continue
            fresh = {}
            for obj in items:
                ns, name, uid, orv = meta_of(obj)
                fresh[(ns, name)] = (uid, orv)
            with STORE_LOCK:
                STORE.clear()
                STORE.update(fresh)
            if not ready_sent:
                emit({"type": "READY"})
                ready_sent = True
            backoff.reset()

        w = watch.Watch()
        kw = dict(common)
        kw["resource_version"] = str(rv)
        if use_bookmarks:
            kw["allow_watch_bookmarks"] = True
        if watch_timeout:
            # timeout_seconds asks the server for a short watch (and turns off the library's own
            # reconnect, watch.py "Do not attempt retries if user specifies a timeout"); the read
            # timeout abandons a connection that stays silent past it plus a margin.
            kw["timeout_seconds"] = int(watch_timeout)
            kw["_request_timeout"] = (5, int(watch_timeout) + 3)
        try:
            for event in w.stream(list_fn, **kw):
                kind = event["type"]
                if kind in ("ADDED", "MODIFIED", "DELETED"):
                    ns, name, uid, orv = meta_of(event["object"])
                    with STORE_LOCK:
                        if kind == "DELETED":
                            STORE.pop((ns, name), None)
                        else:
                            STORE[(ns, name)] = (uid, orv)
                backoff.reset()
            # The generator ended: the server closed a watch we asked to be short (with
            # timeout_seconds the library does not reconnect). Watch again from the last RV.
            rv = w.resource_version or rv
        except ApiException as exc:
            if exc.status == 410:
                emit({"type": "RESTART", "reason": "410 Gone on the watch: %s" % exc.reason})
                rv = None
                continue
            log("warn", "watch failed: HTTP %s %s" % (exc.status, exc.reason))
            rv = w.resource_version or rv
            backoff.sleep()
        except Exception as exc:  # noqa: BLE001 - broken streams, read timeouts, bad events
            log("warn", "watch failed: %s: %s" % (type(exc).__name__, exc))
            rv = w.resource_version or rv
            backoff.sleep()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
