/* Serves a watch as a chunked stream of events from the store, with bookmarks, timeouts and streaming lists. */
#include "watch_stream.h"

#include "base64url.h"

#include "handlers.h"
#include "list_options.h"
#include "mock_internal.h"
#include "mock_runtime.h"
#include "monotonic.h"
#include "table.h"

#include <errno.h>
#include <microhttpd.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#define EVENT_BATCH 256

struct watch_stream {
    lwc_mock *srv;
    int res;
    const resource_def *def;
    char *ns; /* NULL: all namespaces */
    label_selector labels;
    field_selector fields;
    int allow_bookmarks;        /* periodic bookmarks */
    int client_allows_bookmarks; /* the streaming list's end bookmark */
    int table;
    int table_columns_sent;

    watch_reg reg;
    int registered;

    obj_version **initial; /* synthetic ADDED still to send, in key order */
    size_t ninitial, initial_pos;
    int initial_end_bookmark; /* the k8s.io/initial-events-end bookmark after them */
    uint64_t initial_rv;

    strbuf pending; /* whole event lines not yet released to the client */
    strbuf out;     /* bytes released, handed to libmicrohttpd as it asks */
    size_t out_off;
    int finished;

    /* A scenario's fault on this stream. */
    lwc_action fault;
    int has_fault;
    int fault_done;
    int stalled;
    int drop_when_flushed;
    long long lines_sent;
    long long next_line_ms; /* slow drip: no line before this */
    long long fault_at_ms;  /* a timed fault fires no earlier than this */
    uint64_t start_rv;
    uint64_t max_rv_queued; /* the highest RV an event or bookmark of this stream carried */

    long long deadline_ms;      /* monotonic */
    long long next_bookmark_ms; /* 0: none scheduled */
    uint64_t bytes;
    size_t log_idx;
    int client_fd;
};

/* The watch cache's nextBookmarkTime: every interval, and once about two
 * seconds before the deadline; none when that moment has already passed. */
static void schedule_bookmark(struct watch_stream *w)
{
    w->next_bookmark_ms = 0;
    if (!w->allow_bookmarks)
        return;
    long long now = (long long)lwcc_monotonic_ms();
    long long heartbeat = now + (long long)w->srv->cfg.bookmark_interval_ms;
    long long pretimeout = w->deadline_ms - 2000;
    if (pretimeout < heartbeat)
        heartbeat = pretimeout;
    if (heartbeat < now)
        return;
    w->next_bookmark_ms = heartbeat;
}

static int visible(const struct watch_stream *w, const obj_version *v)
{
    if (w->ns && strcmp(v->ns, w->ns) != 0)
        return 0;
    if (w->labels.n && !lwcm_label_selector_matches(&w->labels, v->labels, v->nlabels))
        return 0;
    if (w->fields.n && !lwcm_field_selector_matches(&w->fields, v->ns, v->name, v->fields, v->nfields))
        return 0;
    return 1;
}

static void write_event(struct watch_stream *w, const char *type, const obj_version *v)
{
    if (v->rv > w->max_rv_queued)
        w->max_rv_queued = v->rv;
    lwcc_strbuf_puts(&w->pending, "{\"type\":\"");
    lwcc_strbuf_puts(&w->pending, type);
    lwcc_strbuf_puts(&w->pending, "\",\"object\":");
    if (w->table) {
        lwcm_table_write_single(&w->pending, w->def, v, !w->table_columns_sent);
        w->table_columns_sent = 1;
    } else {
        lwcc_strbuf_append(&w->pending, v->json, v->json_len);
    }
    lwcc_strbuf_puts(&w->pending, "}\n");
}

/* The list "blueprint" 1.33 puts on the end bookmark: standard base64 of the empty list
 * {"kind":"<Kind>List","apiVersion":"…","metadata":{},"items":null} and a newline. */
