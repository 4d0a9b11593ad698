/* One watch request, read line by line to its end, and the verdict on what
 * the loop does next, following client-go's reflector (tools/cache/
 * reflector.go @1.33, as summarised in k8s-listwatch-semantics.md §7.1):
 *
 *  - a clean end (the server's timeoutSeconds) after events or >= 1 s:
 *    re-watch at once from the last resourceVersion;
 *  - a clean end within 1 s and without events ("very short watch"):
 *    back off, then re-watch from the same resourceVersion. client-go
 *    relists here; we keep the version, which the server still answers
 *    with 410 if it is gone, and the backoff alone stops an early-close
 *    storm from becoming a hot loop (jupyterhub/kubespawner#920);
 *  - ERROR 410 (in the stream) or HTTP 410 (at the start): back off, relist
 *    with resourceVersion unset, never re-watch the dead version (the loops
 *    of kube-rs's HTTP-410 path, headlamp#7451, client-node#1933);
 *  - 429 (ERROR event or status), 503, 504, connection refused, a dropped
 *    connection, a stall: back off (at least Retry-After), re-watch from the
 *    last resourceVersion, which the server still holds or answers with 410;
 *  - any other ERROR event, an event that does not decode, a line over the
 *    cap, an event without resourceVersion (kube-rs NoResourceVersion), any
 *    other status: back off, relist.
 *
 * A streaming list (sendInitialEvents, KEP-3157) collects the initial
 * events aside and replaces the store at the BOOKMARK annotated
 * k8s.io/initial-events-end, then goes on as a plain watch on the same
 * stream. A rejection other than 429/5xx/410 means the server does not
 * serve them: fall back to list+watch (client-go >= 1.29 does on any error,
 * kubernetes PR #120984). */
#include "api.h"
#include "reflector_internal.h"
#include "watch_stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DECIDED 1
#define END_ANNOTATION "k8s.io/initial-events-end"

typedef struct watch_ctx {
    lwc_reflector *r;
    lwcr_watch_mode mode;
    lwcr_watch_outcome *o;
    lwcr_http_req *req;
    lwcr_line_reader lines;
    lwcr_table initial; /* a streaming list's objects until its end bookmark */
    int collecting;
    int raw;
    int decided;
    size_t events;
} watch_ctx;

static void decide(watch_ctx *c, lwcr_next next, int restart, int64_t retry_after_ms, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void decide(watch_ctx *c, lwcr_next next, int restart, int64_t retry_after_ms, const char *fmt, ...)
{
    c->decided = 1;
    c->o->next = next;
    c->o->restart = restart;
    c->o->retry_after_ms = retry_after_ms;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->o->reason, sizeof c->o->reason, fmt, ap);
    va_end(ap);
}

/* The first bytes of a bad line, printable, for the log. */
static void excerpt(const char *line, size_t len, char *out, size_t outlen)
{
    size_t n = len < outlen - 1 ? len : outlen - 1;
    if (n > 60)
        n = 60;
    for (size_t i = 0; i < n; i++)
        out[i] = (line[i] >= 0x20 && line[i] < 0x7f) ? line[i] : '?';
    out[n] = '\0';
}

static int on_error_event(watch_ctx *c, const cJSON *obj)
{
    lwcr_status st;
    lwcr_status_from_json(obj, &st);
    if (st.code == 410 || strcmp(st.reason, "Expired") == 0 || strcmp(st.reason, "Gone") == 0) {
        c->o->expired = 1;
        decide(c, LWCR_NEXT_RELIST, 1, -1, "watch ERROR 410 %s: %s", st.reason, st.message);
    } else if (st.code == 429) {
        decide(c, LWCR_NEXT_WATCH_LATER, 0, st.retry_after_ms, "watch ERROR 429 %s: %s", st.reason, st.message);
    } else if (c->collecting && !st.too_large_rv) {
        decide(c, LWCR_NEXT_FALLBACK, 1, -1, "streaming list failed (ERROR %ld %s: %s): falling back to list+watch",
               st.code, st.reason, st.message);
    } else {
        decide(c, LWCR_NEXT_RELIST, 1, st.retry_after_ms, "watch ERROR %ld %s: %s", st.code, st.reason,
               st.message);
    }
    return DECIDED;
}

