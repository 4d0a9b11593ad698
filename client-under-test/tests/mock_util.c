/* The watcher's integration tests' mock: an in-process server, its world, lwc-watch against it, snapshot checks. */
#include "mock_util.h"
#include "monotonic.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void nap(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

lwc_mock *mock_start_cfg(const lwc_mock_config *cfg)
{
    lwc_mock *srv = NULL;
    char err[256];
    ck_assert_msg(lwc_mock_start(cfg, &srv, err, sizeof err) == LWC_MOCK_OK, "mock: %s", err);
    return srv;
}

lwc_mock *mock_start(int watch_list, unsigned bookmark_ms)
{
    lwc_mock_config cfg;
    lwc_mock_config_init(&cfg);
    cfg.seed = 7;
    cfg.watch_list = watch_list;
    if (bookmark_ms)
        cfg.bookmark_interval_ms = bookmark_ms;
    cfg.too_large_wait_ms = 300;
    return mock_start_cfg(&cfg);
}

uint64_t put_pod(lwc_mock *srv, const char *ns, const char *name, const char *app, int update)
{
    char json[512], err[256];
    snprintf(json, sizeof json,
             "{\"metadata\":{\"name\":\"%s\",\"namespace\":\"%s\",\"labels\":{\"app\":\"%s\"}},"
             "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}",
             name, ns, app);
    uint64_t rv = 0;
    int rc = update ? lwc_mock_update(srv, "/api/v1", "pods", json, &rv, err, sizeof err)
                    : lwc_mock_create(srv, "/api/v1", "pods", json, &rv, err, sizeof err);
    ck_assert_msg(rc == LWC_MOCK_OK, "put %s/%s: %s", ns, name, err);
    return rv;
}

uint64_t del_pod(lwc_mock *srv, const char *ns, const char *name)
{
    char err[256];
    uint64_t rv = 0;
    ck_assert_msg(lwc_mock_delete(srv, "/api/v1", "pods", ns, name, &rv, err, sizeof err) == LWC_MOCK_OK,
                  "delete %s/%s: %s", ns, name, err);
    return rv;
}

void populate(lwc_mock *srv, int nns, int per)
{
    char ns[32], name[32];
    for (int i = 0; i < nns; i++)
        for (int j = 0; j < per; j++) {
            snprintf(ns, sizeof ns, "ns-%02d", i);
            snprintf(name, sizeof name, "pod-%03d", j);
            put_pod(srv, ns, name, j % 2 ? "db" : "web", 0);
        }
}

child *start_watch(lwc_mock *srv, const watch_setup *ws)
{
    static char env[10][512];
    char kc[] = "/tmp/cut-kubeconfig-XXXXXX";
    int fd = mkstemp(kc);
    ck_assert_int_ge(fd, 0);
    close(fd);
    char err[256];
    ck_assert_msg(lwc_mock_write_kubeconfig(srv, kc, ws->kubeconfig_ns, err, sizeof err) == LWC_MOCK_OK, "%s", err);
    const char *res = ws->resource ? ws->resource : "pods";
    const char *ns = ws->ns ? ws->ns : "";
    snprintf(env[0], sizeof env[0], "KUBECONFIG=%s", kc);
    snprintf(env[1], sizeof env[1], "LWC_SERVER=%s", lwc_mock_url(srv));
    snprintf(env[2], sizeof env[2], "LWC_API_PATH=/api/v1");
    snprintf(env[3], sizeof env[3], "LWC_RESOURCE=%s", res);
    snprintf(env[4], sizeof env[4], "LWC_NAMESPACE=%s", ns);
    snprintf(env[5], sizeof env[5], "LWC_COLLECTION=/api/v1%s%s/%s", *ns ? "/namespaces/" : "", ns, res);
    snprintf(env[6], sizeof env[6], "LWC_PAGE_SIZE=%d", ws->page_size);
    snprintf(env[7], sizeof env[7], "LWC_LABEL_SELECTOR=%s", ws->selector ? ws->selector : "");
    snprintf(env[8], sizeof env[8], "LWC_WATCH_LIST=%d", ws->watch_list);
    snprintf(env[9], sizeof env[9], "LWC_SCENARIO=%s", tcase_name());
    char *envp[11];
    for (int i = 0; i < 10; i++)
        envp[i] = env[i];
    envp[10] = NULL;
    char *argv[12] = {LWC_WATCH_BIN};
    int n = 1;
    for (int i = 0; i < 8 && ws->args[i]; i++)
        argv[n++] = (char *)ws->args[i];
    argv[n] = NULL;
    child *c = child_start(argv, envp);
    ck_assert_msg(c != NULL, "cannot start %s", LWC_WATCH_BIN);
    /* The child has read its kubeconfig by the time it says anything. */
    ck_assert_ptr_nonnull(child_wait(c, NULL, "LOG", NULL, NULL, 10000));
    unlink(kc);
    return c;
}

