/* Watches over HTTP: synthetic ADDED, events after an RV, 200 + ERROR 410
 * for a compacted RV, bookmarks, timeouts, selector transitions, streaming
 * lists, clients that vanish, and 1,000 concurrent watches. */
#include "http_util.h"
#include "lwc_mockserver.h"

#include "check_main.h"
#include "monotonic.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static lwc_mock *srv;

static void start_with(int watch_list, unsigned bookmark_ms)
{
    lwc_mock_config cfg;
    lwc_mock_config_init(&cfg);
    cfg.seed = 11;
    cfg.watch_list = watch_list;
    cfg.bookmark_interval_ms = bookmark_ms;
    cfg.too_large_wait_ms = 300;
    char err[256];
    ck_assert_msg(lwc_mock_start(&cfg, &srv, err, sizeof err) == LWC_MOCK_OK, "start: %s", err);
}

static void setup(void)
{
    start_with(1, 60000);
}

static void teardown(void)
{
    lwc_mock_stop(srv);
    srv = NULL;
}

static uint64_t put_pod(const char *ns, const char *name, const char *app, int update)
{
    return test_put_pod(srv, ns, name, app, update);
}

static watch_client *open_watch(const char *path_query)
{
    return test_open_watch(srv, path_query);
}

/* The event's object's resourceVersion is rv. */
static void assert_event_rv(const cJSON *ev, uint64_t rv)
{
    char want[32];
    snprintf(want, sizeof want, "%llu", (unsigned long long)rv);
    ck_assert_str_eq(event_rv(ev), want);
}

/* The next event must be of this type (and name, if given). */
static cJSON *expect_event(watch_client *w, const char *type, const char *name)
{
    cJSON *ev = watch_next_event(w, 5000);
    ck_assert_msg(ev != NULL, "no %s event for %s within 5 s (stream %s)", type, name ? name : "-",
                  watch_ended(w) ? "ended" : "open");
    ck_assert_msg(!strcmp(event_type(ev), type), "got %s, want %s", event_type(ev), type);
    if (name)
        ck_assert_str_eq(event_name(ev), name);
    const cJSON *obj = cJSON_GetObjectItemCaseSensitive(ev, "object");
    if (strcmp(type, "ERROR") != 0) {
        ck_assert_ptr_nonnull(cJSON_GetObjectItemCaseSensitive(obj, "kind"));
        ck_assert_ptr_nonnull(cJSON_GetObjectItemCaseSensitive(obj, "apiVersion"));
    }
    return ev;
}

static void wait_watch_count(size_t n)
{
    for (int i = 0; i < 500 && lwc_mock_watch_count(srv) != n; i++) {
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    ck_assert_uint_eq(lwc_mock_watch_count(srv), n);
}

START_TEST(unset_rv_sends_sorted_synthetic_added_then_changes)
{
    put_pod("b", "p2", "web", 0);
    put_pod("a", "p1", "web", 0);
    watch_client *w = open_watch("/api/v1/pods?watch=true");
    ck_assert_int_eq(watch_status(w), 200);
    cJSON_Delete(expect_event(w, "ADDED", "p1"));
    cJSON_Delete(expect_event(w, "ADDED", "p2"));
    uint64_t rv = put_pod("a", "p1", "db", 1);
    cJSON *ev = expect_event(w, "MODIFIED", "p1");
    assert_event_rv(ev, rv);
    cJSON_Delete(ev);
    watch_close(w);
}
END_TEST

START_TEST(rv_n_sends_only_later_events_and_deleted_keeps_last_state)
{
    uint64_t rv1 = put_pod("a", "p1", "web", 0);
    put_pod("a", "p2", "web", 0);
    char q[256];
    snprintf(q, sizeof q, "/api/v1/pods?watch=1&resourceVersion=%llu", (unsigned long long)rv1);
    watch_client *w = open_watch(q);
    cJSON_Delete(expect_event(w, "ADDED", "p2"));
    char err[256];
    uint64_t drv = 0;
    ck_assert_int_eq(lwc_mock_delete(srv, "/api/v1", "pods", "a", "p1", &drv, err, sizeof err), LWC_MOCK_OK);
    cJSON *ev = expect_event(w, "DELETED", "p1");
    assert_event_rv(ev, drv);
    const cJSON *labels = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(ev, "object"), "metadata"), "labels");
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(labels, "app")->valuestring, "web");
    cJSON_Delete(ev);
    watch_close(w);
}
END_TEST