static int end_of_initial_events(watch_ctx *c, const char *rv)
{
    lwc_reflector *r = c->r;
    size_t n = c->initial.len;
    if (lwcr_store_replace(&r->store, &c->initial) != LWC_OK || lwcr_set_rv(r, rv) != LWC_OK) {
        decide(c, LWCR_NEXT_RELIST, 1, -1, "out of memory applying a streaming list");
        return DECIDED;
    }
    c->collecting = 0;
    c->req->deadline_ms = 0;
    c->o->synced_here = 1;
    lwcr_log(r, LWC_LOG_INFO, "streaming list: %zu objects at resourceVersion %s", n, rv);
    lwcr_mark_synced(r);
    return 0;
}

static int on_bookmark(watch_ctx *c, const cJSON *obj)
{
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
    const char *rv = lwcr_json_str(meta, "resourceVersion");
    const cJSON *ann = cJSON_GetObjectItemCaseSensitive(meta, "annotations");
    /* kube-rs checks the key's presence, not its value; so do we. */
    int end = cJSON_GetObjectItemCaseSensitive(ann, END_ANNOTATION) != NULL;
    lwcr_log(c->r, LWC_LOG_DEBUG, "bookmark at resourceVersion %s%s", rv ? rv : "(none)",
             end ? " (initial-events-end)" : "");
    if (!rv || !*rv)
        return 0;
    if (c->collecting && end)
        return end_of_initial_events(c, rv);
    if (c->collecting || lwcr_bug(c->r->cfg.bugs, LWC_BUG_IGNORE_BOOKMARKS))
        return 0;
    if (lwcr_set_rv(c->r, rv) != LWC_OK) {
        decide(c, LWCR_NEXT_RELIST, 1, -1, "out of memory");
        return DECIDED;
    }
    return 0;
}

static int on_object_event(watch_ctx *c, lwc_event_type type, const cJSON *obj)
{
    const char *why = "";
    lwcr_obj *o = lwcr_obj_from_json(obj, &why);
    if (!o) {
        decide(c, LWCR_NEXT_RELIST, 1, -1, "watch event: %s", why);
        return DECIDED;
    }
    if (!o->ref.rv[0]) {
        free(o);
        decide(c, LWCR_NEXT_RELIST, 1, -1, "watch event without metadata.resourceVersion");
        return DECIDED;
    }
    if (lwcr_set_rv(c->r, o->ref.rv) != LWC_OK) {
        free(o);
        decide(c, LWCR_NEXT_RELIST, 1, -1, "out of memory");
        return DECIDED;
    }
    if (c->collecting) {
        if (type == LWC_DELETED) {
            free(lwcr_table_take(&c->initial, o->ref.ns, o->ref.name));
            free(o);
        } else if (lwcr_table_put(&c->initial, o, NULL) != LWC_OK) {
            free(o);
            decide(c, LWCR_NEXT_RELIST, 1, -1, "out of memory");
            return DECIDED;
        }
        return 0;
    }
    if (lwcr_store_apply(&c->r->store, type, o, c->raw) != LWC_OK) {
        decide(c, LWCR_NEXT_RELIST, 1, -1, "out of memory");
        return DECIDED;
    }
    return 0;
}

static int on_line(void *ud, char *line, size_t len)
{
    watch_ctx *c = ud;
    size_t i = 0;
    while (i < len && (line[i] == ' ' || line[i] == '\t'))
        i++;
    if (i == len)
        return 0;
    cJSON *ev = cJSON_ParseWithLength(line, len);
    const char *type = lwcr_json_str(ev, "type");
    const cJSON *obj = cJSON_GetObjectItemCaseSensitive(ev, "object");
    int rc;
    if (!cJSON_IsObject(ev) || !type || !cJSON_IsObject(obj)) {
        char ex[64];
        excerpt(line, len, ex, sizeof ex);
        decide(c, LWCR_NEXT_RELIST, 1, -1, "undecodable watch event (%zu bytes): %s", len, ex);
        rc = DECIDED;
    } else if (strcmp(type, "ADDED") == 0) {
        rc = on_object_event(c, LWC_ADDED, obj);
    } else if (strcmp(type, "MODIFIED") == 0) {
        rc = on_object_event(c, LWC_MODIFIED, obj);
    } else if (strcmp(type, "DELETED") == 0) {
        rc = on_object_event(c, LWC_DELETED, obj);
    } else if (strcmp(type, "BOOKMARK") == 0) {
        rc = on_bookmark(c, obj);
    } else if (strcmp(type, "ERROR") == 0) {
        rc = on_error_event(c, obj);
    } else {
        decide(c, LWCR_NEXT_RELIST, 1, -1, "watch event of unknown type %.40s", type);
        rc = DECIDED;
    }
    /* Only what a healthy stream sends counts: a storm of ERROR events must
     * not pass for health and reset the backoff. */
    if (rc == 0)
        c->events++;
    cJSON_Delete(ev);
    return rc;
}

