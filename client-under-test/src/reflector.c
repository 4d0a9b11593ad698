/* The reflector's loop: list (or streaming list), then watch, then watch
 * again or relist, backing off after every failure. watch.c decides what a
 * watch's end means; this file carries it out. */
#include "api.h"
#include "reflector_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void lwc_reflector_config_init(lwc_reflector_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->page_size = 500;
    cfg->watch_timeout_s = 300;
    cfg->stall_margin_ms = 0;
    cfg->list_idle_timeout_ms = 60000;
    cfg->connect_timeout_ms = 10000;
    cfg->watch_list_deadline_ms = 30000;
    cfg->backoff_base_ms = 100;
    cfg->backoff_cap_ms = 30000;
    cfg->retry_after_cap_ms = 60000;
    cfg->page_retries = 10;
    cfg->max_line_bytes = LWC_DEFAULT_MAX_LINE_BYTES;
    cfg->max_body_bytes = LWC_DEFAULT_MAX_PAGE_BYTES;
}

static void restart(lwc_reflector *r, const char *reason)
{
    lwcr_log(r, LWC_LOG_INFO, "relisting: %s", reason);
    if (r->cb.on_restart)
        r->cb.on_restart(r->cb.userdata, reason);
    lwcr_batch_end(r);
}

/* Waits out the backoff; LWC_ESTOPPED if stopped meanwhile. */
static int back_off(lwc_reflector *r, int64_t retry_after_ms)
{
    int64_t ms = lwcr_backoff_next(&r->bo, retry_after_ms);
    lwcr_log(r, LWC_LOG_DEBUG, "backing off %lld ms", (long long)ms);
    return lwcr_sleep(r, ms);
}

/* One list attempt; on success the store holds it and the watch starts
 * from its resourceVersion. */
static int list_once(lwc_reflector *r, int *listed, char *restart_reason, size_t rrlen)
{
    lwcr_list_result res;
    lwcr_failure f;
    *listed = 0;
    int64_t t0 = lwcr_now_ms();
    int rc = lwcr_list(r, &res, &f);
    if (rc == LWC_ESTOPPED)
        return rc;
    if (rc == LWC_OK) {
        size_t n = res.items.len;
        /* python#819's bug: the watch resumes from the last item's version,
         * which the list order (by key, not by version) makes arbitrary. */
        const char *from = lwcr_bug(r->cfg.bugs, LWC_BUG_RV_FROM_LAST_ITEM) && res.last_item_rv.len
                               ? res.last_item_rv.data
                               : res.rv.data;
        if (lwcr_set_rv(r, from) != LWC_OK || lwcr_store_replace(&r->store, &res.items) != LWC_OK) {
            lwcr_list_result_free(&res);
            lwcr_log(r, LWC_LOG_ERROR, "out of memory applying a list");
            return back_off(r, -1);
        }
        lwcr_log(r, LWC_LOG_INFO, "listed %zu objects in %u pages at resourceVersion %s in %lld ms", n, res.pages,
                 res.rv.data, (long long)(lwcr_now_ms() - t0));
        lwcr_list_result_free(&res);
        lwcr_mark_synced(r);
        *listed = 1;
        return LWC_OK;
    }
    if (rc == LWC_EEXPIRED && f.on_continue && lwcr_bug(r->cfg.bugs, LWC_BUG_EXPIRED_CONTINUE_FATAL)) {
        /* The bug: the list failed and the client gives up on it, as kubectl
         * and kdashboard#70 do; nothing more is ever requested. */
        lwcr_log(r, LWC_LOG_ERROR, "%s: giving up", f.reason);
        while (lwcr_sleep(r, 3600 * 1000) != LWC_ESTOPPED)
            ;
        return LWC_ESTOPPED;
    }
    if (rc == LWC_EEXPIRED)
        snprintf(restart_reason, rrlen, "%s", f.reason);
    else
        lwcr_log(r, LWC_LOG_WARN, "%s", f.reason);
    return back_off(r, f.retry_after_ms);
}

typedef enum phase { PHASE_LIST, PHASE_WATCH } phase;

