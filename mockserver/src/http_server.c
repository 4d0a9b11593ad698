/* The HTTP side: libmicrohttpd callbacks that build a request, log it, route it and send the reply or watch stream. */
#include "http_server.h"
#include "lwc_fail.h"

#include "mock_internal.h"
#include "mock_runtime.h"
#include "monotonic.h"
#include "router.h"
#include "watch_stream.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

typedef struct request_ctx {
    size_t log_idx;
    int started;
    char *body;
    size_t body_len, body_cap;
    int body_too_large;
    uint64_t reply_bytes;
    int is_watch;
    query_param *params;
    size_t nparams, params_cap;
    int params_failed;
    char *raw_uri;
} request_ctx;

/* Per connection: the request context on_uri made and on_completed has not
 * freed yet. libmicrohttpd calls the completion callback only for requests
 * that reached on_request; one it refuses while reading the header (too many
 * query parameters for the connection's memory, a bad header) is closed
 * without it, so the connection's close frees what is left here.
 *
 * And the time by which the request head (line and headers) must be in:
 * libmicrohttpd 0.9.75 has only an inactivity timeout, which a client
 * sending a header byte every 80 s never trips, so the guard's sweeper
 * shuts down a connection past it, as Go's ReadHeaderTimeout closes one
 * (the apiserver sets 32 s: k8s.io/apiserver pkg/server/secure_serving.go). */
typedef struct conn_ctx {
    request_ctx *pending;
    struct conn_ctx *prev, *next; /* the guard's list, under its mutex */
    int fd;
    atomic_llong head_deadline_ms; /* CLOCK_MONOTONIC; 0: no head being read */
    int cut;                       /* the sweeper shut it down */
} conn_ctx;

typedef struct http_guard {
    pthread_mutex_t mu;
    pthread_cond_t wake;   /* the sweeper's: stop */
    pthread_cond_t closed; /* a connection left the list */
    pthread_t sweeper; /* running while the guard exists */
    int stopping;
    conn_ctx *conns;
} http_guard;

static long long mono_ms(void)
{
    return (long long)lwcc_monotonic_ms();
}

/* Under the guard's mutex: the fd stays open while the connection is in the
 * list, as NOTIFY_CLOSED (which unlinks it under that mutex) comes before
 * libmicrohttpd closes it. */
static void cut_conn(conn_ctx *c, const char *why)
{
    c->cut = 1;
    if (shutdown(c->fd, SHUT_RDWR) != 0 && errno != ENOTCONN)
        fprintf(stderr, "lwc-mockserver: %s: shutdown of connection fd %d failed: %s\n", why, c->fd, strerror(errno));
}

/* Walks the connections when a deadline can be due: at the earliest one it
 * saw, or a header timeout on, as every deadline set after a walk (a new
 * connection, a request line, a completed request) is at least that far.
 * Never more often than a period, so a connection is cut at most a period
 * after its deadline and a busy server pays one walk a period at most. */
static void *sweeper_main(void *arg)
{
    lwc_mock *srv = arg;
    http_guard *g = srv->guard;
    long long header_ms = srv->cfg.header_timeout_ms;
    long long period_ms = header_ms / 8;
    if (period_ms < 10)
        period_ms = 10;
    if (period_ms > 1000)
        period_ms = 1000;
    pthread_mutex_lock(&g->mu);
    while (!g->stopping) {
        long long now = mono_ms(), next = now + header_ms;
        for (conn_ctx *c = g->conns; c; c = c->next) {
            long long d = atomic_load(&c->head_deadline_ms);
            if (!d || c->cut)
                continue;
            if (now < d) {
                if (d < next)
                    next = d;
                continue;
            }
            /* No reply, as Go: its read fails with a timeout and it hangs up. */
            cut_conn(c, "header timeout");
        }
        if (next < now + period_ms)
            next = now + period_ms;
        struct timespec until = lwcc_monotonic_deadline((int)(next - now));
        int rc = pthread_cond_timedwait(&g->wake, &g->mu, &until);
        if (rc != 0 && rc != ETIMEDOUT && rc != EINTR) {
            fprintf(stderr, "lwc-mockserver: header-timeout sweeper: pthread_cond_timedwait failed: %s\n",
                    strerror(rc));
            break;
        }
    }
    pthread_mutex_unlock(&g->mu);
    return NULL;
}