static int on_bytes(void *ud, const char *data, size_t len)
{
    watch_ctx *c = ud;
    int rc = lwcr_lines_feed(&c->lines, data, len, on_line, c);
    lwcr_batch_end(c->r);
    if (rc == LWC_EPROTO && !c->decided) {
        decide(c, LWCR_NEXT_RELIST, 1, -1, "watch event line longer than %zu bytes", c->lines.max_line);
        return DECIDED;
    }
    if (rc == LWC_ENOMEM && !c->decided) {
        decide(c, LWCR_NEXT_RELIST, 1, -1, "out of memory reading the watch stream");
        return DECIDED;
    }
    return rc;
}

static int watch_url(lwc_reflector *r, lwcr_watch_mode mode, unsigned timeout_s, lwcr_buf *url)
{
    const char *base = mode == LWCR_WATCH_STREAMING_LIST ? r->list_url : r->watch_url;
    char t[32];
    snprintf(t, sizeof t, "%u", timeout_s);
    int rc = lwcr_buf_puts(url, base);
    rc |= lwcr_url_param(url, "allowWatchBookmarks", "true");
    if (r->cfg.label_selector && *r->cfg.label_selector)
        rc |= lwcr_url_param(url, "labelSelector", r->cfg.label_selector);
    if (r->rv.len)
        rc |= lwcr_url_param(url, "resourceVersion", r->rv.data);
    if (mode != LWCR_WATCH_PLAIN) {
        rc |= lwcr_url_param(url, "resourceVersionMatch", "NotOlderThan");
        rc |= lwcr_url_param(url, "sendInitialEvents", "true");
    }
    rc |= lwcr_url_param(url, "timeoutSeconds", t);
    rc |= lwcr_url_param(url, "watch", "true");
    return rc == LWC_OK ? LWC_OK : LWC_ENOMEM;
}

static void after_http_error(watch_ctx *c, const lwcr_http_res *hr)
{
    lwcr_failure f;
    memset(&f, 0, sizeof f);
    lwcr_failure_from_http(&f, c->collecting ? "streaming list" : "watch", hr);
    if (hr->status == 410) {
        c->o->expired = 1;
        decide(c, LWCR_NEXT_RELIST, 1, -1, "%s", f.reason);
    } else if (hr->status == 429 || hr->status == 503 || hr->status == 504) {
        decide(c, LWCR_NEXT_WATCH_LATER, 0, f.retry_after_ms, "%s", f.reason);
    } else if (c->collecting && hr->status < 500) {
        decide(c, LWCR_NEXT_FALLBACK, 1, -1, "%s: falling back to list+watch", f.reason);
    } else {
        decide(c, LWCR_NEXT_RELIST, 1, f.retry_after_ms, "%s", f.reason);
    }
}