void expect_ready(child *c, int timeout_ms)
{
    const cJSON *ready = child_wait(c, NULL, "READY", NULL, NULL, timeout_ms);
    ck_assert_msg(ready != NULL, "no READY within %d ms", timeout_ms);
    ck_assert_uint_eq(child_bad_lines(c), 0);
}

static const char *str(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : "";
}

typedef struct keyset {
    char **keys;
    size_t n;
} keyset;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void keyset_add(keyset *k, const char *ns, const char *name, const char *uid, const char *rv)
{
    k->keys = realloc(k->keys, (k->n + 1) * sizeof *k->keys);
    size_t len = strlen(ns) + strlen(name) + strlen(uid) + strlen(rv) + 4;
    k->keys[k->n] = malloc(len);
    snprintf(k->keys[k->n], len, "%s/%s %s %s", ns, name, uid, rv);
    k->n++;
}

static void keyset_free(keyset *k)
{
    for (size_t i = 0; i < k->n; i++)
        free(k->keys[i]);
    free(k->keys);
}

size_t snapshot_size(const cJSON *snap)
{
    return (size_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(snap, "items"));
}

int snapshot_matches(const cJSON *snap, lwc_mock *srv, const char *ns, const char *sel, char *diff, size_t len)
{
    char err[256];
    char *list = lwc_mock_list_json(srv, "/api/v1", "pods", ns, sel, 0, err, sizeof err);
    ck_assert_msg(list != NULL, "list_json: %s", err);
    cJSON *doc = cJSON_Parse(list);
    free(list);
    keyset want = {0}, got = {0};
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(doc, "items"))
    {
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(it, "metadata");
        keyset_add(&want, str(m, "namespace"), str(m, "name"), str(m, "uid"), str(m, "resourceVersion"));
    }
    cJSON_Delete(doc);
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(snap, "items"))
    keyset_add(&got, str(it, "namespace"), str(it, "name"), str(it, "uid"), str(it, "resourceVersion"));
    qsort(want.keys, want.n, sizeof *want.keys, cmp_str);
    qsort(got.keys, got.n, sizeof *got.keys, cmp_str);
    size_t i = 0, j = 0, o = 0;
    int missing = 0, extra = 0;
    diff[0] = '\0';
    while (i < want.n || j < got.n) {
        int c = i == want.n ? 1 : j == got.n ? -1 : strcmp(want.keys[i], got.keys[j]);
        if (c == 0) {
            i++, j++;
            continue;
        }
        const char *what = c < 0 ? want.keys[i++] : got.keys[j++];
        if (c < 0)
            missing++;
        else
            extra++;
        if (o + 120 < len)
            o += (size_t)snprintf(diff + o, len - o, "%s %s; ", c < 0 ? "missing" : "extra", what);
    }
    if (missing || extra)
        snprintf(diff + o, len - o, "(%d missing, %d extra; server %zu, client %zu)", missing, extra, want.n, got.n);
    keyset_free(&want);
    keyset_free(&got);
    return !missing && !extra;
}

int wait_converged(child *c, lwc_mock *srv, const char *ns, const char *sel, int timeout_ms, char *diff,
                   size_t len)
{
    static unsigned seq = 1000;
    double until = lwcc_monotonic_ms() + timeout_ms;
    for (;;) {
        const cJSON *snap = child_dump(c, ++seq, 5000);
        if (!snap) {
            snprintf(diff, len, "no SNAPSHOT for DUMP %u", seq);
            return 0;
        }
        if (snapshot_matches(snap, srv, ns, sel, diff, len))
            return 1;
        if (lwcc_monotonic_ms() >= until)
            return 0;
        nap(50);
    }
}

typedef struct held {
    char key[256];
    char uid[128];
    unsigned long long rv;
} held;

const char *check_events(child *c)
{
    static char msg[512];
    held *h = NULL;
    size_t nh = 0;
    const char *bad = NULL;
    size_t n = child_line_count(c);
    for (size_t i = 0; i < n && !bad; i++) {
        const cJSON *l = child_line(c, i);
        if (strcmp(str(l, "type"), "EVENT") != 0)
            continue;
        char key[256];
        snprintf(key, sizeof key, "%s/%s", str(l, "namespace"), str(l, "name"));
        const char *ev = str(l, "event");
        unsigned long long rv = strtoull(str(l, "resourceVersion"), NULL, 10);
        size_t k = 0;
        while (k < nh && strcmp(h[k].key, key) != 0)
            k++;
        int holds = k < nh && h[k].uid[0];
        if (k < nh && rv < h[k].rv) {
            snprintf(msg, sizeof msg, "line %zu: %s %s at rv %llu after rv %llu", i, ev, key, rv, h[k].rv);
            bad = msg;
            break;
        }
        if (!strcmp(ev, "ADDED") && holds) {
            snprintf(msg, sizeof msg, "line %zu: ADDED %s twice without DELETED", i, key);
            bad = msg;
        } else if (strcmp(ev, "ADDED") != 0 && !holds) {
            snprintf(msg, sizeof msg, "line %zu: %s for %s, which the client does not hold", i, ev, key);
            bad = msg;
        }
        if (k == nh) {
            h = realloc(h, (nh + 1) * sizeof *h);
            memset(&h[nh], 0, sizeof h[nh]);
            snprintf(h[nh].key, sizeof h[nh].key, "%s", key);
            nh++;
        }
        h[k].rv = rv;
        snprintf(h[k].uid, sizeof h[k].uid, "%s", strcmp(ev, "DELETED") ? str(l, "uid") : "");
    }
    free(h);
    return bad;
}

