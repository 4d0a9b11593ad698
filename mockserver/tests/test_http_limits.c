/* The server's bounds below the API, one past each (README "Limits"):
 * requests libmicrohttpd refuses itself get one short reply and a close,
 * a request head that does not arrive in time is cut, one address holds a
 * bounded share of the connections, the control API installs a bounded
 * number of faults, and the store holds a bounded number of bytes. Raw sockets where libcurl would not send the request. */
#include "http_util.h"
#include "lwc_mockserver.h"
#include "lwc_scenario.h"
#include "monotonic.h"

#include "check_main.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static lwc_mock *srv;

static void start_with(unsigned header_timeout_ms)
{
    lwc_mock_config cfg;
    lwc_mock_config_init(&cfg);
    cfg.seed = 11;
    cfg.header_timeout_ms = header_timeout_ms;
    srv = test_start_with_default_ns(&cfg);
}

static void setup(void)
{
    start_with(0);
}

static void teardown(void)
{
    lwc_mock_stop(srv);
    srv = NULL;
}

static long long now_ms(void)
{
    return (long long)lwcc_monotonic_ms();
}

static void send_all(int fd, const char *data, size_t len)
{
    size_t off = 0;
    while (off < len) {
        ssize_t w = send(fd, data + off, len - off, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return; /* the server may close early: the caller reads what it said */
        off += (size_t)w;
    }
}

/* Waits (5 s at most) for the reply to a request just sent on fd and
 * asserts it is a 200; `what` names the request in the failure. */
static void expect_ok_reply(int fd, const char *what)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    ck_assert_msg(poll(&p, 1, 5000) == 1, "%s: no reply within 5 s", what);
    char buf[4096];
    ssize_t r = recv(fd, buf, sizeof buf - 1, 0);
    ck_assert_msg(r > 0, "%s: connection closed without a reply", what);
    buf[r] = '\0';
    ck_assert_msg(!strncmp(buf, "HTTP/1.1 200 ", 13), "%s: %.200s", what, buf);
}