START_TEST(compacted_rv_is_200_and_one_error_event)
{
    uint64_t rv1 = put_pod("a", "p1", "web", 0);
    put_pod("a", "p2", "web", 0);
    uint64_t c = lwc_mock_compact(srv, 0);
    char q[256];
    snprintf(q, sizeof q, "/api/v1/pods?watch=true&resourceVersion=%llu", (unsigned long long)rv1);
    watch_client *w = open_watch(q);
    ck_assert_int_eq(watch_status(w), 200);
    cJSON *ev = expect_event(w, "ERROR", NULL);
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(ev, "object");
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(st, "kind")->valuestring, "Status");
    ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(st, "code")->valueint, 410);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(st, "reason")->valuestring, "Expired");
    char want[96];
    snprintf(want, sizeof want, "too old resource version: %llu (%llu)", (unsigned long long)rv1,
             (unsigned long long)c);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(st, "message")->valuestring, want);
    cJSON_Delete(ev);
    ck_assert_ptr_null(watch_next_line(w, 5000));
    ck_assert(watch_ended(w));
    ck_assert(watch_clean_end(w));
    watch_close(w);
}
END_TEST

START_TEST(bookmarks_only_when_allowed)
{
    lwc_mock_stop(srv);
    start_with(1, 200);
    uint64_t rv = put_pod("a", "p1", "web", 0);
    char q[256];
    snprintf(q, sizeof q, "/api/v1/namespaces/a/pods?watch=true&allowWatchBookmarks=True&resourceVersion=%llu",
             (unsigned long long)rv);
    watch_client *w = open_watch(q);
    /* Nothing newer than the RV the watcher holds: no bookmark, however many intervals pass
     * (cache_watcher.go sends events newer than the watcher's RV; measured on 1.33, fidelity/). */
    ck_assert_ptr_null(watch_next_line(w, 900));
    /* A write the watcher cannot see moves the RV: the next bookmark carries it. */
    uint64_t rv2 = put_pod("b", "p2", "web", 0);
    cJSON *ev = expect_event(w, "BOOKMARK", NULL);
    assert_event_rv(ev, rv2);
    /* The Go zero value around the RV: creationTimestamp null. */
    const cJSON *md = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(ev, "object"), "metadata");
    ck_assert(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(md, "creationTimestamp")));
    cJSON_Delete(ev);
    /* A visible write: its event carries the RV, and no bookmark repeats it. */
    put_pod("a", "p3", "web", 0);
    cJSON_Delete(expect_event(w, "ADDED", "p3"));
    ck_assert_ptr_null(watch_next_line(w, 900));
    watch_close(w);
    /* Without allowWatchBookmarks: no bookmark, even after several intervals and a write elsewhere. */
    snprintf(q, sizeof q,
             "/api/v1/namespaces/a/pods?watch=true&allowWatchBookmarks=false&resourceVersion=%llu&timeoutSeconds=1",
             (unsigned long long)lwc_mock_current_rv(srv));
    w = open_watch(q);
    wait_watch_count(1);
    put_pod("b", "p4", "web", 0);
    ck_assert_ptr_null(watch_next_line(w, 5000));
    ck_assert(watch_ended(w));
    watch_close(w);
}
END_TEST

START_TEST(timeout_ends_the_stream_cleanly)
{
    uint64_t rv = put_pod("a", "p1", "web", 0);
    char q[256];
    snprintf(q, sizeof q, "/api/v1/pods?watch=true&resourceVersion=%llu&timeoutSeconds=1", (unsigned long long)rv);
    double t0 = lwcc_monotonic_ms();
    watch_client *w = open_watch(q);
    ck_assert_ptr_null(watch_next_line(w, 5000));
    double secs = (lwcc_monotonic_ms() - t0) / 1000.0;
    ck_assert(watch_ended(w));
    ck_assert(watch_clean_end(w));
    ck_assert_msg(secs >= 0.9 && secs < 4.0, "a 1 s watch lasted %.2f s", secs);
    watch_close(w);
}
END_TEST

