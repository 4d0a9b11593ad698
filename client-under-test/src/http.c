/* The watcher's HTTP: libcurl requests and streaming bodies, with a wake-up to stop them. */
#include "http.h"

#include "backoff.h"
#include "lwc_reflector.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define MAX_ERROR_BODY ((size_t)1 << 20)
#define POLL_SLICE_MS 1000

struct lwcr_http {
    CURLM *multi;
    CURL *easy;
    struct curl_slist *headers;
    const atomic_int *stop;
    char curl_err[CURL_ERROR_SIZE];
};

typedef struct transfer {
    lwcr_http *h;
    const lwcr_http_req *req;
    lwcr_http_res *res;
    int64_t last_byte_ms;
    int status_known;
    int ok_status;
} transfer;

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_FAILED_INIT;

static void global_init(void)
{
    global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

void lwc_global_cleanup(void)
{
    if (global_rc == CURLE_OK)
        curl_global_cleanup();
}

static size_t on_header(char *data, size_t size, size_t n, void *ud)
{
    transfer *t = ud;
    size_t len = size * n;
    t->last_byte_ms = lwcr_now_ms();
    /* Each response head (a 100 Continue, a redirect) starts afresh. */
    if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
        t->res->retry_after_ms = -1;
        return len;
    }
    static const char name[] = "retry-after:";
    if (len > sizeof name - 1 && strncasecmp(data, name, sizeof name - 1) == 0) {
        char value[128];
        size_t vlen = len - (sizeof name - 1);
        if (vlen >= sizeof value)
            vlen = sizeof value - 1;
        memcpy(value, data + sizeof name - 1, vlen);
        value[vlen] = '\0';
        t->res->retry_after_ms = lwcr_retry_after_parse(value, time(NULL));
    }
    return len;
}

static size_t on_write(char *data, size_t size, size_t n, void *ud)
{
    transfer *t = ud;
    size_t len = size * n;
    t->last_byte_ms = lwcr_now_ms();
    if (!t->status_known) {
        long code = 0;
        if (curl_easy_getinfo(t->h->easy, CURLINFO_RESPONSE_CODE, &code) != CURLE_OK) {
            t->res->body_rc = LWC_EIO;
            return 0;
        }
        t->res->status = code;
        t->ok_status = code >= 200 && code < 300;
        t->status_known = 1;
    }
    t->res->body_bytes += len;
    if (!t->ok_status) {
        size_t room = MAX_ERROR_BODY > t->res->error_body.len ? MAX_ERROR_BODY - t->res->error_body.len : 0;
        size_t take = len < room ? len : room;
        if (take && lwcr_buf_append(&t->res->error_body, data, take) != LWC_OK) {
            t->res->body_rc = LWC_ENOMEM;
            return 0;
        }
        return len;
    }
    if (t->req->on_body) {
        int rc = t->req->on_body(t->req->ud, data, len);
        if (rc != 0) {
            t->res->body_rc = rc;
            return 0; /* libcurl ends the transfer with CURLE_WRITE_ERROR */
        }
    }
    return len;
}