static int count_of(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* What the server answers requests libmicrohttpd refuses before they reach
 * the API: always one status line and a close (libmicrohttpd 0.9.75 sent a
 * bad Content-Length's status line and headers twice); where the connection
 * is known by then, Go's net/http's short text reply, as the apiserver; an
 * over-long first request line and an unsupported version keep
 * libmicrohttpd's HTML page (mockserver/README.md, "Measured against a
 * real kube-apiserver"). */
typedef struct refused {
    const char *what;
    const char *head; /* the request head; "%s" is replaced by 140,000 'a's */
    int status;
    const char *body; /* the exact body, or NULL: libmicrohttpd's page */
} refused;

static const refused refusals[] = {
    {"Content-Length abc", "POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
     400, "400 Bad Request"},
    {"Content-Length -1", "POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
     400, "400 Bad Request"},
    {"Content-Length 1 2", "POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: x\r\nContent-Length: 1 2\r\n\r\n",
     400, "400 Bad Request"},
    {"Content-Length 0x10", "POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: x\r\nContent-Length: 0x10\r\n\r\n",
     400, "400 Bad Request"},
    {"Content-Length 5,5", "POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: x\r\nContent-Length: 5,5\r\n\r\n",
     400, "400 Bad Request"},
    {"empty Content-Length", "POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: x\r\nContent-Length:\r\n\r\n",
     400, "400 Bad Request"},
    {"Content-Length past 64 bits",
     "POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n", 400,
     "400 Bad Request"},
    {"header line without a colon", "GET /api HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n", 400, "400 Bad Request"},
    {"headers past the connection's memory", "GET /api HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n\r\n", 431,
     "431 Request Header Fields Too Large"},
    {"request line past the connection's memory", "GET /api?%s HTTP/1.1\r\nHost: x\r\n\r\n", 414, NULL},
    {"HTTP/2.0 request line", "GET /api HTTP/2.0\r\nHost: x\r\n\r\n", 505, NULL},
};

START_TEST(refused_requests_get_one_reply_and_a_close)
{
    const refused *c = &refusals[_i];
    size_t big = 140000;
    char *filler = malloc(big + 1);
    ck_assert_ptr_nonnull(filler);
    memset(filler, 'a', big);
    filler[big] = '\0';
    size_t cap = strlen(c->head) + big + 1;
    char *req = malloc(cap);
    ck_assert_ptr_nonnull(req);
    const char *pct = strstr(c->head, "%s");
    if (pct)
        snprintf(req, cap, "%.*s%s%s", (int)(pct - c->head), c->head, filler, pct + 2);
    else
        snprintf(req, cap, "%s", c->head);
    free(filler);

    int fd = test_connect_raw(srv);
    send_all(fd, req, strlen(req));
    free(req);
    int closed = 0;
    char *out = test_read_until_close(fd, 5000, &closed);
    close(fd);
    ck_assert_msg(closed, "%s: the server kept the connection open; it sent: %.200s", c->what, out);
    ck_assert_msg(count_of(out, "HTTP/1.") == 1, "%s: %d status lines in: %.400s", c->what, count_of(out, "HTTP/1."),
                  out);
    char line[64];
    snprintf(line, sizeof line, "HTTP/1.1 %d ", c->status);
    ck_assert_msg(!strncmp(out, line, strlen(line)), "%s: want %d, got: %.200s", c->what, c->status, out);
    const char *body = strstr(out, "\r\n\r\n");
    ck_assert_ptr_nonnull(body);
    body += 4;
    if (c->body) {
        ck_assert_msg(strstr(out, "\r\nContent-Type: text/plain; charset=utf-8\r\n") != NULL, "%s: %.300s", c->what, out);
        ck_assert_msg(strstr(out, "\r\nConnection: close\r\n") != NULL, "%s: %.300s", c->what, out);
        ck_assert_str_eq(body, c->body);
    } else {
        ck_assert_msg(!strncmp(body, "<html>", 6), "%s: want libmicrohttpd's page, got: %.300s", c->what, body);
    }
    free(out);
}
END_TEST

/* On a kept-alive connection the server knows the connection before the
 * second request line: an over-long or HTTP/2.0 one gets Go's short reply,
 * not libmicrohttpd's page (that is for the first request line only). */
START_TEST(refused_second_request_line_gets_go_reply)
{
    size_t big = 140000;
    const char *good = "GET /version HTTP/1.1\r\nHost: x\r\n\r\n";
    char *bad = malloc(big + 64);
    ck_assert_ptr_nonnull(bad);
    if (_i == 0) {
        memcpy(bad, "GET /api?", 9);
        memset(bad + 9, 'a', big);
        snprintf(bad + 9 + big, 64, " HTTP/1.1\r\nHost: x\r\n\r\n");
    } else {
        snprintf(bad, big + 64, "GET /api HTTP/2.0\r\nHost: x\r\n\r\n");
    }
    const char *want = _i == 0 ? "HTTP/1.1 431 " : "HTTP/1.1 505 ";

    int fd = test_connect_raw(srv);
    send_all(fd, good, strlen(good));
    expect_ok_reply(fd, "first request");

    send_all(fd, bad, strlen(bad));
    free(bad);
    int closed = 0;
    char *out = test_read_until_close(fd, 5000, &closed);
    close(fd);
    ck_assert_msg(closed, "the server kept the connection open; it sent: %.200s", out);
    ck_assert_msg(count_of(out, "HTTP/1.") == 1, "%d status lines in: %.400s", count_of(out, "HTTP/1."), out);
    ck_assert_msg(!strncmp(out, want, strlen(want)), "want %s, got: %.300s", want, out);
    ck_assert_msg(strstr(out, "\r\nContent-Type: text/plain; charset=utf-8\r\n") != NULL, "%.300s", out);
    free(out);
}
END_TEST

/* The server stops right as it answers a refused request: libmicrohttpd
 * 0.9.75 crashed when its stop began while a connection was in its own
 * error path (MHD_queue_response says yes and queues nothing once the
 * daemon is stopping); the server now drains its connections first. */
START_TEST(stopping_while_refusing_a_request)
{
    static const char *const heads[] = {
        "POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
        "GET /api HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n",
    };
    for (int i = 0; i < 40; i++) {
        int fd = test_connect_raw(srv);
        send_all(fd, heads[i % 2], strlen(heads[i % 2]));
        struct pollfd p = {.fd = fd, .events = POLLIN};
        ck_assert_msg(poll(&p, 1, 5000) == 1, "round %d: no reply", i);
        lwc_mock_stop(srv); /* the reply is out: stop at once */
        srv = NULL;
        close(fd);
        start_with(0);
    }
}
END_TEST

/* Sends a request head one byte at a time, every gap_ms, until the server
 * closes the connection or stop_ms pass; returns ms from connect to the
 * close (-1: still open), and whether any reply came. */
static long long trickle(int fd, const char *head, int gap_ms, int stop_ms, long long t0, int *replied)
{
    *replied = 0;
    size_t len = strlen(head);
    for (size_t i = 0;; i = (i + 1) % len) {
        if (now_ms() - t0 > stop_ms)
            return -1;
        if (send(fd, head + i, 1, MSG_NOSIGNAL) != 1)
            return now_ms() - t0; /* reset: closed */
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int pr = poll(&p, 1, gap_ms);
        if (pr > 0) {
            char b[256];
            ssize_t r = recv(fd, b, sizeof b, 0);
            if (r > 0)
                *replied = 1;
            return now_ms() - t0;
        }
    }
}

/* A client that sends its head a byte every 150 ms never trips the 90 s
 * idle timeout; with a 1 s header timeout it is cut a little past 1 s,
 * without a reply (as Go's ReadHeaderTimeout). A head that arrives in time,
 * slowly, is served; a kept-alive connection idles past the header timeout
 * and is still served; its next head, trickled, is cut as the first. */
START_TEST(slow_request_head_is_cut_at_the_header_timeout)
{
    lwc_mock_stop(srv);
    start_with(1000);
    const char *endless = "GET /api HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

    long long t0 = now_ms();
    int fd = test_connect_raw(srv);
    int replied = 0;
    long long cut = trickle(fd, endless, 150, 10000, t0, &replied);
    close(fd);
    ck_assert_msg(cut >= 0, "a head trickled for 10 s was never cut");
    ck_assert_msg(cut >= 1000, "cut after %lld ms, before the 1 s header timeout", cut);
    ck_assert_msg(cut < 3000, "cut after %lld ms, long past the 1 s header timeout", cut);
    ck_assert_msg(!replied, "the server replied to a head that never ended");

    /* In time, though slow: served, and the connection stays for the next request. */
    fd = test_connect_raw(srv);
    const char *head = "GET /api HTTP/1.1\r\nHost: x\r\n\r\n";
    for (size_t i = 0; head[i]; i++) {
        ck_assert_int_eq(send(fd, head + i, 1, MSG_NOSIGNAL), 1);
        if (i % 8 == 0) {
            struct timespec ts = {0, 40 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    expect_ok_reply(fd, "a slow head in time");

    /* Idle past the header timeout: the idle timeout (90 s) governs, not it. */
    struct pollfd p = {.fd = fd, .events = POLLIN};
    ck_assert_msg(poll(&p, 1, 1500) == 0, "the kept-alive connection was closed while idle for 1.5 s");
    send_all(fd, head, strlen(head));
    expect_ok_reply(fd, "after 1.5 s idle");

    /* The next head, trickled: cut a header timeout after its request line. */
    long long t1 = now_ms();
    cut = trickle(fd, endless, 150, 10000, t1, &replied);
    close(fd);
    ck_assert_msg(cut >= 0, "a second head trickled for 10 s was never cut");
    ck_assert_msg(!replied, "the server replied to a second head that never ended");
}
END_TEST


/* The default per-address share: 1,024 connections of 8,192 (was 2,048:
 * four addresses took them all), room for the 1,000 watches one host may
 * hold (test_http_watch); the 1,025th is closed at once. */
START_TEST(default_connections_per_address_one_past)
{
    enum { N = LWC_MOCK_DEFAULT_CONNECTIONS_PER_IP };
    ck_assert_int_eq(N, 1024);
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            ck_abort_msg("setrlimit: %s", strerror(errno));
    }
    ck_assert_msg(rl.rlim_cur >= 2 * N + 64, "open-file limit %llu is too low for this test",
                  (unsigned long long)rl.rlim_cur);
    static int fds[N];
    for (int i = 0; i < N; i++)
        fds[i] = test_connect_raw(srv);
    int extra = test_connect_raw(srv);
    ck_assert_msg(test_closed_by_server(extra, 5000), "connection %d from one address was kept", N + 1);
    close(extra);
    /* The 1,024 are served. */
    const char *head = "GET /version HTTP/1.1\r\nHost: x\r\n\r\n";
    send_all(fds[N - 1], head, strlen(head));
    struct pollfd p = {.fd = fds[N - 1], .events = POLLIN};
    ck_assert_int_eq(poll(&p, 1, 5000), 1);
    char buf[256];
    ssize_t r = recv(fds[N - 1], buf, sizeof buf - 1, 0);
    ck_assert_int_gt(r, 0);
    buf[r] = '\0';
    ck_assert_msg(!strncmp(buf, "HTTP/1.1 200 ", 13), "connection %d: %.100s", N, buf);
    for (int i = 0; i < N; i++)
        close(fds[i]);
}
END_TEST

static long post(const char *path, const char *body, char **out)
{
    char url[256];
    snprintf(url, sizeof url, "%s%s", lwc_mock_url(srv), path);
    http_response resp;
    ck_assert_int_eq(http_request("POST", url, NULL, "application/json", body, &resp), 0);
    long status = resp.status;
    *out = resp.body ? strdup(resp.body) : strdup("");
    ck_assert_ptr_nonnull(*out);
    http_response_free(&resp);
    return status;
}

/* 1,000 faults installed at once (scenario, timeline and control API
 * together); the 1,001st, by POST /lwc/v1/faults or by a step, is the
 * apiserver's exceeded quota (403). One fault or step body is 64 KiB at most
 * (413), so that the control API holds at most about 64 MB of faults. */
START_TEST(faults_are_bounded)
{
    char err[256], json[128];
    for (int i = 0; i < LWC_MOCK_MAX_FAULTS; i++) {
        snprintf(json, sizeof json, "{\"name\":\"f%d\",\"match\":{\"verb\":\"get\"},\"action\":{\"status\":500}}", i);
        lwc_fault *f = lwc_fault_parse(json, err, sizeof err);
        ck_assert_msg(f != NULL, "parse: %s", err);
        ck_assert_msg(lwc_mock_add_fault(srv, f, err, sizeof err) == LWC_MOCK_OK, "fault %d: %s", i, err);
        lwc_fault_free(f);
    }
    char *body = NULL;
    long st = post("/lwc/v1/faults", "{\"name\":\"one-past\",\"match\":{\"verb\":\"get\"},\"action\":{\"status\":500}}", &body);
    ck_assert_int_eq(st, 403);
    cJSON *doc = cJSON_Parse(body);
    ck_assert_ptr_nonnull(doc);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(doc, "reason")->valuestring, "Forbidden");
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(doc, "message")->valuestring,
                     "faults \"one-past\" is forbidden: exceeded quota: lwc-faults, requested: faults=1, used: "
                     "faults=1000, limited: faults=1000");
    cJSON_Delete(doc);
    free(body);

    st = post("/lwc/v1/steps", "{\"do\":\"addFault\",\"fault\":{\"match\":{\"verb\":\"get\"},\"action\":{\"status\":500}}}",
              &body);
    ck_assert_msg(st == 403, "a step past the limit: %ld %s", st, body);
    ck_assert_ptr_nonnull(strstr(body, "faults is forbidden: exceeded quota"));
    free(body);

    /* One removed: one more fits. */
    ck_assert_int_eq(lwc_mock_remove_fault(srv, "f0"), LWC_MOCK_OK);
    st = post("/lwc/v1/faults", "{\"name\":\"fits\",\"match\":{\"verb\":\"get\"},\"action\":{\"status\":500}}", &body);
    ck_assert_msg(st == 201, "after a removal: %ld %.200s", st, body);
    free(body);

    /* One byte past 64 KiB of body. */
    size_t n = 64 * 1024 + 1;
    char *big = malloc(n + 1);
    ck_assert_ptr_nonnull(big);
    memset(big, ' ', n);
    big[0] = '{';
    big[n - 1] = '}';
    big[n] = '\0';
    st = post("/lwc/v1/faults", big, &body);
    ck_assert_int_eq(st, 413);
    ck_assert_ptr_nonnull(strstr(body, "Request entity too large: limit is 65536"));
    free(body);
    st = post("/lwc/v1/steps", big, &body);
    ck_assert_int_eq(st, 413);
    free(body);
    free(big);
}
END_TEST

/* An API request on this test's server: its status, its body in *out. */
static long api(const char *method, const char *path, const char *content_type, const char *body, char **out)
{
    char url[256];
    snprintf(url, sizeof url, "%s%s", lwc_mock_url(srv), path);
    http_response resp;
    ck_assert_msg(http_request(method, url, NULL, content_type, body, &resp) == 0, "%s %s: no reply", method, path);
    long status = resp.status;
    *out = resp.body ? strdup(resp.body) : strdup("");
    ck_assert_ptr_nonnull(*out);
    http_response_free(&resp);
    return status;
}

static double state_number(const char *member)
{
    cJSON *doc = test_get_json(srv, "/lwc/v1/state", 200);
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(doc, member);
    ck_assert_msg(cJSON_IsNumber(n), "/lwc/v1/state has no number %s", member);
    double v = n->valuedouble;
    cJSON_Delete(doc);
    return v;
}

static const char *quota_pod(int i)
{
    static char json[256];
    snprintf(json, sizeof json,
             "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"q%d\"},"
             "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}}", i);
    return json;
}

/* What the apiserver answers when etcd's quota is full: etcd's error, passed
 * on as an unknown error (responsewriters/status.go): 500, no reason. */
static void expect_no_space(long status, const char *body, const char *what)
{
    ck_assert_msg(status == 500, "%s past the quota: %ld %s", what, status, body);
    cJSON *doc = cJSON_Parse(body);
    ck_assert_msg(doc != NULL, "%s: not JSON: %s", what, body);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(doc, "kind")->valuestring, "Status");
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(doc, "status")->valuestring, "Failure");
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(doc, "message")->valuestring,
                     "etcdserver: mvcc: database space exceeded");
    ck_assert_msg(cJSON_GetObjectItemCaseSensitive(doc, "reason") == NULL, "%s: a reason: %s", what, body);
    ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(doc, "code")->valueint, 500);
    cJSON_Delete(doc);
}