static int guard_start(lwc_mock *srv, char *err, size_t errlen)
{
    http_guard *g = calloc(1, sizeof *g);
    if (!g)
        return lwc_fail(err, errlen, LWC_MOCK_ENOMEM, "out of memory for the connection guard");
    int rc = pthread_mutex_init(&g->mu, NULL);
    if (rc != 0) {
        free(g);
        return lwc_fail(err, errlen, LWC_MOCK_EIO, "connection guard: pthread_mutex_init failed: %s", strerror(rc));
    }
    rc = lwcc_monotonic_cond_init(&g->wake);
    if (rc != 0) {
        pthread_mutex_destroy(&g->mu);
        free(g);
        return lwc_fail(err, errlen, LWC_MOCK_EIO, "connection guard: pthread_cond_init failed: %s", strerror(rc));
    }
    rc = lwcc_monotonic_cond_init(&g->closed);
    if (rc != 0) {
        pthread_cond_destroy(&g->wake);
        pthread_mutex_destroy(&g->mu);
        free(g);
        return lwc_fail(err, errlen, LWC_MOCK_EIO, "connection guard: pthread_cond_init failed: %s", strerror(rc));
    }
    srv->guard = g; /* before the sweeper, which finds it there */
    rc = pthread_create(&g->sweeper, NULL, sweeper_main, srv);
    if (rc != 0) {
        srv->guard = NULL;
        pthread_cond_destroy(&g->closed);
        pthread_cond_destroy(&g->wake);
        pthread_mutex_destroy(&g->mu);
        free(g);
        return lwc_fail(err, errlen, LWC_MOCK_EIO, "connection guard: cannot start the header-timeout sweeper: %s",
                        strerror(rc));
    }
    return LWC_MOCK_OK;
}

static void guard_stop_sweeper(http_guard *g)
{
    pthread_mutex_lock(&g->mu);
    g->stopping = 1;
    pthread_cond_signal(&g->wake);
    pthread_mutex_unlock(&g->mu);
    int rc = pthread_join(g->sweeper, NULL);
    if (rc != 0)
        fprintf(stderr, "lwc-mockserver: joining the header-timeout sweeper failed: %s\n", strerror(rc));
}

/* Every connection shut down and its thread joined before libmicrohttpd's
 * stop. Once MHD_stop_daemon has begun, 0.9.75's MHD_queue_response returns
 * MHD_YES without queueing (connection.c:5123), and its own error path
 * (transmit_error_response_len) then builds a header for the missing reply
 * (connection.c:2358): a connection answering a malformed request while the
 * server stopped crashed the process. NOTIFY_CLOSED comes after the
 * connection's thread is joined, so an empty list means none is mid-request. */
static void guard_drain(http_guard *g, int timeout_ms)
{
    struct timespec until = lwcc_monotonic_deadline(timeout_ms);
    pthread_mutex_lock(&g->mu);
    while (g->conns) {
        for (conn_ctx *c = g->conns; c; c = c->next)
            if (!c->cut)
                cut_conn(c, "stopping");
        int rc = pthread_cond_timedwait(&g->closed, &g->mu, &until);
        if (rc == ETIMEDOUT && g->conns) {
            fprintf(stderr, "lwc-mockserver: stopping: connections still open after %d ms; stopping anyway\n",
                    timeout_ms);
            break;
        }
        if (rc != 0 && rc != ETIMEDOUT && rc != EINTR) {
            fprintf(stderr, "lwc-mockserver: stopping: pthread_cond_timedwait failed: %s\n", strerror(rc));
            break;
        }
    }
    pthread_mutex_unlock(&g->mu);
}

/* After the daemon has stopped: every connection has been unlinked. */
static void guard_free(lwc_mock *srv)
{
    http_guard *g = srv->guard;
    if (!g)
        return;
    guard_stop_sweeper(g);
    pthread_cond_destroy(&g->closed);
    pthread_cond_destroy(&g->wake);
    pthread_mutex_destroy(&g->mu);
    free(g);
    srv->guard = NULL;
}