START_TEST(selector_transitions_arrive_as_added_and_deleted)
{
    uint64_t rv = put_pod("a", "p1", "db", 0);
    char q[256];
    snprintf(q, sizeof q, "/api/v1/pods?watch=true&labelSelector=app%%3Dweb&resourceVersion=%llu",
             (unsigned long long)rv);
    watch_client *w = open_watch(q);
    wait_watch_count(1);
    put_pod("a", "p1", "web", 1); /* moves in */
    cJSON_Delete(expect_event(w, "ADDED", "p1"));
    put_pod("a", "p1", "db", 1); /* moves out */
    cJSON *ev = expect_event(w, "DELETED", "p1");
    const cJSON *labels = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(ev, "object"), "metadata"), "labels");
    /* The previous content, at the revision that moved it out. */
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(labels, "app")->valuestring, "web");
    assert_event_rv(ev, lwc_mock_current_rv(srv));
    cJSON_Delete(ev);
    put_pod("a", "p2", "db", 0); /* never visible */
    put_pod("a", "p3", "web", 0);
    cJSON_Delete(expect_event(w, "ADDED", "p3"));
    watch_close(w);
}
END_TEST

START_TEST(namespaced_watch_sees_only_its_namespace)
{
    uint64_t rv = lwc_mock_current_rv(srv);
    char q[256];
    snprintf(q, sizeof q, "/api/v1/namespaces/b/pods?watch=true&resourceVersion=%llu", (unsigned long long)rv);
    watch_client *w = open_watch(q);
    wait_watch_count(1);
    put_pod("a", "p1", "web", 0);
    put_pod("b", "p2", "web", 0);
    cJSON_Delete(expect_event(w, "ADDED", "p2"));
    watch_close(w);
}
END_TEST

START_TEST(streaming_list_then_live_events)
{
    put_pod("b", "p2", "web", 0);
    put_pod("a", "p1", "web", 0);
    watch_client *w = open_watch(
        "/api/v1/pods?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true");
    cJSON_Delete(expect_event(w, "ADDED", "p1"));
    cJSON_Delete(expect_event(w, "ADDED", "p2"));
    cJSON *bm = expect_event(w, "BOOKMARK", NULL);
    const cJSON *ann = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(bm, "object"), "metadata"), "annotations");
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(ann, "k8s.io/initial-events-end")->valuestring, "true");
    /* 1.33's list blueprint: base64 of {"kind":"PodList","apiVersion":"v1","metadata":{},"items":null}\n
     * (measured, fidelity/results.md). */
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(ann, "kubernetes.io/initial-events-list-blueprint")->valuestring,
                     "eyJraW5kIjoiUG9kTGlzdCIsImFwaVZlcnNpb24iOiJ2MSIsIm1ldGFkYXRhIjp7fSwiaXRlbXMiOm51bGx9Cg==");
    assert_event_rv(bm, lwc_mock_current_rv(srv));
    cJSON_Delete(bm);
    put_pod("c", "p3", "web", 0);
    cJSON_Delete(expect_event(w, "ADDED", "p3"));
    watch_close(w);
}
END_TEST

START_TEST(streaming_list_rejected_when_gate_off)
{
    lwc_mock_stop(srv);
    start_with(0, 60000);
    char url[512];
    snprintf(url, sizeof url,
             "%s/api/v1/pods?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true",
             lwc_mock_url(srv));
    http_response r;
    ck_assert_int_eq(http_request("GET", url, NULL, NULL, NULL, &r), 0);
    ck_assert_int_eq(r.status, 422);
    ck_assert(strstr(r.body, "sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled"));
    http_response_free(&r);
    /* sendInitialEvents without NotOlderThan is 422 whatever the gate. */
    snprintf(url, sizeof url, "%s/api/v1/pods?watch=true&sendInitialEvents=true", lwc_mock_url(srv));
    ck_assert_int_eq(http_request("GET", url, NULL, NULL, NULL, &r), 0);
    ck_assert_int_eq(r.status, 422);
    ck_assert(strstr(r.body, "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"));
    http_response_free(&r);
}
END_TEST

