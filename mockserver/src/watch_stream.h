/* WATCH: a chunked stream of one JSON event per line (apiserver
 * handlers/watch.go), fed from the store's history, with bookmarks, timeouts,
 * streaming lists and selector transitions as the watch cache produces them. */
#ifndef LWC_WATCH_STREAM_H
#define LWC_WATCH_STREAM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct watch_stream;

/* The libmicrohttpd content reader and its free callback. */
ssize_t lwcm_watch_stream_read(void *cls, uint64_t pos, char *buf, size_t max);
void lwcm_watch_stream_free(void *cls);
/* Where the stream reports its bytes when it ends. */
void lwcm_watch_stream_set_log_index(struct watch_stream *w, size_t idx);
void lwcm_watch_stream_set_client_fd(struct watch_stream *w, int fd);

#endif
