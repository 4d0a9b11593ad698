/* The request log: every request the server saw, what it answered, and waits for changes. */
#include "request_log.h"
#include "monotonic.h"

#include <stdlib.h>
#include <string.h>

static char *dup_n(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

int lwcm_request_log_init(request_log *log)
{
    memset(log, 0, sizeof *log);
    if (pthread_mutex_init(&log->mu, NULL) != 0)
        return -1;
    if (lwcc_monotonic_cond_init(&log->cond) != 0) {
        pthread_mutex_destroy(&log->mu);
        return -1;
    }
    log->t0_ms = lwcc_monotonic_ms();
    return 0;
}

void lwcm_request_log_destroy(request_log *log)
{
    for (size_t i = log->base; i < log->n; i++)
        lwc_mock_request_free(&log->entries[i - log->base]);
    free(log->entries);
    pthread_cond_destroy(&log->cond);
    pthread_mutex_destroy(&log->mu);
}

lwc_mock_request *lwcm_request_log_entry(request_log *log, size_t idx)
{
    return idx >= log->base && idx < log->n ? &log->entries[idx - log->base] : NULL;
}

/* Over the limit: drop the oldest quarter at once, so the move is paid
 * once per limit/4 requests. An entry still open (a watch) goes too: its
 * later updates are ignored. */
static void trim(request_log *log)
{
    size_t held = log->n - log->base;
    if (!log->limit || held < log->limit)
        return;
    size_t drop = log->limit / 4 ? log->limit / 4 : 1;
    if (drop > held)
        drop = held;
    for (size_t i = 0; i < drop; i++)
        lwc_mock_request_free(&log->entries[i]);
    memmove(log->entries, log->entries + drop, (held - drop) * sizeof *log->entries);
    log->base += drop;
}

/* Called with log->mu held by everything that changes the log. */
static void changed(request_log *log)
{
    log->generation++;
    pthread_cond_broadcast(&log->cond);
}

double lwcm_request_log_now_ms(const request_log *log)
{
    return lwcc_monotonic_ms() - log->t0_ms;
}

size_t lwcm_request_log_begin(request_log *log, const char *method, const char *uri)
{
    const char *q = strchr(uri, '?');
    size_t plen = q ? (size_t)(q - uri) : strlen(uri);
    char *path = dup_n(uri, plen);
    char *query = q ? dup_n(q + 1, strlen(q + 1)) : dup_n("", 0);
    if (!path || !query) {
        free(path);
        free(query);
        return (size_t)-1;
    }
    pthread_mutex_lock(&log->mu);
    trim(log);
    if (log->n - log->base == log->cap) {
        size_t ncap = log->cap ? log->cap * 2 : 256;
        lwc_mock_request *ne = realloc(log->entries, ncap * sizeof *ne);
        if (!ne) {
            pthread_mutex_unlock(&log->mu);
            free(path);
            free(query);
            return (size_t)-1;
        }
        log->entries = ne;
        log->cap = ncap;
    }
    size_t idx = log->n++;
    lwc_mock_request *e = &log->entries[idx - log->base];
    memset(e, 0, sizeof *e);
    snprintf(e->method, sizeof e->method, "%s", method);
    e->path = path;
    e->query = query;
    e->start_ms = lwcm_request_log_now_ms(log);
    changed(log);
    pthread_mutex_unlock(&log->mu);
    return idx;
}

void lwcm_request_log_answer(request_log *log, size_t idx, int status, int is_watch)
{
    if (idx == (size_t)-1)
        return;
    pthread_mutex_lock(&log->mu);
    lwc_mock_request *e = lwcm_request_log_entry(log, idx);
    if (!e) {
        pthread_mutex_unlock(&log->mu);
        return;
    }
    if (e->status == 0)
        log->answered++;
    e->status = status;
    e->is_watch = is_watch;
    changed(log);
    pthread_mutex_unlock(&log->mu);
}

void lwcm_request_log_fault(request_log *log, size_t idx)
{
    if (idx == (size_t)-1)
        return;
    pthread_mutex_lock(&log->mu);
    lwc_mock_request *e = lwcm_request_log_entry(log, idx);
    if (e)
        e->fault = 1;
    changed(log);
    pthread_mutex_unlock(&log->mu);
}

static char *dup_or_null(const char *s, int *failed)
{
    if (!s)
        return NULL;
    char *p = dup_n(s, strlen(s));
    if (!p)
        *failed = 1;
    return p;
}

static int class_copy(lwc_mock_request_class *dst, const lwc_mock_request_class *src)
{
    int failed = 0;
    *dst = *src;
    dst->resource = dup_or_null(src->resource, &failed);
    dst->ns = dup_or_null(src->ns, &failed);
    if (failed) {
        free((char *)dst->resource);
        free((char *)dst->ns);
        memset(dst, 0, sizeof *dst);
        return -1;
    }
    return 0;
}

int lwcm_request_copy(lwc_mock_request *dst, const lwc_mock_request *src)
{
    int failed = 0;
    *dst = *src;
    dst->path = dup_or_null(src->path, &failed);
    dst->query = dup_or_null(src->query, &failed);
    if (class_copy(&dst->cls, &src->cls) != 0)
        failed = 1;
    if (failed) {
        lwc_mock_request_free(dst);
        return -1;
    }
    return 0;
}

int lwcm_request_log_classify(request_log *log, size_t idx, const lwc_mock_request_class *c, int page)
{
    if (idx == (size_t)-1)
        return 0;
    lwc_mock_request_class copy;
    if (class_copy(&copy, c) != 0)
        return -1;
    pthread_mutex_lock(&log->mu);
    lwc_mock_request *e = lwcm_request_log_entry(log, idx);
    if (e) {
        free((char *)e->cls.resource);
        free((char *)e->cls.ns);
        e->cls = copy;
        e->page = page;
        changed(log);
    }
    pthread_mutex_unlock(&log->mu);
    if (!e) {
        free((char *)copy.resource);
        free((char *)copy.ns);
    }
    return 0;
}

void lwcm_request_log_served_rv(request_log *log, size_t idx, uint64_t rv)
{
    if (idx == (size_t)-1)
        return;
    pthread_mutex_lock(&log->mu);
    lwc_mock_request *e = lwcm_request_log_entry(log, idx);
    if (e)
        e->served_rv = rv;
    changed(log);
    pthread_mutex_unlock(&log->mu);
}

void lwcm_request_log_list_more(request_log *log, size_t idx)
{
    if (idx == (size_t)-1)
        return;
    pthread_mutex_lock(&log->mu);
    lwc_mock_request *e = lwcm_request_log_entry(log, idx);
    if (e)
        e->more = 1;
    changed(log);
    pthread_mutex_unlock(&log->mu);
}

void lwcm_request_log_wake(request_log *log)
{
    pthread_mutex_lock(&log->mu);
    changed(log);
    pthread_mutex_unlock(&log->mu);
}

void lwcm_request_log_finish(request_log *log, size_t idx, uint64_t bytes)
{
    if (idx == (size_t)-1)
        return;
    pthread_mutex_lock(&log->mu);
    lwc_mock_request *e = lwcm_request_log_entry(log, idx);
    if (!e) {
        pthread_mutex_unlock(&log->mu);
        return;
    }
    e->done = 1;
    e->bytes = bytes;
    e->duration_ms = lwcm_request_log_now_ms(log) - e->start_ms;
    if (log->echo)
        fprintf(log->echo, "%s %s%s%s -> %d (%llu bytes, %.1f ms%s%s)\n", e->method, e->path,
                e->query[0] ? "?" : "", e->query, e->status, (unsigned long long)e->bytes, e->duration_ms,
                e->is_watch ? ", watch" : "", e->fault ? ", fault" : "");
    changed(log);
    pthread_mutex_unlock(&log->mu);
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
