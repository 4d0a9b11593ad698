/* What a hostile client sends the server: requests refused below the API
 * must leave nothing allocated behind (raw sockets, since libcurl will not
 * send most of them). */
#include "http_util.h"
#include "lwc_mockserver.h"
#include "faults.h"
#include "http_server.h" /* lwcm_http_server_live_requests */
#include "validation.h"  /* lwcm_utf8_valid */

#include "check_main.h"
#include "monotonic.h"

#include <arpa/inet.h>
#include <check.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static lwc_mock *srv;

static void start_bounded(size_t log_entries, unsigned per_ip, unsigned timeout_s)
{
    lwc_mock_config cfg;
    lwc_mock_config_init(&cfg);
    cfg.seed = 7;
    cfg.max_log_entries = log_entries;
    cfg.max_connections_per_ip = per_ip;
    cfg.connection_timeout_s = timeout_s;
    srv = test_start_with_default_ns(&cfg);
}

static void setup(void)
{
    start_bounded(0, 0, 0);
}

static void teardown(void)
{
    lwc_mock_stop(srv);
    srv = NULL;
}

/* Sends req and reads until the server closes (or deadline); returns what
 * came back, malloc'd and NUL-terminated. */
static char *exchange(const char *req, size_t len, int deadline_ms)
{
    int fd = test_connect_raw(srv);
    size_t off = 0;
    while (off < len) {
        ssize_t w = send(fd, req + off, len - off, MSG_NOSIGNAL);
        if (w <= 0)
            break; /* the server may close early: read what it said */
        off += (size_t)w;
    }
    shutdown(fd, SHUT_WR);
    char *out = test_read_until_close(fd, deadline_ms, NULL);
    close(fd);
    return out;
}

/* Every request context made has been freed, within a deadline (the
 * connection's thread frees it after the socket closes). */
