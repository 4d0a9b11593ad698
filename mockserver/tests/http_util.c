/* A libcurl client for the tests: plain requests, and watch streams read line by line with a deadline. */
#include "http_util.h"

#include "lwc_mockserver.h"
#include "strbuf.h"
#include "monotonic.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

/* libcurl's write callback: appends to a strbuf; a short count on failure makes curl fail the transfer. */
static size_t buf_write(char *ptr, size_t size, size_t n, void *userdata)
{
    return lwcc_strbuf_append(userdata, ptr, size * n) == 0 ? size * n : 0;
}

int http_request(const char *method, const char *url, const char *accept, const char *content_type,
                 const char *body, http_response *out)
{
    memset(out, 0, sizeof *out);
    CURL *c = curl_easy_init();
    if (!c)
        return -1;
    strbuf b, h;
    lwcc_strbuf_init(&b);
    lwcc_strbuf_init(&h);
    struct curl_slist *hdrs = NULL;
    char line[512];
    if (accept) {
        snprintf(line, sizeof line, "Accept: %s", accept);
        hdrs = curl_slist_append(hdrs, line);
    }
    if (content_type) {
        snprintf(line, sizeof line, "Content-Type: %s", content_type);
        hdrs = curl_slist_append(hdrs, line);
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, buf_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, buf_write);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 20000L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (hdrs)
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    if (method && strcmp(method, "GET") != 0)
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(c);
    out->body = lwcc_strbuf_take(&b, &out->len);
    out->headers = lwcc_strbuf_take(&h, NULL);
    /* On failure the caller gets nothing to free: a test that retries while
     * the server refuses connections must not leak what a failed try read. */
    if (!out->body || !out->headers || rc != CURLE_OK) {
        http_response_free(out);
        return -1;
    }
    return 0;
}

void http_response_free(http_response *r)
{
    free(r->body);
    free(r->headers);
    memset(r, 0, sizeof *r);
}

cJSON *http_json(const http_response *r)
{
    return r->body ? cJSON_ParseWithLength(r->body, r->len) : NULL;
}

const char *http_header(const http_response *r, const char *name, char *out, size_t len)
{
    size_t nlen = strlen(name);
    const char *p = r->headers;
    while (p && *p) {
        const char *eol = strstr(p, "\r\n");
        size_t llen = eol ? (size_t)(eol - p) : strlen(p);
        if (llen > nlen && strncasecmp(p, name, nlen) == 0 && p[nlen] == ':') {
            const char *v = p + nlen + 1;
            while (*v == ' ')
                v++;
            size_t vlen = llen - (size_t)(v - p);
            if (vlen >= len)
                vlen = len - 1;
            memcpy(out, v, vlen);
            out[vlen] = '\0';
            return out;
        }
        p = eol ? eol + 2 : NULL;
    }
    return NULL;
}

struct watch_client {
    CURLM *multi;
    CURL *easy;
    struct curl_slist *hdrs;
    strbuf data;
    size_t consumed;
    int ended;
    CURLcode result;
    long status;
};

watch_client *watch_open(const char *url, const char *accept)
{
    watch_client *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->multi = curl_multi_init();
    w->easy = curl_easy_init();
    if (!w->multi || !w->easy) {
        watch_close(w);
        return NULL;
    }
    if (accept) {
        char line[512];
        snprintf(line, sizeof line, "Accept: %s", accept);
        w->hdrs = curl_slist_append(NULL, line);
        curl_easy_setopt(w->easy, CURLOPT_HTTPHEADER, w->hdrs);
    }
    curl_easy_setopt(w->easy, CURLOPT_URL, url);
    curl_easy_setopt(w->easy, CURLOPT_WRITEFUNCTION, buf_write);
    curl_easy_setopt(w->easy, CURLOPT_WRITEDATA, &w->data);
    curl_easy_setopt(w->easy, CURLOPT_NOSIGNAL, 1L);
    curl_multi_add_handle(w->multi, w->easy);
    return w;
}