/* Carries out a watch's verdict; returns the next phase, or -1 to stop. */
static int follow(lwc_reflector *r, lwcr_watch_outcome *o, char *restart_reason, size_t rrlen)
{
    if (o->next == LWCR_NEXT_RELIST && o->expired && lwcr_bug(r->cfg.bugs, LWC_BUG_REWATCH_DEAD_RV)) {
        /* The bug: the 410 is logged and the same dead version watched again. */
        lwcr_log(r, LWC_LOG_WARN, "%s: watching again from %s", o->reason, r->rv.data);
        o->next = LWCR_NEXT_WATCH_LATER;
    }
    switch (o->next) {
    case LWCR_NEXT_STOP:
        return -1;
    case LWCR_NEXT_WATCH:
        lwcr_log(r, LWC_LOG_DEBUG, "%s", o->reason);
        return PHASE_WATCH;
    case LWCR_NEXT_WATCH_LATER:
        lwcr_log(r, LWC_LOG_WARN, "%s", o->reason);
        return back_off(r, o->retry_after_ms) == LWC_ESTOPPED ? -1 : PHASE_WATCH;
    case LWCR_NEXT_FALLBACK:
        r->watch_list_off = 1;
        lwcr_log(r, LWC_LOG_WARN, "%s", o->reason);
        if (r->synced)
            snprintf(restart_reason, rrlen, "%s", o->reason);
        lwcr_set_rv(r, "");
        return PHASE_LIST;
    case LWCR_NEXT_RELIST:
    default:
        if (o->restart && r->synced)
            snprintf(restart_reason, rrlen, "%s", o->reason);
        else
            lwcr_log(r, LWC_LOG_WARN, "%s", o->reason);
        lwcr_set_rv(r, "");
        return back_off(r, o->retry_after_ms) == LWC_ESTOPPED ? -1 : PHASE_LIST;
    }
}

static int run_loop(lwc_reflector *r);

int lwc_reflector_run(lwc_reflector *r)
{
    int idle = 0;
    if (!atomic_compare_exchange_strong(&r->running, &idle, 1))
        return LWC_EINVAL;
    int rc = run_loop(r);
    atomic_store(&r->running, 0);
    return rc;
}

static int run_loop(lwc_reflector *r)
{
    phase ph = PHASE_LIST;
    char restart_reason[512] = "";
    int rewatch = 0;                   /* the next watch follows a watch, not a list */
    int64_t streaming_since = 0;       /* when the current streaming-list attempt began */
    lwcr_set_rv(r, "");
    while (!lwcr_stopped(r)) {
        if (ph == PHASE_LIST) {
            if (restart_reason[0]) {
                restart(r, restart_reason);
                restart_reason[0] = '\0';
            }
            rewatch = 0;
            if (r->cfg.watch_list && !r->watch_list_off) {
                if (!streaming_since)
                    streaming_since = lwcr_now_ms();
                int64_t deadline = lwcr_bug(r->cfg.bugs, LWC_BUG_WATCHLIST_NO_DEADLINE)
                                       ? 0
                                       : streaming_since + r->cfg.watch_list_deadline_ms;
                lwcr_watch_outcome o;
                lwcr_set_rv(r, "");
                lwcr_watch(r, LWCR_WATCH_STREAMING_LIST, deadline, &o);
                if (o.synced_here) {
                    streaming_since = 0;
                    rewatch = 1;
                    int next = follow(r, &o, restart_reason, sizeof restart_reason);
                    if (next < 0)
                        break;
                    ph = (phase)next;
                    continue;
                }
                if (o.next == LWCR_NEXT_STOP)
                    break;
                if (o.next != LWCR_NEXT_FALLBACK && deadline && lwcr_now_ms() >= deadline) {
                    o.next = LWCR_NEXT_FALLBACK;
                    snprintf(o.reason, sizeof o.reason,
                             "streaming list: no initial-events-end bookmark within %u ms: falling back to list+watch",
                             r->cfg.watch_list_deadline_ms);
                }
                if (o.next == LWCR_NEXT_FALLBACK) {
                    streaming_since = 0;
                    if (follow(r, &o, restart_reason, sizeof restart_reason) < 0)
                        break;
                    continue;
                }
                /* Not synced, not refused: try the streaming list again. */
                lwcr_log(r, LWC_LOG_WARN, "%s", o.reason);
                if (back_off(r, o.retry_after_ms) == LWC_ESTOPPED)
                    break;
                continue;
            }
            int listed = 0;
            if (list_once(r, &listed, restart_reason, sizeof restart_reason) == LWC_ESTOPPED)
                break;
            if (listed)
                ph = PHASE_WATCH;
            continue;
        }
        lwcr_watch_mode mode = LWCR_WATCH_PLAIN;
        if (rewatch && r->cfg.watch_list && !r->watch_list_off &&
            lwcr_bug(r->cfg.bugs, LWC_BUG_RESEND_INITIAL_EVENTS))
            mode = LWCR_WATCH_RESEND;
        if (rewatch && lwcr_bug(r->cfg.bugs, LWC_BUG_REWATCH_FROM_NOW))
            lwcr_set_rv(r, ""); /* the bug: "now" instead of where it left off */
        lwcr_watch_outcome o;
        lwcr_watch(r, mode, 0, &o);
        rewatch = 1;
        int next = follow(r, &o, restart_reason, sizeof restart_reason);
        if (next < 0)
            break;
        ph = (phase)next;
    }
    return LWC_OK;
}

