/* bench_watch_fanout: N concurrent watches on one mock server, E updates,
 * and proof that every watcher got every update, in order.
 *
 *   bench_watch_fanout [--url http://127.0.0.1:PORT [--pid PID]]
 *                      [--watchers 1000] [--events 1000] [--objects 10]
 *                      [--connect-timeout 30] [--timeout 60]
 *
 * With --url it talks HTTP to a server running as its own process (the CLI
 * lwc-mockserver, say): the updates are merge PATCHes over one keep-alive
 * connection, and --pid names the process whose memory and CPU to read.
 * Without --url it starts a server in this process and writes through the C
 * API; the memory figures then include this client's few megabytes.
 *
 * The watches are plain sockets on one epoll loop, not a client library, so
 * that the client costs little next to the server it measures: each reader
 * decodes the chunked body, splits it on '\n' (one event a line, as the
 * apiserver writes them) and reads the update's number from the annotation
 * "bench.lwc/seq". Update k carries seq k, so each watcher must see 1..E in
 * order; any gap, duplicate, ERROR event or early end is reported by watcher.
 *
 * Output: one "key=value" line per figure on stdout (for scripts); problems
 * on stderr. Exit status 0 only when every watcher received every event. */
#include "bench_util.h"
#include "lwc_mockserver.h"
#include "pod_gen.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define LINE_KEEP 1024 /* the type and metadata (where seq lives) are in a line's first bytes */
#define HDR_MAX 4096

enum { ST_CONNECTING, ST_HEADERS, ST_BODY, ST_CLOSED };
enum { CH_SIZE, CH_EXT, CH_DATA, CH_DATA_END, CH_DONE };

typedef struct conn {
    int fd;
    int idx;
    int state;
    char hdr[HDR_MAX];
    size_t hdr_len;
    int chunked;
    /* chunked decoder */
    int cstate;
    size_t chunk_left;
    size_t size_acc;
    /* the line being read: its first LINE_KEEP bytes */
    char line[LINE_KEEP];
    size_t line_len;
    long next_seq; /* the seq this watcher must see next */
    long extra;    /* lines after the last expected event */
    int failed;
    char why[200];
    double done_at; /* when it got event E; 0 until then */
    unsigned long long bytes;
} conn;

typedef struct options {
    const char *url;
    pid_t pid;
    long watchers, events, objects;
    double connect_timeout, timeout;
} options;

/* State shared with the writer thread. */
typedef struct writer {
    const options *opt;
    lwc_mock *srv;         /* in-process mode */
    const char *base_url;  /* HTTP mode */
    char ns[64];
    atomic_int done;       /* 1 ok, -1 failed */
    char why[700];
    double t_start, t_end;
} writer;

/* Keeps the first problem a watcher met: the one that explains the rest. */
__attribute__((format(printf, 2, 3))) static void fail_conn(conn *c, const char *fmt, ...)
{
    if (c->failed)
        return;
    c->failed = 1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->why, sizeof c->why, fmt, ap);
    va_end(ap);
}

static void on_line(conn *c, const options *opt, double now)
{
    /* c->line holds the start of one event, NUL-terminated. */
    if (strncmp(c->line, "{\"type\":\"MODIFIED\"", 18) != 0) {
        if (!strncmp(c->line, "{\"type\":\"BOOKMARK\"", 18))
            return; /* not asked for, but harmless */
        fail_conn(c, "unexpected event: %.100s", c->line);
        return;
    }
    const char *p = strstr(c->line, "\"bench.lwc/seq\":\"");
    if (!p) {
        fail_conn(c, "a MODIFIED event without the bench.lwc/seq annotation");
        return;
    }
    long seq = strtol(p + 17, NULL, 10);
    if (c->next_seq > opt->events) {
        c->extra++;
        fail_conn(c, "an extra event after the last one (seq %ld)", seq);
        return;
    }
    if (seq != c->next_seq) {
        fail_conn(c, "event out of sequence: got seq %ld, expected %ld", seq, c->next_seq);
        c->next_seq = seq; /* resynchronise, to count what else is missing */
    }
    c->next_seq++;
    if (c->next_seq > opt->events && !c->done_at)
        c->done_at = now;
}