static void put_list_blueprint(struct watch_stream *w)
{
    strbuf bp;
    lwcc_strbuf_init(&bp);
    lwcc_strbuf_puts(&bp, "{\"kind\":");
    lwcc_strbuf_put_json_string(&bp, w->def->list_kind);
    lwcc_strbuf_puts(&bp, ",\"apiVersion\":");
    lwcc_strbuf_put_json_string(&bp, w->def->api_version);
    lwcc_strbuf_puts(&bp, ",\"metadata\":{},\"items\":null}\n");
    size_t len = 0;
    char *json = lwcc_strbuf_take(&bp, &len);
    char *b64 = json ? lwcm_base64url_encode((const unsigned char *)json, len) : NULL;
    free(json);
    if (!b64) {
        w->pending.failed = 1;
        return;
    }
    for (char *c = b64; *c; c++)
        *c = *c == '-' ? '+' : *c == '_' ? '/' : *c;
    lwcc_strbuf_puts(&w->pending, ",\"kubernetes.io/initial-events-list-blueprint\":\"");
    lwcc_strbuf_puts(&w->pending, b64);
    for (size_t n = strlen(b64); n % 4; n++)
        lwcc_strbuf_puts(&w->pending, "=");
    lwcc_strbuf_puts(&w->pending, "\"");
    free(b64);
}

