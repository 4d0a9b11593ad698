/* One HTTP GET at a time over a kept-alive connection (list pages reuse
 * it), driven through libcurl's multi interface so that any thread can cut
 * a transfer short at once (lwcr_http_wakeup), and so that silence is
 * measured here: a response that sends no byte for idle_timeout_ms is
 * abandoned, which is how a dead watch connection (no FIN, no RST: kube-rs
 * #1798, Azure/kars#456) is noticed. */
#ifndef LWCR_HTTP_H
#define LWCR_HTTP_H

#include "util.h"

#include <stdatomic.h>
#include <stdint.h>

typedef struct lwcr_http lwcr_http;

typedef struct lwcr_http_opts {
    unsigned connect_timeout_ms;
    const char *bearer_token; /* NULL: none */
    const atomic_int *stop;   /* set: every transfer ends with LWC_ESTOPPED */
} lwcr_http_opts;

/* Body bytes of a 2xx response. Return 0 to go on; anything else ends the
 * transfer and becomes the request's result. */
typedef int (*lwcr_body_fn)(void *ud, const char *data, size_t len);

typedef struct lwcr_http_req {
    const char *url;
    lwcr_body_fn on_body;
    void *ud;
    int64_t idle_timeout_ms; /* 0: none */
    int64_t deadline_ms;     /* absolute, lwcr_now_ms(); 0: none */
} lwcr_http_req;

typedef struct lwcr_http_res {
    int rc;                 /* LWC_OK, or what ended the transfer early */
    long status;            /* 0 when no response head arrived */
    int idle_timed_out;     /* rc is LWC_ETIMEDOUT because of silence */
    int deadline_passed;    /* rc is LWC_ETIMEDOUT because of deadline_ms */
    int body_rc;            /* non-zero: on_body stopped the transfer with it */
    int64_t retry_after_ms; /* the Retry-After header, -1 when absent */
    lwcr_buf error_body;    /* the body of a non-2xx answer, first 1 MiB */
    uint64_t body_bytes;
    char detail[256];       /* libcurl's account of a transport failure */
} lwcr_http_res;

int lwcr_http_new(const lwcr_http_opts *opts, lwcr_http **out, char *err, size_t errlen);
void lwcr_http_free(lwcr_http *h);
/* Fills *res (free it with lwcr_http_res_free) and returns res->rc. */
int lwcr_http_get(lwcr_http *h, const lwcr_http_req *req, lwcr_http_res *res);
void lwcr_http_res_free(lwcr_http_res *res);
/* Any thread: makes a waiting lwcr_http_get look at the stop flag now. */
void lwcr_http_wakeup(lwcr_http *h);

#endif
