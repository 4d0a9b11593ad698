/* The request log as a reader that must react to it sees it: the
 * generation counter that lwc_mock_log_wait_change waits on (a request, a
 * watch's end, nothing, an explicit wake), the log's clock, and served_rv,
 * the resourceVersion each list page or watch was really served at. */
#include "http_util.h"
#include "lwc_mockserver.h"

#include "check_main.h"
#include "monotonic.h"

#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static lwc_mock *srv;

static void start_with(int lagging_replica_writes)
{
    lwc_mock_config cfg;
    lwc_mock_config_init(&cfg);
    cfg.seed = 11;
    cfg.lagging_replica_writes = lagging_replica_writes;
    char err[256];
    ck_assert_msg(lwc_mock_start(&cfg, &srv, err, sizeof err) == LWC_MOCK_OK, "start: %s", err);
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

static uint64_t add_pod(const char *name)
{
    return test_put_pod(srv, "ns", name, NULL, 0);
}

static cJSON *get_json(const char *path_query, long want_status)
{
    return test_get_json(srv, path_query, want_status);
}

static uint64_t list_rv(const cJSON *doc)
{
    const cJSON *rv = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "metadata"),
                                                       "resourceVersion");
    ck_assert_msg(cJSON_IsString(rv), "no metadata.resourceVersion");
    return strtoull(rv->valuestring, NULL, 10);
}

static const char *list_continue(const cJSON *doc)
{
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "metadata"), "continue");
    return cJSON_IsString(c) ? c->valuestring : NULL;
}

/* The log entry i, checked out of the log; free with lwc_mock_request_free. */
static lwc_mock_request entry(size_t i)
{
    lwc_mock_request e;
    ck_assert_int_eq(lwc_mock_log_get(srv, i, &e), LWC_MOCK_OK);
    return e;
}

static uint64_t served_rv_of(size_t i)
{
    lwc_mock_request e = entry(i);
    uint64_t rv = e.served_rv;
    lwc_mock_request_free(&e);
    return rv;
}

/* 1 when nothing in the log can still change by itself: every plain
 * request has ended (the server logs the end just after the client has
 * its response) and every watch is answered (only its end is left). */
static int log_settled(void)
{
    size_t n = lwc_mock_log_count(srv);
    for (size_t i = 0; i < n; i++) {
        lwc_mock_request e;
        ck_assert_int_eq(lwc_mock_log_get(srv, i, &e), LWC_MOCK_OK);
        int open = e.status == 0 || (!e.is_watch && !e.done);
        lwc_mock_request_free(&e);
        if (open)
            return 0;
    }
    return 1;
}

/* The current generation, once the changes already under way have landed:
 * a test that wants to see "no change" must not see those. The generation
 * is read before the log is looked at, so a change in between makes the
 * next wait return at once instead of being missed. */
static uint64_t settled_generation(void)
{
    uint64_t g = 0;
    lwc_mock_log_wait_change(srv, &g, 0);
    while (!log_settled())
        ck_assert_int_eq(lwc_mock_log_wait_change(srv, &g, 5000), LWC_MOCK_OK);
    return g;
}

/* A thread blocked in lwc_mock_log_wait_change while the test changes the
 * log: the call must return on that change, not on its timeout. */
typedef struct waiter {
    uint64_t gen;
    int timeout_ms;
    int rc;
    double waited_ms;
    pthread_t th;
} waiter;

static void *waiter_main(void *arg)
{
    waiter *w = arg;
    double t = lwcc_monotonic_ms();
    w->rc = lwc_mock_log_wait_change(srv, &w->gen, w->timeout_ms);
    w->waited_ms = lwcc_monotonic_ms() - t;
    return NULL;
}

static void waiter_start(waiter *w, uint64_t gen, int timeout_ms)
{
    memset(w, 0, sizeof *w);
    w->gen = gen;
    w->timeout_ms = timeout_ms;
    ck_assert_int_eq(pthread_create(&w->th, NULL, waiter_main, w), 0);
}

static void waiter_join(waiter *w)
{
    ck_assert_int_eq(pthread_join(w->th, NULL), 0);
}

