/* lwc mock Kubernetes API server: start one inside a process, change its
 * world, and read what clients asked of it.
 *
 * Every function returns 0 (LWC_MOCK_OK) or a negative LWC_MOCK_E* code and,
 * where it takes err/errlen, a message naming what went wrong. The server is
 * thread-safe: writes, compactions and log reads may come from any thread
 * while it serves. */
#ifndef LWC_MOCKSERVER_H
#define LWC_MOCKSERVER_H

#include "lwc_scenario.h" /* the scenario model this server runs; lwc_verb, lwc_rv_match */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    LWC_MOCK_OK = 0,
    LWC_MOCK_EINVAL = -1,   /* bad argument or bad object */
    LWC_MOCK_ENOENT = -2,   /* no such object or resource */
    LWC_MOCK_EEXIST = -3,   /* already exists */
    LWC_MOCK_ECONFLICT = -4,
    LWC_MOCK_ENOMEM = -5,
    LWC_MOCK_EIO = -6,      /* socket, thread or file failure */
    LWC_MOCK_ETIMEDOUT = -7,
    LWC_MOCK_ELIMIT = -8,   /* a bound of README "Limits" was reached */
    LWC_MOCK_ENOSPACE = -9, /* the store's quota (store_quota_bytes) is full: etcd's
                               "database space exceeded" */
};

typedef struct lwc_mock lwc_mock;

/* The defaults of the bounds below (README "Limits"). */
#define LWC_MOCK_DEFAULT_LOG_ENTRIES 100000
#define LWC_MOCK_DEFAULT_CONNECTIONS_PER_IP 1024
#define LWC_MOCK_DEFAULT_CONNECTION_TIMEOUT_S 90
#define LWC_MOCK_DEFAULT_HEADER_TIMEOUT_MS 32000
/* etcd's default --quota-backend-bytes (server/storage/quota.go). */
#define LWC_MOCK_DEFAULT_STORE_QUOTA_BYTES ((size_t)2 * 1024 * 1024 * 1024)
#define LWC_MOCK_MAX_FAULTS LWC_SCENARIO_MAX_FAULTS /* 1000, lwc_scenario.h: a scenario file holds no more */

typedef struct lwc_mock_config {
    const char *listen_addr;        /* IPv4 or IPv6 literal; default "127.0.0.1" */
    unsigned short port;            /* 0: an ephemeral port */
    int demo_world;                 /* 1: populate the built-in demo world */
    /* Lists with resourceVersion=0 are answered whole from the "watch cache",
     * ignoring limit, as real apiservers do (default 1). 0: paginate them. */
    int rv0_ignores_limit;
    /* Streaming lists (sendInitialEvents=true). 1 (default): served.
     * 0: refused with 422, as a server with the WatchList gate off does. */
    int watch_list;
    unsigned bookmark_interval_ms;  /* default 60000, as the watch cache */
    unsigned too_large_wait_ms;     /* how long a future RV waits before 504; default 3000 */
    size_t max_body_bytes;          /* larger bodies get 413; default 3 MiB, as the apiserver */
    size_t history_limit;           /* keep at most this many events (0: until compacted) */
    uint64_t seed;                  /* uids and watch timeouts; 0: from the clock */
    int log_requests;               /* 1: one line per request on stderr */
    /* Server behaviours that scenarios switch on (all off by default). */
    int page_size_cap;              /* pages never exceed this, even when the client asks for no limit */
    int lagging_replica_writes;     /* RV=0 lists come from the state this many writes ago (kubernetes#59848) */
    int last_page_empty_continue;   /* the last page says "continue": "" instead of leaving it out (k3d) */
    int watch_list_no_end_bookmark; /* streaming lists without the initial-events-end bookmark */
    int bookmarks_never;            /* no bookmarks even when allowWatchBookmarks is set */
    int expire_below_floor;         /* a list with any RV below the compaction point gets 410,
                                       NotOlderThan included (an apiserver after failover, kubernetes#133810) */
    int watch_expired_http;         /* a watch below the compaction point gets HTTP 410 before the
                                       stream starts, as servers before the watch cache's
                                       newErrWatcher and some proxies answer, not 200 + ERROR */
    int control_disabled;           /* 1: no control endpoints under /lwc/ */
    int control_remote;             /* 1: control endpoints answer any address; default: loopback
                                       clients only (others get 403), as they need no credentials */
    /* Bounds for a long-lived server (README "Limits"); 0 takes the default. */
    size_t max_log_entries;         /* request log entries kept, oldest dropped first; default 100,000;
                                       SIZE_MAX: keep all */
    unsigned max_connections_per_ip; /* open connections from one address; default 1,024 (of 8,192) */
    unsigned connection_timeout_s;  /* an idle connection is closed after this; default 90
                                       (the apiserver's IdleTimeout) */
    unsigned header_timeout_ms;     /* a request's line and headers must be in this long after the
                                       connection opened (a later request on it: after its request
                                       line arrived, and at most connection_timeout_s + this after
                                       the previous reply), or the connection is closed without a
                                       reply; default 32 s (the apiserver's ReadHeaderTimeout) */
    size_t store_quota_bytes;       /* etcd's space quota: a create or update that would take the
                                       objects' JSON (current ones and the states updates and deletes
                                       replaced, until compaction) past it gets etcd's 500 "database
                                       space exceeded"; deletes are always taken. A scenario's world
                                       is built first and counts on top. Default 2 GiB (etcd's);
                                       SIZE_MAX: none */
} lwc_mock_config;

