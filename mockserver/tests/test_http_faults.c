/* Faults and behaviours seen on the wire: each matcher selects the requests
 * it should, each action answers as the apiserver (or a broken network)
 * would, and the control endpoints drive it all over HTTP. */
#include "http_util.h"
#include "lwc_mockserver.h"

#include "check_main.h"
#include "monotonic.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static lwc_mock *srv;

static void start_cfg(lwc_mock_config *cfg)
{
    char err[256];
    ck_assert_msg(lwc_mock_start(cfg, &srv, err, sizeof err) == LWC_MOCK_OK, "start: %s", err);
    for (int i = 0; i < 6; i++) {
        char json[256];
        snprintf(json, sizeof json, "{\"metadata\":{\"name\":\"p%d\",\"namespace\":\"%s\"}}", i, i < 3 ? "a" : "b");
        ck_assert_int_eq(lwc_mock_create(srv, "/api/v1", "pods", json, NULL, err, sizeof err), LWC_MOCK_OK);
    }
}

static void setup(void)
{
    lwc_mock_config cfg;
    lwc_mock_config_init(&cfg);
    start_cfg(&cfg);
}

static void teardown(void)
{
    lwc_mock_stop(srv);
    srv = NULL;
}

static void add_fault(const char *json)
{
    test_add_fault(srv, json);
}

static long get(const char *pq, http_response *r)
{
    char url[2048];
    snprintf(url, sizeof url, "%s%s", lwc_mock_url(srv), pq);
    ck_assert_int_eq(http_request("GET", url, NULL, NULL, NULL, r), 0);
    return r->status;
}

static long status_of(const char *pq)
{
    http_response r;
    long s = get(pq, &r);
    http_response_free(&r);
    return s;
}

static char *continue_of(const char *pq)
{
    http_response r;
    ck_assert_int_eq(get(pq, &r), 200);
    cJSON *d = http_json(&r);
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(d, "metadata"), "continue");
    char *tok = cJSON_IsString(c) ? strdup(c->valuestring) : NULL;
    cJSON_Delete(d);
    http_response_free(&r);
    return tok;
}

static watch_client *open_watch(const char *pq)
{
    return test_open_watch(srv, pq);
}

static uint64_t write_pod(const char *name)
{
    return test_put_pod(srv, "a", name, NULL, 0);
}

START_TEST(matchers_select_requests)
{
    add_fault("{\"match\":{\"verb\":\"list\",\"namespace\":\"b\"},\"action\":{\"status\":500},\"times\":0}");
    ck_assert_int_eq(status_of("/api/v1/pods"), 200);
    ck_assert_int_eq(status_of("/api/v1/namespaces/a/pods"), 200);
    ck_assert_int_eq(status_of("/api/v1/namespaces/b/pods"), 500);
    ck_assert_int_eq(status_of("/api/v1/namespaces/b/pods/p3"), 200); /* a get, not a list */
    lwc_mock_clear_faults(srv);

    add_fault("{\"match\":{\"verb\":\"get\",\"resource\":\"pods\"},\"action\":{\"status\":404},\"times\":0}");
    ck_assert_int_eq(status_of("/api/v1/namespaces/b/pods/p3"), 404);
    ck_assert_int_eq(status_of("/api/v1/namespaces/b"), 200); /* another resource */
    lwc_mock_clear_faults(srv);

    add_fault("{\"match\":{\"resourceVersion\":\"zero\"},\"action\":{\"status\":503},\"times\":0}");
    ck_assert_int_eq(status_of("/api/v1/pods?resourceVersion=0"), 503);
    ck_assert_int_eq(status_of("/api/v1/pods"), 200);
    ck_assert_int_eq(status_of("/api/v1/pods?resourceVersion=2"), 200);
    lwc_mock_clear_faults(srv);

    add_fault("{\"match\":{\"resourceVersion\":\"set\"},\"action\":{\"status\":503},\"times\":0}");
    ck_assert_int_eq(status_of("/api/v1/pods?resourceVersion=2"), 503);
    ck_assert_int_eq(status_of("/api/v1/pods?resourceVersion=0"), 200);
    lwc_mock_clear_faults(srv);

    /* nth and times: the 2nd and 3rd matching requests, then no more. */
    add_fault("{\"match\":{\"verb\":\"list\"},\"nth\":2,\"times\":2,\"action\":{\"status\":500}}");
    ck_assert_int_eq(status_of("/api/v1/pods"), 200);
    ck_assert_int_eq(status_of("/api/v1/pods"), 500);
    ck_assert_int_eq(status_of("/api/v1/pods"), 500);
    ck_assert_int_eq(status_of("/api/v1/pods"), 200);
    lwc_mock_clear_faults(srv);

    /* write */
    char url[512];
    snprintf(url, sizeof url, "%s/api/v1/namespaces/a/pods/p0", lwc_mock_url(srv));
    add_fault("{\"match\":{\"verb\":\"write\"},\"action\":{\"status\":409}}");
    http_response r;
    ck_assert_int_eq(http_request("DELETE", url, NULL, NULL, NULL, &r), 0);
    ck_assert_int_eq(r.status, 409);
    http_response_free(&r);
    ck_assert_int_eq(http_request("DELETE", url, NULL, NULL, NULL, &r), 0);
    ck_assert_int_eq(r.status, 200);
    http_response_free(&r);
}
END_TEST