static void pump(watch_client *w, int timeout_ms)
{
    if (w->ended)
        return;
    int running = 0;
    size_t had = w->data.len;
    curl_multi_perform(w->multi, &running);
    /* Wait only when the first pass brought nothing: the data may already be here. */
    if (running && w->data.len == had) {
        curl_multi_poll(w->multi, NULL, 0, timeout_ms, NULL);
        curl_multi_perform(w->multi, &running);
    }
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(w->multi, &left))) {
        if (m->msg == CURLMSG_DONE) {
            w->ended = 1;
            w->result = m->data.result;
        }
    }
    curl_easy_getinfo(w->easy, CURLINFO_RESPONSE_CODE, &w->status);
}

char *watch_next_line(watch_client *w, int timeout_ms)
{
    long long deadline = (long long)lwcc_monotonic_ms() + timeout_ms;
    for (;;) {
        if (w->data.len > w->consumed) {
            char *start = w->data.data + w->consumed;
            char *nl = memchr(start, '\n', w->data.len - w->consumed);
            if (nl) {
                size_t n = (size_t)(nl - start);
                char *line = malloc(n + 1);
                if (!line)
                    return NULL;
                memcpy(line, start, n);
                line[n] = '\0';
                w->consumed += n + 1;
                return line;
            }
        }
        if (w->ended)
            return NULL;
        long long left = deadline - (long long)lwcc_monotonic_ms();
        if (left <= 0)
            return NULL;
        pump(w, left > 100 ? 100 : (int)left);
    }
}

cJSON *watch_next_event(watch_client *w, int timeout_ms)
{
    char *line = watch_next_line(w, timeout_ms);
    if (!line)
        return NULL;
    cJSON *ev = cJSON_Parse(line);
    free(line);
    return ev;
}

int watch_ended(watch_client *w)
{
    /* Ended, with no complete line left to read (a cut stream may leave half of one). */
    return w->ended && (w->data.len <= w->consumed || !memchr(w->data.data + w->consumed, '\n', w->data.len - w->consumed));
}

long watch_status(watch_client *w)
{
    long long deadline = (long long)lwcc_monotonic_ms() + 5000;
    while (!w->status && !w->ended && (long long)lwcc_monotonic_ms() < deadline)
        pump(w, 50);
    return w->status;
}

int watch_clean_end(watch_client *w)
{
    return w->ended && w->result == CURLE_OK;
}

void watch_close(watch_client *w)
{
    if (!w)
        return;
    if (w->multi && w->easy)
        curl_multi_remove_handle(w->multi, w->easy);
    if (w->easy)
        curl_easy_cleanup(w->easy);
    if (w->multi)
        curl_multi_cleanup(w->multi);
    curl_slist_free_all(w->hdrs);
    lwcc_strbuf_free(&w->data);
    free(w);
}

static const char *str_path(const cJSON *ev, const char *a, const char *b, const char *c)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(ev, a);
    if (b)
        x = cJSON_GetObjectItemCaseSensitive(x, b);
    if (c)
        x = cJSON_GetObjectItemCaseSensitive(x, c);
    return cJSON_IsString(x) ? x->valuestring : NULL;
}

const char *event_type(const cJSON *ev)
{
    return str_path(ev, "type", NULL, NULL);
}

const char *event_name(const cJSON *ev)
{
    return str_path(ev, "object", "metadata", "name");
}

const char *event_rv(const cJSON *ev)
{
    return str_path(ev, "object", "metadata", "resourceVersion");
}

uint64_t test_put_pod(lwc_mock *srv, const char *ns, const char *name, const char *app, int update)
{
    char json[512], labels[128] = "", err[256];
    if (app)
        snprintf(labels, sizeof labels, ",\"labels\":{\"app\":\"%s\"}", app);
    snprintf(json, sizeof json,
             "{\"metadata\":{\"name\":\"%s\",\"namespace\":\"%s\"%s},"
             "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}",
             name, ns, labels);
    uint64_t rv = 0;
    int rc = update ? lwc_mock_update(srv, "/api/v1", "pods", json, &rv, err, sizeof err)
                    : lwc_mock_create(srv, "/api/v1", "pods", json, &rv, err, sizeof err);
    ck_assert_msg(rc == LWC_MOCK_OK, "%s %s/%s: %s", update ? "update" : "create", ns, name, err);
    return rv;
}

