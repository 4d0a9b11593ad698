#include "http_server.h"

#include "router.h"
#include "watch_stream.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
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
 * without it, so the connection's close frees what is left here. */
typedef struct conn_ctx {
    request_ctx *pending;
} conn_ctx;

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
        request_log_finish(&srv->log, ctx->log_idx, ctx->reply_bytes);
    conn_ctx *cc = conn_ctx_of(conn);
    if (cc && cc->pending == ctx)
        cc->pending = NULL;
    free_ctx(srv, ctx);
    *con_cls = NULL;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    lwc_mock *srv = cls;
    if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        conn_ctx *cc = *socket_context;
        if (cc && cc->pending)
            free_ctx(srv, cc->pending);
        free(cc);
        *socket_context = NULL;
        return;
    }
    if (toe != MHD_CONNECTION_NOTIFY_STARTED)
        return;
    /* NULL on failure: on_uri then makes no request context and the
     * connection is dropped. */
    *socket_context = calloc(1, sizeof(conn_ctx));
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (!ci)
        return;
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
        resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 32 * 1024, watch_stream_read, r->watch,
                                                 watch_stream_free);
        if (!resp) {
            watch_stream_free(r->watch);
            r->watch = NULL;
            return MHD_NO;
        }
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        watch_stream_set_client_fd(r->watch, ci ? ci->connect_fd : -1);
        watch_stream_set_log_index(r->watch, ctx->log_idx);
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
    request_log_answer(&srv->log, ctx->log_idx, status, ctx->is_watch);
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
        ctx->log_idx = request_log_begin(&srv->log, method, ctx->raw_uri);
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
    reply_init(&r);
    if (ctx->body_too_large) {
        char msg[96];
        snprintf(msg, sizeof msg, "Request entity too large: limit is %zu", srv->cfg.max_body_bytes);
        reply_status(&r, 413, "RequestEntityTooLarge", msg, NULL, NULL);
    } else {
        MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_param, ctx);
        if (ctx->params_failed) {
            reply_internal(&r, "out of memory");
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
            route_request(srv, &req, &r);
        }
    }
    enum MHD_Result ret = queue_reply(srv, conn, ctx, &r);
    reply_clear(&r);
    return ret;
}

int http_server_start(lwc_mock *srv, char *err, size_t errlen)
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
        snprintf(err, errlen, "listen address \"%s\" is not an IPv4 or IPv6 literal", srv->listen_addr);
        return LWC_MOCK_EINVAL;
    }
    if (srv->cfg.log_requests)
        flags |= MHD_USE_ERROR_LOG;
    srv->daemon = MHD_start_daemon(
        flags, srv->cfg.port, NULL, NULL, on_request, srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)8192, MHD_OPTION_CONNECTION_TIMEOUT, srv->cfg.connection_timeout_s,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, srv->cfg.max_connections_per_ip,
        MHD_OPTION_THREAD_STACK_SIZE, (size_t)(512 * 1024), MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)(128 * 1024), MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
        srv, MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv, MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
        MHD_OPTION_END);
    if (!srv->daemon) {
        snprintf(err, errlen, "cannot listen on %s:%u (address in use, or not permitted)", srv->listen_addr,
                 srv->cfg.port);
        return LWC_MOCK_EIO;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = di ? di->port : srv->cfg.port;
    if (!srv->port) {
        MHD_stop_daemon(srv->daemon);
        srv->daemon = NULL;
        snprintf(err, errlen, "could not learn the bound port");
        return LWC_MOCK_EIO;
    }
    if (flags & MHD_USE_IPv6)
        snprintf(srv->url, sizeof srv->url, "http://[%s]:%u", srv->listen_addr, srv->port);
    else
        snprintf(srv->url, sizeof srv->url, "http://%s:%u", srv->listen_addr, srv->port);
    return LWC_MOCK_OK;
}

size_t http_server_live_requests(lwc_mock *srv)
{
    return atomic_load(&srv->live_requests);
}

void http_server_stop(lwc_mock *srv)
{
    if (!srv->daemon)
        return;
    /* Wake every watch so its thread ends its stream; MHD then joins them. */
    atomic_store(&srv->shutting_down, 1);
    store_close_watches(srv->st);
    MHD_stop_daemon(srv->daemon);
    srv->daemon = NULL;
}
