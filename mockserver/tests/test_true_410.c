/* Every 410 the server sends is true when it is sent: the RV it names (the
 * watch's, the one the client holds after the stream's events, the continue
 * token's, the list's) is below the compaction point, so asking again with
 * that RV gets a 410 from the server's own state, and the message's numbers
 * are "too old resource version: N (oldest RV a watch can start from)". A
 * 410 for an RV the server would still serve is a lie that sends correct
 * clients (python's one retry at the same RV, say) down the wrong path. */
#include "http_util.h"
#include "lwc_mockserver.h"

#include "check_main.h"

#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static lwc_mock *srv;

static void start(int lagging_writes, int watch_expired_http)
{
    char err[256];
    lwc_mock_config cfg;
    lwc_mock_config_init(&cfg);
    cfg.lagging_replica_writes = lagging_writes;
    cfg.watch_expired_http = watch_expired_http;
    ck_assert_msg(lwc_mock_start(&cfg, &srv, err, sizeof err) == LWC_MOCK_OK, "start: %s", err);
    for (int i = 0; i < 4; i++) {
        char name[16];
        snprintf(name, sizeof name, "p%d", i);
        test_put_pod(srv, "a", name, NULL, 0);
    }
}

static void setup(void)
{
    start(0, 0);
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

static watch_client *open_watch(const char *pq)
{
    return test_open_watch(srv, pq);
}

/* A 410 Status (an ERROR event's object or an HTTP body) in the cacher's
 * format, "too old resource version: N (M)", naming `asked` and the current
 * compaction point M, which must be above it. */
static void assert_too_old(const cJSON *status, uint64_t asked)
{
    const char *msg = cJSON_GetObjectItemCaseSensitive(status, "message")->valuestring;
    unsigned long long n = 0, m = 0;
    ck_assert_msg(sscanf(msg, "too old resource version: %llu (%llu)", &n, &m) == 2, "not the cacher's format: \"%s\"",
                  msg);
    ck_assert_msg(n == asked, "\"%s\" does not name RV %" PRIu64, msg, asked);
    ck_assert_msg(m > n, "a lie: \"%s\"", msg);
    ck_assert_uint_eq(m, lwc_mock_compact(srv, 1));
}

static watch_client *watch_at(uint64_t rv)
{
    char pq[128];
    snprintf(pq, sizeof pq, "/api/v1/pods?watch=1&resourceVersion=%" PRIu64, rv);
    return open_watch(pq);
}

/* A watch at rv must now be refused by the server's state itself: 200 and
 * one ERROR 410, with no fault left to produce it. */
static void assert_expired_by_state(uint64_t rv)
{
    lwc_mock_clear_faults(srv);
    ck_assert_msg(lwc_mock_compact(srv, 1) > rv, "the compaction point %" PRIu64 " is not above RV %" PRIu64,
                  lwc_mock_compact(srv, 1), rv);
    watch_client *w = watch_at(rv);
    cJSON *ev = watch_next_event(w, 5000);
    ck_assert_msg(ev && !strcmp(event_type(ev), "ERROR"), "a watch at RV %" PRIu64 " after the 410 was served", rv);
    ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(ev, "object"), "code")->valueint,
                     410);
    cJSON_Delete(ev);
    watch_close(w);
}

static cJSON *error_event_after(watch_client *w, int events_first)
{
    for (int i = 0; i < events_first; i++) {
        cJSON *ev = watch_next_event(w, 5000);
        ck_assert_ptr_nonnull(ev);
        ck_assert_str_ne(event_type(ev), "ERROR");
        cJSON_Delete(ev);
    }
    cJSON *ev = watch_next_event(w, 5000);
    ck_assert_ptr_nonnull(ev);
    ck_assert_str_eq(event_type(ev), "ERROR");
    return ev;
}

