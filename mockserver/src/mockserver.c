/* The public C API: start and stop a server, change its world, read its log. */
#include "monotonic.h"
#include "demo_world.h"
#include "http_server.h"
#include "mock_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void lwc_mock_config_init(lwc_mock_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->listen_addr = "127.0.0.1";
    cfg->rv0_ignores_limit = 1;
    cfg->watch_list = 1;
    cfg->bookmark_interval_ms = 60000;
    cfg->too_large_wait_ms = 3000;
    cfg->max_body_bytes = 3 * 1024 * 1024;
}

static int map_store_rc(int rc)
{
    switch (rc) {
    case STORE_OK: return LWC_MOCK_OK;
    case STORE_ENOENT: return LWC_MOCK_ENOENT;
    case STORE_EEXIST: return LWC_MOCK_EEXIST;
    case STORE_ECONFLICT: return LWC_MOCK_ECONFLICT;
    case STORE_ENOMEM: return LWC_MOCK_ENOMEM;
    default: return LWC_MOCK_EINVAL;
    }
}

int mock_sleep_ms(lwc_mock *srv, int ms)
{
    while (ms > 0) {
        if (atomic_load(&srv->shutting_down))
            return -1;
        int slice = ms < 50 ? ms : 50;
        struct timespec ts = {0, (long)slice * 1000000L};
        while (nanosleep(&ts, &ts) != 0)
            ;
        ms -= slice;
    }
    return atomic_load(&srv->shutting_down) ? -1 : 0;
}

uint64_t mock_random(lwc_mock *srv)
{
    pthread_mutex_lock(&srv->rng_mu);
    uint64_t x = srv->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    srv->rng = x;
    pthread_mutex_unlock(&srv->rng_mu);
    return x * 0x2545F4914F6CDD1DULL;
}

int lwc_mock_start(const lwc_mock_config *cfg, lwc_mock **out, char *err, size_t errlen)
{
    *out = NULL;
    lwc_mock *srv = calloc(1, sizeof *srv);
    if (!srv) {
        snprintf(err, errlen, "out of memory");
        return LWC_MOCK_ENOMEM;
    }
    srv->cfg = *cfg;
    const char *addr = cfg->listen_addr && *cfg->listen_addr ? cfg->listen_addr : "127.0.0.1";
    if (strlen(addr) >= sizeof srv->listen_addr) {
        free(srv);
        snprintf(err, errlen, "listen address too long");
        return LWC_MOCK_EINVAL;
    }
    snprintf(srv->listen_addr, sizeof srv->listen_addr, "%s", addr);
    srv->cfg.listen_addr = srv->listen_addr;
    if (!srv->cfg.max_body_bytes)
        srv->cfg.max_body_bytes = 3 * 1024 * 1024;
    if (!srv->cfg.bookmark_interval_ms)
        srv->cfg.bookmark_interval_ms = 60000;
    if (!srv->cfg.max_log_entries)
        srv->cfg.max_log_entries = LWC_MOCK_DEFAULT_LOG_ENTRIES;
    if (!srv->cfg.max_connections_per_ip)
        srv->cfg.max_connections_per_ip = LWC_MOCK_DEFAULT_CONNECTIONS_PER_IP;
    if (!srv->cfg.connection_timeout_s)
        srv->cfg.connection_timeout_s = LWC_MOCK_DEFAULT_CONNECTION_TIMEOUT_S;
    srv->started_at = (long long)time(NULL);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t seed = cfg->seed ? cfg->seed : ((uint64_t)ts.tv_sec * 1000000007ULL) ^ (uint64_t)ts.tv_nsec;
    srv->rng = seed | 1;
    atomic_init(&srv->shutting_down, 0);
    atomic_init(&srv->churn_serial, 0);
    if (pthread_mutex_init(&srv->rng_mu, NULL) != 0) {
        free(srv);
        snprintf(err, errlen, "pthread_mutex_init failed");
        return LWC_MOCK_EIO;
    }
    if (fault_table_init(&srv->faults) != 0) {
        pthread_mutex_destroy(&srv->rng_mu);
        free(srv);
        snprintf(err, errlen, "fault table init failed");
        return LWC_MOCK_EIO;
    }
    if (request_log_init(&srv->log) != 0) {
        fault_table_destroy(&srv->faults);
        pthread_mutex_destroy(&srv->rng_mu);
        free(srv);
        snprintf(err, errlen, "request log init failed");
        return LWC_MOCK_EIO;
    }
    srv->log.limit = srv->cfg.max_log_entries == SIZE_MAX ? 0 : srv->cfg.max_log_entries;
    if (cfg->log_requests)
        srv->log.echo = stderr;
    srv->st = store_new(seed, cfg->history_limit);
    if (!srv->st) {
        lwc_mock_stop(srv);
        snprintf(err, errlen, "out of memory");
        return LWC_MOCK_ENOMEM;
    }
    if (cfg->lagging_replica_writes > 0)
        store_pin_history(srv->st, (uint64_t)cfg->lagging_replica_writes);
    for (int i = 0; i < builtin_resource_count; i++) {
        resource_def def;
        if (builtin_resource(i, &def) != 0 || store_add_resource(srv->st, &def) < 0) {
            lwc_mock_stop(srv);
            snprintf(err, errlen, "cannot register the built-in resources");
            return LWC_MOCK_ENOMEM;
        }
    }
    if (cfg->demo_world) {
        int rc = demo_world_populate(srv, err, errlen);
        if (rc != LWC_MOCK_OK) {
            lwc_mock_stop(srv);
            return rc;
        }
    }
    int rc = http_server_start(srv, err, errlen);
    if (rc != LWC_MOCK_OK) {
        lwc_mock_stop(srv);
        return rc;
    }
    *out = srv;
    return LWC_MOCK_OK;
}