/* The request head must be in by now + ms, or by the earlier deadline it has. */
static void head_deadline_at_most(conn_ctx *cc, long long ms)
{
    long long cap = mono_ms() + ms;
    long long d = atomic_load(&cc->head_deadline_ms);
    if (!d || d > cap)
        atomic_store(&cc->head_deadline_ms, cap);
}

/* Errors libmicrohttpd answers itself (a malformed header, a bad
 * Content-Length, headers too large) come with its HTML pages, and with a bad
 * Content-Length with its status line and headers twice: in 0.9.75,
 * parse_connection_headers() queues the error reply and moves the connection
 * to HEADERS_SENDING, and MHD_connection_handle_idle() then overwrites that
 * state with HEADERS_PROCESSED (connection.c:4538-4541), so the reply's
 * header is built a second time (START_REPLY, connection.c:4684). It has no
 * option to replace these replies, but it logs each one, in the connection's
 * own thread, before writing it (transmit_error_response_len). So the
 * logger writes what Go's net/http, the apiserver's HTTP server, answers
 * (server.go, conn.serve: a short text/plain reply, Connection: close) and
 * shuts the socket for writing; libmicrohttpd's own reply then fails to send
 * and the connection closes. The connection is known to the thread from its
 * first request line on (on_uri); before that (an over-long first request
 * line: 414; an unsupported HTTP version) libmicrohttpd's page goes out. */
static _Thread_local int tl_conn_fd;   /* fd + 1; 0: not known yet */
static _Thread_local int tl_replying;  /* 1: this request has a reply; never write another */

#define MHD_ERROR_REPLY_LOG "Error processing request (HTTP response code is %u"

static void answer_below_api(int fd, unsigned code)
{
    const char *text;
    switch (code) {
    case 400:
    case 413: /* a Content-Length beyond 64 bits: Go cannot parse it either (400) */
        text = "400 Bad Request";
        break;
    case 414: /* Go has no 414: the request line counts against MaxHeaderBytes */
    case 431:
        text = "431 Request Header Fields Too Large";
        break;
    case 505:
        text = "505 HTTP Version Not Supported: unsupported protocol version";
        break;
    default:
        text = "500 Internal Server Error";
        break;
    }
    char buf[256];
    int n = snprintf(buf, sizeof buf,
                     "HTTP/1.1 %s\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n%s", text,
                     text);
    size_t off = 0;
    while (n > 0 && off < (size_t)n) {
        ssize_t w = send(fd, buf + off, (size_t)n - off, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break; /* the client has gone (or its window is full): it gets what went out */
        off += (size_t)w;
    }
    if (shutdown(fd, SHUT_WR) != 0 && errno != ENOTCONN)
        fprintf(stderr, "lwc-mockserver: closing connection fd %d after a %u reply failed: %s\n", fd, code,
                strerror(errno));
}

/* fmt is libmicrohttpd's own printf format (the attribute lets the compilers check vfprintf's use of it). */
__attribute__((format(printf, 2, 0))) static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    lwc_mock *srv = cls;
    if (tl_conn_fd > 0 && !tl_replying && !strncmp(fmt, MHD_ERROR_REPLY_LOG, sizeof MHD_ERROR_REPLY_LOG - 1)) {
        va_list cp;
        va_copy(cp, ap);
        unsigned code = va_arg(cp, unsigned);
        va_end(cp);
        tl_replying = 1;
        answer_below_api(tl_conn_fd - 1, code);
    }
    if (srv->cfg.log_requests)
        vfprintf(stderr, fmt, ap);
}

static conn_ctx *conn_ctx_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