static void start_with_quota(size_t bytes)
{
    lwc_mock_stop(srv);
    lwc_mock_config cfg;
    lwc_mock_config_init(&cfg);
    cfg.seed = 11;
    cfg.store_quota_bytes = bytes;
    srv = test_start_with_default_ns(&cfg);
}

/* The store's quota (etcd's, 2 GiB by default), one byte short and exactly:
 * creates, updates and control steps past it get etcd's 500; deletes are
 * taken; compaction gives the space back. Every API write grew the store
 * without bound before. */
START_TEST(store_quota_one_past)
{
    char *body = NULL;
    const char *pods = "/api/v1/namespaces/default/pods";
    /* The sizes, on a server like the next ones (same seed: same uids). */
    ck_assert_double_eq(state_number("storeQuotaBytes"), (double)LWC_MOCK_DEFAULT_STORE_QUOTA_BYTES);
    double base = state_number("storeBytes");
    ck_assert_int_eq(api("POST", pods, "application/json", quota_pod(1), &body), 201);
    free(body);
    size_t pod = (size_t)(state_number("storeBytes") - base);
    ck_assert_uint_gt(pod, 100);

    start_with_quota((size_t)base + pod - 1);
    ck_assert_double_eq(state_number("storeBytes"), base);
    long st = api("POST", pods, "application/json", quota_pod(1), &body);
    expect_no_space(st, body, "a create one byte");
    free(body);
    ck_assert_double_eq(state_number("storeBytes"), base);

    start_with_quota((size_t)base + pod);
    ck_assert_int_eq(api("POST", pods, "application/json", quota_pod(1), &body), 201);
    free(body);
    ck_assert_double_eq(state_number("storeBytes"), base + (double)pod);
    st = api("POST", pods, "application/json", quota_pod(2), &body);
    expect_no_space(st, body, "a second create");
    free(body);
    st = api("PATCH", "/api/v1/namespaces/default/pods/q1", "application/merge-patch+json",
             "{\"metadata\":{\"labels\":{\"a\":\"b\"}}}", &body);
    expect_no_space(st, body, "an update");
    free(body);
    st = post("/lwc/v1/steps", "{\"do\":\"create\",\"namespace\":\"default\",\"name\":\"q3\"}", &body);
    expect_no_space(st, body, "a control step's create");
    free(body);
    char err[256];
    ck_assert_int_eq(lwc_mock_create(srv, "/api/v1", "pods",
                                     "{\"metadata\":{\"name\":\"q4\",\"namespace\":\"default\"}}", NULL, err,
                                     sizeof err),
                     LWC_MOCK_ENOSPACE);
    ck_assert_str_eq(err, "etcdserver: mvcc: database space exceeded");

    /* Deletes are taken; their states stay until compaction. */
    ck_assert_int_eq(api("DELETE", "/api/v1/namespaces/default/pods/q1", NULL, NULL, &body), 200);
    free(body);
    st = api("POST", pods, "application/json", quota_pod(2), &body);
    expect_no_space(st, body, "a create before compaction");
    free(body);
    ck_assert_int_eq(post("/lwc/v1/compact", "", &body), 200);
    free(body);
    ck_assert_double_eq(state_number("storeBytes"), base);
    ck_assert_int_eq(api("POST", pods, "application/json", quota_pod(2), &body), 201);
    free(body);
}
END_TEST