/* Issue 8: "compact" to the current RV, then "too old resource version: 11 (11)". */
START_TEST(error_event_at_the_current_rv_is_true)
{
    uint64_t rv = lwc_mock_current_rv(srv);
    add_fault("{\"match\":{\"verb\":\"watch\"},\"action\":{\"stream\":\"errorEvent\",\"compact\":true}}");
    watch_client *w = watch_at(rv);
    cJSON *ev = error_event_after(w, 0);
    assert_too_old(cJSON_GetObjectItemCaseSensitive(ev, "object"), rv);
    cJSON_Delete(ev);
    watch_close(w);
    assert_expired_by_state(rv);
}
END_TEST

/* Without "compact" too: a 410 ERROR event always expires what the client holds. */
START_TEST(error_event_after_events_expires_the_held_rv)
{
    uint64_t rv = lwc_mock_current_rv(srv);
    add_fault("{\"match\":{\"verb\":\"watch\"},\"action\":{\"stream\":\"errorEvent\",\"afterEvents\":1}}");
    watch_client *w = watch_at(rv);
    uint64_t held = test_put_pod(srv, "a", "late", NULL, 0); /* the one event the client gets */
    cJSON *ev = error_event_after(w, 1);
    cJSON_Delete(ev);
    watch_close(w);
    assert_expired_by_state(held);
}
END_TEST

/* Initial events (RV unset): the client holds the snapshot's RV. */
START_TEST(error_event_after_initial_events_is_true)
{
    uint64_t snapshot = lwc_mock_current_rv(srv);
    add_fault("{\"match\":{\"verb\":\"watch\"},\"action\":{\"stream\":\"errorEvent\",\"afterEvents\":4}}");
    watch_client *w = open_watch("/api/v1/pods?watch=1");
    cJSON *ev = error_event_after(w, 4);
    assert_too_old(cJSON_GetObjectItemCaseSensitive(ev, "object"), snapshot);
    cJSON_Delete(ev);
    watch_close(w);
    assert_expired_by_state(snapshot);
}
END_TEST

START_TEST(http_410_on_a_watch_is_true)
{
    uint64_t rv = lwc_mock_current_rv(srv);
    add_fault("{\"match\":{\"verb\":\"watch\",\"resourceVersion\":\"set\"},\"action\":{\"status\":410}}");
    char pq[128];
    snprintf(pq, sizeof pq, "/api/v1/pods?watch=1&resourceVersion=%" PRIu64, rv);
    cJSON *st = test_get_json(srv, pq, 410);
    assert_too_old(st, rv);
    cJSON_Delete(st);
    assert_expired_by_state(rv);
}
END_TEST

START_TEST(http_410_on_a_continue_is_true)
{
    cJSON *page1 = test_get_json(srv, "/api/v1/pods?limit=2", 200);
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(page1, "metadata");
    char *token = strdup(cJSON_GetObjectItemCaseSensitive(meta, "continue")->valuestring);
    uint64_t rv = strtoull(cJSON_GetObjectItemCaseSensitive(meta, "resourceVersion")->valuestring, NULL, 10);
    cJSON_Delete(page1);
    ck_assert_uint_eq(rv, lwc_mock_current_rv(srv)); /* no write since: the token's RV is the current one */
    add_fault("{\"match\":{\"verb\":\"list\",\"page\":2},\"action\":{\"status\":410}}");
    char pq[1024];
    snprintf(pq, sizeof pq, "/api/v1/pods?limit=2&continue=%s", token);
    cJSON_Delete(test_get_json(srv, pq, 410));
    /* The same token again, the fault gone: the server's own state expires it. */
    lwc_mock_clear_faults(srv);
    cJSON *st = test_get_json(srv, pq, 410);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(st, "reason")->valuestring, "Expired");
    cJSON_Delete(st);
    ck_assert_uint_gt(lwc_mock_compact(srv, 1), rv);
    free(token);
}
END_TEST