static void *thread_main(void *arg)
{
    lwc_reflector_run(arg);
    return NULL;
}

static int own(lwc_reflector *r, int i, const char **field)
{
    if (!*field)
        return LWC_OK;
    r->own_strings[i] = lwcr_strdup(*field);
    if (!r->own_strings[i])
        return LWC_ENOMEM;
    *field = r->own_strings[i];
    return LWC_OK;
}

int lwc_reflector_new(const lwc_reflector_config *cfg, const lwc_reflector_callbacks *cb, lwc_reflector **out,
                      char *err, size_t errlen)
{
    *out = NULL;
    if (!cfg || !cfg->server || !*cfg->server || !cfg->api_path || !*cfg->api_path || !cfg->resource ||
        !*cfg->resource)
        return lwcr_fail(LWC_EINVAL, err, errlen, "config: server, api_path and resource are required");
    if (strncmp(cfg->server, "http://", 7) != 0 && strncmp(cfg->server, "https://", 8) != 0)
        return lwcr_fail(LWC_EINVAL, err, errlen, "config: server \"%s\" is not an http(s) URL", cfg->server);
    if (cfg->page_size < 0)
        return lwcr_fail(LWC_EINVAL, err, errlen, "config: page_size %ld is negative", cfg->page_size);
    if (cfg->bugs >> LWC_BUG_COUNT)
        return lwcr_fail(LWC_EINVAL, err, errlen, "config: unknown bug bits 0x%x", cfg->bugs);
    lwc_reflector *r = calloc(1, sizeof *r);
    if (!r)
        return lwcr_fail(LWC_ENOMEM, err, errlen, "out of memory");
    r->cfg = *cfg;
    if (cb)
        r->cb = *cb;
    const char **fields[7] = {&r->cfg.server,         &r->cfg.api_path,     &r->cfg.resource,
                              &r->cfg.ns,             &r->cfg.label_selector, &r->cfg.bearer_token,
                              &r->cfg.kubeconfig_namespace};
    int rc = LWC_OK;
    for (int i = 0; i < 7 && rc == LWC_OK; i++)
        rc = own(r, i, fields[i]);
    if (!r->cfg.max_line_bytes)
        r->cfg.max_line_bytes = LWC_DEFAULT_MAX_LINE_BYTES;
    if (!r->cfg.max_body_bytes)
        r->cfg.max_body_bytes = LWC_DEFAULT_MAX_PAGE_BYTES;
    r->rng = cfg->seed ? cfg->seed : lwcr_seed_from_clock();
    lwcr_backoff_init(&r->bo, cfg->backoff_base_ms, cfg->backoff_cap_ms, cfg->retry_after_cap_ms,
                      lwcr_rand_next(&r->rng));
    r->bo.disabled = lwcr_bug(cfg->bugs, LWC_BUG_NO_BACKOFF);
    atomic_init(&r->stop, 0);
    atomic_init(&r->running, 0);
    int mu_ok = rc == LWC_OK && pthread_mutex_init(&r->sleep_mu, NULL) == 0;
    pthread_condattr_t ca;
    int cv_ok = mu_ok && pthread_condattr_init(&ca) == 0;
    if (cv_ok) {
        cv_ok = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 && pthread_cond_init(&r->sleep_cv, &ca) == 0;
        pthread_condattr_destroy(&ca);
    }
    int store_ok = cv_ok && lwcr_store_init(&r->store, &r->cb, cfg->bugs) == LWC_OK;
    if (!store_ok) {
        if (cv_ok)
            pthread_cond_destroy(&r->sleep_cv);
        if (mu_ok)
            pthread_mutex_destroy(&r->sleep_mu);
        for (int i = 0; i < 7; i++)
            free(r->own_strings[i]);
        free(r);
        return lwcr_fail(LWC_ENOMEM, err, errlen, "out of memory or threads");
    }
    /* The kubeconfig-namespace bug (fiaas/k8s#137) lists in the context's
     * namespace while the watch covers every namespace. */
    const char *list_ns = r->cfg.ns;
    if ((!list_ns || !*list_ns) && lwcr_bug(cfg->bugs, LWC_BUG_KUBECONFIG_NAMESPACE))
        list_ns = r->cfg.kubeconfig_namespace && *r->cfg.kubeconfig_namespace ? r->cfg.kubeconfig_namespace
                                                                              : "default";
    lwcr_buf lu = {0}, wu = {0};
    if (lwcr_url_collection(&lu, r->cfg.server, r->cfg.api_path, list_ns, r->cfg.resource) != LWC_OK ||
        lwcr_url_collection(&wu, r->cfg.server, r->cfg.api_path, r->cfg.ns, r->cfg.resource) != LWC_OK) {
        lwcr_buf_free(&lu);
        lwcr_buf_free(&wu);
        lwc_reflector_free(r);
        return lwcr_fail(LWC_ENOMEM, err, errlen, "out of memory");
    }
    r->list_url = lu.data;
    r->watch_url = wu.data;
    lwcr_http_opts ho = {.connect_timeout_ms = cfg->connect_timeout_ms, .bearer_token = r->cfg.bearer_token,
                         .stop = &r->stop};
    rc = lwcr_http_new(&ho, &r->http, err, errlen);
    if (rc != LWC_OK) {
        lwc_reflector_free(r);
        return rc;
    }
    *out = r;
    return LWC_OK;
}