void lwcr_watch(lwc_reflector *r, lwcr_watch_mode mode, int64_t sync_deadline_ms, lwcr_watch_outcome *o)
{
    memset(o, 0, sizeof *o);
    o->retry_after_ms = -1;
    watch_ctx c = {.r = r, .mode = mode, .o = o, .collecting = mode == LWCR_WATCH_STREAMING_LIST};
    /* Clients without a store hand every event on as it came: python#819's
     * replay and kube-rs#1844's re-sent initial events reach consumers. */
    c.raw = mode == LWCR_WATCH_RESEND || lwcr_bug(r->cfg.bugs, LWC_BUG_RV_FROM_LAST_ITEM);
    lwcr_lines_init(&c.lines, r->cfg.max_line_bytes);
    lwcr_table_init(&c.initial);
    unsigned base = r->cfg.watch_timeout_s ? r->cfg.watch_timeout_s : 1;
    unsigned timeout_s = (unsigned)lwcr_rand_range(&r->rng, base, 2ull * base);
    lwcr_buf url = {0};
    if (watch_url(r, mode, timeout_s, &url) != LWC_OK) {
        decide(&c, LWCR_NEXT_RELIST, 0, -1, "watch: out of memory");
        lwcr_buf_free(&url);
        return;
    }
    lwcr_http_req req = {.url = url.data, .on_body = on_bytes, .ud = &c};
    /* The server ends the stream after timeoutSeconds; silence well past
     * that means the connection is dead (kube-rs 4.x: timeout + 5 s). */
    if (!lwcr_bug(r->cfg.bugs, LWC_BUG_NO_STALL_TIMEOUT)) {
        int64_t margin = r->cfg.stall_margin_ms;
        if (!margin) /* auto: as long as the timeout, at most 30 s */
            margin = timeout_s < 30 ? (int64_t)timeout_s * 1000 : 30000;
        req.idle_timeout_ms = (int64_t)timeout_s * 1000 + margin;
    }
    if (c.collecting)
        req.deadline_ms = sync_deadline_ms;
    c.req = &req;
    lwcr_log(r, LWC_LOG_DEBUG, "GET %s", url.data);
    int64_t started = lwcr_now_ms();
    lwcr_http_res hr;
    lwcr_http_get(r->http, &req, &hr);
    int64_t lasted = lwcr_now_ms() - started;
    if (hr.rc == LWC_ESTOPPED) {
        decide(&c, LWCR_NEXT_STOP, 0, -1, "stopped");
    } else if (c.decided) {
        /* An event settled it. */
    } else if (hr.rc == LWC_OK && hr.status >= 200 && hr.status < 300) {
        size_t pending = lwcr_lines_pending(&c.lines);
        if (pending)
            lwcr_log(r, LWC_LOG_WARN, "watch stream ended inside an event: %zu bytes dropped", pending);
        /* A real server sends the end bookmark right after the initial
         * events, long before timeoutSeconds: a stream that ends without it
         * comes from a server that will never send it (antrea#8123). */
        if (c.collecting && lwcr_bug(r->cfg.bugs, LWC_BUG_WATCHLIST_NO_DEADLINE))
            decide(&c, LWCR_NEXT_RELIST, 0, -1, "streaming list ended before the initial-events-end bookmark");
        else if (c.collecting)
            decide(&c, LWCR_NEXT_FALLBACK, 1, -1,
                   "streaming list ended without the initial-events-end bookmark: falling back to list+watch");
        else if (lasted < 1000 && c.events == 0)
            decide(&c, LWCR_NEXT_WATCH_LATER, 0, -1,
                   "very short watch: the server closed it within a second without an event");
        else
            decide(&c, LWCR_NEXT_WATCH, 0, -1, "watch ended after %lld ms and %zu events", (long long)lasted,
                   c.events);
    } else if (hr.rc == LWC_OK) {
        after_http_error(&c, &hr);
    } else if (hr.rc == LWC_ETIMEDOUT && hr.deadline_passed) {
        decide(&c, LWCR_NEXT_FALLBACK, 1, -1,
               "streaming list: no initial-events-end bookmark within the deadline: falling back to list+watch");
    } else if (hr.rc == LWC_ETIMEDOUT) {
        decide(&c, LWCR_NEXT_WATCH_LATER, 0, -1, "watch stalled: %s", hr.detail);
    } else {
        decide(&c, LWCR_NEXT_WATCH_LATER, 0, -1, "watch connection: %s: %s", lwc_strerror(hr.rc), hr.detail);
    }
    if (c.events > 0)
        lwcr_backoff_reset(&r->bo);
    lwcr_http_res_free(&hr);
    lwcr_lines_free(&c.lines);
    lwcr_table_free(&c.initial);
    lwcr_buf_free(&url);
}