START_TEST(a_410_without_an_rv_must_say_it_is_untrue)
{
    char err[512];
    lwc_fault *f = lwc_fault_parse("{\"match\":{\"verb\":\"watch\"},\"action\":{\"status\":410}}", err, sizeof err);
    ck_assert_ptr_null(f);
    ck_assert_msg(strstr(err, "untrue"), "%s", err);
    f = lwc_fault_parse("{\"match\":{\"verb\":\"watch\"},\"action\":{\"status\":410,\"untrue\":true}}", err, sizeof err);
    ck_assert_msg(f != NULL, "%s", err);
    lwc_fault_free(f);
    /* An untrue 410 is sent as asked, and leaves the RV valid. */
    uint64_t rv = lwc_mock_current_rv(srv);
    add_fault("{\"match\":{\"verb\":\"watch\"},\"action\":{\"status\":410,\"untrue\":true}}");
    char pq[128];
    snprintf(pq, sizeof pq, "/api/v1/pods?watch=1&resourceVersion=%" PRIu64, rv);
    cJSON_Delete(test_get_json(srv, pq, 410));
    ck_assert_uint_le(lwc_mock_compact(srv, 1), rv);
}
END_TEST

/* server.watchExpired "http410": the server's own expiry, answered as HTTP 410. */
START_TEST(watch_expired_http410_answers_below_the_floor_only)
{
    teardown();
    start(0, 1);
    uint64_t rv = lwc_mock_current_rv(srv);
    test_put_pod(srv, "a", "moves-rv", NULL, 0);
    lwc_mock_compact(srv, 0);
    char pq[128];
    snprintf(pq, sizeof pq, "/api/v1/pods?watch=1&resourceVersion=%" PRIu64, rv);
    cJSON *st = test_get_json(srv, pq, 410);
    assert_too_old(st, rv);
    cJSON_Delete(st);
    snprintf(pq, sizeof pq, "/api/v1/pods?watch=1&resourceVersion=%" PRIu64 "&timeoutSeconds=1",
             lwc_mock_current_rv(srv));
    watch_client *w = open_watch(pq);
    ck_assert_int_eq(watch_status(w), 200);
    watch_close(w);
}
END_TEST

/* A lagging replica's cache is its own: expiring the RV for watches does not
 * stop it answering RV=0 lists from the older state (kubernetes#59848). */
START_TEST(lagging_replica_survives_the_expiry)
{
    teardown();
    start(3, 0);
    test_put_pod(srv, "a", "q1", NULL, 0);
    test_put_pod(srv, "a", "q2", NULL, 0);
    uint64_t rv = lwc_mock_current_rv(srv);
    add_fault("{\"match\":{\"verb\":\"watch\",\"resourceVersion\":\"set\"},\"action\":{\"status\":410}}");
    char pq[128];
    snprintf(pq, sizeof pq, "/api/v1/pods?watch=1&resourceVersion=%" PRIu64, rv);
    cJSON_Delete(test_get_json(srv, pq, 410));
    ck_assert_uint_gt(lwc_mock_compact(srv, 1), rv);
    cJSON *l = test_get_json(srv, "/api/v1/pods?resourceVersion=0", 200);
    uint64_t at = strtoull(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(l, "metadata"), "resourceVersion")->valuestring,
        NULL, 10);
    ck_assert_uint_eq(at, lwc_mock_current_rv(srv) - 3);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(l, "items")), 4); /* before q1, q2 */
    cJSON_Delete(l);
}
END_TEST

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    Suite *s = suite_create("true_410");
    TCase *tc = tcase_create("true_410");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, error_event_at_the_current_rv_is_true);
    tcase_add_test(tc, error_event_after_events_expires_the_held_rv);
    tcase_add_test(tc, error_event_after_initial_events_is_true);
    tcase_add_test(tc, http_410_on_a_watch_is_true);
    tcase_add_test(tc, http_410_on_a_continue_is_true);
    tcase_add_test(tc, a_410_without_an_rv_must_say_it_is_untrue);
    tcase_add_test(tc, watch_expired_http410_answers_below_the_floor_only);
    tcase_add_test(tc, lagging_replica_survives_the_expiry);
    suite_add_tcase(s, tc);
    int rc = run_suite(s);
    curl_global_cleanup();
    return rc;
}