START_TEST(page_and_continue_matchers)
{
    add_fault("{\"match\":{\"verb\":\"list\",\"page\":3},\"action\":{\"status\":410},\"times\":0}");
    char *t2 = continue_of("/api/v1/pods?limit=2");
    char pq[1024];
    snprintf(pq, sizeof pq, "/api/v1/pods?limit=2&continue=%s", t2);
    char *t3 = continue_of(pq);
    snprintf(pq, sizeof pq, "/api/v1/pods?limit=2&continue=%s", t3);
    http_response r;
    ck_assert_int_eq(get(pq, &r), 410);
    cJSON *d = http_json(&r);
    /* On a continue, the 410 carries the inconsistent token by default. */
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(d, "metadata"), "continue");
    ck_assert(cJSON_IsString(c));
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(d, "reason")->valuestring, "Expired");
    cJSON_Delete(d);
    http_response_free(&r);
    /* The log knows the pages. */
    size_t n = lwc_mock_log_count(srv);
    lwc_mock_request e;
    ck_assert_int_eq(lwc_mock_log_get(srv, n - 1, &e), LWC_MOCK_OK);
    ck_assert_int_eq(e.page, 3);
    ck_assert_int_eq(e.fault, 1);
    lwc_mock_request_free(&e);
    lwc_mock_clear_faults(srv);

    add_fault("{\"match\":{\"continue\":true},\"action\":{\"status\":410,\"inconsistentToken\":false}}");
    snprintf(pq, sizeof pq, "/api/v1/pods?limit=2&continue=%s", t2);
    ck_assert_int_eq(get(pq, &r), 410);
    d = http_json(&r);
    ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(d, "metadata"), "continue"));
    ck_assert(strstr(cJSON_GetObjectItemCaseSensitive(d, "message")->valuestring, "You can start a new list without the continue parameter."));
    cJSON_Delete(d);
    http_response_free(&r);
    free(t2);
    free(t3);
}
END_TEST

START_TEST(status_actions_have_real_bodies)
{
    char ra[32];
    http_response r;
    add_fault("{\"action\":{\"status\":429,\"retryAfter\":3}}");
    ck_assert_int_eq(get("/api/v1/pods", &r), 429);
    ck_assert_str_eq(http_header(&r, "Retry-After", ra, sizeof ra), "3");
    ck_assert(strstr(r.body, "\"reason\":\"TooManyRequests\""));
    ck_assert_ptr_null(strstr(r.body, "retryAfterSeconds"));
    http_response_free(&r);

    add_fault("{\"action\":{\"status\":429,\"retryAfter\":2,\"retryAfterInBody\":true}}");
    ck_assert_int_eq(get("/api/v1/pods", &r), 429);
    ck_assert(strstr(r.body, "\"retryAfterSeconds\":2"));
    http_response_free(&r);

    add_fault("{\"action\":{\"status\":429,\"retryAfter\":1,\"plainText\":true}}");
    ck_assert_int_eq(get("/api/v1/pods", &r), 429);
    ck_assert_str_eq(r.body, "Too many requests, please try again later.\n");
    ck_assert(strncmp(http_header(&r, "Content-Type", ra, sizeof ra), "text/plain", 10) == 0);
    http_response_free(&r);

    add_fault("{\"match\":{\"namespace\":\"a\"},\"action\":{\"status\":403}}");
    ck_assert_int_eq(get("/api/v1/namespaces/a/pods", &r), 403);
    ck_assert(strstr(r.body, "cannot list resource \\\"pods\\\" in API group \\\"\\\" in the namespace \\\"a\\\""));
    http_response_free(&r);

    add_fault("{\"action\":{\"status\":504}}");
    ck_assert_int_eq(get("/api/v1/pods", &r), 504);
    ck_assert(strstr(r.body, "ResourceVersionTooLarge"));
    http_response_free(&r);

    add_fault("{\"action\":{\"status\":503,\"message\":\"etcd leader changed\"}}");
    ck_assert_int_eq(get("/api/v1/pods", &r), 503);
    ck_assert(strstr(r.body, "\"message\":\"etcd leader changed\",\"reason\":\"ServiceUnavailable\""));
    http_response_free(&r);
    ck_assert_int_eq(get("/api/v1/pods", &r), 200);
    http_response_free(&r);
}
END_TEST