void lwc_mock_config_init(lwc_mock_config *cfg);

int lwc_mock_start(const lwc_mock_config *cfg, lwc_mock **out, char *err, size_t errlen);
/* Ends every watch cleanly, stops serving and frees the server. */
void lwc_mock_stop(lwc_mock *srv);

unsigned short lwc_mock_port(const lwc_mock *srv);
/* "http://ADDR:PORT" */
const char *lwc_mock_url(const lwc_mock *srv);

/* Writes a kubeconfig for this server; namespace is the context's default
 * ("" or NULL: "default"). */
int lwc_mock_write_kubeconfig(const lwc_mock *srv, const char *path, const char *ns, char *err,
                              size_t errlen);

/* Registers another resource (a custom resource, say) before clients use it. */
int lwc_mock_add_resource(lwc_mock *srv, const char *group, const char *version, const char *plural,
                          const char *singular, const char *kind, int namespaced, char *err,
                          size_t errlen);

/* Writes. api_path is "/api/v1" or "/apis/GROUP/VERSION"; json is the object
 * (its metadata.namespace names the namespace; a missing namespace is created).
 * *rv_out (may be NULL) gets the write's resourceVersion. Unlike HTTP
 * clients, callers may set metadata.creationTimestamp, to build an aged world. */
int lwc_mock_create(lwc_mock *srv, const char *api_path, const char *resource, const char *json,
                    uint64_t *rv_out, char *err, size_t errlen);
int lwc_mock_update(lwc_mock *srv, const char *api_path, const char *resource, const char *json,
                    uint64_t *rv_out, char *err, size_t errlen);
int lwc_mock_delete(lwc_mock *srv, const char *api_path, const char *resource, const char *ns,
                    const char *name, uint64_t *rv_out, char *err, size_t errlen);

uint64_t lwc_mock_current_rv(lwc_mock *srv);
/* Forgets history up to rv (0: up to now), as an etcd compaction does:
 * lists, continues and watches that need older state get 410. */
uint64_t lwc_mock_compact(lwc_mock *srv, uint64_t rv);
/* Ends every open watch cleanly (final chunk), as a server restart seen by
 * a load balancer would. */
void lwc_mock_close_watches(lwc_mock *srv);
size_t lwc_mock_watch_count(lwc_mock *srv);

/* The collection's state (namespace NULL or "": all) as a JSON list, as of
 * rv (0: now), with the label selector applied. Returns a malloc'd string. */
char *lwc_mock_list_json(lwc_mock *srv, const char *api_path, const char *resource, const char *ns,
                         const char *selector, uint64_t rv, char *err, size_t errlen);

/* What the router made of a request, recorded once in the log: faults
 * match on it as the request arrives, and the harness's expectations and
 * triggers match on the logged copy, with one function
 * (lwc_matcher_matches), so they can never disagree. Names come from the
 * decoded path, as the apiserver's request info resolver reads
 * req.URL.Path; booleans as apimachinery converts them (false only for
 * "0" and "false" in any case), the first value of a repeated parameter. */
typedef struct lwc_mock_request_class {
    /* 1: a request of a collection or an object the server serves. 0 for
     * everything else: discovery, /version, /lwc/ control, a path of no
     * served resource (an unknown resource or group, a subresource, a
     * namespaced object without its namespace), a request answered
     * before routing (413): the fields below are then zero, and no
     * matcher matches it, as no fault saw it. */
    int resolved;
    lwc_verb verb;        /* WRITE: any method but GET; GET: a GET of one object; else LIST or WATCH */
    const char *resource; /* plural */
    const char *ns;       /* NULL: all namespaces or a cluster-scoped resource */
    int has_continue;     /* a non-empty continue parameter */
    lwc_rv_match rv;
    int watch_list;       /* a watch with sendInitialEvents true (a streaming list) */
    long long limit;      /* the limit parameter; 0 absent or empty, -1 not an integer (the server answers 400) */
} lwc_mock_request_class;

