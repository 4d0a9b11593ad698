/* The reflector's state, shared by the loop (reflector.c), the pager
 * (pager.c) and the watch (watch.c), and what they share below them
 * (reflector_state.c, failure.c). */
#ifndef LWCR_REFLECTOR_INTERNAL_H
#define LWCR_REFLECTOR_INTERNAL_H

#include "backoff.h"
#include "bugs.h"
#include "http.h"
#include "lwc_reflector.h"
#include "store.h"
#include "util.h"

#include <pthread.h>
#include <stdatomic.h>

struct lwc_reflector {
    lwc_reflector_config cfg; /* its strings point at the owned copies below */
    char *own_strings[7];
    lwc_reflector_callbacks cb;
    lwcr_http *http;
    lwcr_store store;
    lwcr_backoff bo;
    uint64_t rng;
    atomic_int stop;
    atomic_int running; /* a loop runs: a second lwc_reflector_run is refused */
    pthread_mutex_t sleep_mu;
    pthread_cond_t sleep_cv;
    pthread_t thread;
    int started;
    char *list_url;  /* the collection lists read */
    char *watch_url; /* the collection watches read (differs only under a bug) */
    lwcr_buf rv;     /* the last resourceVersion synced: where a re-watch starts */
    int synced;      /* READY has been announced */
    int watch_list_off;
};

void lwcr_log(lwc_reflector *r, lwc_log_level level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void lwcr_batch_end(lwc_reflector *r);
int lwcr_stopped(lwc_reflector *r);
/* Waits ms, or less if the reflector is stopped: LWC_ESTOPPED then. */
int lwcr_sleep(lwc_reflector *r, int64_t ms);
int lwcr_set_rv(lwc_reflector *r, const char *rv);
/* READY, the first time only. */
void lwcr_mark_synced(lwc_reflector *r);

/* Why an attempt failed and what the server asked for. */
typedef struct lwcr_failure {
    int rc;
    long status;
    int64_t retry_after_ms; /* -1: none */
    int on_continue;        /* the failure was on a page after the first */
    char reason[512];
} lwcr_failure;

/* Fills failure from an HTTP result: the status, the Status body's reason
 * and message, and Retry-After (header, else details.retryAfterSeconds),
 * which is honoured on 429 and 5xx only. */
void lwcr_failure_from_http(lwcr_failure *f, const char *what, const lwcr_http_res *res);

typedef struct lwcr_list_result {
    lwcr_table items;
    lwcr_buf rv;           /* the list's metadata.resourceVersion (the first page's) */
    lwcr_buf last_item_rv; /* for the rv-from-last-item bug */
    unsigned pages;
} lwcr_list_result;

void lwcr_list_result_free(lwcr_list_result *res);
/* The whole collection, page by page: LWC_OK with res filled, or the
 * failure. LWC_EEXPIRED: a 410, the list must start over. */
int lwcr_list(lwc_reflector *r, lwcr_list_result *res, lwcr_failure *f);

typedef enum lwcr_next {
    LWCR_NEXT_WATCH,       /* re-watch from r->rv at once */
    LWCR_NEXT_WATCH_LATER, /* back off, then re-watch from r->rv */
    LWCR_NEXT_RELIST,      /* back off, then list afresh (resourceVersion unset) */
    LWCR_NEXT_FALLBACK,    /* streaming lists refused: list+watch from now on */
    LWCR_NEXT_STOP,
} lwcr_next;

typedef enum lwcr_watch_mode {
    LWCR_WATCH_PLAIN,          /* events after r->rv */
    LWCR_WATCH_STREAMING_LIST, /* sendInitialEvents: collect, replace at the end bookmark, then watch */
    LWCR_WATCH_RESEND,         /* the resend-initial-events bug: asks for them on a re-watch */
} lwcr_watch_mode;

typedef struct lwcr_watch_outcome {
    lwcr_next next;
    int expired;            /* a 410: the resourceVersion is gone */
    int synced_here;        /* a streaming list completed on this stream */
    int restart;            /* announce RESTART with reason before the relist */
    int64_t retry_after_ms; /* -1: none */
    char reason[512];
} lwcr_watch_outcome;

/* One watch request, to its end. sync_deadline_ms (absolute; 0: none)
 * bounds the wait for the initial-events-end bookmark of a streaming list. */
void lwcr_watch(lwc_reflector *r, lwcr_watch_mode mode, int64_t sync_deadline_ms, lwcr_watch_outcome *o);

#endif