int lwc_reflector_start(lwc_reflector *r, char *err, size_t errlen)
{
    if (r->started)
        return lwcr_fail(LWC_EINVAL, err, errlen, "reflector already started");
    int e = pthread_create(&r->thread, NULL, thread_main, r);
    if (e != 0)
        return lwcr_fail(LWC_EIO, err, errlen, "pthread_create: %s", strerror(e));
    r->started = 1;
    return LWC_OK;
}

void lwc_reflector_stop(lwc_reflector *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->sleep_mu);
    atomic_store(&r->stop, 1);
    pthread_cond_broadcast(&r->sleep_cv);
    pthread_mutex_unlock(&r->sleep_mu);
    lwcr_http_wakeup(r->http);
}

void lwc_reflector_free(lwc_reflector *r)
{
    if (!r)
        return;
    lwc_reflector_stop(r);
    if (r->started)
        pthread_join(r->thread, NULL);
    lwcr_http_free(r->http);
    lwcr_store_destroy(&r->store);
    pthread_cond_destroy(&r->sleep_cv);
    pthread_mutex_destroy(&r->sleep_mu);
    lwcr_buf_free(&r->rv);
    free(r->list_url);
    free(r->watch_url);
    for (int i = 0; i < 7; i++)
        free(r->own_strings[i]);
    free(r);
}

int lwc_reflector_snapshot(lwc_reflector *r, lwc_snapshot *out)
{
    return lwcr_store_snapshot(&r->store, out);
}
