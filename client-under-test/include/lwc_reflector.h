/* lwc reflector: keep a local copy of one Kubernetes collection with the
 * list/watch loop (paginated list, watch from its resourceVersion, relist on
 * 410 Gone), over HTTP with libcurl.
 *
 * Every function that can fail returns 0 (LWC_OK) or a negative LWC_E* code
 * and, where it takes err/errlen, a message naming what went wrong. Nothing
 * here aborts or exits the process. */
#ifndef LWC_REFLECTOR_H
#define LWC_REFLECTOR_H

#include <stddef.h>
#include <stdint.h>

/* The largest list page lwc-watch takes (a page is held about 6 times over
 * while it is parsed: 256 MiB took 1.65 GB): 64 MiB, over 40 times a full
 * 500-item page of 3 KB pods; unpaged lists of big collections need more
 * (lwc-watch --max-page-bytes). */
#define LWC_DEFAULT_MAX_PAGE_BYTES ((size_t)64 << 20)

/* The longest watch event line taken (why 16 MiB: watch_stream.h). */
#define LWC_DEFAULT_MAX_LINE_BYTES ((size_t)16 << 20)

#ifdef __cplusplus
extern "C" {
#endif

enum {
    LWC_OK = 0,
    LWC_EINVAL = -1,    /* bad argument or configuration */
    LWC_ENOMEM = -2,
    LWC_EIO = -3,       /* transport: connect, send, receive, libcurl */
    LWC_EHTTP = -4,     /* the server answered with an unexpected status */
    LWC_EPROTO = -5,    /* the server's answer could not be understood */
    LWC_ESTOPPED = -6,  /* lwc_reflector_stop was called */
    LWC_ETIMEDOUT = -7, /* no byte for too long, or a deadline passed */
    LWC_EEXPIRED = -8,  /* 410: a resourceVersion or continue token is gone */
};
const char *lwc_strerror(int code);

typedef enum lwc_event_type { LWC_ADDED, LWC_MODIFIED, LWC_DELETED } lwc_event_type;
typedef enum lwc_log_level { LWC_LOG_DEBUG, LWC_LOG_INFO, LWC_LOG_WARN, LWC_LOG_ERROR } lwc_log_level;

/* What the store keeps of an object. ns is "" for cluster-scoped objects. */
typedef struct lwc_object_ref {
    const char *ns;
    const char *name;
    const char *uid;
    const char *rv;
} lwc_object_ref;

/* Reproductions of real client bugs, switched on one at a time to prove that
 * a test catches them (client-under-test/README.md says what each does). */
typedef enum lwc_bug {
    LWC_BUG_FIRST_PAGE_ONLY,
    LWC_BUG_KUBECONFIG_NAMESPACE,
    LWC_BUG_STALE_RELIST,
    LWC_BUG_REWATCH_DEAD_RV,
    LWC_BUG_EXPIRED_CONTINUE_FATAL,
    LWC_BUG_RELIST_RV0,
    LWC_BUG_REWATCH_FROM_NOW,
    LWC_BUG_NO_BACKOFF,
    LWC_BUG_IGNORE_BOOKMARKS,
    LWC_BUG_RESEND_INITIAL_EVENTS,
    LWC_BUG_RV_FROM_LAST_ITEM,
    LWC_BUG_CONTINUE_WITH_RV,
    LWC_BUG_NO_STALL_TIMEOUT,
    LWC_BUG_WATCHLIST_NO_DEADLINE,
    LWC_BUG_COUNT
} lwc_bug;
#define LWC_BUG_BIT(b) (1u << (unsigned)(b))

const char *lwc_bug_name(lwc_bug bug);      /* "first-page-only"; NULL if out of range */
const char *lwc_bug_reference(lwc_bug bug); /* "kube-rs/kube#1524 (...)" */
const char *lwc_bug_summary(lwc_bug bug);   /* one sentence: what it does wrong */
int lwc_bug_lookup(const char *name);       /* the lwc_bug, or -1 */

typedef struct lwc_reflector_config {
    const char *server;         /* "http://127.0.0.1:8080"; required */
    const char *api_path;       /* "/api/v1" or "/apis/GROUP/VERSION"; required */
    const char *resource;       /* "pods"; required */
    const char *ns;             /* NULL or "": every namespace */
    const char *label_selector; /* NULL or "": none */
    const char *bearer_token;   /* NULL: no Authorization header */
    /* The kubeconfig context's namespace. The correct loop never uses it;
     * only LWC_BUG_KUBECONFIG_NAMESPACE does. */
    const char *kubeconfig_namespace;
    long page_size;             /* limit per list page; 0: one unpaged list. Default 500 */
    int watch_list;             /* 1: streaming lists (sendInitialEvents), falling back to list+watch */

    unsigned watch_timeout_s;         /* timeoutSeconds is drawn from [T, 2T); default 300, as client-go */
    unsigned stall_margin_ms;         /* a watch silent for timeoutSeconds + this is dead;
                                         0 (default): timeoutSeconds again, at most 30 s */
    unsigned list_idle_timeout_ms;    /* a list response silent this long is dead; default 60000 */
    unsigned connect_timeout_ms;      /* default 10000 */
    unsigned watch_list_deadline_ms;  /* give up on the initial-events-end bookmark; default 30000 */
    unsigned backoff_base_ms;         /* first retry waits [base, 2 base); default 100 */
    unsigned backoff_cap_ms;          /* no wait is longer; default 30000 */
    unsigned retry_after_cap_ms;      /* Retry-After beyond this is clamped; default 60000 */
    unsigned page_retries;            /* transient errors on a continue page retried this often; default 10 */
    size_t max_line_bytes;            /* longest watch event line; default LWC_DEFAULT_MAX_LINE_BYTES */
    size_t max_body_bytes;            /* largest list page body; default LWC_DEFAULT_MAX_PAGE_BYTES */
    unsigned bugs;                    /* LWC_BUG_BIT(...) mask; 0 for the correct loop */
    uint64_t seed;                    /* jitter and watch timeouts; 0: from the clock */
    int verbose;                      /* 1: LWC_LOG_DEBUG messages too */
} lwc_reflector_config;

void lwc_reflector_config_init(lwc_reflector_config *cfg);

/* Called on the reflector's thread. The object_ref strings live only for
 * the call. Events arrive in order; on_ready once, after the first complete
 * list is in the store (and after the ADDED events for its objects). */
typedef struct lwc_reflector_callbacks {
    void (*on_ready)(void *ud);
    void (*on_event)(void *ud, lwc_event_type type, const lwc_object_ref *obj);
    void (*on_restart)(void *ud, const char *reason);
    void (*on_log)(void *ud, lwc_log_level level, const char *message);
    /* A run of events ended (a list was applied, a chunk of the watch
     * stream was read): a consumer that buffers its output may flush now. */
    void (*on_batch_end)(void *ud);
    void *userdata;
} lwc_reflector_callbacks;

typedef struct lwc_reflector lwc_reflector;

/* Copies cfg and cb; callbacks may be NULL. */
int lwc_reflector_new(const lwc_reflector_config *cfg, const lwc_reflector_callbacks *cb, lwc_reflector **out,
                      char *err, size_t errlen);
/* Runs the loop on a new thread. */
int lwc_reflector_start(lwc_reflector *r, char *err, size_t errlen);
/* Runs the loop on the calling thread until lwc_reflector_stop; returns
 * LWC_OK then, or an error that ended the loop for good. */
int lwc_reflector_run(lwc_reflector *r);
/* Any thread: ends the loop promptly (open requests are aborted). */
void lwc_reflector_stop(lwc_reflector *r);
/* Stops, joins the thread lwc_reflector_start made, frees. NULL is fine. */
void lwc_reflector_free(lwc_reflector *r);

/* A copy of the store, taken under its lock: any thread, any time. */
typedef struct lwc_snapshot {
    lwc_object_ref *items;
    size_t n;
    char *arena; /* the strings the items point into */
} lwc_snapshot;
int lwc_reflector_snapshot(lwc_reflector *r, lwc_snapshot *out);
void lwc_snapshot_free(lwc_snapshot *s);

/* The parts of a kubeconfig a watcher needs: the current context's
 * cluster server, namespace ("" when unset) and user bearer token (NULL). */
typedef struct lwc_kubeconfig {
    char *server;
    char *ns;
    char *token;
} lwc_kubeconfig;
int lwc_kubeconfig_load(const char *path, lwc_kubeconfig *out, char *err, size_t errlen);
int lwc_kubeconfig_parse(const char *text, size_t len, lwc_kubeconfig *out, char *err, size_t errlen);
void lwc_kubeconfig_free(lwc_kubeconfig *kc);

/* Releases libcurl's global state; call once, after every reflector is freed. */
void lwc_global_cleanup(void);

#ifdef __cplusplus
}
#endif

#endif