static void free_ctx(lwc_mock *srv, request_ctx *ctx);

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    lwc_mock *srv = cls;
    conn_ctx *cc = conn_ctx_of(conn);
    if (!cc)
        return NULL; /* no connection context (out of memory): on_request drops it */
    /* A new request: this thread serves this connection (thread per connection). */
    tl_conn_fd = cc->fd + 1;
    tl_replying = 0;
    /* A kept-alive connection's next head has from its request line on. */
    head_deadline_at_most(cc, srv->cfg.header_timeout_ms);
    if (cc->pending) {
        /* The previous request on this connection never completed. */
        free_ctx(srv, cc->pending);
        cc->pending = NULL;
    }
    request_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return NULL;
    ctx->log_idx = (size_t)-1;
    /* The raw URI keeps the query exactly as the client encoded it, for the log. */
    size_t n = strlen(uri ? uri : "");
    ctx->raw_uri = malloc(n + 1);
    if (!ctx->raw_uri) {
        free(ctx);
        return NULL;
    }
    memcpy(ctx->raw_uri, uri ? uri : "", n + 1);
    cc->pending = ctx;
    atomic_fetch_add(&srv->live_requests, 1);
    return ctx;
}

static void free_ctx(lwc_mock *srv, request_ctx *ctx)
{
    atomic_fetch_sub(&srv->live_requests, 1);
    for (size_t i = 0; i < ctx->nparams; i++) {
        free(ctx->params[i].key);
        free(ctx->params[i].value);
    }
    free(ctx->params);
    free(ctx->body);
    free(ctx->raw_uri);
    free(ctx);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void)toe;
    lwc_mock *srv = cls;
    request_ctx *ctx = *con_cls;
    if (!ctx)
        return;
    /* A watch reports its own bytes when its stream is freed. */
    if (!ctx->is_watch)
        lwcm_request_log_finish(&srv->log, ctx->log_idx, ctx->reply_bytes);
    conn_ctx *cc = conn_ctx_of(conn);
    if (cc && cc->pending == ctx)
        cc->pending = NULL;
    /* The next request on a kept-alive connection: its head must be in
     * within the idle timeout (for its first bytes) and the header timeout. */
    if (cc)
        atomic_store(&cc->head_deadline_ms, mono_ms() + (long long)srv->cfg.connection_timeout_s * 1000 +
                                                srv->cfg.header_timeout_ms);
    /* That request's reply is out: an error libmicrohttpd answers before the
     * next request line (over-long, a bad version) is the next request's. */
    tl_replying = 0;
    free_ctx(srv, ctx);
    *con_cls = NULL;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    lwc_mock *srv = cls;
    http_guard *g = srv->guard;
    if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        conn_ctx *cc = *socket_context;
        if (cc) {
            pthread_mutex_lock(&g->mu);
            if (cc->prev)
                cc->prev->next = cc->next;
            else if (g->conns == cc)
                g->conns = cc->next;
            if (cc->next)
                cc->next->prev = cc->prev;
            pthread_cond_broadcast(&g->closed);
            pthread_mutex_unlock(&g->mu);
            if (cc->pending)
                free_ctx(srv, cc->pending);
        }
        free(cc);
        *socket_context = NULL;
        return;
    }
    if (toe != MHD_CONNECTION_NOTIFY_STARTED)
        return;
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    /* NULL on failure: on_uri then makes no request context and the
     * connection is dropped. */
    conn_ctx *cc = ci ? calloc(1, sizeof *cc) : NULL;
    *socket_context = cc;
    if (!cc) {
        fprintf(stderr, "lwc-mockserver: %s for a new connection; it is dropped\n",
                ci ? "out of memory" : "libmicrohttpd gave no socket");
        return;
    }
    cc->fd = ci->connect_fd;
    /* The first head has from the connection's start, as Go's first readRequest. */
    atomic_init(&cc->head_deadline_ms, mono_ms() + srv->cfg.header_timeout_ms);
    pthread_mutex_lock(&g->mu);
    cc->next = g->conns;
    if (g->conns)
        g->conns->prev = cc;
    g->conns = cc;
    pthread_mutex_unlock(&g->mu);
    /* Without it, every keep-alive request costs ~40 ms of Nagle and delayed ACK. */
    int one = 1;
    if (setsockopt(ci->connect_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0 && errno != EOPNOTSUPP)
        fprintf(stderr, "lwc-mockserver: TCP_NODELAY failed: %s\n", strerror(errno));
}