START_TEST(watch_http_410_and_error_event)
{
    add_fault("{\"match\":{\"verb\":\"watch\",\"resourceVersion\":\"set\"},\"action\":{\"status\":410}}");
    char url[512];
    snprintf(url, sizeof url, "%s/api/v1/pods?watch=true&resourceVersion=3", lwc_mock_url(srv));
    http_response r;
    ck_assert_int_eq(http_request("GET", url, NULL, NULL, NULL, &r), 0);
    ck_assert_int_eq(r.status, 410);
    ck_assert(strstr(r.body, "too old resource version: "));
    http_response_free(&r);

    add_fault("{\"match\":{\"verb\":\"watch\"},\"action\":{\"stream\":\"errorEvent\",\"afterEvents\":2,\"compact\":true}}");
    watch_client *w = open_watch("/api/v1/pods?watch=true");
    cJSON *ev;
    for (int i = 0; i < 2; i++) {
        ev = watch_next_event(w, 5000);
        ck_assert_str_eq(event_type(ev), "ADDED");
        cJSON_Delete(ev);
    }
    ev = watch_next_event(w, 5000);
    ck_assert_str_eq(event_type(ev), "ERROR");
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(ev, "object");
    ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(st, "code")->valueint, 410);
    cJSON_Delete(ev);
    ck_assert_ptr_null(watch_next_line(w, 5000));
    ck_assert(watch_clean_end(w));
    watch_close(w);
    /* compact: the ERROR was true, history is gone up to now. */
    ck_assert_uint_eq(lwc_mock_compact(srv, 1), lwc_mock_current_rv(srv));
}
END_TEST

START_TEST(watch_close_drop_stall)
{
    uint64_t rv = lwc_mock_current_rv(srv);
    char pq[256];
    snprintf(pq, sizeof pq, "/api/v1/pods?watch=true&resourceVersion=%llu", (unsigned long long)rv);

    add_fault("{\"match\":{\"verb\":\"watch\"},\"action\":{\"stream\":\"close\",\"afterEvents\":1}}");
    watch_client *w = open_watch(pq);
    write_pod("c1");
    write_pod("c2");
    cJSON *ev = watch_next_event(w, 5000);
    ck_assert_str_eq(event_name(ev), "c1");
    cJSON_Delete(ev);
    ck_assert_ptr_null(watch_next_line(w, 5000));
    ck_assert(watch_clean_end(w));
    watch_close(w);

    add_fault("{\"match\":{\"verb\":\"watch\"},\"action\":{\"stream\":\"drop\",\"afterEvents\":1}}");
    w = open_watch(pq);
    ev = watch_next_event(w, 5000);
    ck_assert_str_eq(event_name(ev), "c1");
    cJSON_Delete(ev);
    /* Half of c2's line, then the connection is cut: no final chunk. */
    ck_assert_ptr_null(watch_next_line(w, 5000)); /* half a line never completes */
    ck_assert_msg(watch_ended(w), "the stream was not cut");
    ck_assert(!watch_clean_end(w));
    watch_close(w);

    add_fault("{\"match\":{\"verb\":\"watch\"},\"action\":{\"stream\":\"stall\"}}");
    w = open_watch(pq);
    ck_assert_ptr_null(watch_next_line(w, 600)); /* nothing, though two events are due */
    ck_assert(!watch_ended(w));
    lwc_mock_close_watches(srv);
    ck_assert_ptr_null(watch_next_line(w, 5000));
    ck_assert(watch_ended(w));
    watch_close(w);
}
END_TEST