cJSON *test_get_json(lwc_mock *srv, const char *path_query, long want_status)
{
    char url[2048];
    snprintf(url, sizeof url, "%s%s", lwc_mock_url(srv), path_query);
    http_response r;
    ck_assert_int_eq(http_request("GET", url, "application/json", NULL, NULL, &r), 0);
    ck_assert_msg(r.status == want_status, "GET %s: status %ld, want %ld: %s", path_query, r.status, want_status,
                  r.body);
    cJSON *doc = http_json(&r);
    ck_assert_msg(doc != NULL, "GET %s: body is not JSON: %s", path_query, r.body);
    http_response_free(&r);
    return doc;
}

void test_add_fault(lwc_mock *srv, const char *json)
{
    char err[512];
    lwc_fault *f = lwc_fault_parse(json, err, sizeof err);
    ck_assert_msg(f != NULL, "%s", err);
    ck_assert_int_eq(lwc_mock_add_fault(srv, f, err, sizeof err), LWC_MOCK_OK);
    lwc_fault_free(f);
}

watch_client *test_open_watch(lwc_mock *srv, const char *path_query)
{
    char url[1024];
    snprintf(url, sizeof url, "%s%s", lwc_mock_url(srv), path_query);
    watch_client *w = watch_open(url, NULL);
    ck_assert_ptr_nonnull(w);
    ck_assert_int_eq(watch_status(w), 200);
    return w;
}

char *test_read_wire(const char *name, size_t *len)
{
    char path[512], err[256];
    snprintf(path, sizeof path, "%s/%s.http", LWC_WIRE_DIR, name);
    char *bytes = lwc_read_file(path, 4096, len, err, sizeof err);
    ck_assert_msg(bytes != NULL, "%s", err);
    ck_assert_msg(*len > 0, "%s: empty", path);
    return bytes;
}

lwc_mock *test_start_with_default_ns(const lwc_mock_config *cfg)
{
    lwc_mock *srv = NULL;
    char err[256];
    ck_assert_msg(lwc_mock_start(cfg, &srv, err, sizeof err) == LWC_MOCK_OK, "start: %s", err);
    uint64_t rv = 0;
    ck_assert_msg(lwc_mock_create(srv, "/api/v1", "namespaces", "{\"metadata\":{\"name\":\"default\"}}", &rv, err,
                                  sizeof err) == LWC_MOCK_OK,
                  "namespace: %s", err);
    return srv;
}

int test_connect_raw(lwc_mock *srv)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(lwc_mock_port(srv));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ck_assert_msg(fd >= 0, "socket: %s", strerror(errno));
    ck_assert_msg(connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0, "connect: %s", strerror(errno));
    return fd;
}

int test_closed_by_server(int fd, int deadline_ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, deadline_ms) <= 0)
        return 0;
    char b;
    ssize_t r = recv(fd, &b, 1, MSG_DONTWAIT);
    return r == 0 || (r < 0 && errno == ECONNRESET);
}

char *test_read_until_close(int fd, int deadline_ms, int *closed)
{
    size_t cap = 4096, n = 0;
    char *out = malloc(cap);
    ck_assert_ptr_nonnull(out);
    int ended = 0;
    long long end = (long long)lwcc_monotonic_ms() + deadline_ms;
    for (;;) {
        long long left = end - (long long)lwcc_monotonic_ms();
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (left <= 0 || poll(&p, 1, (int)left) <= 0)
            break;
        if (n + 1024 > cap) {
            cap *= 2;
            out = realloc(out, cap);
            ck_assert_ptr_nonnull(out);
        }
        ssize_t r = recv(fd, out + n, cap - n - 1, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            ended = 1; /* end of stream, or a reset after the reply */
            break;
        }
        n += (size_t)r;
    }
    out[n] = '\0';
    if (closed)
        *closed = ended;
    return out;
}