static void write_bookmark(struct watch_stream *w, uint64_t rv, int initial_end)
{
    /* The Go zero value of the object with only its RV set: creationTimestamp null (measured,
     * kube-apiserver 1.33). */
    if (rv > w->max_rv_queued)
        w->max_rv_queued = rv;
    lwcc_strbuf_puts(&w->pending, "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":");
    lwcc_strbuf_put_json_string(&w->pending, w->def->kind);
    lwcc_strbuf_puts(&w->pending, ",\"apiVersion\":");
    lwcc_strbuf_put_json_string(&w->pending, w->def->api_version);
    lwcc_strbuf_printf(&w->pending, ",\"metadata\":{\"resourceVersion\":\"%llu\",\"creationTimestamp\":null",
                  (unsigned long long)rv);
    if (initial_end) {
        lwcc_strbuf_puts(&w->pending, ",\"annotations\":{\"k8s.io/initial-events-end\":\"true\"");
        put_list_blueprint(w);
        lwcc_strbuf_puts(&w->pending, "}");
    }
    lwcc_strbuf_puts(&w->pending, "}}}\n");
}

static void write_error(struct watch_stream *w, cJSON *status)
{
    char *s = status ? cJSON_PrintUnformatted(status) : NULL;
    cJSON_Delete(status);
    if (!s) {
        w->pending.failed = 1;
        return;
    }
    lwcc_strbuf_puts(&w->pending, "{\"type\":\"ERROR\",\"object\":");
    lwcc_strbuf_puts(&w->pending, s);
    lwcc_strbuf_puts(&w->pending, "}\n");
    free(s);
}

/* One history event as this watcher sees it: objects crossing its selector
 * arrive as ADDED or DELETED (cacher cache_watcher.go convertToWatchEvent). */
static void deliver(struct watch_stream *w, const history_event *ev)
{
    switch (ev->type) {
    case EV_ADDED:
        if (visible(w, ev->obj))
            write_event(w, "ADDED", ev->obj);
        break;
    case EV_DELETED:
        if (visible(w, ev->prev))
            write_event(w, "DELETED", ev->obj);
        break;
    case EV_MODIFIED: {
        int was = visible(w, ev->prev), is = visible(w, ev->obj);
        if (was && is) {
            write_event(w, "MODIFIED", ev->obj);
        } else if (is) {
            write_event(w, "ADDED", ev->obj);
        } else if (was) {
            /* The previous content, at the revision that moved it out. */
            obj_version *gone = lwcm_obj_version_with_rv(w->def, ev->prev, ev->rv);
            if (!gone) {
                w->pending.failed = 1;
                return;
            }
            write_event(w, "DELETED", gone);
            lwcm_obj_version_unref(gone);
        }
        break;
    }
    }
}

static void fill(struct watch_stream *w)
{
    if (w->initial_pos < w->ninitial) {
        size_t end = w->initial_pos + EVENT_BATCH;
        if (end > w->ninitial)
            end = w->ninitial;
        for (; w->initial_pos < end; w->initial_pos++) {
            write_event(w, "ADDED", w->initial[w->initial_pos]);
            lwcm_obj_version_unref(w->initial[w->initial_pos]);
            w->initial[w->initial_pos] = NULL;
        }
        return;
    }
    if (w->initial_end_bookmark) {
        w->initial_end_bookmark = 0;
        if (w->client_allows_bookmarks)
            write_bookmark(w, w->initial_rv, 1);
        return;
    }
    history_event evs[EVENT_BATCH];
    size_t n;
    /* A full batch this watcher cannot see must not leave the rest waiting
     * for an unrelated wake-up: read on until something is written or the
     * history is drained. */
    do {
        uint64_t next = 0;
        uint64_t cursor = atomic_load(&w->reg.cursor);
        n = lwcm_store_read_events(w->srv->st, cursor, w->res, evs, EVENT_BATCH, &next);
        for (size_t i = 0; i < n; i++) {
            deliver(w, &evs[i]);
            lwcm_history_event_release(&evs[i]);
        }
        if (next > cursor)
            atomic_store(&w->reg.cursor, next);
    } while (n == EVENT_BATCH && w->pending.len == 0 && !w->pending.failed);
}

/* Length of the first line in pending, "\n" included; 0 when none is whole. */
static size_t first_line(const struct watch_stream *w)
{
    if (w->pending.len == 0)
        return 0;
    const char *nl = memchr(w->pending.data, '\n', w->pending.len);
    return nl ? (size_t)(nl - w->pending.data) + 1 : 0;
}

static void consume_pending(struct watch_stream *w, size_t n)
{
    memmove(w->pending.data, w->pending.data + n, w->pending.len - n);
    w->pending.len -= n;
}

static void release_line(struct watch_stream *w)
{
    size_t n = first_line(w);
    lwcc_strbuf_append(&w->out, w->pending.data, n);
    consume_pending(w, n);
    w->lines_sent++;
}

static void flush_pending(struct watch_stream *w)
{
    lwcc_strbuf_append(&w->out, w->pending.data, w->pending.len);
    w->pending.len = 0;
}

/* Moves event lines from pending to out, applying the stream's fault when
 * its turn comes (after `afterEvents` lines). */
static void release(struct watch_stream *w)
{
    if (!w->has_fault || w->fault_done) {
        flush_pending(w);
        return;
    }
    const lwc_action *a = &w->fault;
    if (a->kind == LWC_ACT_SLOW) {
        long long now = (long long)lwcc_monotonic_ms();
        if (first_line(w) && now >= w->next_line_ms) {
            release_line(w);
            w->next_line_ms = now + a->delay_ms;
        }
        return;
    }
    while (w->lines_sent < a->after_events && first_line(w))
        release_line(w);
    if (w->lines_sent < a->after_events)
        return;
    if (a->delay_ms && (long long)lwcc_monotonic_ms() < w->fault_at_ms) {
        /* Not yet: everything so far goes out, the fault waits for its time. */
        while (first_line(w))
            release_line(w);
        return;
    }
    size_t next = first_line(w); /* the event the fault lands on, if one is here */
    if (a->kind == LWC_ACT_TRUNCATE && !next)
        return; /* wait for an event to truncate */
    w->fault_done = 1;
    switch (a->kind) {
    case LWC_ACT_ERROR_EVENT: {
        /* The RV the watch asked for (or its initial snapshot's), as the cacher's message names it. */
        uint64_t asked = w->start_rv > w->initial_rv ? w->start_rv : w->initial_rv;
        if (a->status == 410 && !a->untrue) {
            /* Never a lie: every RV this stream handed out, and the one it was
             * asked for, falls below the new compaction point. */
            uint64_t held = w->max_rv_queued > asked ? w->max_rv_queued : asked;
            lwcm_store_expire(w->srv->st, held);
        } else if (a->compact) {
            lwcm_store_compact(w->srv->st, 0);
        }
        w->pending.len = 0;
        write_error(w, lwcm_fault_error_status(a, (unsigned long long)asked,
                                          (unsigned long long)lwcm_store_compacted_rv(w->srv->st)));
        flush_pending(w);
        w->finished = 1;
        break;
    }
    case LWC_ACT_CLOSE:
        w->pending.len = 0;
        w->finished = 1;
        break;
    case LWC_ACT_DROP:
        /* Cut inside the next event when there is one, else between events. */
        if (next > 2)
            lwcc_strbuf_append(&w->out, w->pending.data, next / 2);
        w->pending.len = 0;
        w->drop_when_flushed = 1;
        break;
    case LWC_ACT_STALL:
        w->pending.len = 0;
        w->stalled = 1;
        atomic_store(&w->reg.not_reading, 1); /* it will never read history again */
        break;
    case LWC_ACT_TRUNCATE:
        lwcc_strbuf_append(&w->out, w->pending.data, next / 2);
        lwcc_strbuf_putc(&w->out, '\n');
        consume_pending(w, next);
        flush_pending(w);
        break;
    case LWC_ACT_GARBAGE:
        lwcc_strbuf_puts(&w->out, "this is not JSON: <html><body>502 Bad Gateway</body></html>\n");
        flush_pending(w);
        break;
    default:
        break;
    }
}

ssize_t lwcm_watch_stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    struct watch_stream *w = cls;
    for (;;) {
        if (w->out.failed || w->pending.failed)
            return MHD_CONTENT_READER_END_WITH_ERROR;
        if (!w->stalled && w->pending.len && w->out_off >= w->out.len)
            release(w);
        if (w->out_off < w->out.len) {
            size_t n = w->out.len - w->out_off;
            if (n > max)
                n = max;
            memcpy(buf, w->out.data + w->out_off, n);
            w->out_off += n;
            if (w->out_off == w->out.len)
                w->out.len = w->out_off = 0;
            w->bytes += n;
            return (ssize_t)n;
        }
        if (w->drop_when_flushed)
            return MHD_CONTENT_READER_END_WITH_ERROR; /* no final chunk: an abrupt drop */
        if (w->finished)
            return MHD_CONTENT_READER_END_OF_STREAM;
        if (atomic_load(&w->srv->shutting_down) || atomic_load(&w->reg.close_requested)) {
            w->finished = 1;
            continue;
        }
        if (!w->stalled && atomic_load(&w->reg.cut_off)) {
            /* History it still needed is gone: end the stream, as the cache drops a watcher that fell behind. */
            w->pending.len = 0;
            w->finished = 1;
            continue;
        }
        if (!w->stalled) {
            if (w->pending.len == 0)
                fill(w);
            release(w);
            if (w->out.len == 0 && w->has_fault && !w->fault_done && w->fault_at_ms &&
                (long long)lwcc_monotonic_ms() >= w->fault_at_ms && w->lines_sent >= w->fault.after_events && w->fault.kind != LWC_ACT_SLOW)
                release(w); /* a timed fault whose time has come, with nothing pending */
            if (w->out.len || w->finished || w->drop_when_flushed)
                continue;
        }
        long long now = (long long)lwcc_monotonic_ms();
        if (!w->stalled && now >= w->deadline_ms) {
            /* A server timeout ends the body cleanly, with no ERROR event. */
            w->finished = 1;
            continue;
        }
        if (!w->stalled && w->next_bookmark_ms && now >= w->next_bookmark_ms && w->pending.len == 0) {
            /* The watch cache sends a bookmark only past the newest RV the watcher holds
             * (cache_watcher.go: event.ResourceVersion > resourceVersion); measured on 1.33. */
            uint64_t brv = atomic_load(&w->reg.cursor);
            uint64_t held = w->max_rv_queued > w->start_rv ? w->max_rv_queued : w->start_rv;
            if (w->initial_rv > held)
                held = w->initial_rv;
            if (brv > held)
                write_bookmark(w, brv, 0);
            schedule_bookmark(w);
            continue;
        }
        long long wake = w->stalled ? now + 60000 : w->deadline_ms;
        /* A bookmark waits for pending lines (a slow drip), so it must not shorten the wait then. */
        if (!w->stalled && w->next_bookmark_ms && w->next_bookmark_ms < wake && w->pending.len == 0)
            wake = w->next_bookmark_ms;
        if (w->pending.len && w->next_line_ms > now && w->next_line_ms < wake)
            wake = w->next_line_ms;
        if (w->has_fault && !w->fault_done && w->fault.kind != LWC_ACT_SLOW && w->fault_at_ms > now &&
            w->fault_at_ms < wake)
            wake = w->fault_at_ms;
        struct pollfd pfd[2];
        int nfds = 1;
        pfd[0].fd = w->reg.wake_fd;
        pfd[0].events = POLLIN;
        pfd[0].revents = 0;
        if (w->client_fd >= 0) {
            pfd[1].fd = w->client_fd;
            pfd[1].events = POLLRDHUP;
            pfd[1].revents = 0;
            nfds = 2;
        }
        long long wait = wake - now;
        if (wait > 60000)
            wait = 60000;
        if (wait < 0)
            wait = 0;
        int rc = poll(pfd, (nfds_t)nfds, (int)wait);
        if (rc < 0 && errno != EINTR)
            return MHD_CONTENT_READER_END_WITH_ERROR;
        if (nfds == 2 && (pfd[1].revents & (POLLRDHUP | POLLHUP | POLLERR)))
            return MHD_CONTENT_READER_END_WITH_ERROR; /* the client went away */
        if (pfd[0].revents & POLLIN) {
            uint64_t count;
            ssize_t rd = read(w->reg.wake_fd, &count, sizeof count);
            (void)rd;
        }
    }
}