START_TEST(watch_truncate_garbage_slow_and_timed_close)
{
    uint64_t rv = lwc_mock_current_rv(srv);
    char pq[256];
    snprintf(pq, sizeof pq, "/api/v1/pods?watch=true&resourceVersion=%llu", (unsigned long long)rv);
    write_pod("t1");
    write_pod("t2");
    write_pod("t3");

    add_fault("{\"match\":{\"verb\":\"watch\"},\"action\":{\"stream\":\"truncate\",\"afterEvents\":1}}");
    watch_client *w = open_watch(pq);
    cJSON *ev = watch_next_event(w, 5000);
    ck_assert_str_eq(event_name(ev), "t1");
    cJSON_Delete(ev);
    char *line = watch_next_line(w, 5000);
    ck_assert_ptr_nonnull(line);
    cJSON *bad = cJSON_Parse(line);
    ck_assert_msg(bad == NULL, "the truncated line parsed: %s", line);
    ck_assert(strstr(line, "{\"type\":\"ADDED\"") == line);
    free(line);
    ev = watch_next_event(w, 5000);
    ck_assert_str_eq(event_name(ev), "t3");
    cJSON_Delete(ev);
    watch_close(w);

    add_fault("{\"match\":{\"verb\":\"watch\"},\"action\":{\"stream\":\"garbage\"}}");
    w = open_watch(pq);
    line = watch_next_line(w, 5000);
    ck_assert(strstr(line, "not JSON"));
    free(line);
    ev = watch_next_event(w, 5000);
    ck_assert_str_eq(event_name(ev), "t1");
    cJSON_Delete(ev);
    watch_close(w);

    add_fault("{\"match\":{\"verb\":\"watch\"},\"action\":{\"stream\":\"slow\",\"delayMs\":150}}");
    double t0 = lwcc_monotonic_ms();
    w = open_watch(pq);
    for (int i = 0; i < 3; i++)
        cJSON_Delete(watch_next_event(w, 5000));
    double ms = lwcc_monotonic_ms() - t0;
    ck_assert_msg(ms >= 290, "three events with 150 ms between took %.0f ms", ms);
    watch_close(w);

    add_fault("{\"match\":{\"verb\":\"watch\"},\"action\":{\"stream\":\"close\",\"delayMs\":300}}");
    t0 = lwcc_monotonic_ms();
    w = open_watch(pq);
    for (int i = 0; i < 3; i++)
        cJSON_Delete(watch_next_event(w, 5000));
    ck_assert_ptr_null(watch_next_line(w, 5000));
    ms = lwcc_monotonic_ms() - t0;
    ck_assert(watch_clean_end(w));
    ck_assert_msg(ms >= 280 && ms < 3000, "a watch closed after 300 ms lasted %.0f ms", ms);
    watch_close(w);
}
END_TEST

