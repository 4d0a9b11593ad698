/* The line reader of a watch stream. The apiserver writes each event as one
 * compact JSON object followed by "\n" (json.Encoder.Encode in apimachinery's
 * JSON serializer), and kube-rs, the Python and JavaScript clients read it
 * line by line; so do we. Chunk boundaries mean nothing: a line may arrive
 * in many pieces, and one piece may hold many lines.
 *
 * A line longer than max_line bytes is an error, not a reason to buffer
 * without bound: the default cap is 16 MiB, well above the apiserver's own
 * limits (1.5 MiB per etcd value, 3 MiB per request body), so a longer line
 * can only come from a broken or hostile server. */
#ifndef LWCR_WATCH_STREAM_H
#define LWCR_WATCH_STREAM_H

#include "util.h"

#include <stddef.h>

/* line is NUL-terminated, without its "\n" (or "\r\n"). Return 0 to go on;
 * anything else stops lwcr_lines_feed, which returns it. */
typedef int (*lwcr_line_fn)(void *ud, char *line, size_t len);

typedef struct lwcr_line_reader {
    lwcr_buf buf;
    size_t start;    /* where the unfinished line begins */
    size_t scanned;  /* bytes from start already known to hold no "\n" */
    size_t max_line;
    size_t lines;    /* delivered so far */
} lwcr_line_reader;

void lwcr_lines_init(lwcr_line_reader *r, size_t max_line);
/* Returns 0, LWC_EPROTO for a line over max_line (the reader is then
 * unusable: the stream has lost its framing), LWC_ENOMEM, or what fn
 * returned. */
int lwcr_lines_feed(lwcr_line_reader *r, const char *data, size_t n, lwcr_line_fn fn, void *ud);
/* Bytes of a line still waiting for its "\n": at the end of a stream,
 * a truncated event that must be dropped, not parsed. */
size_t lwcr_lines_pending(const lwcr_line_reader *r);
void lwcr_lines_reset(lwcr_line_reader *r);
void lwcr_lines_free(lwcr_line_reader *r);

#endif