static void on_body(conn *c, const options *opt, const char *p, size_t n, double now)
{
    while (n) {
        const char *nl = memchr(p, '\n', n);
        size_t take = nl ? (size_t)(nl - p) : n;
        if (c->line_len < LINE_KEEP - 1) {
            size_t room = LINE_KEEP - 1 - c->line_len;
            size_t k = take < room ? take : room;
            memcpy(c->line + c->line_len, p, k);
            c->line_len += k;
        }
        if (!nl)
            return;
        c->line[c->line_len] = '\0';
        if (c->line_len)
            on_line(c, opt, now);
        c->line_len = 0;
        p = nl + 1;
        n -= take + 1;
    }
}

/* Decodes chunked transfer coding (RFC 9112 §7.1) and hands on the data. */
static void on_chunked(conn *c, const options *opt, const char *p, size_t n, double now)
{
    size_t i = 0;
    while (i < n && c->cstate != CH_DONE) {
        char ch = p[i];
        switch (c->cstate) {
        case CH_SIZE:
        case CH_EXT:
            i++;
            if (ch == '\n') {
                if (c->size_acc == 0) {
                    c->cstate = CH_DONE; /* last chunk: the server ended the watch */
                } else {
                    c->chunk_left = c->size_acc;
                    c->cstate = CH_DATA;
                }
                c->size_acc = 0;
            } else if (c->cstate == CH_SIZE) {
                int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
                      : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
                if (d >= 0)
                    c->size_acc = c->size_acc * 16 + (size_t)d;
                else if (ch == ';')
                    c->cstate = CH_EXT;
                else if (ch != '\r' && ch != ' ' && ch != '\t') {
                    fail_conn(c, "bad chunk size line");
                    c->cstate = CH_DONE;
                }
            }
            break;
        case CH_DATA: {
            size_t k = n - i < c->chunk_left ? n - i : c->chunk_left;
            on_body(c, opt, p + i, k, now);
            i += k;
            c->chunk_left -= k;
            if (!c->chunk_left)
                c->cstate = CH_DATA_END;
            break;
        }
        case CH_DATA_END:
            i++;
            if (ch == '\n')
                c->cstate = CH_SIZE;
            break;
        }
    }
}

/* Parses the response head once it is complete; returns the bytes it used,
 * 0 when more are needed, -1 on failure. */
static long on_headers(conn *c, const char *p, size_t n)
{
    size_t room = HDR_MAX - 1 - c->hdr_len;
    size_t k = n < room ? n : room;
    memcpy(c->hdr + c->hdr_len, p, k);
    size_t before = c->hdr_len;
    c->hdr_len += k;
    c->hdr[c->hdr_len] = '\0';
    char *end = strstr(c->hdr, "\r\n\r\n");
    if (!end) {
        if (c->hdr_len == HDR_MAX - 1) {
            fail_conn(c, "response head too long");
            return -1;
        }
        return 0;
    }
    size_t head_len = (size_t)(end - c->hdr) + 4;
    end[2] = '\0';
    int status = 0;
    if (sscanf(c->hdr, "HTTP/1.%*d %d", &status) != 1 || status != 200) {
        fail_conn(c, "watch refused: %.*s", (int)strcspn(c->hdr, "\r\n"), c->hdr);
        return -1;
    }
    for (char *h = c->hdr; *h; h++)
        *h = (char)(*h >= 'A' && *h <= 'Z' ? *h + 32 : *h);
    c->chunked = strstr(c->hdr, "\r\ntransfer-encoding: chunked") != NULL;
    c->state = ST_BODY;
    c->cstate = CH_SIZE;
    return (long)(head_len - before);
}