void lwcm_watch_stream_free(void *cls)
{
    struct watch_stream *w = cls;
    if (!w)
        return;
    if (w->registered)
        lwcm_store_watch_unregister(w->srv->st, &w->reg);
    lwcm_request_log_finish(&w->srv->log, w->log_idx, w->bytes);
    for (size_t i = w->initial_pos; i < w->ninitial; i++)
        lwcm_obj_version_unref(w->initial[i]);
    free(w->initial);
    if (w->reg.wake_fd >= 0)
        close(w->reg.wake_fd);
    lwcm_label_selector_free(&w->labels);
    lwcm_field_selector_free(&w->fields);
    lwcm_fault_action_clear(&w->fault);
    lwcc_strbuf_free(&w->pending);
    lwcc_strbuf_free(&w->out);
    free(w->ns);
    free(w);
}

void lwcm_watch_stream_set_log_index(struct watch_stream *w, size_t idx)
{
    w->log_idx = idx;
}

void lwcm_watch_stream_set_client_fd(struct watch_stream *w, int fd)
{
    w->client_fd = fd;
}

static cJSON *too_old_status(uint64_t rv, uint64_t oldest)
{
    char msg[128];
    snprintf(msg, sizeof msg, "too old resource version: %llu (%llu)", (unsigned long long)rv,
             (unsigned long long)oldest);
    return lwcm_status_object(410, "Expired", msg, NULL, NULL);
}