static int contexts_drain(int deadline_ms)
{
    long long end = (long long)lwcc_monotonic_ms() + deadline_ms;
    while (lwcm_http_server_live_requests(srv) != 0) {
        if ((long long)lwcc_monotonic_ms() > end)
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
                  lwcm_http_server_live_requests(srv));
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

/* POSTs body as a ConfigMap in "default" (201), then GETs get_path (200) into out. */
static void create_then_get(const char *body, const char *get_path, http_response *out)
{
    char url[512];
    snprintf(url, sizeof url, "%s/api/v1/namespaces/default/configmaps", lwc_mock_url(srv));
    http_response resp;
    ck_assert_int_eq(http_request("POST", url, NULL, "application/json", body, &resp), 0);
    ck_assert_msg(resp.status == 201, "POST: %ld %s", resp.status, resp.body);
    http_response_free(&resp);
    snprintf(url, sizeof url, "%s%s", lwc_mock_url(srv), get_path);
    ck_assert_int_eq(http_request(NULL, url, NULL, NULL, NULL, out), 0);
    ck_assert_int_eq(out->status, 200);
}

/* A member given twice keeps the last value (Go's decoder), and is stored
 * once: it used to be stored twice, which strict parsers refuse. */
START_TEST(duplicate_members_keep_the_last)
{
    http_response resp;
    create_then_get("{\"metadata\":{\"name\":\"dup\"},\"data\":{\"k\":\"1\",\"k\":\"2\"}}",
                    "/api/v1/namespaces/default/configmaps/dup", &resp);
    ck_assert_msg(strstr(resp.body, "\"data\":{\"k\":\"2\"}") != NULL, "%s", resp.body);
    http_response_free(&resp);
}
END_TEST

/* Ill-formed UTF-8 never reaches a reply: a ConfigMap's value is stored
 * with U+FFFD (as Go's decoder does), and a Status echoing a bad name is
 * still UTF-8 (it used to carry the raw bytes). */
START_TEST(replies_are_always_utf8)
{
    char url[512];
    http_response resp;
    create_then_get("{\"metadata\":{\"name\":\"bytes\"},\"data\":{\"k\":\"a\xff\xfe\xc0\x80z\"}}",
                    "/api/v1/namespaces/default/configmaps", &resp);
    ck_assert_msg(lwcm_utf8_valid(resp.body, resp.len), "the list is not UTF-8: %s", resp.body);
    ck_assert_ptr_nonnull(strstr(resp.body, "a\xEF\xBF\xBD"));
    http_response_free(&resp);
    snprintf(url, sizeof url, "%s/api/v1/namespaces/default/pods/%%ff%%fe%%c0", lwc_mock_url(srv));
    ck_assert_int_eq(http_request(NULL, url, NULL, NULL, NULL, &resp), 0);
    ck_assert_int_eq(resp.status, 404);
    ck_assert_msg(lwcm_utf8_valid(resp.body, resp.len), "the Status is not UTF-8: %s", resp.body);
    http_response_free(&resp);
}
END_TEST

/* One past the per-address limit: the connection is closed at once, the
 * others still work; and an idle connection is closed after the timeout
 * (a half-open flood used to hold every slot for 600 s). */
START_TEST(connections_per_address_and_idle_timeout)
{
    lwc_mock_stop(srv);
    start_bounded(0, 4, 1);
    int fds[4];
    for (int i = 0; i < 4; i++)
        fds[i] = test_connect_raw(srv);
    int extra = test_connect_raw(srv);
    ck_assert_msg(test_closed_by_server(extra, 2000), "a 5th connection from one address was kept");
    close(extra);
    /* The idle four go after about a second. */
    for (int i = 0; i < 4; i++) {
        ck_assert_msg(test_closed_by_server(fds[i], 4000), "idle connection %d still open after the timeout", i);
        close(fds[i]);
    }
    /* Their slots come back once the server has cleaned them up. */
    char url[256];
    snprintf(url, sizeof url, "%s/api/v1/namespaces", lwc_mock_url(srv));
    long long end = (long long)lwcc_monotonic_ms() + 5000;
    long status = 0;
    while (status != 200 && (long long)lwcc_monotonic_ms() < end) {
        http_response resp;
        if (http_request(NULL, url, NULL, NULL, NULL, &resp) == 0) {
            status = resp.status;
            http_response_free(&resp);
        }
        if (status != 200) {
            struct timespec ts = {0, 20 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    ck_assert_int_eq(status, 200);
}
END_TEST

/* The request log keeps max_log_entries: one past it drops the oldest
 * (indices stay absolute; a dropped one is ENOENT), the newest stay. */
START_TEST(request_log_is_bounded)
{
    lwc_mock_stop(srv);
    start_bounded(8, 0, 0);
    for (int i = 0; i < 9; i++) {
        cJSON *doc = test_get_json(srv, "/api/v1/namespaces", 200);
        cJSON_Delete(doc);
    }
    ck_assert_uint_eq(lwc_mock_log_count(srv), 9);
    lwc_mock_request q;
    ck_assert_int_eq(lwc_mock_log_get(srv, 0, &q), LWC_MOCK_ENOENT);
    ck_assert_int_eq(lwc_mock_log_get(srv, 8, &q), LWC_MOCK_OK);
    ck_assert_str_eq(q.path, "/api/v1/namespaces");
    lwc_mock_request_free(&q);
    /* Many more: never more than 8 held. */
    for (int i = 0; i < 40; i++) {
        cJSON *doc = test_get_json(srv, "/api/v1/namespaces", 200);
        cJSON_Delete(doc);
    }
    size_t held = 0;
    for (size_t i = 0; i < lwc_mock_log_count(srv); i++)
        if (lwc_mock_log_get(srv, i, &q) == LWC_MOCK_OK) {
            held++;
            lwc_mock_request_free(&q);
        }
    ck_assert_uint_le(held, 8);
    ck_assert_uint_ge(held, 6);
}
END_TEST

/* A local address that is not loopback, or 0 when the machine has none. */
static int non_loopback_ipv4(char *out, size_t len)
{
    struct ifaddrs *ifs = NULL;
    if (getifaddrs(&ifs) != 0)
        return 0;
    int found = 0;
    for (struct ifaddrs *i = ifs; i && !found; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET)
            continue;
        const struct sockaddr_in *a = (const struct sockaddr_in *)i->ifa_addr;
        if ((ntohl(a->sin_addr.s_addr) >> 24) == 127)
            continue;
        found = inet_ntop(AF_INET, &a->sin_addr, out, (socklen_t)len) != NULL;
    }
    freeifaddrs(ifs);
    return found;
}

static long get_status(const char *url)
{
    http_response resp;
    if (http_request(NULL, url, NULL, NULL, NULL, &resp) != 0)
        return -1;
    long st = resp.status;
    http_response_free(&resp);
    return st;
}

/* Control endpoints need no credentials: on every interface they answer
 * loopback clients only, unless control_remote; the API itself answers all. */
START_TEST(control_answers_loopback_only_by_default)
{
    char ip[64];
    if (!non_loopback_ipv4(ip, sizeof ip)) {
        fprintf(stderr, "control_answers_loopback_only_by_default: no non-loopback IPv4 address here; not run\n");
        return;
    }
    for (int remote = 0; remote < 2; remote++) {
        lwc_mock_stop(srv);
        lwc_mock_config cfg;
        lwc_mock_config_init(&cfg);
        cfg.listen_addr = "0.0.0.0";
        cfg.control_remote = remote;
        char err[256];
        ck_assert_msg(lwc_mock_start(&cfg, &srv, err, sizeof err) == LWC_MOCK_OK, "start: %s", err);
        const char *port = strrchr(lwc_mock_url(srv), ':') + 1;
        char url[256];
        snprintf(url, sizeof url, "http://%s:%s/lwc/v1/state", ip, port);
        ck_assert_int_eq(get_status(url), remote ? 200 : 403);
        snprintf(url, sizeof url, "http://127.0.0.1:%s/lwc/v1/state", port);
        ck_assert_int_eq(get_status(url), 200);
        snprintf(url, sizeof url, "http://%s:%s/version", ip, port);
        ck_assert_int_eq(get_status(url), 200);
    }
}
END_TEST

/* One control request costs a bounded amount: a page of the request log,
 * and at most 10,000 writes in a step (a million took 2 GB). */
START_TEST(control_requests_are_bounded)
{
    for (int i = 0; i < 5; i++) {
        cJSON *doc = test_get_json(srv, "/api/v1/namespaces", 200);
        cJSON_Delete(doc);
    }
    cJSON *page = test_get_json(srv, "/lwc/v1/requests?since=1&limit=2", 200);
    ck_assert_int_eq(cJSON_GetArraySize(page), 2);
    ck_assert_int_eq((int)cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(page, 0), "index")->valuedouble, 1);
    cJSON_Delete(page);
    char url[256];
    snprintf(url, sizeof url, "%s/lwc/v1/steps", lwc_mock_url(srv));
    http_response resp;
    ck_assert_int_eq(http_request("POST", url, NULL, "application/json", "{\"do\":\"churn\",\"count\":10001}", &resp), 0);
    ck_assert_int_eq(resp.status, 400);
    ck_assert_ptr_nonnull(strstr(resp.body, "count 10001 is more than the 10000 writes one control request may make"));
    http_response_free(&resp);
}
END_TEST

/* The continue tokens remembered for "page" faults: one past 65,536 empties
 * the table (the newest stays matchable, the oldest reads as page 0); it
 * used to hold 1,048,576, about 150 MB in the soak. */
START_TEST(page_tokens_are_bounded)
{
    fault_table t;
    ck_assert_int_eq(lwcm_fault_table_init(&t), 0);
    char tok[32];
    for (int i = 0; i <= 65536; i++) {
        snprintf(tok, sizeof tok, "token-%d", i);
        lwcm_fault_table_note_page(&t, tok, 2 + i % 5);
    }
    ck_assert_int_eq(lwcm_fault_table_page_of(&t, "token-0"), 0);
    ck_assert_int_eq(lwcm_fault_table_page_of(&t, "token-65536"), 2 + 65536 % 5);
    ck_assert_uint_le(t.pages_used, 1);
    lwcm_fault_table_destroy(&t);
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
    tcase_add_test(tc, duplicate_members_keep_the_last);
    tcase_add_test(tc, connections_per_address_and_idle_timeout);
    tcase_add_test(tc, request_log_is_bounded);
    tcase_add_test(tc, control_answers_loopback_only_by_default);
    tcase_add_test(tc, control_requests_are_bounded);
    tcase_add_test(tc, page_tokens_are_bounded);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