START_TEST(nothing_happens_times_out)
{
    /* A fresh server's log has never changed: generation 0, so a first call
     * with 0 waits; its writes go through the API and make no requests. */
    add_pod("a");
    uint64_t g = 0;
    ck_assert_int_eq(lwc_mock_log_wait_change(srv, &g, 0), LWC_MOCK_ETIMEDOUT);
    double t = lwcc_monotonic_ms();
    ck_assert_int_eq(lwc_mock_log_wait_change(srv, &g, 150), LWC_MOCK_ETIMEDOUT);
    double waited = lwcc_monotonic_ms() - t;
    ck_assert_msg(waited >= 140.0, "returned after %.1f ms of a 150 ms timeout", waited);
    ck_assert_uint_eq(g, 0);
}
END_TEST

START_TEST(a_request_wakes_a_waiter)
{
    waiter w;
    waiter_start(&w, settled_generation(), 10000);
    cJSON_Delete(get_json("/api/v1/namespaces/ns/pods", 200));
    waiter_join(&w);
    ck_assert_int_eq(w.rc, LWC_MOCK_OK);
    ck_assert_msg(w.waited_ms < 5000.0, "woke after %.1f ms", w.waited_ms);
    ck_assert_uint_gt(w.gen, 0);
    /* Arrival, note, answer and end each bump it; once all have landed the
     * generation holds still and the next wait times out. */
    uint64_t g = settled_generation();
    ck_assert_uint_ge(g, w.gen);
    ck_assert_int_eq(lwc_mock_log_wait_change(srv, &g, 100), LWC_MOCK_ETIMEDOUT);
    /* A change between two calls is not lost: a caller holding an older
     * value returns at once. */
    uint64_t old = 0;
    ck_assert_int_eq(lwc_mock_log_wait_change(srv, &old, 0), LWC_MOCK_OK);
    ck_assert_uint_eq(old, g);
}
END_TEST

/* A watch answered and then quiet: the only change left is its end. */
static watch_client *open_quiet_watch(size_t *idx)
{
    char url[512];
    size_t before = lwc_mock_log_count(srv);
    snprintf(url, sizeof url, "%s/api/v1/namespaces/ns/pods?watch=true&resourceVersion=%llu", lwc_mock_url(srv),
             (unsigned long long)lwc_mock_current_rv(srv));
    watch_client *w = watch_open(url, NULL);
    ck_assert_ptr_nonnull(w);
    /* Pump the client until the server has answered: the watch sends no line. */
    double deadline = lwcc_monotonic_ms() + 5000.0;
    while (lwc_mock_log_wait(srv, before + 1, 0) != LWC_MOCK_OK) {
        ck_assert_msg(lwcc_monotonic_ms() < deadline, "the watch was never answered");
        free(watch_next_line(w, 20));
    }
    *idx = before;
    lwc_mock_request e = entry(before);
    ck_assert_int_eq(e.status, 200);
    ck_assert_int_eq(e.is_watch, 1);
    ck_assert_int_eq(e.done, 0);
    lwc_mock_request_free(&e);
    return w;
}

static int entry_done(size_t i)
{
    lwc_mock_request e = entry(i);
    int done = e.done;
    lwc_mock_request_free(&e);
    return done;
}

/* Waits on the generation alone (no polling, no pumping the client) until
 * entry i says its stream ended. */
static void wait_for_end(uint64_t g, size_t i)
{
    double deadline = lwcc_monotonic_ms() + 5000.0;
    while (!entry_done(i)) {
        double left = deadline - lwcc_monotonic_ms();
        ck_assert_msg(left > 0, "the watch's end never changed the log");
        ck_assert_int_eq(lwc_mock_log_wait_change(srv, &g, (int)left), LWC_MOCK_OK);
    }
}

START_TEST(a_watch_ending_wakes_a_waiter)
{
    /* Ended by the server. */
    size_t idx;
    watch_client *w = open_quiet_watch(&idx);
    uint64_t g = settled_generation();
    ck_assert_int_eq(lwc_mock_log_wait_change(srv, &g, 100), LWC_MOCK_ETIMEDOUT);
    ck_assert_int_eq(entry_done(idx), 0);
    waiter wt;
    waiter_start(&wt, g, 10000);
    lwc_mock_close_watches(srv);
    waiter_join(&wt);
    ck_assert_int_eq(wt.rc, LWC_MOCK_OK);
    ck_assert_msg(wt.waited_ms < 5000.0, "woke after %.1f ms", wt.waited_ms);
    wait_for_end(g, idx);
    watch_close(w);

    /* Ended by the client going away. */
    w = open_quiet_watch(&idx);
    g = settled_generation();
    ck_assert_int_eq(entry_done(idx), 0);
    watch_close(w);
    wait_for_end(g, idx);
}
END_TEST

