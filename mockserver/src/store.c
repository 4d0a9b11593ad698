/* The store: one resourceVersion counter, objects in key order, an event history with compaction, watchers. */
#include "store.h"
#include "lwc_fail.h"

#include "monotonic.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

typedef struct resource_store {
    resource_def def;
    obj_version **items; /* current objects, sorted by key */
    size_t n, cap;
} resource_store;

struct store {
    pthread_rwlock_t lock;
    _Atomic uint64_t rv;
    uint64_t compacted;
    uint64_t history_from; /* events after this RV are all in memory */
    uint64_t pin_writes;   /* lwcm_store_pin_history */
    size_t history_limit;
    uint64_t rng;
    /* etcd's space quota: the JSON bytes of the current objects (live_bytes)
     * and of the states only the history still holds (history_bytes: the
     * state each update or delete replaced), as etcd's database holds every
     * revision until compaction. A DELETED event's copy of the last state is
     * not counted, as etcd's tombstone holds no value: what the store may hold
     * is then at most twice the quota. 0: no quota. */
    size_t quota_bytes, live_bytes, history_bytes;

    /* Each resource is its own allocation that never moves, so a watch may keep
     * a pointer to its definition while others are added; nres is published
     * after the slot is filled. */
    resource_store *res[STORE_MAX_RESOURCES];
    atomic_int nres;

    history_event *hist; /* hist[head .. head+len) in RV order */
    size_t head, len, cap;

    pthread_mutex_t rv_mu; /* pairs with rv_cond for lwcm_store_wait_rv */
    pthread_cond_t rv_cond;

    pthread_mutex_t watch_mu;
    watch_reg *watchers;
    size_t nwatchers;
};