void lwcm_handle_watch(lwc_mock *srv, const request *req, int res, const char *ns, reply *r)
{
    list_options o;
    if (lwcm_list_options_parse(req, 1, srv->cfg.watch_list, &o, r) != 0)
        return;
    if (lwcm_list_options_check_fields(&o, lwcm_store_resource(srv->st, res), r) != 0) {
        lwcm_list_options_free(&o);
        return;
    }
    struct watch_stream *w = calloc(1, sizeof *w);
    if (!w) {
        lwcm_list_options_free(&o);
        lwcm_reply_internal(r, "out of memory");
        return;
    }
    w->srv = srv;
    w->res = res;
    w->def = lwcm_store_resource(srv->st, res);
    w->labels = o.labels;
    w->fields = o.fields;
    memset(&o.labels, 0, sizeof o.labels);
    memset(&o.fields, 0, sizeof o.fields);
    w->allow_bookmarks = o.allow_bookmarks && !srv->cfg.bookmarks_never;
    w->client_allows_bookmarks = o.allow_bookmarks;
    w->table = lwcm_wants_table(req);
    w->log_idx = (size_t)-1;
    w->client_fd = -1;
    lwcc_strbuf_init(&w->out);
    lwcc_strbuf_init(&w->pending);
    if (req->watch_fault) {
        w->fault = *req->watch_fault;
        w->fault.message = NULL;
        if (req->watch_fault->message) {
            size_t n = strlen(req->watch_fault->message) + 1;
            w->fault.message = malloc(n);
            if (w->fault.message)
                memcpy(w->fault.message, req->watch_fault->message, n);
        }
        w->has_fault = 1;
    }
    atomic_init(&w->reg.cursor, 0);
    atomic_init(&w->reg.close_requested, 0);
    w->reg.wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (ns) {
        size_t n = strlen(ns) + 1;
        w->ns = malloc(n);
        if (w->ns)
            memcpy(w->ns, ns, n);
    }
    if (w->reg.wake_fd < 0 || (ns && !w->ns)) {
        const char *why = w->reg.wake_fd < 0 ? "eventfd failed (out of file descriptors?)" : "out of memory";
        lwcm_watch_stream_free(w);
        lwcm_list_options_free(&o);
        lwcm_reply_internal(r, why);
        return;
    }
    long long timeout_s = o.timeout_seconds;
    if (timeout_s > 1000000000LL)
        timeout_s = 1000000000LL; /* ~31 years: as good as none, and no overflow below */
    if (timeout_s <= 0) {
        /* --min-request-timeout 1800 s times (1 + rand): 30 to 60 minutes (apiserver get.go). */
        timeout_s = 1800 + (long long)(lwcm_random(srv) % 1800);
    }
    w->deadline_ms = (long long)lwcc_monotonic_ms() + timeout_s * 1000;
    if (w->has_fault && w->fault.kind != LWC_ACT_SLOW)
        w->fault_at_ms = (long long)lwcc_monotonic_ms() + w->fault.delay_ms;

    uint64_t served_rv = 0;
    int has_rv = o.rv && *o.rv;
    int streaming = o.send_initial_events_set && o.send_initial_events;
    int legacy_initial = !o.send_initial_events_set && (!has_rv || o.rv_num == 0);
    if (streaming || legacy_initial) {
        if (streaming && has_rv && o.rv_num > 0 && lwcm_store_current_rv(srv->st) < o.rv_num &&
            !lwcm_store_wait_rv(srv->st, o.rv_num, (int)srv->cfg.too_large_wait_ms)) {
            /* For streaming lists the too-large error comes in-stream. */
            write_error(w, lwcm_status_too_large_rv(o.rv_num, lwcm_store_current_rv(srv->st)));
            w->finished = 1;
        } else {
            list_query q;
            memset(&q, 0, sizeof q);
            q.res = res;
            q.ns = ns;
            q.at_current = 1;
            q.labels = w->labels.n ? &w->labels : NULL;
            q.fields = w->fields.n ? &w->fields : NULL;
            list_page page;
            int rc = lwcm_store_list(srv->st, &q, &page, &w->reg);
            if (rc != STORE_OK) {
                lwcm_watch_stream_free(w);
                lwcm_list_options_free(&o);
                lwcm_reply_internal(r, "initial list failed");
                return;
            }
            w->registered = 1;
            w->initial = page.items;
            w->ninitial = page.n;
            w->initial_rv = page.rv;
            served_rv = page.rv; /* the initial events' snapshot */
            /* With the WatchList gate on, a legacy RV ""/"0" watch is defaulted to a streaming
             * list, so bookmark-asking clients also get the end marker (SetListOptionsDefaults). */
            w->initial_end_bookmark = (streaming || srv->cfg.watch_list) && !srv->cfg.watch_list_no_end_bookmark;
        }
    } else {
        /* RV "0" without initial events starts at the latest state, as the cacher does. */
        uint64_t start = has_rv && o.rv_num > 0 ? o.rv_num : lwcm_store_current_rv(srv->st);
        int rc = lwcm_store_watch_register(srv->st, &w->reg, start);
        if (rc == STORE_EXPIRED && srv->cfg.watch_expired_http) {
            /* An old server or a proxy: the same Status, as the HTTP answer. */
            char m[128];
            snprintf(m, sizeof m, "too old resource version: %llu (%llu)", (unsigned long long)start,
                     (unsigned long long)lwcm_store_compacted_rv(srv->st));
            lwcm_watch_stream_free(w);
            lwcm_list_options_free(&o);
            lwcm_reply_status(r, 410, "Expired", m, NULL, NULL);
            return;
        }
        if (rc == STORE_EXPIRED) {
            /* The real server answers 200 and one ERROR event (cacher.go newErrWatcher). */
            write_error(w, too_old_status(start, lwcm_store_compacted_rv(srv->st)));
            w->finished = 1;
        } else if (rc != STORE_OK) {
            lwcm_watch_stream_free(w);
            lwcm_list_options_free(&o);
            lwcm_reply_internal(r, "watch registration failed");
            return;
        } else {
            w->registered = 1;
            served_rv = start; /* the events that follow it */
        }
    }
    w->start_rv = has_rv ? o.rv_num : lwcm_store_current_rv(srv->st);
    /* For the log: the state this watch hands the client, so a reader knows
     * it without guessing from arrival times. A watch whose only event is
     * an ERROR served none and stays 0. */
    if (served_rv)
        lwcm_request_log_served_rv(&srv->log, req->log_idx, served_rv);
    schedule_bookmark(w);
    lwcm_list_options_free(&o);
    r->status = 200;
    r->content_type = "application/json";
    r->watch = w;
}