static void on_readable(conn *c, const options *opt, char *buf, size_t bufsz, int *closed)
{
    for (;;) {
        ssize_t r = recv(c->fd, buf, bufsz, 0);
        if (r < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return;
            if (errno == EINTR)
                continue;
            fail_conn(c, "recv: %s", strerror(errno));
            *closed = 1;
            return;
        }
        if (r == 0) {
            if (c->next_seq <= opt->events)
                fail_conn(c, "the server closed the watch early");
            *closed = 1;
            return;
        }
        double now = bench_now();
        c->bytes += (unsigned long long)r;
        const char *p = buf;
        size_t n = (size_t)r;
        if (c->state == ST_HEADERS) {
            long used = on_headers(c, p, n);
            if (used < 0) {
                *closed = 1;
                return;
            }
            p += used;
            n -= (size_t)used;
            if (c->state != ST_BODY)
                continue;
        }
        if (c->chunked)
            on_chunked(c, opt, p, n, now);
        else
            on_body(c, opt, p, n, now);
    }
}

/* ---- the event loop ---- */

typedef struct loop {
    int ep;
    const char *req;
    int reqlen;
    const options *opt;
    long established; /* watches whose 200 head arrived */
    long closed;      /* connections ended, for whatever reason */
} loop;

static void close_conn(loop *lp, conn *c)
{
    c->state = ST_CLOSED;
    lp->closed++;
    epoll_ctl(lp->ep, EPOLL_CTL_DEL, c->fd, NULL);
}

/* One epoll round over every watch: finishes connects (sending the request),
 * reads response heads, then events. */
static void poll_once(loop *lp, conn *conns, int timeout_ms)
{
    (void)conns;
    static char buf[256 * 1024];
    struct epoll_event evs[256];
    int ne = epoll_wait(lp->ep, evs, 256, timeout_ms);
    for (int k = 0; k < ne; k++) {
        conn *c = evs[k].data.ptr;
        if (c->state == ST_CLOSED)
            continue;
        if (c->state == ST_CONNECTING) {
            int soerr = 0;
            socklen_t sl = sizeof soerr;
            getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
            if (soerr) {
                fail_conn(c, "connect: %s", strerror(soerr));
                close_conn(lp, c);
            } else if (send(c->fd, lp->req, (size_t)lp->reqlen, MSG_NOSIGNAL) != lp->reqlen) {
                /* A 200-byte request always fits an empty socket buffer. */
                fail_conn(c, "could not send the request in one piece");
                close_conn(lp, c);
            } else {
                c->state = ST_HEADERS;
                struct epoll_event mod = {.events = EPOLLIN, .data.ptr = c};
                epoll_ctl(lp->ep, EPOLL_CTL_MOD, c->fd, &mod);
            }
            continue;
        }
        int was_body = c->state == ST_BODY, shut = 0;
        on_readable(c, lp->opt, buf, sizeof buf, &shut);
        if (!was_body && c->state == ST_BODY)
            lp->established++;
        if (shut)
            close_conn(lp, c);
    }
}

/* ---- writes ---- */

static size_t sink(char *p, size_t s, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return s * n;
}

typedef struct grow {
    char *data;
    size_t len;
} grow;

static size_t keep(char *p, size_t s, size_t n, void *ud)
{
    grow *g = ud;
    char *nd = realloc(g->data, g->len + s * n + 1);
    if (!nd)
        return 0;
    memcpy(nd + g->len, p, s * n);
    g->data = nd;
    g->len += s * n;
    g->data[g->len] = '\0';
    return s * n;
}

/* One HTTP request; returns the status (0 on a transport failure). */
static long http(CURL *h, const char *method, const char *url, const char *ctype, const char *body, grow *out)
{
    struct curl_slist *hdrs = NULL;
    char ct[128];
    if (ctype) {
        snprintf(ct, sizeof ct, "Content-Type: %s", ctype);
        hdrs = curl_slist_append(hdrs, ct);
    }
    hdrs = curl_slist_append(hdrs, "Accept: application/json");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    if (!body)
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, out ? keep : sink);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
    CURLcode rc = curl_easy_perform(h);
    long status = 0;
    if (rc == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    else
        fprintf(stderr, "bench_watch_fanout: %s %s: %s\n", method, url, curl_easy_strerror(rc));
    curl_slist_free_all(hdrs);
    return status;
}