static enum MHD_Result collect_param(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    request_ctx *ctx = cls;
    if (!key)
        return MHD_YES;
    if (ctx->nparams == ctx->params_cap) {
        size_t ncap = ctx->params_cap ? ctx->params_cap * 2 : 8;
        query_param *np = realloc(ctx->params, ncap * sizeof *np);
        if (!np) {
            ctx->params_failed = 1;
            return MHD_NO;
        }
        ctx->params = np;
        ctx->params_cap = ncap;
    }
    size_t kl = strlen(key), vl = value ? strlen(value) : 0;
    char *k = malloc(kl + 1), *v = malloc(vl + 1);
    if (!k || !v) {
        free(k);
        free(v);
        ctx->params_failed = 1;
        return MHD_NO;
    }
    memcpy(k, key, kl + 1);
    if (value)
        memcpy(v, value, vl + 1);
    else
        v[0] = '\0';
    ctx->params[ctx->nparams].key = k;
    ctx->params[ctx->nparams].value = v;
    ctx->nparams++;
    return MHD_YES;
}

static int peer_is_loopback(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    if (!sa)
        return 0;
    if (sa->sa_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        if (IN6_IS_ADDR_LOOPBACK(a))
            return 1;
        return IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127;
    }
    return 0;
}

static enum MHD_Result queue_reply(lwc_mock *srv, struct MHD_Connection *conn, request_ctx *ctx, reply *r)
{
    static char fallback[] = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                             "\"message\":\"out of memory\",\"reason\":\"InternalError\",\"code\":500}";
    struct MHD_Response *resp;
    int status = r->status ? r->status : 500;
    if (r->watch) {
        resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 32 * 1024, lwcm_watch_stream_read, r->watch,
                                                 lwcm_watch_stream_free);
        if (!resp) {
            lwcm_watch_stream_free(r->watch);
            r->watch = NULL;
            return MHD_NO;
        }
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        lwcm_watch_stream_set_client_fd(r->watch, ci ? ci->connect_fd : -1);
        lwcm_watch_stream_set_log_index(r->watch, ctx->log_idx);
        ctx->is_watch = 1;
        r->watch = NULL;
    } else if (r->body) {
        resp = MHD_create_response_from_buffer(r->len, r->body, MHD_RESPMEM_MUST_FREE);
        if (!resp)
            return MHD_NO;
        ctx->reply_bytes = r->len;
        r->body = NULL;
    } else {
        status = 500;
        resp = MHD_create_response_from_buffer(sizeof fallback - 1, fallback, MHD_RESPMEM_PERSISTENT);
        if (!resp)
            return MHD_NO;
        ctx->reply_bytes = sizeof fallback - 1;
    }
    int ok = MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                                     r->content_type ? r->content_type : "application/json") == MHD_YES;
    ok = ok && MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache, private") == MHD_YES;
    if (r->retry_after > 0) {
        char ra[16];
        snprintf(ra, sizeof ra, "%d", r->retry_after);
        ok = ok && MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, ra) == MHD_YES;
    }
    lwcm_request_log_answer(&srv->log, ctx->log_idx, status, ctx->is_watch);
    tl_replying = 1;
    enum MHD_Result ret = ok ? MHD_queue_response(conn, (unsigned)status, resp) : MHD_NO;
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)version;
    lwc_mock *srv = cls;
    request_ctx *ctx = *con_cls;
    if (!ctx)
        return MHD_NO; /* out of memory at the start: drop the connection */
    if (!ctx->started) {
        ctx->started = 1;
        ctx->log_idx = lwcm_request_log_begin(&srv->log, method, ctx->raw_uri);
        /* The head is in; the body and the reply have no deadline (the
         * apiserver sets no ReadTimeout). */
        conn_ctx *cc = conn_ctx_of(conn);
        if (cc)
            atomic_store(&cc->head_deadline_ms, 0);
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (ctx->body_too_large || ctx->body_len + n > srv->cfg.max_body_bytes) {
            /* Keep reading so the connection stays in step, but keep nothing. */
            ctx->body_too_large = 1;
            return MHD_YES;
        }
        if (ctx->body_len + n + 1 > ctx->body_cap) {
            size_t ncap = ctx->body_cap ? ctx->body_cap : 4096;
            while (ncap < ctx->body_len + n + 1)
                ncap *= 2;
            char *nb = realloc(ctx->body, ncap);
            if (!nb) {
                ctx->body_too_large = 1;
                return MHD_YES;
            }
            ctx->body = nb;
            ctx->body_cap = ncap;
        }
        memcpy(ctx->body + ctx->body_len, upload_data, n);
        ctx->body_len += n;
        ctx->body[ctx->body_len] = '\0';
        return MHD_YES;
    }

    reply r;
    lwcm_reply_init(&r);
    if (ctx->body_too_large) {
        lwcm_reply_body_too_large(&r, srv->cfg.max_body_bytes);
    } else {
        MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_param, ctx);
        if (ctx->params_failed) {
            lwcm_reply_internal(&r, "out of memory");
        } else {
            request req;
            memset(&req, 0, sizeof req);
            req.method = method;
            req.path = url;
            req.params = ctx->params;
            req.nparams = ctx->nparams;
            req.accept = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
            req.content_type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
            req.body = ctx->body;
            req.body_len = ctx->body_len;
            req.client_fd = -1;
            req.peer_loopback = peer_is_loopback(conn);
            req.log_idx = ctx->log_idx;
            lwcm_route_request(srv, &req, &r);
        }
    }
    enum MHD_Result ret = queue_reply(srv, conn, ctx, &r);
    lwcm_reply_clear(&r);
    return ret;
}

