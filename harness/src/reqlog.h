/* The harness's copy of the mock server's request log: what the client
 * asked, for triggers, request expectations and reports, plus a thread that
 * turns any change to the log (a request arriving, answered, ended -- a
 * watch's stream ending included) into a byte on the runner's wake pipe,
 * so the runner's poll() wakes on server-side events instead of polling. */
#ifndef LWC_HARNESS_REQLOG_H
#define LWC_HARNESS_REQLOG_H

#include "lwc_mockserver.h"
#include "strbuf.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

typedef struct reqlog {
    lwc_mock *srv;
    lwc_mock_request *v; /* entries 0..n-1, copied */
    size_t n, cap;
    size_t *pending;     /* indices whose entry can still change (unanswered, or a watch not done) */
    size_t npending, cappending;
    /* the watcher thread */
    pthread_t thread;
    int thread_started;
    atomic_int stop;
    int wake_fd;         /* write end of the runner's wake pipe */
} reqlog;

/* Starts watching srv; wake_fd gets a byte whenever the log changes. */
int lwch_reqlog_start(reqlog *rl, lwc_mock *srv, int wake_fd, char *err, size_t errlen);
/* Copies new entries and re-reads the pending ones. Returns how many entries
 * are new or changed, or -1 when out of memory. */
long lwch_reqlog_refresh(reqlog *rl);
/* Stops the thread (before the server is stopped: the thread waits on the
 * server's log). Makes no request. */
void lwch_reqlog_stop(reqlog *rl);
void lwch_reqlog_free(reqlog *rl);

/* One entry as one report line. */
void lwch_reqlog_format_one(const lwc_mock_request *r, const char *indent, strbuf *out);
/* "GET /api/v1/pods?limit=3 -> 200" with its time, as report lines. Entries
 * from index `from` to `to` (exclusive); at most max lines (head and tail). */
void lwch_reqlog_format(const reqlog *rl, size_t from, size_t to, size_t max, const char *indent, strbuf *out);
/* The entries around server time t_ms: up to `before` earlier ones and
 * `after` later ones. */
void lwch_reqlog_format_around(const reqlog *rl, double t_ms, size_t before, size_t after, const char *indent,
                          strbuf *out);

#endif
