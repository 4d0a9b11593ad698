/* What a hostile client sends the server: requests refused below the API
 * must leave nothing allocated behind (raw sockets, since libcurl will not
 * send most of them). */
#include "http_util.h"
#include "lwc_mockserver.h"

#include "check_main.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* http_server.h: its internal header clashes with http_util.h's names. */
size_t http_server_live_requests(lwc_mock *srv);
int mock_utf8_valid(const char *s, size_t n); /* validation.h */

static lwc_mock *srv;

static void setup(void)
{
    lwc_mock_config cfg;
    lwc_mock_config_init(&cfg);
    cfg.seed = 7;
    char err[256];
    ck_assert_msg(lwc_mock_start(&cfg, &srv, err, sizeof err) == LWC_MOCK_OK, "start: %s", err);
    uint64_t rv = 0;
    ck_assert_msg(lwc_mock_create(srv, "/api/v1", "namespaces", "{\"metadata\":{\"name\":\"default\"}}", &rv, err,
                                  sizeof err) == LWC_MOCK_OK,
                  "namespace: %s", err);
}

static void teardown(void)
{
    lwc_mock_stop(srv);
    srv = NULL;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int connect_to_server(void)
{
    const char *url = lwc_mock_url(srv); /* http://127.0.0.1:PORT */
    const char *colon = strrchr(url, ':');
    ck_assert_ptr_nonnull(colon);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)atoi(colon + 1));
    ck_assert_int_eq(inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr), 1);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    return fd;
}

/* Sends req and reads until the server closes (or deadline); returns what
 * came back, malloc'd and NUL-terminated. */