static void *write_events(void *arg)
{
    writer *w = arg;
    const options *opt = w->opt;
    CURL *h = w->srv ? NULL : curl_easy_init();
    if (!w->srv && !h) {
        snprintf(w->why, sizeof w->why, "curl_easy_init failed");
        atomic_store(&w->done, -1);
        return NULL;
    }
    char err[512];
    w->t_start = bench_now();
    for (long seq = 1; seq <= opt->events; seq++) {
        long idx = (seq - 1) % opt->objects;
        if (w->srv) {
            /* The whole object again, with the new seq: an update, not a no-op. */
            char json[4096];
            pod_gen_json(json, sizeof json, w->ns, idx, seq);
            if (lwc_mock_update(w->srv, "/api/v1", "pods", json, NULL, err, sizeof err) != LWC_MOCK_OK) {
                snprintf(w->why, sizeof w->why, "update %ld: %s", seq, err);
                atomic_store(&w->done, -1);
                return NULL;
            }
        } else {
            char url[512], name[96], body[128];
            pod_gen_name(name, sizeof name, idx);
            snprintf(url, sizeof url, "%s/api/v1/namespaces/%s/pods/%s", w->base_url, w->ns, name);
            snprintf(body, sizeof body, "{\"metadata\":{\"annotations\":{\"bench.lwc/seq\":\"%ld\"}}}", seq);
            long st = http(h, "PATCH", url, "application/merge-patch+json", body, NULL);
            if (st != 200) {
                snprintf(w->why, sizeof w->why, "PATCH %s answered %ld", url, st);
                curl_easy_cleanup(h);
                atomic_store(&w->done, -1);
                return NULL;
            }
        }
    }
    w->t_end = bench_now();
    if (h)
        curl_easy_cleanup(h);
    atomic_store(&w->done, 1);
    return NULL;
}

/* ---- setup ---- */

static int setup_objects(const options *opt, lwc_mock *srv, const char *base, const char *ns, uint64_t *rv)
{
    char err[512], json[4096];
    if (srv) {
        for (long i = 0; i < opt->objects; i++) {
            pod_gen_json(json, sizeof json, ns, i, 0);
            if (lwc_mock_create(srv, "/api/v1", "pods", json, NULL, err, sizeof err) != LWC_MOCK_OK) {
                fprintf(stderr, "bench_watch_fanout: create: %s\n", err);
                return -1;
            }
        }
        *rv = lwc_mock_current_rv(srv);
        return 0;
    }
    CURL *h = curl_easy_init();
    if (!h)
        return -1;
    char url[512];
    snprintf(url, sizeof url, "%s/api/v1/namespaces", base);
    snprintf(json, sizeof json, "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"%s\"}}", ns);
    long st = http(h, "POST", url, "application/json", json, NULL);
    if (st != 201 && st != 409) {
        fprintf(stderr, "bench_watch_fanout: POST %s answered %ld\n", url, st);
        curl_easy_cleanup(h);
        return -1;
    }
    snprintf(url, sizeof url, "%s/api/v1/namespaces/%s/pods", base, ns);
    for (long i = 0; i < opt->objects; i++) {
        pod_gen_json(json, sizeof json, ns, i, 0);
        st = http(h, "POST", url, "application/json", json, NULL);
        if (st != 201) {
            fprintf(stderr, "bench_watch_fanout: POST %s answered %ld\n", url, st);
            curl_easy_cleanup(h);
            return -1;
        }
    }
    /* The list's own resourceVersion is the server's current one. */
    snprintf(url, sizeof url, "%s/api/v1/namespaces/%s/pods?limit=1", base, ns);
    grow g = {0};
    st = http(h, "GET", url, NULL, NULL, &g);
    curl_easy_cleanup(h);
    const char *p = g.data ? strstr(g.data, "\"resourceVersion\":\"") : NULL;
    if (st != 200 || !p) {
        fprintf(stderr, "bench_watch_fanout: GET %s answered %ld without a resourceVersion\n", url, st);
        free(g.data);
        return -1;
    }
    *rv = strtoull(p + 19, NULL, 10);
    free(g.data);
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_watch_fanout [--url http://IPV4:PORT [--pid PID]] [--watchers N] [--events E]\n"
                    "                          [--objects K] [--connect-timeout S] [--timeout S]\n");
}