void lwc_mock_stop(lwc_mock *srv)
{
    if (!srv)
        return;
    http_server_stop(srv);
    store_free(srv->st);
    request_log_destroy(&srv->log);
    fault_table_destroy(&srv->faults);
    pthread_mutex_destroy(&srv->rng_mu);
    free(srv);
}

unsigned short lwc_mock_port(const lwc_mock *srv)
{
    return srv->port;
}

const char *lwc_mock_url(const lwc_mock *srv)
{
    return srv->url;
}

int lwc_mock_add_resource(lwc_mock *srv, const char *group, const char *version, const char *plural,
                          const char *singular, const char *kind, int namespaced, char *err, size_t errlen)
{
    resource_def def;
    if (!group || !version || !plural || !singular || !kind || !*version || !*plural || !*kind ||
        resource_def_init(&def, group, version, plural, singular, kind, "", namespaced) != 0) {
        snprintf(err, errlen, "resource %s/%s %s: a name is missing or too long", group ? group : "",
                 version ? version : "", plural ? plural : "");
        return LWC_MOCK_EINVAL;
    }
    int rc = store_add_resource(srv->st, &def);
    if (rc == STORE_EEXIST) {
        snprintf(err, errlen, "resource %s %s is already registered", def.api_path, plural);
        return LWC_MOCK_EEXIST;
    }
    if (rc < 0) {
        snprintf(err, errlen, "out of memory");
        return LWC_MOCK_ENOMEM;
    }
    return LWC_MOCK_OK;
}

static int find_res(lwc_mock *srv, const char *api_path, const char *resource, char *err, size_t errlen)
{
    int res = api_path && resource ? store_find_resource(srv->st, api_path, resource) : -1;
    if (res < 0)
        snprintf(err, errlen, "no resource \"%s\" under %s", resource ? resource : "(null)",
                 api_path ? api_path : "(null)");
    return res;
}

static cJSON *parse_object(const resource_def *def, const char *json, char *err, size_t errlen)
{
    cJSON *doc = json ? cJSON_Parse(json) : NULL;
    if (!doc || !cJSON_IsObject(doc)) {
        cJSON_Delete(doc);
        snprintf(err, errlen, "%s: the object is not a JSON object", def->kind);
        return NULL;
    }
    char field[64], detail[400];
    if (object_validate(def, doc, field, sizeof field, detail, sizeof detail) != 0) {
        cJSON_Delete(doc);
        snprintf(err, errlen, "%s is invalid: %s: %s", def->kind, field, detail);
        return NULL;
    }
    cJSON *norm = object_normalize(def, doc);
    cJSON_Delete(doc);
    if (!norm)
        snprintf(err, errlen, "out of memory");
    return norm;
}

static const char *namespace_of(const cJSON *obj)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
    const cJSON *ns = cJSON_GetObjectItemCaseSensitive(m, "namespace");
    return cJSON_IsString(ns) ? ns->valuestring : "";
}

static int ensure_namespace(lwc_mock *srv, const char *ns, char *err, size_t errlen)
{
    int nsres = store_find_resource(srv->st, "/api/v1", "namespaces");
    obj_version *v = store_get(srv->st, nsres, NULL, ns);
    if (v) {
        obj_version_unref(v);
        return LWC_MOCK_OK;
    }
    char json[400];
    snprintf(json, sizeof json, "{\"metadata\":{\"name\":\"%.250s\"},\"spec\":{\"finalizers\":[\"kubernetes\"]},"
             "\"status\":{\"phase\":\"Active\"}}", ns);
    int rc = lwc_mock_create(srv, "/api/v1", "namespaces", json, NULL, err, errlen);
    return rc == LWC_MOCK_EEXIST ? LWC_MOCK_OK : rc;
}