/* A scenario file with more faults than the server installs is refused
 * when it loads, with its JSON path, not halfway through a run. */
START_TEST(scenario_with_too_many_faults_is_refused)
{
    size_t cap = 64 + (size_t)(LWC_MOCK_MAX_FAULTS + 1) * 64;
    char *json = malloc(cap);
    ck_assert_ptr_nonnull(json);
    size_t n = (size_t)snprintf(json, cap, "{\"name\":\"many-faults\",\"description\":\"x\",\"faults\":[");
    for (int i = 0; i <= LWC_MOCK_MAX_FAULTS; i++)
        n += (size_t)snprintf(json + n, cap - n, "%s{\"name\":\"f%d\",\"match\":{},\"action\":{\"status\":500}}",
                              i ? "," : "", i);
    snprintf(json + n, cap - n, "]}");
    char err[512];
    lwc_scenario *sc = lwc_scenario_parse(json, "many.json", err, sizeof err);
    free(json);
    ck_assert_msg(sc == NULL, "a scenario with %d faults loaded", LWC_MOCK_MAX_FAULTS + 1);
    ck_assert_msg(strstr(err, "faults: 1001 faults; the server installs at most 1000 at once") != NULL, "%s", err);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("http_limits");
    TCase *tc = tcase_create("limits");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 90);
    tcase_add_loop_test(tc, refused_requests_get_one_reply_and_a_close, 0,
                        (int)(sizeof refusals / sizeof refusals[0]));
    tcase_add_loop_test(tc, refused_second_request_line_gets_go_reply, 0, 2);
    tcase_add_test(tc, stopping_while_refusing_a_request);
    tcase_add_test(tc, slow_request_head_is_cut_at_the_header_timeout);
    tcase_add_test(tc, default_connections_per_address_one_past);
    tcase_add_test(tc, faults_are_bounded);
    tcase_add_test(tc, scenario_with_too_many_faults_is_refused);
    tcase_add_test(tc, store_quota_one_past);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