static char *exchange(const char *req, size_t len, int deadline_ms)
{
    int fd = connect_to_server();
    size_t off = 0;
    while (off < len) {
        ssize_t w = send(fd, req + off, len - off, MSG_NOSIGNAL);
        if (w <= 0)
            break; /* the server may close early: read what it said */
        off += (size_t)w;
    }
    shutdown(fd, SHUT_WR);
    size_t cap = 4096, n = 0;
    char *out = malloc(cap);
    ck_assert_ptr_nonnull(out);
    long long end = now_ms() + deadline_ms;
    for (;;) {
        long long left = end - now_ms();
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (left <= 0 || poll(&p, 1, (int)left) <= 0)
            break;
        if (n + 1024 > cap) {
            cap *= 2;
            out = realloc(out, cap);
            ck_assert_ptr_nonnull(out);
        }
        ssize_t r = recv(fd, out + n, cap - n - 1, 0);
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    out[n] = '\0';
    close(fd);
    return out;
}

/* Every request context made has been freed, within a deadline (the
 * connection's thread frees it after the socket closes). */
static int contexts_drain(int deadline_ms)
{
    long long end = now_ms() + deadline_ms;
    while (http_server_live_requests(srv) != 0) {
        if (now_ms() > end)
            return 0;
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return 1;
}

/* About 2,000 query parameters overflow the connection's memory while the
 * header is parsed: libmicrohttpd closes it without calling the completion
 * callback, and the context made for the URI used to leak (~67 KB each). */
START_TEST(too_many_query_parameters_leave_nothing_allocated)
{
    size_t cap = 200 * 1000;
    char *req = malloc(cap);
    ck_assert_ptr_nonnull(req);
    size_t n = (size_t)snprintf(req, cap, "GET /api/v1/pods?");
    for (int i = 0; i < 4000; i++)
        n += (size_t)snprintf(req + n, cap - n, "%sp%d=v%d", i ? "&" : "", i, i);
    n += (size_t)snprintf(req + n, cap - n, " HTTP/1.1\r\nHost: x\r\n\r\n");
    for (int round = 0; round < 3; round++) {
        char *got = exchange(req, n, 5000);
        free(got);
    }
    free(req);
    ck_assert_msg(contexts_drain(5000), "%zu request contexts still allocated after every connection closed",
                  http_server_live_requests(srv));
    /* The server still answers. */
    cJSON *doc = test_get_json(srv, "/api/v1/namespaces", 200);
    cJSON_Delete(doc);
    ck_assert(contexts_drain(5000));
}
END_TEST

/* What a real apiserver refuses is refused, with its status and message
 * (apimachinery validation.go; Go's encoding/json; storage preconditions). */
static const struct refusal {
    const char *method, *path, *body;
    long status;
    const char *message;
} refusals[] = {
    {"POST", "/api/v1/namespaces", "{\"metadata\":{\"name\":\"a.b\"}}", 422,
     "Namespace \"a.b\" is invalid: metadata.name: Invalid value: \"a.b\": must not contain dots"},
    {"POST", "/api/v1/namespaces",
     "{\"metadata\":{\"name\":\"n234567890123456789012345678901234567890123456789012345678901234\"}}", 422,
     "must be no more than 63 characters"},
    {"POST", "/api/v1/namespaces/default/configmaps", "{\"metadata\":{\"name\":\"a\\u0000b\"}}", 400,
     "NUL"},
    {"POST", "/api/v1/namespaces/default/configmaps", "{\"metadata\":{\"name\":\"trailing\"}}x", 400,
     "invalid character 'x' after top-level value"},
    {"POST", "/api/v1/namespaces/default/configmaps",
     "{\"metadata\":{\"name\":\"k\",\"labels\":{\"n2345678901234567890123456789012345678901234567890123456789012345\":"
     "\"v\"}}}",
     422, "metadata.labels: Invalid value: \"n2345678901234567890123456789012345678901234567890123456789012345\": "
          "name part must be no more than 63 characters"},
    {"POST", "/api/v1/namespaces/default/configmaps",
     "{\"metadata\":{\"name\":\"v\",\"labels\":{\"app\":\"has space\"}}}", 422,
     "metadata.labels: Invalid value: \"has space\": a valid label must be an empty string or consist of"},
    {"POST", "/api/v1/namespaces/default/configmaps", "{\"metadata\":{\"name\":\"rv\",\"resourceVersion\":5}}", 400,
     "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.resourceVersion of type string"},
    {"POST", "/api/v1/namespaces/default/configmaps", "{\"metadata\":{\"name\":\"uid\",\"uid\":[]}}", 400,
     "ObjectMeta.metadata.uid of type string"},
    {"DELETE", "/api/v1/namespaces/default/configmaps/precond", "{\"preconditions\":{\"uid\":\"not-its-uid\"}}", 409,
     "Operation cannot be fulfilled on configmaps \"precond\": Precondition failed: UID in precondition: "
     "not-its-uid, UID in object meta: "},
};

START_TEST(what_the_apiserver_refuses_is_refused)
{
    const struct refusal *f = &refusals[_i];
    char err[256];
    uint64_t rv = 0;
    ck_assert_int_eq(lwc_mock_create(srv, "/api/v1", "configmaps",
                                     "{\"metadata\":{\"name\":\"precond\",\"namespace\":\"default\"}}", &rv, err,
                                     sizeof err),
                     LWC_MOCK_OK);
    char url[512];
    snprintf(url, sizeof url, "%s%s", lwc_mock_url(srv), f->path);
    http_response resp;
    ck_assert_int_eq(http_request(f->method, url, NULL, "application/json", f->body, &resp), 0);
    ck_assert_msg(resp.status == f->status, "%s %s: status %ld, want %ld: %s", f->method, f->path, resp.status,
                  f->status, resp.body);
    cJSON *st = http_json(&resp);
    ck_assert_ptr_nonnull(st);
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(st, "message");
    ck_assert(cJSON_IsString(m));
    ck_assert_msg(strstr(m->valuestring, f->message) != NULL, "message %s, want %s", m->valuestring, f->message);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(st, "kind")->valuestring, "Status");
    cJSON_Delete(st);
    http_response_free(&resp);
}
END_TEST

/* Ill-formed UTF-8 never reaches a reply: a ConfigMap's value is stored
 * with U+FFFD (as Go's decoder does), and a Status echoing a bad name is
 * still UTF-8 (it used to carry the raw bytes). */
START_TEST(replies_are_always_utf8)
{
    char url[512];
    snprintf(url, sizeof url, "%s/api/v1/namespaces/default/configmaps", lwc_mock_url(srv));
    http_response resp;
    ck_assert_int_eq(http_request("POST", url, NULL, "application/json",
                                  "{\"metadata\":{\"name\":\"bytes\"},\"data\":{\"k\":\"a\xff\xfe\xc0\x80z\"}}", &resp),
                     0);
    ck_assert_int_eq(resp.status, 201);
    http_response_free(&resp);
    ck_assert_int_eq(http_request(NULL, url, NULL, NULL, NULL, &resp), 0);
    ck_assert_int_eq(resp.status, 200);
    ck_assert_msg(mock_utf8_valid(resp.body, resp.len), "the list is not UTF-8: %s", resp.body);
    ck_assert_ptr_nonnull(strstr(resp.body, "a\xEF\xBF\xBD"));
    http_response_free(&resp);
    snprintf(url, sizeof url, "%s/api/v1/namespaces/default/pods/%%ff%%fe%%c0", lwc_mock_url(srv));
    ck_assert_int_eq(http_request(NULL, url, NULL, NULL, NULL, &resp), 0);
    ck_assert_int_eq(resp.status, 404);
    ck_assert_msg(mock_utf8_valid(resp.body, resp.len), "the Status is not UTF-8: %s", resp.body);
    http_response_free(&resp);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("http_hostile");
    TCase *tc = tcase_create("hostile");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, too_many_query_parameters_leave_nothing_allocated);
    tcase_add_loop_test(tc, what_the_apiserver_refuses_is_refused, 0, (int)(sizeof refusals / sizeof refusals[0]));
    tcase_add_test(tc, replies_are_always_utf8);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