int lwc_mock_create(lwc_mock *srv, const char *api_path, const char *resource, const char *json,
                    uint64_t *rv_out, char *err, size_t errlen)
{
    int res = find_res(srv, api_path, resource, err, errlen);
    if (res < 0)
        return LWC_MOCK_ENOENT;
    const resource_def *def = store_resource(srv->st, res);
    cJSON *obj = parse_object(def, json, err, errlen);
    if (!obj)
        return LWC_MOCK_EINVAL;
    if (def->namespaced) {
        const char *ns = namespace_of(obj);
        if (!*ns) {
            cJSON_Delete(obj);
            snprintf(err, errlen, "%s: metadata.namespace is required for a namespaced resource", def->kind);
            return LWC_MOCK_EINVAL;
        }
        int rc = ensure_namespace(srv, ns, err, errlen);
        if (rc != LWC_MOCK_OK) {
            cJSON_Delete(obj);
            return rc;
        }
    } else {
        cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(obj, "metadata"), "namespace");
    }
    obj_version *v = NULL;
    int rc = store_create(srv->st, res, obj, 1, &v, err, errlen);
    cJSON_Delete(obj);
    if (rc == STORE_OK && rv_out)
        *rv_out = v->rv;
    obj_version_unref(v);
    return map_store_rc(rc);
}

int lwc_mock_update(lwc_mock *srv, const char *api_path, const char *resource, const char *json,
                    uint64_t *rv_out, char *err, size_t errlen)
{
    int res = find_res(srv, api_path, resource, err, errlen);
    if (res < 0)
        return LWC_MOCK_ENOENT;
    cJSON *obj = parse_object(store_resource(srv->st, res), json, err, errlen);
    if (!obj)
        return LWC_MOCK_EINVAL;
    obj_version *v = NULL;
    int rc = store_update(srv->st, res, obj, &v, err, errlen);
    cJSON_Delete(obj);
    if (rc == STORE_OK && rv_out)
        *rv_out = v->rv;
    obj_version_unref(v);
    return map_store_rc(rc);
}

int lwc_mock_delete(lwc_mock *srv, const char *api_path, const char *resource, const char *ns,
                    const char *name, uint64_t *rv_out, char *err, size_t errlen)
{
    int res = find_res(srv, api_path, resource, err, errlen);
    if (res < 0)
        return LWC_MOCK_ENOENT;
    if (!name) {
        snprintf(err, errlen, "a name is required");
        return LWC_MOCK_EINVAL;
    }
    obj_version *v = NULL;
    int rc = store_delete(srv->st, res, ns, name, &v, err, errlen);
    if (rc == STORE_OK && rv_out)
        *rv_out = v->rv;
    obj_version_unref(v);
    return map_store_rc(rc);
}

uint64_t lwc_mock_current_rv(lwc_mock *srv)
{
    return store_current_rv(srv->st);
}

uint64_t lwc_mock_compact(lwc_mock *srv, uint64_t rv)
{
    return store_compact(srv->st, rv);
}

void lwc_mock_close_watches(lwc_mock *srv)
{
    store_close_watches(srv->st);
}

size_t lwc_mock_watch_count(lwc_mock *srv)
{
    return store_watch_count(srv->st);
}

char *lwc_mock_list_json(lwc_mock *srv, const char *api_path, const char *resource, const char *ns,
                         const char *selector, uint64_t rv, char *err, size_t errlen)
{
    int res = find_res(srv, api_path, resource, err, errlen);
    if (res < 0)
        return NULL;
    label_selector sel;
    if (label_selector_parse(selector, &sel, err, errlen) != 0)
        return NULL;
    list_query q;
    memset(&q, 0, sizeof q);
    q.res = res;
    q.ns = ns && *ns ? ns : NULL;
    q.at_current = rv == 0;
    q.at_rv = rv;
    q.labels = sel.n ? &sel : NULL;
    list_page page;
    int rc = store_list(srv->st, &q, &page, NULL);
    label_selector_free(&sel);
    if (rc != STORE_OK) {
        snprintf(err, errlen, "%s", rc == STORE_EXPIRED ? "resourceVersion compacted" :
                                    rc == STORE_TOO_LARGE ? "resourceVersion in the future" : "list failed");
        return NULL;
    }
    const resource_def *def = store_resource(srv->st, res);
    strbuf sb;
    strbuf_init(&sb);
    strbuf_puts(&sb, "{\"kind\":");
    strbuf_put_json_string(&sb, def->list_kind);
    strbuf_puts(&sb, ",\"apiVersion\":");
    strbuf_put_json_string(&sb, def->api_version);
    strbuf_printf(&sb, ",\"metadata\":{\"resourceVersion\":\"%llu\"},\"items\":[", (unsigned long long)page.rv);
    for (size_t i = 0; i < page.n; i++) {
        if (i)
            strbuf_putc(&sb, ',');
        /* Whole objects, kind and apiVersion included: what a client's store should hold. */
        strbuf_append(&sb, page.items[i]->json, page.items[i]->json_len);
    }
    strbuf_puts(&sb, "]}");
    list_page_free(&page);
    char *out = strbuf_take(&sb, NULL);
    if (!out)
        snprintf(err, errlen, "out of memory");
    return out;
}