int main(int argc, char **argv)
{
    options opt = {NULL, 0, 1000, 1000, 10, 30, 60};
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            usage();
            return 2;
        }
        if (!strcmp(argv[i], "--url"))
            opt.url = v;
        else if (!strcmp(argv[i], "--pid"))
            opt.pid = (pid_t)strtol(v, NULL, 10);
        else if (!strcmp(argv[i], "--watchers"))
            opt.watchers = strtol(v, NULL, 10);
        else if (!strcmp(argv[i], "--events"))
            opt.events = strtol(v, NULL, 10);
        else if (!strcmp(argv[i], "--objects"))
            opt.objects = strtol(v, NULL, 10);
        else if (!strcmp(argv[i], "--connect-timeout"))
            opt.connect_timeout = strtod(v, NULL);
        else if (!strcmp(argv[i], "--timeout"))
            opt.timeout = strtod(v, NULL);
        else {
            usage();
            return 2;
        }
        i++;
    }
    if (opt.watchers < 1 || opt.events < 1 || opt.objects < 1 || opt.connect_timeout <= 0 || opt.timeout <= 0) {
        usage();
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    long nofile = bench_raise_nofile();
    if (nofile >= 0 && nofile < opt.watchers + 64) {
        fprintf(stderr, "bench_watch_fanout: the open-file limit (%ld) is too low for %ld watches\n", nofile,
                opt.watchers);
        return 1;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);

    /* ---- the server ---- */
    lwc_mock *srv = NULL;
    char base[256];
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    if (opt.url) {
        char host[64];
        unsigned port = 0;
        if (sscanf(opt.url, "http://%63[0-9.]:%u", host, &port) != 2 || port == 0 || port > 65535 ||
            inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
            fprintf(stderr, "bench_watch_fanout: --url wants http://IPV4:PORT, got \"%s\"\n", opt.url);
            return 2;
        }
        sa.sin_port = htons((unsigned short)port);
        snprintf(base, sizeof base, "http://%s:%u", host, port);
    } else {
        lwc_mock_config cfg;
        lwc_mock_config_init(&cfg);
        cfg.port = 0;
        cfg.demo_world = 0;
        cfg.seed = 42;
        char err[512];
        if (lwc_mock_start(&cfg, &srv, err, sizeof err) != LWC_MOCK_OK) {
            fprintf(stderr, "bench_watch_fanout: %s\n", err);
            return 1;
        }
        inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
        sa.sin_port = htons(lwc_mock_port(srv));
        snprintf(base, sizeof base, "%s", lwc_mock_url(srv));
    }
    pid_t spid = srv ? 0 : opt.pid; /* 0 reads /proc/self */
    int have_server_proc = srv || opt.pid > 0;

    writer w;
    memset(&w, 0, sizeof w);
    w.opt = &opt;
    w.srv = srv;
    w.base_url = base;
    atomic_init(&w.done, 0);
    /* A namespace of this run's own: objects from an earlier run on the same
     * server cannot turn an update into a no-op (which takes no event). */
    snprintf(w.ns, sizeof w.ns, "bench-watch-%ld", (long)getpid());
    uint64_t rv = 0;
    int rc = 1;
    conn *conns = NULL;
    int ep = -1;
    if (setup_objects(&opt, srv, base, w.ns, &rv) != 0)
        goto out;
    long rss_before = have_server_proc ? bench_proc_status(spid, "VmRSS") : -1;

    /* ---- open the watches ---- */
    conns = calloc((size_t)opt.watchers, sizeof *conns);
    ep = epoll_create1(EPOLL_CLOEXEC);
    if (!conns || ep < 0) {
        fprintf(stderr, "bench_watch_fanout: out of memory or epoll_create1 failed\n");
        goto out;
    }
    for (long i = 0; i < opt.watchers; i++)
        conns[i].fd = -1;
    char req[512];
    int reqlen = snprintf(req, sizeof req,
                          "GET /api/v1/pods?watch=true&resourceVersion=%llu HTTP/1.1\r\nHost: %s\r\n"
                          "Accept: application/json\r\nUser-Agent: lwc-bench-watch-fanout\r\n\r\n",
                          (unsigned long long)rv, base + 7);
    double t_conn0 = bench_now();
    for (long i = 0; i < opt.watchers; i++) {
        conn *c = &conns[i];
        c->idx = (int)i;
        c->next_seq = 1;
        c->state = ST_CONNECTING;
        c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (c->fd < 0) {
            fprintf(stderr, "bench_watch_fanout: socket: %s\n", strerror(errno));
            goto out;
        }
        if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) != 0 && errno != EINPROGRESS) {
            fprintf(stderr, "bench_watch_fanout: connect: %s\n", strerror(errno));
            goto out;
        }
        struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN, .data.ptr = c};
        epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
    }

    loop lp = {ep, req, reqlen, &opt, 0, 0};

    /* The server registers a watch before it sends the response head, so a
     * 200 head means the watch will see every later write. */
    while (lp.established + lp.closed < opt.watchers && bench_now() - t_conn0 < opt.connect_timeout)
        poll_once(&lp, conns, 100);
    double t_established = bench_now() - t_conn0;
    if (lp.established < opt.watchers) {
        fprintf(stderr, "bench_watch_fanout: only %ld of %ld watches established after %.1f s (%ld failed)\n",
                lp.established, opt.watchers, t_established, lp.closed);
        for (long i = 0, shown = 0; i < opt.watchers && shown < 5; i++)
            if (conns[i].failed) {
                fprintf(stderr, "  watcher %ld: %s\n", i, conns[i].why);
                shown++;
            }
        goto out;
    }
    if (srv && lwc_mock_watch_count(srv) < (size_t)opt.watchers) {
        fprintf(stderr, "bench_watch_fanout: %ld heads but the server counts %zu watches\n", lp.established,
                lwc_mock_watch_count(srv));
        goto out;
    }
    long rss_watching = have_server_proc ? bench_proc_status(spid, "VmRSS") : -1;
    long threads_watching = have_server_proc ? bench_proc_status(spid, "Threads") : -1;
    double cpu0 = have_server_proc ? bench_proc_cpu(spid) : -1;

    /* ---- the writes, and their delivery ---- */
    pthread_t wt;
    double t0 = bench_now();
    if (pthread_create(&wt, NULL, write_events, &w) != 0) {
        fprintf(stderr, "bench_watch_fanout: pthread_create failed\n");
        goto out;
    }
    long complete = 0;
    int writer_state = 0;
    for (;;) {
        poll_once(&lp, conns, 50);
        writer_state = atomic_load(&w.done);
        complete = 0;
        for (long i = 0; i < opt.watchers; i++)
            complete += conns[i].done_at > 0;
        if (complete == opt.watchers || writer_state < 0 || bench_now() - t0 > opt.timeout)
            break;
        if (lp.closed == opt.watchers)
            break;
    }
    double t_full = bench_now();
    pthread_join(wt, NULL);
    writer_state = atomic_load(&w.done);
    double cpu1 = have_server_proc ? bench_proc_cpu(spid) : -1;
    /* A short drain catches duplicates sent after the last expected event. */
    for (double tend = bench_now() + 0.3; bench_now() < tend;)
        poll_once(&lp, conns, 50);
    long rss_after = have_server_proc ? bench_proc_status(spid, "VmRSS") : -1;
    long hwm_after = have_server_proc ? bench_proc_status(spid, "VmHWM") : -1;

    /* ---- the verdict ---- */
    long bad = 0;
    unsigned long long total_bytes = 0, delivered = 0;
    double *done_at = calloc((size_t)opt.watchers, sizeof *done_at);
    for (long i = 0; i < opt.watchers; i++) {
        conn *c = &conns[i];
        total_bytes += c->bytes;
        delivered += (unsigned long long)(c->next_seq - 1 < opt.events ? c->next_seq - 1 : opt.events);
        if (done_at)
            done_at[i] = c->done_at ? c->done_at - t0 : -1;
        if (c->failed || !c->done_at) {
            if (bad < 10) {
                if (c->failed)
                    fprintf(stderr, "bench_watch_fanout: watcher %ld: %s (next seq %ld of %ld)\n", i, c->why,
                            c->next_seq, opt.events);
                else
                    fprintf(stderr, "bench_watch_fanout: watcher %ld: received %ld of %ld events\n", i,
                            c->next_seq - 1, opt.events);
            }
            bad++;
        }
    }
    if (writer_state < 0)
        fprintf(stderr, "bench_watch_fanout: the writer failed: %s\n", w.why);
    double elapsed = (complete == opt.watchers ? t_full : bench_now()) - t0;
    if (done_at)
        qsort(done_at, (size_t)opt.watchers, sizeof *done_at, cmp_double);
    printf("mode=%s\n", srv ? "in-process" : "http");
    printf("watchers=%ld\nevents=%ld\nobjects=%ld\n", opt.watchers, opt.events, opt.objects);
    printf("established_s=%.3f\n", t_established);
    if (writer_state > 0)
        printf("write_s=%.3f\nwrites_per_s=%.0f\n", w.t_end - w.t_start,
               opt.events / (w.t_end - w.t_start > 0 ? w.t_end - w.t_start : 1e-9));
    printf("complete_watchers=%ld\n", complete);
    printf("delivered_events=%llu\nexpected_events=%llu\n", delivered,
           (unsigned long long)opt.watchers * (unsigned long long)opt.events);
    printf("full_delivery_s=%.3f\n", elapsed);
    printf("events_per_s=%.0f\n", (double)delivered / (elapsed > 0 ? elapsed : 1e-9));
    printf("received_mb=%.1f\n", (double)total_bytes / 1e6);
    if (done_at && bad == 0) {
        printf("watcher_done_p50_s=%.3f\n", done_at[opt.watchers / 2]);
        printf("watcher_done_p99_s=%.3f\n", done_at[(opt.watchers * 99) / 100 < opt.watchers
                                                        ? (opt.watchers * 99) / 100 : opt.watchers - 1]);
        printf("watcher_done_max_s=%.3f\n", done_at[opt.watchers - 1]);
    }
    if (have_server_proc) {
        printf("server_rss_before_kb=%ld\nserver_rss_watching_kb=%ld\nserver_rss_after_kb=%ld\n", rss_before,
               rss_watching, rss_after);
        printf("server_hwm_kb=%ld\nserver_threads=%ld\n", hwm_after, threads_watching);
        printf("server_cpu_s=%.2f\n", cpu1 - cpu0);
    }
    free(done_at);
    if (bad || writer_state < 0) {
        fprintf(stderr, "bench_watch_fanout: FAILED: %ld of %ld watchers did not get all %ld events in order\n",
                bad, opt.watchers, opt.events);
        rc = 1;
    } else {
        rc = 0;
    }
out:
    if (conns)
        for (long i = 0; i < opt.watchers; i++)
            if (conns[i].fd >= 0)
                close(conns[i].fd);
    free(conns);
    if (ep >= 0)
        close(ep);
    if (srv)
        lwc_mock_stop(srv);
    curl_global_cleanup();
    return rc;
}