START_TEST(close_watches_ends_streams_cleanly)
{
    watch_client *w = open_watch("/api/v1/pods?watch=true");
    wait_watch_count(1);
    lwc_mock_close_watches(srv);
    ck_assert_ptr_null(watch_next_line(w, 5000));
    ck_assert(watch_ended(w));
    ck_assert(watch_clean_end(w));
    watch_close(w);
    wait_watch_count(0);
}
END_TEST

START_TEST(vanished_client_frees_its_watch)
{
    watch_client *w = open_watch("/api/v1/pods?watch=true&allowWatchBookmarks=true");
    wait_watch_count(1);
    watch_close(w); /* the socket closes with nothing more said */
    wait_watch_count(0);
    /* The log records the watch, finished. */
    size_t n = lwc_mock_log_count(srv);
    lwc_mock_request req;
    ck_assert_int_eq(lwc_mock_log_get(srv, n - 1, &req), LWC_MOCK_OK);
    ck_assert(req.is_watch);
    ck_assert_int_eq(req.status, 200);
    ck_assert_str_eq(req.path, "/api/v1/pods");
    char *v = lwc_mock_query_param(req.query, "allowWatchBookmarks");
    ck_assert_str_eq(v, "true");
    free(v);
    lwc_mock_request_free(&req);
}
END_TEST

START_TEST(a_thousand_watches_each_get_every_event)
{
    enum { WATCHERS = 1000, EVENTS = 5 };
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    ck_assert_msg(rl.rlim_cur >= 2 * WATCHERS + 64, "open-file limit %llu is too low for this test",
                  (unsigned long long)rl.rlim_cur);
    uint64_t rv = lwc_mock_current_rv(srv);
    char url[256];
    snprintf(url, sizeof url, "%s/api/v1/pods?watch=true&resourceVersion=%llu", lwc_mock_url(srv),
             (unsigned long long)rv);
    watch_client **ws = calloc(WATCHERS, sizeof *ws);
    for (int i = 0; i < WATCHERS; i++) {
        ws[i] = watch_open(url, NULL);
        ck_assert_ptr_nonnull(ws[i]);
        watch_status(ws[i]); /* connect now: 200 and headers seen */
    }
    wait_watch_count(WATCHERS);
    for (int e = 0; e < EVENTS; e++) {
        char name[16];
        snprintf(name, sizeof name, "p%d", e);
        put_pod("a", name, "web", 0);
    }
    for (int i = 0; i < WATCHERS; i++) {
        for (int e = 0; e < EVENTS; e++) {
            char name[16];
            snprintf(name, sizeof name, "p%d", e);
            cJSON *ev = watch_next_event(ws[i], 10000);
            ck_assert_msg(ev != NULL, "watcher %d missed event %d", i, e);
            ck_assert_str_eq(event_name(ev), name);
            cJSON_Delete(ev);
        }
        watch_close(ws[i]);
    }
    free(ws);
    wait_watch_count(0);
}
END_TEST

START_TEST(events_behind_a_batch_of_invisible_ones_arrive)
{
    uint64_t rv = lwc_mock_current_rv(srv);
    char q[256];
    snprintf(q, sizeof q, "/api/v1/namespaces/default/pods?watch=true&resourceVersion=%llu", (unsigned long long)rv);
    for (int i = 0; i < 300; i++) {
        char name[16];
        snprintf(name, sizeof name, "o%d", i);
        put_pod("other", name, "x", 0);
    }
    put_pod("default", "wanted", "x", 0);
    watch_client *w = open_watch(q);
    cJSON_Delete(expect_event(w, "ADDED", "wanted"));
    watch_close(w);
}
END_TEST