size_t lwc_mock_log_count(lwc_mock *srv)
{
    pthread_mutex_lock(&srv->log.mu);
    size_t n = srv->log.n;
    pthread_mutex_unlock(&srv->log.mu);
    return n;
}

static char *dup_s(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

int lwc_mock_log_get(lwc_mock *srv, size_t i, lwc_mock_request *out)
{
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&srv->log.mu);
    const lwc_mock_request *e = request_log_entry(&srv->log, i);
    if (!e) {
        /* Not yet, or dropped by the log's limit (max_log_entries). */
        pthread_mutex_unlock(&srv->log.mu);
        return LWC_MOCK_ENOENT;
    }
    *out = *e;
    out->path = dup_s(e->path);
    out->query = dup_s(e->query);
    int cls_failed = request_class_copy(&out->cls, &e->cls);
    pthread_mutex_unlock(&srv->log.mu);
    if (!out->path || !out->query || cls_failed) {
        lwc_mock_request_free(out);
        return LWC_MOCK_ENOMEM;
    }
    return LWC_MOCK_OK;
}

void lwc_mock_request_free(lwc_mock_request *req)
{
    free(req->path);
    free(req->query);
    req->path = req->query = NULL;
    free((char *)req->cls.resource);
    free((char *)req->cls.ns);
    memset(&req->cls, 0, sizeof req->cls);
}

int lwc_mock_log_wait(lwc_mock *srv, size_t count, int timeout_ms)
{
    struct timespec deadline = monotonic_deadline(timeout_ms);
    int rc = LWC_MOCK_OK;
    pthread_mutex_lock(&srv->log.mu);
    while (srv->log.answered < count) {
        if (pthread_cond_timedwait(&srv->log.cond, &srv->log.mu, &deadline) != 0) {
            rc = srv->log.answered >= count ? LWC_MOCK_OK : LWC_MOCK_ETIMEDOUT;
            break;
        }
    }
    pthread_mutex_unlock(&srv->log.mu);
    return rc;
}

int lwc_mock_log_wait_change(lwc_mock *srv, uint64_t *generation, int timeout_ms)
{
    struct timespec deadline = monotonic_deadline(timeout_ms);
    int rc = LWC_MOCK_OK;
    pthread_mutex_lock(&srv->log.mu);
    /* The predicate is re-checked after every wake-up: the cond is shared
     * with lwc_mock_log_wait, and wake-ups may be spurious. */
    while (srv->log.generation == *generation) {
        if (timeout_ms < 0) {
            pthread_cond_wait(&srv->log.cond, &srv->log.mu);
        } else if (timeout_ms == 0 ||
                   pthread_cond_timedwait(&srv->log.cond, &srv->log.mu, &deadline) != 0) {
            rc = srv->log.generation != *generation ? LWC_MOCK_OK : LWC_MOCK_ETIMEDOUT;
            break;
        }
    }
    if (rc == LWC_MOCK_OK)
        *generation = srv->log.generation;
    pthread_mutex_unlock(&srv->log.mu);
    return rc;
}

void lwc_mock_wake_log_waiters(lwc_mock *srv)
{
    request_log_wake(&srv->log);
}

double lwc_mock_now_ms(lwc_mock *srv)
{
    return request_log_now_ms(&srv->log);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static char *url_decode(const char *s, size_t n)
{
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '+') {
            out[o++] = ' ';
        } else if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            out[o++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return out;
}

char *lwc_mock_query_param(const char *query, const char *key)
{
    if (!query || !key)
        return NULL;
    size_t klen = strlen(key);
    const char *p = query;
    while (*p) {
        const char *end = strchr(p, '&');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        size_t nlen = eq ? (size_t)(eq - p) : len;
        char *name = url_decode(p, nlen);
        if (!name)
            return NULL;
        int hit = strlen(name) == klen && memcmp(name, key, klen) == 0;
        free(name);
        if (hit)
            return eq ? url_decode(eq + 1, len - nlen - 1) : url_decode("", 0);
        if (!end)
            break;
        p = end + 1;
    }
    return NULL;
}