/* The request log: every request in arrival order. */
typedef struct lwc_mock_request {
    char method[16];
    char *path;        /* without the query */
    char *query;       /* raw, still percent-encoded; "" when none */
    int status;        /* 0 until answered */
    int is_watch;
    int done;          /* the response (a watch's whole stream) is finished */
    uint64_t bytes;    /* body bytes sent */
    double start_ms;   /* since the server started, on lwc_mock_now_ms's clock */
    double duration_ms;
    int page;          /* list requests: 1 without continue, N for the token of page N; 0 unknown */
    int fault;         /* 1 when a fault answered or shaped this request */
    /* The resourceVersion the server served this request at, so that a
     * reader knows which state a client was given without guessing from
     * the time it asked: a list page's metadata.resourceVersion (the
     * snapshot of its whole paginated list; for resourceVersion=0 on a
     * lagging replica, the older state really served), or, for a watch, the
     * RV of its initial state (streaming lists, and RV ""/"0" watches with
     * initial events) or else the RV it starts after. Set before the
     * status, so an answered entry already has it. 0 when nothing was
     * served: errors, faults answered with a status, a watch whose only
     * event is an ERROR. */
    uint64_t served_rv;
    /* A list page answered 200 whose body carries a continue token: the
     * list goes on. 0 on the last page, so a reader can tell a completed
     * list (its last page answered) from one abandoned half way. */
    int more;
    /* The router's classification, set before faults are consulted; in a
     * copy from lwc_mock_log_get its strings belong to the copy. */
    lwc_mock_request_class cls;
} lwc_mock_request;

size_t lwc_mock_log_count(lwc_mock *srv);
/* Copies entry i; free it with lwc_mock_request_free. */
int lwc_mock_log_get(lwc_mock *srv, size_t i, lwc_mock_request *out);
void lwc_mock_request_free(lwc_mock_request *req);
/* Waits until the log holds at least count entries with a status. */
int lwc_mock_log_wait(lwc_mock *srv, size_t count, int timeout_ms);
/* Waits for any change to the log. lwc_mock_log_wait only sees answers; a
 * watch's stream ending, a request arriving or a page number being noted
 * are changes too, and a reader that must react to them (a watcher thread
 * that wakes an event loop) would otherwise have to poll.
 *
 * The log keeps a generation counter, bumped under its lock on every
 * request's arrival, answer, note, served RV and end, and by
 * lwc_mock_wake_log_waiters. Returns LWC_MOCK_OK as soon as the counter
 * differs from *generation, storing the new value there; LWC_MOCK_ETIMEDOUT
 * (and *generation unchanged) when timeout_ms passes first. Because the
 * comparison is with the caller's last value rather than with "a signal
 * since I started waiting", a change that happens between two calls is
 * never lost. timeout_ms 0 only looks; < 0 waits without limit. Start with
 * *generation = 0: the first call returns at once if the log has changed
 * at all. Every waiter must have returned before lwc_mock_stop. */
int lwc_mock_log_wait_change(lwc_mock *srv, uint64_t *generation, int timeout_ms);
/* Bumps the generation without a request, so that a thread blocked in
 * lwc_mock_log_wait_change returns now (to see its stop flag, say) and
 * the server's log and faults see no request that the caller made up. */
void lwc_mock_wake_log_waiters(lwc_mock *srv);
/* Milliseconds since the server started, on the clock of the log's
 * start_ms (CLOCK_MONOTONIC): a time taken here can be compared with
 * logged requests exactly, with no offset between two clocks to allow
 * for. Callable from any thread. */
double lwc_mock_now_ms(lwc_mock *srv);
/* The decoded value of a query parameter in a logged query; malloc'd or NULL. */
char *lwc_mock_query_param(const char *query, const char *key);

/* Scenarios on a server (the language itself, the model, parser and
 * printer, is lwc_scenario.h). Starts a server configured by the scenario (behaviour, faults) and filled
 * with its world. cfg supplies the address and logging; the scenario the rest. */
int lwc_scenario_start_server(const lwc_scenario *sc, const lwc_mock_config *cfg, lwc_mock **out, char *err,
                              size_t errlen);
/* Performs one timeline step's action (not its trigger, nor a checkpoint's wait). */
int lwc_scenario_do_step(lwc_mock *srv, const lwc_scenario *sc, const lwc_step *step, char *err, size_t errlen);

/* Faults at run time. */
int lwc_mock_add_fault(lwc_mock *srv, const lwc_fault *fault, char *err, size_t errlen);
int lwc_mock_remove_fault(lwc_mock *srv, const char *name);
void lwc_mock_clear_faults(lwc_mock *srv);
/* Does a logged request match? Over the router's classification of it
 * (lwc_mock_request.cls, the one faults matched on) and the list page number
 * the server gave it; status and limit (scenario_page_size for "pageSize")
 * only when the matcher, an expectation's, names them. */
int lwc_matcher_matches(const lwc_matcher *m, const lwc_mock_request *req, int scenario_page_size);

#ifdef __cplusplus
}
#endif

#endif
