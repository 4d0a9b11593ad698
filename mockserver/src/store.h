/* The mock apiserver's state, modelled on etcd behind the watch cache: one
 * resourceVersion counter for every write, current objects per resource in
 * storage-key order, and an event history with a compaction point, from
 * which any list can be answered as of an older resourceVersion. */
#ifndef LWC_STORE_H
#define LWC_STORE_H

#include "object_codec.h"
#include "resources.h"
#include "selector.h"

#include <cjson/cJSON.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

enum {
    STORE_OK = 0,
    STORE_EINVAL = -1,
    STORE_ENOENT = -2,
    STORE_EEXIST = -3,
    STORE_ECONFLICT = -4,
    STORE_ENOMEM = -5,
    STORE_EXPIRED = -6,   /* the resourceVersion asked for was compacted away */
    STORE_TOO_LARGE = -7, /* the resourceVersion asked for is in the future */
    STORE_ENOSPACE = -8,  /* past the quota (lwcm_store_set_quota), as etcd's mvcc ErrNoSpace */
};

typedef enum { EV_ADDED = 1, EV_MODIFIED, EV_DELETED } event_type;

typedef struct history_event {
    uint64_t rv;
    event_type type;
    int res;
    obj_version *obj;  /* the new state; for DELETED the last state at the deletion's RV */
    obj_version *prev; /* the state before; NULL for ADDED */
} history_event;

typedef struct store store;

/* At most this many resources per server. */
#define STORE_MAX_RESOURCES 64
/* A watcher this many events behind the compaction point is cut off. */
#define STORE_MAX_WATCH_LAG 10000

typedef struct watch_reg {
    _Atomic uint64_t cursor; /* every event up to here has been taken */
    int wake_fd;             /* eventfd, written on each write and on close */
    atomic_int close_requested;
    atomic_int not_reading;  /* a stalled stream: it holds no claim on history */
    atomic_int cut_off;      /* fell too far behind: its history is gone */
    struct watch_reg *prev, *next;
} watch_reg;

store *lwcm_store_new(uint64_t seed, size_t history_limit);
void lwcm_store_free(store *st);

int lwcm_store_add_resource(store *st, const resource_def *def);
int lwcm_store_find_resource(store *st, const char *api_path, const char *plural);
int lwcm_store_resource_count(store *st);
const resource_def *lwcm_store_resource(store *st, int res);

uint64_t lwcm_store_current_rv(store *st);
uint64_t lwcm_store_compacted_rv(store *st);

/* Writes. obj is a normalized object (lwcm_object_normalize); the store fills
 * uid, resourceVersion and creationTimestamp, and may change obj. *out gets a
 * reference to the stored version (the tombstone for a delete). */
int lwcm_store_create(store *st, int res, cJSON *obj, int keep_timestamp, obj_version **out,
                 char *err, size_t errlen);
int lwcm_store_update(store *st, int res, cJSON *obj, obj_version **out, char *err, size_t errlen);
int lwcm_store_delete(store *st, int res, const char *ns, const char *name, obj_version **out,
                 char *err, size_t errlen);
obj_version *lwcm_store_get(store *st, int res, const char *ns, const char *name);

/* Forgets history up to rv (0: up to now); returns the new compaction point. */
uint64_t lwcm_store_compact(store *st, uint64_t rv);

/* Makes rv too old, so that a 410 about it is true: moves the compaction
 * point strictly above rv, first taking one RV without an event when rv is
 * the current one (a write to a resource the mock does not serve, as leases
 * and events move etcd's revision). Returns the new compaction point: the
 * oldest RV a watch can start from. */
uint64_t lwcm_store_expire(store *st, uint64_t rv);

/* Keeps the events of the last `writes` RVs in memory whatever compactions
 * say, for a lagging replica whose cache still serves that state. */
/* etcd's space quota (its --quota-backend-bytes): creates and updates that
 * would take the JSON bytes of the current objects plus the replaced states
 * the history holds past it fail with STORE_ENOSPACE; deletes are always
 * taken, and compaction gives the replaced states' space back. 0 (the
 * default): none. */
void lwcm_store_set_quota(store *st, size_t bytes);
/* What the quota counts now, and the quota (0: none). */
void lwcm_store_usage(store *st, size_t *live_bytes, size_t *history_bytes, size_t *quota_bytes);
void lwcm_store_pin_history(store *st, uint64_t writes);
/* The oldest RV whose state the store can still rebuild (>= 1). */
uint64_t lwcm_store_history_start(store *st);

typedef struct list_query {
    int res;
    const char *ns;        /* NULL: every namespace (or cluster-scoped) */
    int at_current;        /* read the latest state */
    uint64_t at_rv;        /* otherwise read the state as of this RV */
    const char *start;     /* continue from this key, relative to the namespace; NULL: first */
    int start_exclusive;
    size_t limit;          /* 0: no limit */
    const label_selector *labels;
    const field_selector *fields;
    int below_floor_ok;    /* a lagging replica: at_rv may be below the compaction point */
} list_query;

typedef struct list_page {
    uint64_t rv;          /* the state's resourceVersion */
    obj_version **items;  /* references, in key order */
    size_t n;
    int more;             /* keys remain after the page (selector ignored) */
    long long remaining;  /* how many keys remain after the page */
} list_page;

/* Reads one page. If reg is given, registers that watcher at the page's RV
 * under the same lock, so that no event falls between list and watch. */
int lwcm_store_list(store *st, const list_query *q, list_page *page, watch_reg *reg);
void lwcm_list_page_free(list_page *page);

/* Waits until the store's RV reaches rv; returns 1 if it did, 0 on timeout. */
int lwcm_store_wait_rv(store *st, uint64_t rv, int timeout_ms);

/* Watchers. register fails with STORE_EXPIRED if start_rv is compacted. */
int lwcm_store_watch_register(store *st, watch_reg *reg, uint64_t start_rv);
void lwcm_store_watch_unregister(store *st, watch_reg *reg);
size_t lwcm_store_watch_count(store *st);
void lwcm_store_close_watches(store *st);

/* Copies up to max events of resource res after `after` into out (taking
 * references); *next is the RV up to which events were examined. */
size_t lwcm_store_read_events(store *st, uint64_t after, int res, history_event *out, size_t max,
                         uint64_t *next);
void lwcm_history_event_release(history_event *ev);

/* RFC3339 UTC timestamp of t. */
void lwcm_format_rfc3339(long long t, char out[32]);

#endif