typedef struct ev_want {
    const char *type, *name;
} ev_want;

static int ev_is(const cJSON *l, void *ud)
{
    const ev_want *w = ud;
    return (!w->type || !strcmp(str(l, "event"), w->type)) && !strcmp(str(l, "name"), w->name);
}

const cJSON *wait_event(child *c, const char *type, const char *name, int timeout_ms)
{
    ev_want w = {type, name};
    return child_wait(c, NULL, "EVENT", ev_is, &w, timeout_ms);
}

int count_events(child *c, const char *type, const char *name)
{
    int n = 0;
    size_t lines = child_line_count(c);
    for (size_t i = 0; i < lines; i++) {
        const cJSON *l = child_line(c, i);
        if (!strcmp(str(l, "type"), "EVENT") && !strcmp(str(l, "event"), type) &&
            (!name || !strcmp(str(l, "name"), name)))
            n++;
    }
    return n;
}

/* A watch by what was asked (the server's classification: watch=true or the
 * /watch/ prefix), so that a watch refused with an HTTP error still counts
 * as a watch. */
static int asked_watch(const lwc_mock_request *r)
{
    return r->cls.verb == LWC_VERB_WATCH;
}

static int request_matches(lwc_mock_request *r, const req_filter *f)
{
    if (f->watch >= 0 && asked_watch(r) != f->watch)
        return 0;
    if (f->status && r->status != f->status)
        return 0;
    if (f->param) {
        char *v = lwc_mock_query_param(r->query, f->param);
        int ok = f->absent ? v == NULL : v != NULL && (!f->value || strcmp(v, f->value) == 0);
        free(v);
        if (!ok)
            return 0;
    }
    return 1;
}

size_t count_requests(lwc_mock *srv, size_t from, const req_filter *f)
{
    size_t n = lwc_mock_log_count(srv), hits = 0;
    for (size_t i = from; i < n; i++) {
        lwc_mock_request r;
        if (lwc_mock_log_get(srv, i, &r) != LWC_MOCK_OK)
            continue;
        if (strncmp(r.path, "/api", 4) == 0 && request_matches(&r, f))
            hits++;
        lwc_mock_request_free(&r);
    }
    return hits;
}

long wait_request(lwc_mock *srv, size_t from, const req_filter *f, int timeout_ms)
{
    double until = lwcc_monotonic_ms() + timeout_ms;
    uint64_t gen = 0;
    size_t i = from;
    for (;;) {
        size_t n = lwc_mock_log_count(srv);
        for (; i < n; i++) {
            lwc_mock_request r;
            if (lwc_mock_log_get(srv, i, &r) != LWC_MOCK_OK)
                break;
            /* Not answered yet: whether it is a watch is not known. */
            int pending = r.status == 0;
            int ok = !pending && strncmp(r.path, "/api", 4) == 0 && request_matches(&r, f);
            lwc_mock_request_free(&r);
            if (ok)
                return (long)i;
            if (pending)
                break;
        }
        double left = until - lwcc_monotonic_ms();
        if (left <= 0)
            return -1;
        /* Until the log changes (a request arrives or is answered), not a
         * fixed nap; a change since the last call returns at once. */
        lwc_mock_log_wait_change(srv, &gen, (int)left + 1);
    }
}

char *log_param(lwc_mock *srv, size_t i, const char *key)
{
    lwc_mock_request r;
    if (lwc_mock_log_get(srv, i, &r) != LWC_MOCK_OK)
        return NULL;
    char *v = lwc_mock_query_param(r.query, key);
    lwc_mock_request_free(&r);
    return v;
}

int wait_no_watches(lwc_mock *srv, int timeout_ms)
{
    double until = lwcc_monotonic_ms() + timeout_ms;
    while (lwc_mock_watch_count(srv) > 0) {
        if (lwcc_monotonic_ms() >= until)
            return 0;
        nap(5);
    }
    return 1;
}

const cJSON *wait_log(child *c, const char *message, int timeout_ms)
{
    size_t cur = 0;
    const cJSON *l;
    while ((l = child_wait(c, &cur, "LOG", NULL, NULL, timeout_ms))) {
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(l, "message");
        if (cJSON_IsString(m) && !strcmp(m->valuestring, message))
            break;
    }
    return l;
}