START_TEST(adding_a_resource_while_watches_run)
{
    lwc_mock_stop(srv);
    start_with(1, 100);
    watch_client *w = open_watch("/api/v1/pods?watch=true&allowWatchBookmarks=true");
    char err[256];
    for (int i = 0; i < 20; i++) {
        char plural[32];
        snprintf(plural, sizeof plural, "things%d", i);
        ck_assert_int_eq(lwc_mock_add_resource(srv, "x.example.com", "v1", plural, "thing", "Thing", 1, err, sizeof err),
                         LWC_MOCK_OK);
    }
    /* Bookmarks still flow: each carries an RV moved by a write the pod watch cannot see. */
    for (int i = 0; i < 2; i++) {
        char json[128];
        snprintf(json, sizeof json, "{\"metadata\":{\"name\":\"cm-%d\",\"namespace\":\"a\"}}", i);
        ck_assert_int_eq(lwc_mock_create(srv, "/api/v1", "configmaps", json, NULL, err, sizeof err), LWC_MOCK_OK);
        cJSON_Delete(expect_event(w, "BOOKMARK", NULL));
    }
    watch_close(w);
}
END_TEST

START_TEST(bad_rv_watch_is_a_500_with_the_field_error)
{
    /* The watch cache's InvalidError: 500, the field error as the message (measured on 1.33). */
    char url[512];
    snprintf(url, sizeof url, "%s/api/v1/pods?watch=true&resourceVersion=abc", lwc_mock_url(srv));
    http_response r;
    ck_assert_int_eq(http_request(NULL, url, "application/json", NULL, NULL, &r), 0);
    ck_assert_int_eq(r.status, 500);
    cJSON *d = http_json(&r);
    ck_assert_ptr_nonnull(d);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(d, "message")->valuestring,
                     "resourceVersion: Invalid value: \"abc\": strconv.ParseUint: parsing \"abc\": invalid syntax");
    cJSON_Delete(d);
    http_response_free(&r);
}
END_TEST

START_TEST(huge_timeout_is_no_timeout)
{
    uint64_t rv = lwc_mock_current_rv(srv);
    char q[256];
    snprintf(q, sizeof q, "/api/v1/pods?watch=true&timeoutSeconds=9223372036854775807&resourceVersion=%llu",
             (unsigned long long)rv);
    watch_client *w = open_watch(q);
    wait_watch_count(1);
    put_pod("a", "p1", "web", 0);
    cJSON_Delete(expect_event(w, "ADDED", "p1"));
    watch_close(w);
}
END_TEST

START_TEST(no_initial_events_at_rv0_starts_now)
{
    put_pod("a", "old", "web", 0);
    watch_client *w = open_watch(
        "/api/v1/pods?watch=true&sendInitialEvents=false&resourceVersionMatch=NotOlderThan&resourceVersion=0");
    wait_watch_count(1);
    put_pod("a", "new", "web", 0);
    cJSON_Delete(expect_event(w, "ADDED", "new"));
    watch_close(w);
}
END_TEST

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    Suite *s = suite_create("http_watch");
    TCase *tc = tcase_create("watch");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, unset_rv_sends_sorted_synthetic_added_then_changes);
    tcase_add_test(tc, rv_n_sends_only_later_events_and_deleted_keeps_last_state);
    tcase_add_test(tc, compacted_rv_is_200_and_one_error_event);
    tcase_add_test(tc, bookmarks_only_when_allowed);
    tcase_add_test(tc, timeout_ends_the_stream_cleanly);
    tcase_add_test(tc, selector_transitions_arrive_as_added_and_deleted);
    tcase_add_test(tc, namespaced_watch_sees_only_its_namespace);
    tcase_add_test(tc, streaming_list_then_live_events);
    tcase_add_test(tc, streaming_list_rejected_when_gate_off);
    tcase_add_test(tc, close_watches_ends_streams_cleanly);
    tcase_add_test(tc, vanished_client_frees_its_watch);
    tcase_add_test(tc, a_thousand_watches_each_get_every_event);
    tcase_add_test(tc, events_behind_a_batch_of_invisible_ones_arrive);
    tcase_add_test(tc, adding_a_resource_while_watches_run);
    tcase_add_test(tc, huge_timeout_is_no_timeout);
    tcase_add_test(tc, bad_rv_watch_is_a_500_with_the_field_error);
    tcase_add_test(tc, no_initial_events_at_rv0_starts_now);
    suite_add_tcase(s, tc);
    int rc = run_suite(s);
    curl_global_cleanup();
    return rc;
}