START_TEST(wake_returns_a_waiter_without_a_request)
{
    cJSON_Delete(get_json("/api/v1/namespaces/ns/pods", 200));
    uint64_t g = settled_generation();
    size_t count = lwc_mock_log_count(srv);
    waiter w;
    waiter_start(&w, g, -1); /* no limit: only the wake can end it */
    lwc_mock_wake_log_waiters(srv);
    waiter_join(&w);
    ck_assert_int_eq(w.rc, LWC_MOCK_OK);
    ck_assert_uint_ne(w.gen, g);
    ck_assert_uint_eq(lwc_mock_log_count(srv), count); /* nothing made up in the log */
    /* A wake before the wait counts too: no lost wake-up at teardown. */
    g = w.gen;
    lwc_mock_wake_log_waiters(srv);
    ck_assert_int_eq(lwc_mock_log_wait_change(srv, &g, -1), LWC_MOCK_OK);
}
END_TEST

START_TEST(now_ms_is_the_logs_clock)
{
    double before = lwc_mock_now_ms(srv);
    cJSON_Delete(get_json("/api/v1/namespaces/ns/pods", 200));
    double after = lwc_mock_now_ms(srv);
    lwc_mock_request e = entry(lwc_mock_log_count(srv) - 1);
    ck_assert_msg(before <= e.start_ms && e.start_ms <= after, "start_ms %.3f outside [%.3f, %.3f]", e.start_ms,
                  before, after);
    ck_assert_msg(e.start_ms + e.duration_ms <= lwc_mock_now_ms(srv), "ended after now");
    lwc_mock_request_free(&e);
}
END_TEST

START_TEST(served_rv_of_pages_at_an_old_rv)
{
    uint64_t rv[6];
    char name[16];
    for (int i = 0; i < 6; i++) {
        snprintf(name, sizeof name, "p%d", i);
        rv[i] = add_pod(name);
    }
    /* Four of the six existed at rv[3]; two pages of two, later writes between. */
    char q[1024];
    snprintf(q, sizeof q, "/api/v1/namespaces/ns/pods?limit=2&resourceVersion=%llu&resourceVersionMatch=Exact",
             (unsigned long long)rv[3]);
    size_t first = lwc_mock_log_count(srv);
    cJSON *p1 = get_json(q, 200);
    ck_assert_uint_eq(list_rv(p1), rv[3]);
    ck_assert_uint_eq(served_rv_of(first), rv[3]);
    add_pod("later");
    ck_assert_ptr_nonnull(list_continue(p1));
    /* Tokens are base64url: safe in a query as they are. */
    snprintf(q, sizeof q, "/api/v1/namespaces/ns/pods?limit=2&continue=%s", list_continue(p1));
    cJSON *p2 = get_json(q, 200);
    ck_assert_uint_eq(list_rv(p2), rv[3]);
    lwc_mock_request e = entry(first + 1);
    ck_assert_int_eq(e.page, 2);
    ck_assert_uint_eq(e.served_rv, rv[3]); /* the first page's snapshot, not the server's RV */
    ck_assert_uint_lt(e.served_rv, lwc_mock_current_rv(srv));
    lwc_mock_request_free(&e);
    cJSON_Delete(p1);
    cJSON_Delete(p2);

    /* Without a resourceVersion: the latest state. */
    first = lwc_mock_log_count(srv);
    cJSON *now = get_json("/api/v1/namespaces/ns/pods", 200);
    ck_assert_uint_eq(served_rv_of(first), lwc_mock_current_rv(srv));
    ck_assert_uint_eq(served_rv_of(first), list_rv(now));
    cJSON_Delete(now);

    /* Nothing served: a compacted RV is 410, and says 0. */
    lwc_mock_compact(srv, 0);
    first = lwc_mock_log_count(srv);
    snprintf(q, sizeof q, "/api/v1/namespaces/ns/pods?resourceVersion=%llu&resourceVersionMatch=Exact",
             (unsigned long long)rv[1]);
    cJSON_Delete(get_json(q, 410));
    ck_assert_uint_eq(served_rv_of(first), 0);
}
END_TEST

