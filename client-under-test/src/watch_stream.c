/* Splits a watch body into lines, bounded by the largest line the watcher accepts. */
#include "watch_stream.h"

#include "lwc_reflector.h"

#include <string.h>

void lwcr_lines_init(lwcr_line_reader *r, size_t max_line)
{
    memset(r, 0, sizeof *r);
    r->max_line = max_line ? max_line : LWC_DEFAULT_MAX_LINE_BYTES;
}

static int deliver(lwcr_line_reader *r, lwcr_line_fn fn, void *ud)
{
    for (;;) {
        char *base = r->buf.data + r->start;
        size_t avail = r->buf.len - r->start;
        char *nl = avail > r->scanned ? memchr(base + r->scanned, '\n', avail - r->scanned) : NULL;
        if (!nl) {
            r->scanned = avail;
            if (avail > r->max_line)
                return LWC_EPROTO;
            return 0;
        }
        size_t len = (size_t)(nl - base);
        if (len > r->max_line)
            return LWC_EPROTO;
        *nl = '\0';
        if (len && base[len - 1] == '\r')
            base[--len] = '\0';
        r->start += (size_t)(nl - base) + 1;
        r->scanned = 0;
        r->lines++;
        int rc = fn(ud, base, len);
        if (rc != 0)
            return rc;
    }
}

int lwcr_lines_feed(lwcr_line_reader *r, const char *data, size_t n, lwcr_line_fn fn, void *ud)
{
    /* Reclaim delivered lines before growing, so that the buffer holds at
     * most one unfinished line plus one piece of input. */
    if (r->start) {
        size_t rest = r->buf.len - r->start;
        memmove(r->buf.data, r->buf.data + r->start, rest);
        r->buf.len = rest;
        r->buf.data[rest] = '\0';
        r->start = 0;
    }
    if (lwcr_buf_append(&r->buf, data, n) != LWC_OK)
        return LWC_ENOMEM;
    return deliver(r, fn, ud);
}

size_t lwcr_lines_pending(const lwcr_line_reader *r)
{
    return r->buf.len - r->start;
}

void lwcr_lines_reset(lwcr_line_reader *r)
{
    lwcr_buf_reset(&r->buf);
    r->start = r->scanned = 0;
    r->lines = 0;
}

void lwcr_lines_free(lwcr_line_reader *r)
{
    lwcr_buf_free(&r->buf);
    r->start = r->scanned = 0;
}