START_TEST(behaviours)
{
    lwc_mock_stop(srv);
    lwc_mock_config cfg;
    lwc_mock_config_init(&cfg);
    cfg.page_size_cap = 2;
    cfg.last_page_empty_continue = 1;
    cfg.lagging_replica_writes = 3;
    cfg.watch_list_no_end_bookmark = 1;
    cfg.bookmarks_never = 1;
    cfg.expire_below_floor = 1;
    cfg.bookmark_interval_ms = 100;
    start_cfg(&cfg);
    http_response r;
    /* The cap pages a list that asked for no limit. */
    ck_assert_int_eq(get("/api/v1/pods", &r), 200);
    cJSON *d = http_json(&r);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(d, "items")), 2);
    cJSON_Delete(d);
    http_response_free(&r);
    /* The last page says continue: "". */
    ck_assert_int_eq(get("/api/v1/namespaces/a/pods?limit=2&continue=eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6Nywic3RhcnQiOiJwMFx1MDAwMCJ9", &r), 200);
    ck_assert(strstr(r.body, "\"continue\":\"\""));
    http_response_free(&r);
    /* RV=0 comes from three writes ago: p3..p5 are not there yet. */
    ck_assert_int_eq(get("/api/v1/pods?resourceVersion=0&limit=100", &r), 200);
    d = http_json(&r);
    char want[32];
    snprintf(want, sizeof want, "%llu", (unsigned long long)lwc_mock_current_rv(srv) - 3);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(d, "metadata"), "resourceVersion")->valuestring, want);
    cJSON_Delete(d);
    http_response_free(&r);
    /* No end bookmark on a streaming list, and no bookmarks at all. */
    watch_client *w = open_watch("/api/v1/pods?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=1");
    int added = 0;
    char *line;
    while ((line = watch_next_line(w, 5000))) {
        ck_assert_msg(strstr(line, "BOOKMARK") == NULL, "unexpected bookmark: %s", line);
        added++;
        free(line);
    }
    ck_assert_int_eq(added, 6);
    watch_close(w);
    /* Below the floor, even NotOlderThan lists are 410. */
    lwc_mock_compact(srv, 0);
    ck_assert_int_eq(get("/api/v1/pods?resourceVersion=3", &r), 410);
    ck_assert(strstr(r.body, "too old resource version: 3"));
    http_response_free(&r);
}
END_TEST

START_TEST(control_endpoints)
{
    char url[512];
    http_response r;
    snprintf(url, sizeof url, "%s/lwc/v1/faults", lwc_mock_url(srv));
    ck_assert_int_eq(http_request("POST", url, NULL, "application/json",
                                  "{\"name\":\"c\",\"match\":{\"verb\":\"list\"},\"action\":{\"status\":500},\"times\":0}", &r), 0);
    ck_assert_int_eq(r.status, 201);
    http_response_free(&r);
    ck_assert_int_eq(status_of("/api/v1/pods"), 500);
    ck_assert_int_eq(http_request("GET", url, NULL, NULL, NULL, &r), 0);
    ck_assert(strstr(r.body, "\"name\":\"c\",\"matched\":1,\"fired\":1"));
    http_response_free(&r);
    ck_assert_int_eq(http_request("POST", url, NULL, "application/json", "{\"action\":{\"status\":999}}", &r), 0);
    ck_assert_int_eq(r.status, 400);
    ck_assert(strstr(r.body, "fault: action.status: expected one of"));
    http_response_free(&r);
    snprintf(url, sizeof url, "%s/lwc/v1/faults/c", lwc_mock_url(srv));
    ck_assert_int_eq(http_request("DELETE", url, NULL, NULL, NULL, &r), 0);
    ck_assert_int_eq(r.status, 200);
    http_response_free(&r);
    ck_assert_int_eq(http_request("DELETE", url, NULL, NULL, NULL, &r), 0);
    ck_assert_int_eq(r.status, 404);
    http_response_free(&r);
    ck_assert_int_eq(status_of("/api/v1/pods"), 200);

    snprintf(url, sizeof url, "%s/lwc/v1/steps", lwc_mock_url(srv));
    ck_assert_int_eq(http_request("POST", url, NULL, "application/json",
                                  "{\"do\":\"relabel\",\"namespace\":\"a\",\"name\":\"p1\",\"labels\":{\"app\":\"web\"}}", &r), 0);
    ck_assert_int_eq(r.status, 200);
    http_response_free(&r);
    ck_assert_int_eq(get("/api/v1/pods?labelSelector=app%3Dweb", &r), 200);
    ck_assert(strstr(r.body, "\"name\":\"p1\""));
    http_response_free(&r);
    ck_assert_int_eq(http_request("POST", url, NULL, "application/json", "{\"do\":\"delete\",\"namespace\":\"a\",\"name\":\"zz\"}", &r), 0);
    ck_assert_int_eq(r.status, 404);
    http_response_free(&r);
    snprintf(url, sizeof url, "%s/lwc/v1/compact", lwc_mock_url(srv));
    ck_assert_int_eq(http_request("POST", url, NULL, NULL, "", &r), 0);
    ck_assert_int_eq(r.status, 200);
    http_response_free(&r);
    ck_assert_uint_eq(lwc_mock_compact(srv, 1), lwc_mock_current_rv(srv));
    snprintf(url, sizeof url, "%s/lwc/v1/requests?since=0", lwc_mock_url(srv));
    ck_assert_int_eq(http_request("GET", url, NULL, NULL, NULL, &r), 0);
    cJSON *arr = http_json(&r);
    ck_assert(cJSON_IsArray(arr));
    ck_assert_int_ge(cJSON_GetArraySize(arr), 5);
    cJSON_Delete(arr);
    http_response_free(&r);
}
END_TEST