START_TEST(served_rv_of_an_rv0_list_on_a_lagging_replica)
{
    teardown();
    start_with(3);
    char name[16];
    for (int i = 0; i < 8; i++) {
        snprintf(name, sizeof name, "p%d", i);
        add_pod(name);
    }
    uint64_t cur = lwc_mock_current_rv(srv);
    size_t first = lwc_mock_log_count(srv);
    cJSON *d = get_json("/api/v1/namespaces/ns/pods?resourceVersion=0", 200);
    /* Served three writes ago, and the log says exactly that: the RV the
     * server was at when the list came is not what the client was given. */
    ck_assert_uint_eq(list_rv(d), cur - 3);
    ck_assert_uint_eq(served_rv_of(first), cur - 3);
    cJSON_Delete(d);
}
END_TEST

START_TEST(served_rv_of_watches)
{
    add_pod("a");
    add_pod("b");
    uint64_t at_open = lwc_mock_current_rv(srv);
    char url[512], name[16];
    snprintf(url, sizeof url,
             "%s/api/v1/namespaces/ns/pods?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan"
             "&allowWatchBookmarks=true",
             lwc_mock_url(srv));
    size_t idx = lwc_mock_log_count(srv);
    watch_client *w = watch_open(url, NULL);
    ck_assert_ptr_nonnull(w);
    uint64_t bookmark_rv = 0;
    for (int i = 0; i < 10 && !bookmark_rv; i++) {
        cJSON *ev = watch_next_event(w, 5000);
        ck_assert_msg(ev != NULL, "the stream ended or stalled before its initial-events-end bookmark");
        if (!strcmp(event_type(ev), "BOOKMARK"))
            bookmark_rv = strtoull(event_rv(ev), NULL, 10);
        else {
            snprintf(name, sizeof name, "w%d", i);
            add_pod(name); /* writes after the snapshot must not move it */
        }
        cJSON_Delete(ev);
    }
    ck_assert_uint_eq(bookmark_rv, at_open);
    ck_assert_uint_eq(served_rv_of(idx), at_open);
    ck_assert_uint_lt(served_rv_of(idx), lwc_mock_current_rv(srv));
    watch_close(w);

    /* A watch from an explicit RV starts after it. */
    uint64_t from = lwc_mock_current_rv(srv) - 1;
    snprintf(url, sizeof url, "%s/api/v1/namespaces/ns/pods?watch=true&resourceVersion=%llu", lwc_mock_url(srv),
             (unsigned long long)from);
    idx = lwc_mock_log_count(srv);
    w = watch_open(url, NULL);
    cJSON *ev = watch_next_event(w, 5000);
    ck_assert_ptr_nonnull(ev);
    ck_assert_str_eq(event_type(ev), "ADDED");
    cJSON_Delete(ev);
    ck_assert_uint_eq(served_rv_of(idx), from);
    watch_close(w);

    /* Too old: answered 200 with one ERROR event, nothing served. */
    lwc_mock_compact(srv, 0);
    snprintf(url, sizeof url, "%s/api/v1/namespaces/ns/pods?watch=true&resourceVersion=1", lwc_mock_url(srv));
    idx = lwc_mock_log_count(srv);
    w = watch_open(url, NULL);
    ev = watch_next_event(w, 5000);
    ck_assert_ptr_nonnull(ev);
    ck_assert_str_eq(event_type(ev), "ERROR");
    cJSON_Delete(ev);
    lwc_mock_request e = entry(idx);
    ck_assert_int_eq(e.status, 200);
    ck_assert_uint_eq(e.served_rv, 0);
    lwc_mock_request_free(&e);
    watch_close(w);
}
END_TEST

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    Suite *s = suite_create("request_log");
    TCase *tc = tcase_create("wait_change");
    tcase_set_timeout(tc, 30);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, nothing_happens_times_out);
    tcase_add_test(tc, a_request_wakes_a_waiter);
    tcase_add_test(tc, a_watch_ending_wakes_a_waiter);
    tcase_add_test(tc, wake_returns_a_waiter_without_a_request);
    tcase_add_test(tc, now_ms_is_the_logs_clock);
    suite_add_tcase(s, tc);
    TCase *rv = tcase_create("served_rv");
    tcase_set_timeout(rv, 30);
    tcase_add_checked_fixture(rv, setup, teardown);
    tcase_add_test(rv, served_rv_of_pages_at_an_old_rv);
    tcase_add_test(rv, served_rv_of_an_rv0_list_on_a_lagging_replica);
    tcase_add_test(rv, served_rv_of_watches);
    suite_add_tcase(s, rv);
    int rc = run_suite(s);
    curl_global_cleanup();
    return rc;
}