int lwcm_http_server_start(lwc_mock *srv, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;
    struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, srv->listen_addr, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons(srv->cfg.port);
    } else if (inet_pton(AF_INET6, srv->listen_addr, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(srv->cfg.port);
        flags |= MHD_USE_IPv6;
    } else {
        return lwc_fail(err, errlen, LWC_MOCK_EINVAL, "listen address \"%s\" is not an IPv4 or IPv6 literal",
                        srv->listen_addr);
    }
    /* Always: the logger answers the errors libmicrohttpd replies to itself
     * (on_mhd_log); it prints only with log_requests. */
    flags |= MHD_USE_ERROR_LOG;
    int rc = guard_start(srv, err, errlen);
    if (rc != LWC_MOCK_OK)
        return rc;
    srv->daemon = MHD_start_daemon(
        flags, srv->cfg.port, NULL, NULL, on_request, srv, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, srv,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)8192, MHD_OPTION_CONNECTION_TIMEOUT, srv->cfg.connection_timeout_s,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, srv->cfg.max_connections_per_ip,
        MHD_OPTION_THREAD_STACK_SIZE, (size_t)(512 * 1024), MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)(128 * 1024), MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
        srv, MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv, MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
        MHD_OPTION_END);
    if (!srv->daemon) {
        guard_free(srv);
        return lwc_fail(err, errlen, LWC_MOCK_EIO, "cannot listen on %s:%u (address in use, or not permitted)",
                        srv->listen_addr, srv->cfg.port);
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = di ? di->port : srv->cfg.port;
    if (!srv->port) {
        MHD_stop_daemon(srv->daemon);
        srv->daemon = NULL;
        guard_free(srv);
        return lwc_fail(err, errlen, LWC_MOCK_EIO, "could not learn the bound port");
    }
    if (flags & MHD_USE_IPv6)
        snprintf(srv->url, sizeof srv->url, "http://[%s]:%u", srv->listen_addr, srv->port);
    else
        snprintf(srv->url, sizeof srv->url, "http://%s:%u", srv->listen_addr, srv->port);
    return LWC_MOCK_OK;
}

size_t lwcm_http_server_live_requests(lwc_mock *srv)
{
    return atomic_load(&srv->live_requests);
}

void lwcm_http_server_stop(lwc_mock *srv)
{
    if (!srv->daemon)
        return;
    /* Wake every watch so its thread ends its stream; MHD then joins them. */
    lwcm_runtime_begin_stop(srv);
    lwcm_store_close_watches(srv->st);
    guard_drain(srv->guard, 10000);
    MHD_stop_daemon(srv->daemon);
    srv->daemon = NULL;
    guard_free(srv);
}