/* The log names each request as a scenario's "match" would, so a reader
 * outside the process need not parse paths; unserved paths carry no match. */
START_TEST(control_requests_carry_the_classification)
{
    ck_assert_int_eq(status_of("/api/v1/namespaces/a/pods?limit=2&resourceVersion=0"), 200);
    ck_assert_int_eq(status_of("/api/v1/pods?watch=true&resourceVersion=3&timeoutSeconds=1"), 200);
    ck_assert_int_eq(status_of("/version"), 200);
    cJSON *log = test_get_json(srv, "/lwc/v1/requests?since=0", 200);
    ck_assert_int_ge(cJSON_GetArraySize(log), 3);
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(log, 0), "match");
    const cJSON *watch = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(log, 1), "match");
    ck_assert_ptr_nonnull(list);
    ck_assert_ptr_nonnull(watch);
    char *l = cJSON_PrintUnformatted(list), *w = cJSON_PrintUnformatted(watch);
    ck_assert_str_eq(l, "{\"verb\":\"list\",\"resource\":\"pods\",\"namespace\":\"a\",\"continue\":false,"
                        "\"resourceVersion\":\"zero\",\"watchList\":false,\"limit\":2}");
    ck_assert_str_eq(w, "{\"verb\":\"watch\",\"resource\":\"pods\",\"namespace\":\"\",\"continue\":false,"
                        "\"resourceVersion\":\"set\",\"watchList\":false,\"limit\":0}");
    free(l);
    free(w);
    ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(log, 2), "match")); /* /version */
    cJSON_Delete(log);
}
END_TEST

START_TEST(control_can_be_switched_off)
{
    lwc_mock_stop(srv);
    lwc_mock_config cfg;
    lwc_mock_config_init(&cfg);
    cfg.control_disabled = 1;
    start_cfg(&cfg);
    ck_assert_int_eq(status_of("/lwc/v1/state"), 404);
}
END_TEST

START_TEST(stop_does_not_wait_for_a_delay_fault)
{
    add_fault("{\"match\":{\"verb\":\"list\"},\"action\":{\"stream\":\"delay\",\"delayMs\":60000}}");
    char url[512];
    snprintf(url, sizeof url, "%s/api/v1/pods", lwc_mock_url(srv));
    watch_client *w = watch_open(url, NULL); /* any request will do; it waits in the server */
    for (int i = 0; i < 500 && lwc_mock_log_count(srv) == 0; i++)
        watch_next_line(w, 10);
    ck_assert_uint_ge(lwc_mock_log_count(srv), 1);
    double t0 = lwcc_monotonic_ms();
    lwc_mock_stop(srv);
    srv = NULL;
    double s = (lwcc_monotonic_ms() - t0) / 1000.0;
    ck_assert_msg(s < 5.0, "stopping took %.1f s behind a 60 s delay", s);
    watch_close(w);
    lwc_mock_config cfg;
    lwc_mock_config_init(&cfg);
    start_cfg(&cfg); /* for the teardown */
}
END_TEST

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    Suite *s = suite_create("http_faults");
    TCase *tc = tcase_create("faults");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, matchers_select_requests);
    tcase_add_test(tc, page_and_continue_matchers);
    tcase_add_test(tc, status_actions_have_real_bodies);
    tcase_add_test(tc, watch_http_410_and_error_event);
    tcase_add_test(tc, watch_close_drop_stall);
    tcase_add_test(tc, watch_truncate_garbage_slow_and_timed_close);
    tcase_add_test(tc, behaviours);
    tcase_add_test(tc, control_endpoints);
    tcase_add_test(tc, control_requests_carry_the_classification);
    tcase_add_test(tc, control_can_be_switched_off);
    tcase_add_test(tc, stop_does_not_wait_for_a_delay_fault);
    suite_add_tcase(s, tc);
    int rc = run_suite(s);
    curl_global_cleanup();
    return rc;
}
