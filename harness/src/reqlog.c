/* The harness's copy of the server's request log, and the thread that wakes the runner on every change. */
#include "reqlog.h"
#include "lwc_fail.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void poke(int fd)
{
    /* Non-blocking: a full pipe already means "wake up". */
    ssize_t n;
    do {
        n = write(fd, "r", 1);
    } while (n < 0 && errno == EINTR);
}

static void *watcher(void *arg)
{
    reqlog *rl = arg;
    uint64_t gen = 0;
    while (!atomic_load(&rl->stop)) {
        /* Blocks until the log changes in any way -- a request arrives, is
         * answered, noted or ends (a watch's stream included) -- or
         * lwch_reqlog_stop wakes it. The comparison with the generation last
         * seen is made under the log's lock, so a change (or the stop's
         * wake) that lands while this thread is busy poking is not lost,
         * and no timeout is needed. */
        if (lwc_mock_log_wait_change(rl->srv, &gen, -1) == LWC_MOCK_OK && !atomic_load(&rl->stop))
            poke(rl->wake_fd);
    }
    return NULL;
}

int lwch_reqlog_start(reqlog *rl, lwc_mock *srv, int wake_fd, char *err, size_t errlen)
{
    memset(rl, 0, sizeof *rl);
    rl->srv = srv;
    rl->wake_fd = wake_fd;
    atomic_init(&rl->stop, 0);
    int rc = pthread_create(&rl->thread, NULL, watcher, rl);
    if (rc != 0)
        return lwc_fail(err, errlen, -1, "pthread_create: %s", strerror(rc));
    rl->thread_started = 1;
    return 0;
}

void lwch_reqlog_stop(reqlog *rl)
{
    if (!rl->thread_started)
        return;
    atomic_store(&rl->stop, 1);
    /* Bumps the log's generation with no request: the watcher returns,
     * sees stop, and the client's log holds nothing the harness made up. */
    lwc_mock_wake_log_waiters(rl->srv);
    pthread_join(rl->thread, NULL);
    rl->thread_started = 0;
}

void lwch_reqlog_free(reqlog *rl)
{
    lwch_reqlog_stop(rl);
    for (size_t i = 0; i < rl->n; i++)
        lwc_mock_request_free(&rl->v[i]);
    free(rl->v);
    free(rl->pending);
    memset(rl, 0, sizeof *rl);
}

static int is_final(const lwc_mock_request *r)
{
    return r->status != 0 && (!r->is_watch || r->done);
}

long lwch_reqlog_refresh(reqlog *rl)
{
    long changed = 0;
    /* Re-read the entries that were still open; keep those that still are. */
    size_t keep = 0;
    for (size_t k = 0; k < rl->npending; k++) {
        size_t i = rl->pending[k];
        lwc_mock_request fresh;
        if (lwc_mock_log_get(rl->srv, i, &fresh) != LWC_MOCK_OK)
            return -1;
        if (fresh.status != rl->v[i].status || fresh.done != rl->v[i].done || fresh.page != rl->v[i].page)
            changed++;
        lwc_mock_request_free(&rl->v[i]);
        rl->v[i] = fresh;
        if (!is_final(&fresh))
            rl->pending[keep++] = i;
    }
    rl->npending = keep;
    size_t count = lwc_mock_log_count(rl->srv);
    while (rl->n < count) {
        if (rl->n == rl->cap) {
            size_t ncap = rl->cap ? rl->cap * 2 : 64;
            lwc_mock_request *nv = realloc(rl->v, ncap * sizeof *nv);
            if (!nv)
                return -1;
            rl->v = nv;
            rl->cap = ncap;
        }
        if (rl->npending == rl->cappending) {
            size_t ncap = rl->cappending ? rl->cappending * 2 : 64;
            size_t *np = realloc(rl->pending, ncap * sizeof *np);
            if (!np)
                return -1;
            rl->pending = np;
            rl->cappending = ncap;
        }
        if (lwc_mock_log_get(rl->srv, rl->n, &rl->v[rl->n]) != LWC_MOCK_OK)
            return -1;
        if (!is_final(&rl->v[rl->n]))
            rl->pending[rl->npending++] = rl->n;
        rl->n++;
        changed++;
    }
    return changed;
}

void lwch_reqlog_format_one(const lwc_mock_request *r, const char *indent, strbuf *out)
{
    lwcc_strbuf_printf(out, "%s%9.1f ms  %s %s%s%s -> ", indent, r->start_ms, r->method, r->path, r->query[0] ? "?" : "",
                       r->query);
    if (r->status)
        lwcc_strbuf_printf(out, "%d", r->status);
    else
        lwcc_strbuf_puts(out, "(no answer yet)");
    if (r->is_watch)
        lwcc_strbuf_printf(out, " watch%s %.0f ms", r->done ? " ended after" : " open", r->done ? r->duration_ms : 0.0);
    if (r->page > 1)
        lwcc_strbuf_printf(out, " page %d", r->page);
    if (r->fault)
        lwcc_strbuf_puts(out, " [fault]");
    lwcc_strbuf_puts(out, "\n");
}

void lwch_reqlog_format(const reqlog *rl, size_t from, size_t to, size_t max, const char *indent, strbuf *out)
{
    if (to > rl->n)
        to = rl->n;
    if (from >= to) {
        lwcc_strbuf_printf(out, "%s(no requests)\n", indent);
        return;
    }
    size_t n = to - from;
    if (n <= max) {
        for (size_t i = from; i < to; i++)
            lwch_reqlog_format_one(&rl->v[i], indent, out);
        return;
    }
    size_t head = max / 3, tail = max - head;
    for (size_t i = from; i < from + head; i++)
        lwch_reqlog_format_one(&rl->v[i], indent, out);
    lwcc_strbuf_printf(out, "%s... %zu requests not shown ...\n", indent, n - head - tail);
    for (size_t i = to - tail; i < to; i++)
        lwch_reqlog_format_one(&rl->v[i], indent, out);
}

void lwch_reqlog_format_around(const reqlog *rl, double t_ms, size_t before, size_t after, const char *indent,
                          strbuf *out)
{
    size_t split = 0;
    while (split < rl->n && rl->v[split].start_ms <= t_ms)
        split++;
    size_t from = split > before ? split - before : 0;
    size_t to = split + after < rl->n ? split + after : rl->n;
    if (from > 0)
        lwcc_strbuf_printf(out, "%s(%zu earlier requests not shown)\n", indent, from);
    lwch_reqlog_format(rl, from, to, before + after, indent, out);
    if (to < rl->n)
        lwcc_strbuf_printf(out, "%s(%zu later requests not shown)\n", indent, rl->n - to);
}