#define SETOPT(opt, val)                                                                                          \
    do {                                                                                                          \
        CURLcode c_ = curl_easy_setopt(h->easy, opt, val);                                                        \
        if (c_ != CURLE_OK) {                                                                                     \
            lwcr_http_free(h);                                                                                    \
            return lwcr_fail(LWC_EIO, err, errlen, "libcurl: setting %s: %s", #opt, curl_easy_strerror(c_));     \
        }                                                                                                         \
    } while (0)

int lwcr_http_new(const lwcr_http_opts *opts, lwcr_http **out, char *err, size_t errlen)
{
    *out = NULL;
    pthread_once(&global_once, global_init);
    if (global_rc != CURLE_OK)
        return lwcr_fail(LWC_EIO, err, errlen, "libcurl: global init: %s", curl_easy_strerror(global_rc));
    lwcr_http *h = calloc(1, sizeof *h);
    if (!h)
        return lwcr_fail(LWC_ENOMEM, err, errlen, "out of memory");
    h->stop = opts->stop;
    h->multi = curl_multi_init();
    h->easy = curl_easy_init();
    if (!h->multi || !h->easy) {
        lwcr_http_free(h);
        return lwcr_fail(LWC_EIO, err, errlen, "libcurl: cannot create handles");
    }
    const char *fixed[] = {"Accept: application/json", "User-Agent: lwc-watch/0.1"};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        struct curl_slist *l = curl_slist_append(h->headers, fixed[i]);
        if (!l) {
            lwcr_http_free(h);
            return lwcr_fail(LWC_ENOMEM, err, errlen, "out of memory");
        }
        h->headers = l;
    }
    if (opts->bearer_token && *opts->bearer_token) {
        lwcr_buf auth = {0};
        struct curl_slist *l = NULL;
        if (lwcr_buf_printf(&auth, "Authorization: Bearer %s", opts->bearer_token) == LWC_OK)
            l = curl_slist_append(h->headers, auth.data);
        lwcr_buf_free(&auth);
        if (!l) {
            lwcr_http_free(h);
            return lwcr_fail(LWC_ENOMEM, err, errlen, "out of memory");
        }
        h->headers = l;
    }
    SETOPT(CURLOPT_HTTPHEADER, h->headers);
    SETOPT(CURLOPT_NOSIGNAL, 1L);
    SETOPT(CURLOPT_CONNECTTIMEOUT_MS, (long)(opts->connect_timeout_ms ? opts->connect_timeout_ms : 10000));
    SETOPT(CURLOPT_TCP_KEEPALIVE, 1L);
    SETOPT(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    /* Fewer, larger reads: a list page is ~600 KB. */
    SETOPT(CURLOPT_BUFFERSIZE, 256L * 1024);
    SETOPT(CURLOPT_WRITEFUNCTION, on_write);
    SETOPT(CURLOPT_HEADERFUNCTION, on_header);
    SETOPT(CURLOPT_ERRORBUFFER, h->curl_err);
    SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
    *out = h;
    return LWC_OK;
}

void lwcr_http_free(lwcr_http *h)
{
    if (!h)
        return;
    if (h->easy)
        curl_easy_cleanup(h->easy);
    if (h->multi)
        curl_multi_cleanup(h->multi);
    curl_slist_free_all(h->headers);
    free(h);
}

void lwcr_http_wakeup(lwcr_http *h)
{
    /* If the wakeup cannot be written, the transfer loop still looks at the
     * stop flag within POLL_SLICE_MS: late, not lost. */
    if (h && h->multi && curl_multi_wakeup(h->multi) != CURLM_OK)
        return;
}

void lwcr_http_res_free(lwcr_http_res *res)
{
    lwcr_buf_free(&res->error_body);
}

static int stopped(const lwcr_http *h)
{
    return h->stop && atomic_load(h->stop);
}

int lwcr_http_get(lwcr_http *h, const lwcr_http_req *req, lwcr_http_res *res)
{
    memset(res, 0, sizeof *res);
    res->retry_after_ms = -1;
    if (stopped(h))
        return res->rc = LWC_ESTOPPED;
    transfer t = {.h = h, .req = req, .res = res, .last_byte_ms = lwcr_now_ms()};
    h->curl_err[0] = '\0';
    CURLcode cc;
    if ((cc = curl_easy_setopt(h->easy, CURLOPT_URL, req->url)) != CURLE_OK ||
        (cc = curl_easy_setopt(h->easy, CURLOPT_WRITEDATA, &t)) != CURLE_OK ||
        (cc = curl_easy_setopt(h->easy, CURLOPT_HEADERDATA, &t)) != CURLE_OK) {
        snprintf(res->detail, sizeof res->detail, "libcurl: %s", curl_easy_strerror(cc));
        return res->rc = LWC_EIO;
    }
    CURLMcode mc = curl_multi_add_handle(h->multi, h->easy);
    if (mc != CURLM_OK) {
        snprintf(res->detail, sizeof res->detail, "libcurl: %s", curl_multi_strerror(mc));
        return res->rc = LWC_EIO;
    }
    int running = 1, early = LWC_OK;
    for (;;) {
        mc = curl_multi_perform(h->multi, &running);
        if (mc != CURLM_OK) {
            snprintf(res->detail, sizeof res->detail, "libcurl: %s", curl_multi_strerror(mc));
            early = LWC_EIO;
            break;
        }
        if (!running)
            break;
        if (stopped(h)) {
            early = LWC_ESTOPPED;
            break;
        }
        int64_t now = lwcr_now_ms(), wait = POLL_SLICE_MS;
        if (req->idle_timeout_ms > 0) {
            int64_t left = t.last_byte_ms + req->idle_timeout_ms - now;
            if (left <= 0) {
                res->idle_timed_out = 1;
                snprintf(res->detail, sizeof res->detail, "no byte for %lld ms", (long long)req->idle_timeout_ms);
                early = LWC_ETIMEDOUT;
                break;
            }
            if (left < wait)
                wait = left;
        }
        if (req->deadline_ms > 0) {
            int64_t left = req->deadline_ms - now;
            if (left <= 0) {
                res->deadline_passed = 1;
                snprintf(res->detail, sizeof res->detail, "deadline passed");
                early = LWC_ETIMEDOUT;
                break;
            }
            if (left < wait)
                wait = left;
        }
        mc = curl_multi_poll(h->multi, NULL, 0, (int)wait, NULL);
        if (mc != CURLM_OK) {
            snprintf(res->detail, sizeof res->detail, "libcurl: %s", curl_multi_strerror(mc));
            early = LWC_EIO;
            break;
        }
    }
    CURLcode result = CURLE_OK;
    if (early == LWC_OK) {
        int queued;
        CURLMsg *msg;
        while ((msg = curl_multi_info_read(h->multi, &queued)))
            if (msg->msg == CURLMSG_DONE && msg->easy_handle == h->easy)
                result = msg->data.result;
    }
    if (!t.status_known) {
        long code = 0;
        if (curl_easy_getinfo(h->easy, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK)
            res->status = code;
    }
    /* Removing a transfer that is still going closes its connection, which
     * is what an abandoned watch needs. A failure here means the handle was
     * not in the multi handle, and the next add reports it. */
    CURLMcode rm = curl_multi_remove_handle(h->multi, h->easy);
    if (rm != CURLM_OK && early == LWC_OK && result == CURLE_OK) {
        snprintf(res->detail, sizeof res->detail, "libcurl: %s", curl_multi_strerror(rm));
        return res->rc = LWC_EIO;
    }
    if (early != LWC_OK)
        return res->rc = early;
    if (res->body_rc != 0)
        return res->rc = res->body_rc;
    if (result != CURLE_OK) {
        snprintf(res->detail, sizeof res->detail, "%.60s%s%.180s", curl_easy_strerror(result), h->curl_err[0] ? ": " : "",
                 h->curl_err);
        return res->rc = result == CURLE_OPERATION_TIMEDOUT ? LWC_ETIMEDOUT : LWC_EIO;
    }
    return res->rc = LWC_OK;
}