void lwcm_format_rfc3339(long long t, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Callers hold watch_mu. A full eventfd counter still wakes the reader, so EAGAIN is harmless. */
static void wake_watcher(watch_reg *w)
{
    uint64_t one = 1;
    ssize_t wr = write(w->wake_fd, &one, sizeof one);
    (void)wr;
}

static void link_watcher(store *st, watch_reg *reg)
{
    pthread_mutex_lock(&st->watch_mu);
    reg->prev = NULL;
    reg->next = st->watchers;
    if (st->watchers)
        st->watchers->prev = reg;
    st->watchers = reg;
    st->nwatchers++;
    pthread_mutex_unlock(&st->watch_mu);
}

static uint64_t next_random(store *st)
{
    /* xorshift64*: reproducible from the seed, so a run's uids can be replayed. */
    uint64_t x = st->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    st->rng = x;
    return x * 0x2545F4914F6CDD1DULL;
}

store *lwcm_store_new(uint64_t seed, size_t history_limit)
{
    store *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    if (pthread_rwlock_init(&st->lock, NULL) != 0) {
        free(st);
        return NULL;
    }
    if (pthread_mutex_init(&st->rv_mu, NULL) != 0) {
        pthread_rwlock_destroy(&st->lock);
        free(st);
        return NULL;
    }
    if (lwcc_monotonic_cond_init(&st->rv_cond) != 0) {
        pthread_mutex_destroy(&st->rv_mu);
        pthread_rwlock_destroy(&st->lock);
        free(st);
        return NULL;
    }
    if (pthread_mutex_init(&st->watch_mu, NULL) != 0) {
        pthread_cond_destroy(&st->rv_cond);
        pthread_mutex_destroy(&st->rv_mu);
        pthread_rwlock_destroy(&st->lock);
        free(st);
        return NULL;
    }
    st->rng = seed ? seed : 0x9E3779B97F4A7C15ULL;
    st->history_limit = history_limit;
    /* A fresh etcd starts at revision 1; objects then take 2, 3, ... */
    atomic_init(&st->rv, 1);
    st->compacted = 0;
    return st;
}

void lwcm_history_event_release(history_event *ev)
{
    lwcm_obj_version_unref(ev->obj);
    lwcm_obj_version_unref(ev->prev);
    ev->obj = ev->prev = NULL;
}

void lwcm_store_free(store *st)
{
    if (!st)
        return;
    for (int r = 0; r < st->nres; r++) {
        for (size_t i = 0; i < st->res[r]->n; i++)
            lwcm_obj_version_unref(st->res[r]->items[i]);
        free(st->res[r]->items);
        free(st->res[r]);
    }
    for (size_t i = 0; i < st->len; i++)
        lwcm_history_event_release(&st->hist[st->head + i]);
    free(st->hist);
    pthread_mutex_destroy(&st->watch_mu);
    pthread_cond_destroy(&st->rv_cond);
    pthread_mutex_destroy(&st->rv_mu);
    pthread_rwlock_destroy(&st->lock);
    free(st);
}

int lwcm_store_add_resource(store *st, const resource_def *def)
{
    pthread_rwlock_wrlock(&st->lock);
    for (int r = 0; r < st->nres; r++) {
        if (!strcmp(st->res[r]->def.api_path, def->api_path) && !strcmp(st->res[r]->def.plural, def->plural)) {
            pthread_rwlock_unlock(&st->lock);
            return STORE_EEXIST;
        }
    }
    if (st->nres >= STORE_MAX_RESOURCES) {
        pthread_rwlock_unlock(&st->lock);
        return STORE_EINVAL;
    }
    resource_store *nr = calloc(1, sizeof *nr);
    if (!nr) {
        pthread_rwlock_unlock(&st->lock);
        return STORE_ENOMEM;
    }
    nr->def = *def;
    int idx = atomic_load(&st->nres);
    st->res[idx] = nr;
    atomic_store(&st->nres, idx + 1);
    pthread_rwlock_unlock(&st->lock);
    return idx;
}

int lwcm_store_find_resource(store *st, const char *api_path, const char *plural)
{
    int found = -1;
    pthread_rwlock_rdlock(&st->lock);
    for (int r = 0; r < st->nres; r++) {
        if (!strcmp(st->res[r]->def.api_path, api_path) && !strcmp(st->res[r]->def.plural, plural)) {
            found = r;
            break;
        }
    }
    pthread_rwlock_unlock(&st->lock);
    return found;
}

int lwcm_store_resource_count(store *st)
{
    pthread_rwlock_rdlock(&st->lock);
    int n = atomic_load(&st->nres);
    pthread_rwlock_unlock(&st->lock);
    return n;
}

/* Definitions never move nor change once added: the pointer stays valid for
 * the store's life, without a lock. */
const resource_def *lwcm_store_resource(store *st, int res)
{
    if (res < 0 || res >= atomic_load(&st->nres))
        return NULL;
    return &st->res[res]->def;
}

uint64_t lwcm_store_current_rv(store *st)
{
    return atomic_load(&st->rv);
}

uint64_t lwcm_store_compacted_rv(store *st)
{
    pthread_rwlock_rdlock(&st->lock);
    uint64_t c = st->compacted;
    pthread_rwlock_unlock(&st->lock);
    return c;
}

/* First index whose key is >= key (or > key when exclusive). */
static size_t lower_bound(obj_version **items, size_t n, const char *key, int exclusive)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(items[mid]->key, key);
        if (c < 0 || (exclusive && c == 0))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static obj_version *find_current(resource_store *rs, const char *key, size_t *pos)
{
    size_t i = lower_bound(rs->items, rs->n, key, 0);
    if (pos)
        *pos = i;
    if (i < rs->n && strcmp(rs->items[i]->key, key) == 0)
        return rs->items[i];
    return NULL;
}

static int make_key(const resource_def *def, const char *ns, const char *name, char *buf, size_t len)
{
    int n = def->namespaced ? snprintf(buf, len, "%s/%s", ns ? ns : "", name)
                            : snprintf(buf, len, "%s", name);
    return (n < 0 || (size_t)n >= len) ? -1 : 0;
}

static void compact_locked(store *st, uint64_t to);

/* The bytes an event keeps that no current object shares, as etcd counts
 * them: the state it replaced (an update's old state, a deleted object's
 * last one). */
static size_t history_only_bytes(const history_event *ev)
{
    return ev->prev ? ev->prev->json_len : 0;
}

/* A create or update that would take the store past its quota is refused as
 * etcd refuses it (mvcc ErrNoSpace), and the apiserver passes etcd's words on
 * in a 500 with no reason (responsewriters/status.go, convertStorageErrorOrNot).
 * Deletes are always taken, as etcd takes them past its quota; the space
 * comes back when a compaction drops the replaced states. */
static int over_quota(const store *st, size_t adding)
{
    return st->quota_bytes && (st->live_bytes + st->history_bytes > st->quota_bytes ||
                               adding > st->quota_bytes - st->live_bytes - st->history_bytes);
}

static int fail_no_space(char *err, size_t errlen)
{
    return lwc_fail(err, errlen, STORE_ENOSPACE, "etcdserver: mvcc: database space exceeded");
}

static int append_history(store *st, uint64_t rv, event_type type, int res, obj_version *obj, obj_version *prev)
{
    if (st->head + st->len == st->cap) {
        if (st->head > st->cap / 2) {
            memmove(st->hist, st->hist + st->head, st->len * sizeof *st->hist);
            st->head = 0;
        } else {
            size_t ncap = st->cap ? st->cap * 2 : 1024;
            history_event *nh = realloc(st->hist, ncap * sizeof *nh);
            if (!nh)
                return -1;
            st->hist = nh;
            st->cap = ncap;
        }
    }
    history_event *ev = &st->hist[st->head + st->len++];
    ev->rv = rv;
    ev->type = type;
    ev->res = res;
    ev->obj = obj;
    ev->prev = prev;
    lwcm_obj_version_ref(obj);
    if (prev)
        lwcm_obj_version_ref(prev);
    st->history_bytes += history_only_bytes(ev);
    if (st->history_limit && st->len > st->history_limit)
        compact_locked(st, st->hist[st->head + st->len - st->history_limit - 1].rv);
    return 0;
}

static void after_write(store *st)
{
    pthread_mutex_lock(&st->rv_mu);
    pthread_cond_broadcast(&st->rv_cond);
    pthread_mutex_unlock(&st->rv_mu);
    pthread_mutex_lock(&st->watch_mu);
    for (watch_reg *w = st->watchers; w; w = w->next)
        wake_watcher(w);
    pthread_mutex_unlock(&st->watch_mu);
}

static int set_meta_string(cJSON *obj, const char *field, const char *value)
{
    cJSON *meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
    if (!cJSON_IsObject(meta))
        return -1;
    cJSON *s = cJSON_CreateString(value);
    if (!s)
        return -1;
    if (cJSON_GetObjectItemCaseSensitive(meta, field)) {
        if (!cJSON_ReplaceItemInObjectCaseSensitive(meta, field, s)) {
            cJSON_Delete(s);
            return -1;
        }
        return 0;
    }
    if (!cJSON_AddItemToObject(meta, field, s)) {
        cJSON_Delete(s);
        return -1;
    }
    return 0;
}

static const char *get_meta_string(const cJSON *obj, const char *field)
{
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(meta, field);
    return cJSON_IsString(f) ? f->valuestring : NULL;
}

static int insert_item(resource_store *rs, size_t pos, obj_version *v)
{
    if (rs->n == rs->cap) {
        size_t ncap = rs->cap ? rs->cap * 2 : 64;
        obj_version **ni = realloc(rs->items, ncap * sizeof *ni);
        if (!ni)
            return -1;
        rs->items = ni;
        rs->cap = ncap;
    }
    memmove(rs->items + pos + 1, rs->items + pos, (rs->n - pos) * sizeof *rs->items);
    rs->items[pos] = v;
    rs->n++;
    return 0;
}

int lwcm_store_create(store *st, int res, cJSON *obj, int keep_timestamp, obj_version **out,
                 char *err, size_t errlen)
{
    *out = NULL;
    pthread_rwlock_wrlock(&st->lock);
    if (res < 0 || res >= st->nres) {
        pthread_rwlock_unlock(&st->lock);
        return lwc_fail(err, errlen, STORE_EINVAL, "unknown resource");
    }
    resource_store *rs = st->res[res];
    const char *name = get_meta_string(obj, "name");
    char genname[300];
    if (!name || !*name) {
        const char *gen = get_meta_string(obj, "generateName");
        static const char alnum[] = "bcdfghjklmnpqrstvwxz2456789";
        if (!gen || strlen(gen) > 253 - 5) {
            pthread_rwlock_unlock(&st->lock);
            return lwc_fail(err, errlen, STORE_EINVAL, "name or generateName is required");
        }
        /* Retry on the rare collision, as the apiserver's generator would fail; a mock can afford it. */
        for (int attempt = 0;; attempt++) {
            char suffix[6];
            for (int i = 0; i < 5; i++)
                suffix[i] = alnum[next_random(st) % (sizeof alnum - 1)];
            suffix[5] = '\0';
            snprintf(genname, sizeof genname, "%s%s", gen, suffix);
            char key[600];
            if (make_key(&rs->def, get_meta_string(obj, "namespace"), genname, key, sizeof key) == 0 &&
                !find_current(rs, key, NULL))
                break;
            if (attempt > 100) {
                pthread_rwlock_unlock(&st->lock);
                return lwc_fail(err, errlen, STORE_EEXIST, "could not generate a unique name from \"%s\"", gen);
            }
        }
        if (set_meta_string(obj, "name", genname) != 0)
            goto nomem;
        name = genname;
    }
    char key[600];
    if (make_key(&rs->def, get_meta_string(obj, "namespace"), name, key, sizeof key) != 0) {
        pthread_rwlock_unlock(&st->lock);
        return lwc_fail(err, errlen, STORE_EINVAL, "name too long");
    }
    size_t pos = 0;
    if (find_current(rs, key, &pos)) {
        pthread_rwlock_unlock(&st->lock);
        return lwc_fail(err, errlen, STORE_EEXIST, "%s \"%s\" already exists", rs->def.plural, name);
    }
    uint64_t rv = atomic_load(&st->rv) + 1;
    char rvs[32];
    snprintf(rvs, sizeof rvs, "%llu", (unsigned long long)rv);
    uint64_t a = next_random(st), b = next_random(st);
    char uid[40];
    snprintf(uid, sizeof uid, "%08x-%04x-4%03x-%04x-%012llx", (unsigned)(a >> 32), (unsigned)(a >> 16) & 0xffff,
             (unsigned)a & 0xfff, (unsigned)((b >> 48) & 0x3fff) | 0x8000,
             (unsigned long long)(b & 0xffffffffffffULL));
    if (set_meta_string(obj, "uid", uid) != 0 || set_meta_string(obj, "resourceVersion", rvs) != 0)
        goto nomem;
    const char *ts = get_meta_string(obj, "creationTimestamp");
    if (!keep_timestamp || !ts || !*ts) {
        char now[32];
        lwcm_format_rfc3339((long long)time(NULL), now);
        if (set_meta_string(obj, "creationTimestamp", now) != 0)
            goto nomem;
    }
    if (lwcm_object_apply_defaults(&rs->def, obj, NULL) != 0)
        goto nomem;
    cJSON *norm = lwcm_object_normalize(&rs->def, obj);
    if (!norm)
        goto nomem;
    obj_version *v = lwcm_obj_version_new(&rs->def, norm);
    cJSON_Delete(norm);
    if (!v)
        goto nomem;
    if (over_quota(st, v->json_len)) {
        lwcm_obj_version_unref(v);
        pthread_rwlock_unlock(&st->lock);
        return fail_no_space(err, errlen);
    }
    if (insert_item(rs, pos, v) != 0) {
        lwcm_obj_version_unref(v);
        goto nomem;
    }
    if (append_history(st, rv, EV_ADDED, res, v, NULL) != 0) {
        memmove(rs->items + pos, rs->items + pos + 1, (rs->n - pos - 1) * sizeof *rs->items);
        rs->n--;
        lwcm_obj_version_unref(v);
        goto nomem;
    }
    st->live_bytes += v->json_len;
    atomic_store(&st->rv, rv);
    lwcm_obj_version_ref(v);
    *out = v;
    pthread_rwlock_unlock(&st->lock);
    after_write(st);
    return STORE_OK;
nomem:
    pthread_rwlock_unlock(&st->lock);
    return lwc_fail(err, errlen, STORE_ENOMEM, "out of memory");
}

int lwcm_store_update(store *st, int res, cJSON *obj, obj_version **out, char *err, size_t errlen)
{
    *out = NULL;
    pthread_rwlock_wrlock(&st->lock);
    if (res < 0 || res >= st->nres) {
        pthread_rwlock_unlock(&st->lock);
        return lwc_fail(err, errlen, STORE_EINVAL, "unknown resource");
    }
    resource_store *rs = st->res[res];
    const char *name = get_meta_string(obj, "name");
    char key[600];
    if (!name || make_key(&rs->def, get_meta_string(obj, "namespace"), name, key, sizeof key) != 0) {
        pthread_rwlock_unlock(&st->lock);
        return lwc_fail(err, errlen, STORE_EINVAL, "name missing or too long");
    }
    size_t pos = 0;
    obj_version *old = find_current(rs, key, &pos);
    if (!old) {
        pthread_rwlock_unlock(&st->lock);
        return lwc_fail(err, errlen, STORE_ENOENT, "%s \"%s\" not found", rs->def.plural, name);
    }
    const char *want = get_meta_string(obj, "resourceVersion");
    char oldrv[32];
    snprintf(oldrv, sizeof oldrv, "%llu", (unsigned long long)old->rv);
    if (want && *want && strcmp(want, oldrv) != 0) {
        pthread_rwlock_unlock(&st->lock);
        return lwc_fail(err, errlen, STORE_ECONFLICT,
                        "Operation cannot be fulfilled on %s%s%s \"%s\": the object has been modified; please apply your "
                        "changes to the latest version and try again", rs->def.plural, rs->def.group[0] ? "." : "",
                        rs->def.group, name);
    }
    /* An update without a status keeps the old one: for pods and namespaces the
     * real apiserver ignores status on the main resource (PrepareForUpdate);
     * the mock still lets a given status through, so scenarios can move phases. */
    if (!cJSON_GetObjectItemCaseSensitive(obj, "status")) {
        cJSON *old_obj = lwcm_obj_version_parse(old);
        cJSON *old_status = old_obj ? cJSON_DetachItemFromObjectCaseSensitive(old_obj, "status") : NULL;
        cJSON_Delete(old_obj);
        if (old_status && !cJSON_AddItemToObject(obj, "status", old_status)) {
            cJSON_Delete(old_status);
            goto nomem;
        }
    }
    /* uid and creationTimestamp are the server's, whatever the client sent. */
    if (set_meta_string(obj, "uid", old->uid) != 0 || set_meta_string(obj, "creationTimestamp", old->created) != 0 ||
        set_meta_string(obj, "resourceVersion", oldrv) != 0)
        goto nomem;
    cJSON *old_obj = lwcm_obj_version_parse(old);
    int defaults_rc = old_obj ? lwcm_object_apply_defaults(&rs->def, obj, old_obj) : -1;
    cJSON_Delete(old_obj);
    if (defaults_rc != 0)
        goto nomem;
    cJSON *norm = lwcm_object_normalize(&rs->def, obj);
    if (!norm)
        goto nomem;
    char *same = cJSON_PrintUnformatted(norm);
    if (!same) {
        cJSON_Delete(norm);
        goto nomem;
    }
    /* An update that changes nothing is not written, so it takes no RV (etcd3 GuaranteedUpdate). */
    if (strcmp(same, old->json) == 0) {
        free(same);
        cJSON_Delete(norm);
        lwcm_obj_version_ref(old);
        *out = old;
        pthread_rwlock_unlock(&st->lock);
        return STORE_OK;
    }
    free(same);
    uint64_t rv = atomic_load(&st->rv) + 1;
    char rvs[32];
    snprintf(rvs, sizeof rvs, "%llu", (unsigned long long)rv);
    if (set_meta_string(norm, "resourceVersion", rvs) != 0) {
        cJSON_Delete(norm);
        goto nomem;
    }
    obj_version *v = lwcm_obj_version_new(&rs->def, norm);
    cJSON_Delete(norm);
    if (!v)
        goto nomem;
    /* The old state moves to the history's share; the new one is what is added. */
    if (over_quota(st, v->json_len)) {
        lwcm_obj_version_unref(v);
        pthread_rwlock_unlock(&st->lock);
        return fail_no_space(err, errlen);
    }
    if (append_history(st, rv, EV_MODIFIED, res, v, old) != 0) {
        lwcm_obj_version_unref(v);
        goto nomem;
    }
    st->live_bytes += v->json_len;
    st->live_bytes -= old->json_len;
    rs->items[pos] = v;
    lwcm_obj_version_unref(old);
    atomic_store(&st->rv, rv);
    lwcm_obj_version_ref(v);
    *out = v;
    pthread_rwlock_unlock(&st->lock);
    after_write(st);
    return STORE_OK;
nomem:
    pthread_rwlock_unlock(&st->lock);
    return lwc_fail(err, errlen, STORE_ENOMEM, "out of memory");
}

int lwcm_store_delete(store *st, int res, const char *ns, const char *name, obj_version **out,
                 char *err, size_t errlen)
{
    *out = NULL;
    pthread_rwlock_wrlock(&st->lock);
    if (res < 0 || res >= st->nres) {
        pthread_rwlock_unlock(&st->lock);
        return lwc_fail(err, errlen, STORE_EINVAL, "unknown resource");
    }
    resource_store *rs = st->res[res];
    char key[600];
    size_t pos = 0;
    obj_version *old = NULL;
    if (make_key(&rs->def, ns, name, key, sizeof key) == 0)
        old = find_current(rs, key, &pos);
    if (!old) {
        pthread_rwlock_unlock(&st->lock);
        return lwc_fail(err, errlen, STORE_ENOENT, "%s%s%s \"%s\" not found", rs->def.plural,
                        rs->def.group[0] ? "." : "", rs->def.group, name);
    }
    uint64_t rv = atomic_load(&st->rv) + 1;
    /* DELETED carries the last state with the deletion's revision (etcd3 watcher prepareObjs). */
    obj_version *tomb = lwcm_obj_version_with_rv(&rs->def, old, rv);
    if (!tomb)
        goto nomem;
    if (append_history(st, rv, EV_DELETED, res, tomb, old) != 0) {
        lwcm_obj_version_unref(tomb);
        goto nomem;
    }
    memmove(rs->items + pos, rs->items + pos + 1, (rs->n - pos - 1) * sizeof *rs->items);
    rs->n--;
    st->live_bytes -= old->json_len;
    lwcm_obj_version_unref(old);
    atomic_store(&st->rv, rv);
    *out = tomb;
    pthread_rwlock_unlock(&st->lock);
    after_write(st);
    return STORE_OK;
nomem:
    pthread_rwlock_unlock(&st->lock);
    return lwc_fail(err, errlen, STORE_ENOMEM, "out of memory");
}

obj_version *lwcm_store_get(store *st, int res, const char *ns, const char *name)
{
    obj_version *v = NULL;
    char key[600];
    pthread_rwlock_rdlock(&st->lock);
    if (res >= 0 && res < st->nres && make_key(&st->res[res]->def, ns, name, key, sizeof key) == 0) {
        v = find_current(st->res[res], key, NULL);
        if (v)
            lwcm_obj_version_ref(v);
    }
    pthread_rwlock_unlock(&st->lock);
    return v;
}

/* Index (absolute) of the first history event with rv > after. */
static size_t first_after(store *st, uint64_t after)
{
    size_t lo = st->head, hi = st->head + st->len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (st->hist[mid].rv <= after)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void compact_locked(store *st, uint64_t to)
{
    /* Compacting again at the same point still lets go of the events a
     * watcher held back last time and has read since: a store at its quota
     * gets that space back from POST /lwc/v1/compact without a write. */
    if (to < st->compacted)
        to = st->compacted;
    st->compacted = to;
    /* Events still owed to a live watcher stay in memory; only new requests
     * see the compaction point. A watcher too far behind (a client that stopped
     * reading) is cut off instead, as the watch cache terminates watchers that
     * cannot keep up, so that one dead client cannot pin history forever. */
    uint64_t keep_after = to;
    if (st->pin_writes) {
        uint64_t cur = atomic_load(&st->rv);
        uint64_t pin = cur > st->pin_writes ? cur - st->pin_writes : 0;
        if (pin < keep_after)
            keep_after = pin;
    }
    pthread_mutex_lock(&st->watch_mu);
    for (watch_reg *w = st->watchers; w; w = w->next) {
        if (atomic_load(&w->not_reading))
            continue;
        uint64_t c = atomic_load(&w->cursor);
        if (c + STORE_MAX_WATCH_LAG < to) {
            atomic_store(&w->cut_off, 1);
            wake_watcher(w);
            continue;
        }
        if (c < keep_after)
            keep_after = c;
    }
    pthread_mutex_unlock(&st->watch_mu);
    size_t end = first_after(st, keep_after);
    if (keep_after > st->history_from)
        st->history_from = keep_after;
    for (size_t i = st->head; i < end; i++) {
        st->history_bytes -= history_only_bytes(&st->hist[i]);
        lwcm_history_event_release(&st->hist[i]);
    }
    st->len -= end - st->head;
    st->head = end;
}

uint64_t lwcm_store_compact(store *st, uint64_t rv)
{
    pthread_rwlock_wrlock(&st->lock);
    uint64_t cur = atomic_load(&st->rv);
    if (rv == 0 || rv > cur)
        rv = cur;
    compact_locked(st, rv);
    uint64_t c = st->compacted;
    pthread_rwlock_unlock(&st->lock);
    return c;
}

uint64_t lwcm_store_expire(store *st, uint64_t rv)
{
    pthread_rwlock_wrlock(&st->lock);
    uint64_t cur = atomic_load(&st->rv);
    int bumped = cur <= rv;
    if (bumped) {
        cur = rv + 1;
        atomic_store(&st->rv, cur);
    }
    if (st->compacted <= rv)
        compact_locked(st, cur);
    uint64_t c = st->compacted;
    pthread_rwlock_unlock(&st->lock);
    if (bumped)
        after_write(st);
    return c;
}

void lwcm_store_set_quota(store *st, size_t bytes)
{
    pthread_rwlock_wrlock(&st->lock);
    st->quota_bytes = bytes;
    pthread_rwlock_unlock(&st->lock);
}

void lwcm_store_usage(store *st, size_t *live_bytes, size_t *history_bytes, size_t *quota_bytes)
{
    pthread_rwlock_rdlock(&st->lock);
    *live_bytes = st->live_bytes;
    *history_bytes = st->history_bytes;
    *quota_bytes = st->quota_bytes;
    pthread_rwlock_unlock(&st->lock);
}

void lwcm_store_pin_history(store *st, uint64_t writes)
{
    pthread_rwlock_wrlock(&st->lock);
    st->pin_writes = writes;
    pthread_rwlock_unlock(&st->lock);
}

uint64_t lwcm_store_history_start(store *st)
{
    pthread_rwlock_rdlock(&st->lock);
    uint64_t h = st->history_from ? st->history_from : 1;
    pthread_rwlock_unlock(&st->lock);
    return h;
}

/* The state of one key as of the snapshot: the "before" of the first event
 * after the snapshot. */
typedef struct override {
    const char *key;
    uint64_t rv;
    obj_version *at_snapshot; /* NULL: the key did not exist then */
    int exists_now;
} override;

static int cmp_override(const void *a, const void *b)
{
    const override *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c)
        return c;
    return x->rv < y->rv ? -1 : x->rv > y->rv;
}

static int key_in_range(const char *key, const char *prefix, size_t plen, const char *low, int low_excl)
{
    if (plen && strncmp(key, prefix, plen) != 0)
        return 0;
    int c = strcmp(key, low);
    return low_excl ? c > 0 : c >= 0;
}

static int matches(const list_query *q, const obj_version *v)
{
    if (q->labels && !lwcm_label_selector_matches(q->labels, v->labels, v->nlabels))
        return 0;
    if (q->fields && !lwcm_field_selector_matches(q->fields, v->ns, v->name, v->fields, v->nfields))
        return 0;
    return 1;
}

void lwcm_list_page_free(list_page *page)
{
    for (size_t i = 0; i < page->n; i++)
        lwcm_obj_version_unref(page->items[i]);
    free(page->items);
    page->items = NULL;
    page->n = 0;
}

static int push_item(list_page *page, size_t *cap, obj_version *v)
{
    if (page->n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 64;
        obj_version **ni = realloc(page->items, ncap * sizeof *ni);
        if (!ni)
            return -1;
        page->items = ni;
        *cap = ncap;
    }
    lwcm_obj_version_ref(v);
    page->items[page->n++] = v;
    return 0;
}

int lwcm_store_list(store *st, const list_query *q, list_page *page, watch_reg *reg)
{
    memset(page, 0, sizeof *page);
    pthread_rwlock_rdlock(&st->lock);
    int rc = STORE_OK;
    override *ov = NULL;
    size_t nov = 0;
    char *prefix = NULL;
    char *low = NULL;
    size_t cap = 0;
    if (q->res < 0 || q->res >= st->nres) {
        rc = STORE_EINVAL;
        goto out;
    }
    uint64_t cur = atomic_load(&st->rv);
    uint64_t at = q->at_current ? cur : q->at_rv;
    if (at > cur) {
        rc = STORE_TOO_LARGE;
        goto out;
    }
    if (at < st->compacted && !(q->below_floor_ok && at >= st->history_from)) {
        rc = STORE_EXPIRED;
        goto out;
    }
    resource_store *rs = st->res[q->res];
    const char *ns = (rs->def.namespaced && q->ns && *q->ns) ? q->ns : NULL;
    size_t plen = ns ? strlen(ns) + 1 : 0;
    prefix = malloc(plen + 1);
    size_t startlen = q->start ? strlen(q->start) : 0;
    low = malloc(plen + startlen + 1);
    if (!prefix || !low) {
        rc = STORE_ENOMEM;
        goto out;
    }
    if (ns)
        snprintf(prefix, plen + 1, "%s/", ns);
    else
        prefix[0] = '\0';
    snprintf(low, plen + startlen + 1, "%s%s", prefix, q->start ? q->start : "");
    int low_excl = q->start ? q->start_exclusive : 0;

    if (at < cur) {
        size_t from = first_after(st, at);
        size_t ovcap = 0;
        for (size_t i = from; i < st->head + st->len; i++) {
            history_event *ev = &st->hist[i];
            if (ev->res != q->res || !key_in_range(ev->obj->key, prefix, plen, low, low_excl))
                continue;
            if (nov == ovcap) {
                size_t ncap = ovcap ? ovcap * 2 : 16;
                override *n2 = realloc(ov, ncap * sizeof *n2);
                if (!n2) {
                    rc = STORE_ENOMEM;
                    goto out;
                }
                ov = n2;
                ovcap = ncap;
            }
            ov[nov].key = ev->obj->key;
            ov[nov].rv = ev->rv;
            ov[nov].at_snapshot = ev->prev;
            ov[nov].exists_now = 0;
            nov++;
        }
        if (nov > 1)
            qsort(ov, nov, sizeof *ov, cmp_override);
        size_t w = 0;
        for (size_t i = 0; i < nov; i++) {
            if (w > 0 && strcmp(ov[w - 1].key, ov[i].key) == 0)
                continue;
            ov[w] = ov[i];
            ov[w].exists_now = find_current(rs, ov[w].key, NULL) != NULL;
            w++;
        }
        nov = w;
    }

    size_t i = lower_bound(rs->items, rs->n, low, low_excl);
    size_t end = rs->n;
    if (ns) {
        /* Keys of the namespace end before "<ns>0", '0' being '/' + 1. */
        prefix[plen - 1] = '0';
        end = lower_bound(rs->items, rs->n, prefix, 0);
        prefix[plen - 1] = '/';
    }
    size_t j = 0;
    int full = 0;
    while (!full && (i < end || j < nov)) {
        obj_version *cand;
        if (i >= end) {
            cand = ov[j++].at_snapshot;
        } else if (j >= nov) {
            cand = rs->items[i++];
        } else {
            int c = strcmp(rs->items[i]->key, ov[j].key);
            if (c < 0) {
                cand = rs->items[i++];
            } else if (c > 0) {
                cand = ov[j++].at_snapshot;
            } else {
                cand = ov[j++].at_snapshot;
                i++;
            }
        }
        if (!cand || !matches(q, cand))
            continue;
        if (push_item(page, &cap, cand) != 0) {
            rc = STORE_ENOMEM;
            goto out;
        }
        if (q->limit && page->n == q->limit)
            full = 1;
    }
    long long remaining = (long long)(end - i);
    for (size_t k = j; k < nov; k++)
        remaining += (ov[k].at_snapshot ? 1 : 0) - (ov[k].exists_now ? 1 : 0);
    page->remaining = full ? remaining : 0;
    page->more = full && remaining > 0;
    page->rv = at;
    if (reg) {
        atomic_store(&reg->cursor, at);
        link_watcher(st, reg);
    }
out:
    pthread_rwlock_unlock(&st->lock);
    free(ov);
    free(prefix);
    free(low);
    if (rc != STORE_OK)
        lwcm_list_page_free(page);
    return rc;
}

int lwcm_store_wait_rv(store *st, uint64_t rv, int timeout_ms)
{
    struct timespec deadline = lwcc_monotonic_deadline(timeout_ms);
    pthread_mutex_lock(&st->rv_mu);
    int ok = 1;
    while (atomic_load(&st->rv) < rv) {
        if (pthread_cond_timedwait(&st->rv_cond, &st->rv_mu, &deadline) == ETIMEDOUT) {
            ok = atomic_load(&st->rv) >= rv;
            break;
        }
    }
    pthread_mutex_unlock(&st->rv_mu);
    return ok;
}

int lwcm_store_watch_register(store *st, watch_reg *reg, uint64_t start_rv)
{
    pthread_rwlock_rdlock(&st->lock);
    if (start_rv < st->compacted) {
        pthread_rwlock_unlock(&st->lock);
        return STORE_EXPIRED;
    }
    atomic_store(&reg->cursor, start_rv);
    link_watcher(st, reg);
    pthread_rwlock_unlock(&st->lock);
    return STORE_OK;
}

void lwcm_store_watch_unregister(store *st, watch_reg *reg)
{
    pthread_mutex_lock(&st->watch_mu);
    if (reg->prev)
        reg->prev->next = reg->next;
    else if (st->watchers == reg)
        st->watchers = reg->next;
    if (reg->next)
        reg->next->prev = reg->prev;
    reg->prev = reg->next = NULL;
    st->nwatchers--;
    pthread_mutex_unlock(&st->watch_mu);
}

size_t lwcm_store_watch_count(store *st)
{
    pthread_mutex_lock(&st->watch_mu);
    size_t n = st->nwatchers;
    pthread_mutex_unlock(&st->watch_mu);
    return n;
}

void lwcm_store_close_watches(store *st)
{
    pthread_mutex_lock(&st->watch_mu);
    for (watch_reg *w = st->watchers; w; w = w->next) {
        atomic_store(&w->close_requested, 1);
        wake_watcher(w);
    }
    pthread_mutex_unlock(&st->watch_mu);
}

size_t lwcm_store_read_events(store *st, uint64_t after, int res, history_event *out, size_t max, uint64_t *next)
{
    pthread_rwlock_rdlock(&st->lock);
    size_t n = 0;
    size_t i = first_after(st, after);
    size_t end = st->head + st->len;
    uint64_t reached = after;
    for (; i < end && n < max; i++) {
        history_event *ev = &st->hist[i];
        reached = ev->rv;
        if (ev->res != res)
            continue;
        out[n] = *ev;
        lwcm_obj_version_ref(ev->obj);
        if (ev->prev)
            lwcm_obj_version_ref(ev->prev);
        n++;
    }
    if (i == end) {
        uint64_t cur = atomic_load(&st->rv);
        if (cur > reached)
            reached = cur;
    }
    *next = reached;
    pthread_rwlock_unlock(&st->lock);
    return n;
}
