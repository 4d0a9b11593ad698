/* lwc-watch against the mock server: pages, scope, selector, events after
 * writes, relist after compaction with deletes while the watch was down,
 * delete-and-recreate, bookmarks, streaming lists and their fallback, and
 * the protocol's commands, signals and exit. Every wait has a deadline; no
 * test sleeps and hopes. */
#include "mock_util.h"

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static lwc_mock *srv;
static child *kid;

static void teardown(void)
{
    child_free(kid);
    kid = NULL;
    if (srv)
        lwc_mock_stop(srv);
    srv = NULL;
}

static void start_ready(const watch_setup *ws)
{
    kid = start_watch(srv, ws);
    expect_ready(kid, 10000);
}

/* Waits for the watch to be open (so that later writes come as events). */
static void expect_watch_open(void)
{
    req_filter watches = {.watch = 1};
    ck_assert_int_ge(wait_request(srv, 0, &watches, 5000), 0);
}

static void expect_events_ok(void)
{
    const char *bad = check_events(kid);
    ck_assert_msg(bad == NULL, "%s", bad);
}

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : "";
}

START_TEST(ready_after_every_page_and_snapshot_equals_server)
{
    srv = mock_start(1, 0);
    populate(srv, 20, 15); /* 300 pods in 20 namespaces, pages of 7: 43 pages */
    size_t log0 = lwc_mock_log_count(srv);
    watch_setup ws = {.page_size = 7, .kubeconfig_ns = "ns-05"};
    start_ready(&ws);
    /* READY comes after the last page, so every page is in the log by now. */
    req_filter lists = {.watch = 0};
    ck_assert_uint_eq(count_requests(srv, log0, &lists), 43);
    req_filter limit7 = {.watch = 0, .param = "limit", .value = "7"};
    ck_assert_uint_eq(count_requests(srv, log0, &limit7), 43);
    req_filter with_cont = {.watch = 0, .param = "continue"};
    ck_assert_uint_eq(count_requests(srv, log0, &with_cont), 42);
    /* Continue requests never carry resourceVersion or resourceVersionMatch. */
    size_t n = lwc_mock_log_count(srv);
    for (size_t i = log0; i < n; i++) {
        char *cont = log_param(srv, i, "continue");
        char *rv = log_param(srv, i, "resourceVersion");
        char *rvm = log_param(srv, i, "resourceVersionMatch");
        ck_assert_msg(!cont || (!rv && !rvm), "request %zu: continue with resourceVersion=%s match=%s", i,
                      rv ? rv : "-", rvm ? rvm : "-");
        free(cont);
        free(rv);
        free(rvm);
    }
    const cJSON *snap = child_dump(kid, 1, 5000);
    ck_assert_ptr_nonnull(snap);
    char diff[2048];
    ck_assert_msg(snapshot_matches(snap, srv, NULL, NULL, diff, sizeof diff), "snapshot: %s", diff);
    ck_assert_int_eq(count_events(kid, "ADDED", NULL), 300);
    expect_events_ok();
    child_stop_ok(kid);
}
END_TEST

START_TEST(events_after_writes)
{
    srv = mock_start(1, 0);
    populate(srv, 3, 4);
    watch_setup ws = {.page_size = 5};
    start_ready(&ws);
    /* The watch must be open before the writes, or they would be in the list. */
    expect_watch_open();
    put_pod(srv, "ns-01", "new-one", "web", 0);
    put_pod(srv, "ns-00", "pod-001", "changed", 1);
    del_pod(srv, "ns-02", "pod-002");
    char diff[2048];
    ck_assert_msg(wait_converged(kid, srv, NULL, NULL, 5000, diff, sizeof diff), "%s", diff);
    ck_assert_int_eq(count_events(kid, "ADDED", "new-one"), 1);
    ck_assert_int_eq(count_events(kid, "MODIFIED", "pod-001"), 1);
    ck_assert_int_eq(count_events(kid, "DELETED", "pod-002"), 1);
    expect_events_ok();
    req_filter lists = {.watch = 0};
    ck_assert_uint_eq(count_requests(srv, 0, &lists), 3); /* 12 pods in pages of 5; no relist */
    child_stop_ok(kid);
}
END_TEST

/* The watcher is frozen (SIGSTOP) while its watch is closed, objects are
 * deleted, one is recreated and history is compacted; thawed, it re-watches
 * from its old resourceVersion, gets ERROR 410, and must relist: DELETED
 * for what vanished, the recreated object under its new uid. */
START_TEST(relist_after_compaction_with_deletes_while_down)
{
    srv = mock_start(1, 0);
    populate(srv, 4, 5);
    watch_setup ws = {.page_size = 3};
    start_ready(&ws);
    expect_watch_open();
    /* An event on the watch first, so that its end is not a "very short
     * watch" (which relists by itself) but a re-watch from its version. */
    put_pod(srv, "ns-00", "seen-live", "web", 0);
    ck_assert_ptr_nonnull(wait_event(kid, "ADDED", "seen-live", 5000));
    ck_assert_int_eq(child_freeze(kid, 5000), 0);
    lwc_mock_close_watches(srv);
    ck_assert(wait_no_watches(srv, 5000));
    size_t log_down = lwc_mock_log_count(srv);
    del_pod(srv, "ns-00", "pod-000");
    del_pod(srv, "ns-03", "pod-004");
    del_pod(srv, "ns-01", "pod-002");
    put_pod(srv, "ns-01", "pod-002", "web", 0); /* recreated: a new uid */
    put_pod(srv, "ns-02", "born-while-down", "web", 0);
    lwc_mock_compact(srv, 0);
    child_resume(kid);
    size_t cur = 0;
    const cJSON *restart = child_wait(kid, &cur, "RESTART", NULL, NULL, 10000);
    ck_assert_msg(restart != NULL, "no RESTART after the compaction");
    ck_assert_msg(strstr(jstr(restart, "reason"), "410") != NULL, "RESTART reason: %s", jstr(restart, "reason"));
    char diff[2048];
    ck_assert_msg(wait_converged(kid, srv, NULL, NULL, 10000, diff, sizeof diff), "%s", diff);
    ck_assert_int_eq(count_events(kid, "DELETED", "pod-000"), 1);
    ck_assert_int_eq(count_events(kid, "DELETED", "pod-004"), 1);
    ck_assert_int_eq(count_events(kid, "DELETED", "pod-002"), 1);
    ck_assert_int_eq(count_events(kid, "ADDED", "born-while-down"), 1);
    expect_events_ok();
    /* The relist asked for no resourceVersion: never the dead one. */
    req_filter fresh_list = {.watch = 0, .param = "resourceVersion", .absent = 1};
    ck_assert_uint_ge(count_requests(srv, log_down, &fresh_list), 1);
    req_filter rv_list = {.watch = 0, .param = "resourceVersion"};
    ck_assert_uint_eq(count_requests(srv, 0, &rv_list), 0);
    child_stop_ok(kid);
}
END_TEST

START_TEST(delete_and_recreate_is_a_new_uid)
{
    srv = mock_start(1, 0);
    populate(srv, 1, 3);
    watch_setup ws = {.page_size = 2};
    start_ready(&ws);
    const cJSON *snap = child_dump(kid, 1, 5000);
    ck_assert_ptr_nonnull(snap);
    char old_uid[128] = "";
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(snap, "items"))
    if (!strcmp(jstr(it, "name"), "pod-001"))
        snprintf(old_uid, sizeof old_uid, "%s", jstr(it, "uid"));
    ck_assert_str_ne(old_uid, "");
    expect_watch_open();
    del_pod(srv, "ns-00", "pod-001");
    put_pod(srv, "ns-00", "pod-001", "web", 0);
    char diff[2048];
    ck_assert_msg(wait_converged(kid, srv, NULL, NULL, 5000, diff, sizeof diff), "%s", diff);
    snap = child_dump(kid, 2, 5000);
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(snap, "items"))
    if (!strcmp(jstr(it, "name"), "pod-001"))
        ck_assert_str_ne(jstr(it, "uid"), old_uid);
    ck_assert_int_eq(count_events(kid, "DELETED", "pod-001"), 1);
    ck_assert_int_eq(count_events(kid, "ADDED", "pod-001"), 2);
    expect_events_ok();
    child_stop_ok(kid);
}
END_TEST

START_TEST(namespace_scope_and_never_the_kubeconfig_namespace)
{
    srv = mock_start(1, 0);
    populate(srv, 6, 4);
    watch_setup ws = {.page_size = 3, .ns = "ns-03", .kubeconfig_ns = "ns-01"};
    start_ready(&ws);
    const cJSON *snap = child_dump(kid, 1, 5000);
    char diff[2048];
    ck_assert_msg(snapshot_matches(snap, srv, "ns-03", NULL, diff, sizeof diff), "%s", diff);
    ck_assert_uint_eq(snapshot_size(snap), 4);
    child_stop_ok(kid);
    child_free(kid);
    /* All namespaces, with a kubeconfig that names one: all of them. */
    watch_setup all = {.page_size = 3, .kubeconfig_ns = "ns-01"};
    start_ready(&all);
    snap = child_dump(kid, 2, 5000);
    ck_assert_msg(snapshot_matches(snap, srv, NULL, NULL, diff, sizeof diff), "%s", diff);
    ck_assert_uint_eq(snapshot_size(snap), 24);
    child_stop_ok(kid);
}
END_TEST

START_TEST(label_selector_and_objects_leaving_it)
{
    srv = mock_start(1, 0);
    populate(srv, 3, 6);
    watch_setup ws = {.page_size = 2, .selector = "app=web"};
    start_ready(&ws);
    const cJSON *snap = child_dump(kid, 1, 5000);
    char diff[2048];
    ck_assert_msg(snapshot_matches(snap, srv, NULL, "app=web", diff, sizeof diff), "%s", diff);
    ck_assert_uint_eq(snapshot_size(snap), 9);
    req_filter sel = {.watch = -1, .param = "labelSelector", .value = "app=web"};
    ck_assert_uint_eq(count_requests(srv, 0, &sel), count_requests(srv, 0, &(req_filter){.watch = -1}));
    expect_watch_open();
    put_pod(srv, "ns-00", "pod-000", "db", 1); /* leaves the selector */
    put_pod(srv, "ns-00", "pod-001", "web", 1); /* enters it */
    ck_assert_msg(wait_converged(kid, srv, NULL, "app=web", 5000, diff, sizeof diff), "%s", diff);
    ck_assert_int_eq(count_events(kid, "DELETED", "pod-000"), 1);
    expect_events_ok();
    child_stop_ok(kid);
}
END_TEST

/* Bookmarks on a quiet collection carry the resourceVersion forward, so a
 * re-watch after compaction needs no relist. */
START_TEST(bookmarks_advance_the_resource_version)
{
    srv = mock_start(1, 100);
    populate(srv, 1, 3);
    watch_setup ws = {.page_size = 2, .args = {"-v"}};
    start_ready(&ws);
    char err[256];
    uint64_t rv = 0;
    ck_assert_int_eq(lwc_mock_create(srv, "/api/v1", "configmaps",
                                     "{\"metadata\":{\"name\":\"other\",\"namespace\":\"ns-00\"},\"data\":{}}", &rv,
                                     err, sizeof err),
                     LWC_MOCK_OK);
    char want[96];
    snprintf(want, sizeof want, "bookmark at resourceVersion %llu", (unsigned long long)rv);
    ck_assert_msg(wait_log(kid, want, 5000) != NULL, "no bookmark at %llu", (unsigned long long)rv);
    lwc_mock_compact(srv, 0);
    size_t log0 = lwc_mock_log_count(srv);
    lwc_mock_close_watches(srv);
    char rvs[32];
    snprintf(rvs, sizeof rvs, "%llu", (unsigned long long)rv);
    req_filter rewatch = {.watch = 1, .param = "resourceVersion", .value = rvs};
    ck_assert_msg(wait_request(srv, log0, &rewatch, 5000) >= 0, "no re-watch from the bookmark's %s", rvs);
    put_pod(srv, "ns-00", "after", "web", 0);
    char diff[2048];
    ck_assert_msg(wait_converged(kid, srv, NULL, NULL, 5000, diff, sizeof diff), "%s", diff);
    req_filter lists = {.watch = 0};
    ck_assert_uint_eq(count_requests(srv, 0, &lists), 2); /* the two pages of the initial list only */
    child_stop_ok(kid);
}
END_TEST

START_TEST(streaming_list)
{
    srv = mock_start(1, 0);
    populate(srv, 5, 5);
    watch_setup ws = {.page_size = 4, .watch_list = 1};
    start_ready(&ws);
    const cJSON *snap = child_dump(kid, 1, 5000);
    char diff[2048];
    ck_assert_msg(snapshot_matches(snap, srv, NULL, NULL, diff, sizeof diff), "%s", diff);
    req_filter lists = {.watch = 0};
    ck_assert_uint_eq(count_requests(srv, 0, &lists), 0);
    req_filter streaming = {.watch = 1, .param = "sendInitialEvents", .value = "true"};
    ck_assert_uint_eq(count_requests(srv, 0, &streaming), 1);
    /* Live events on the same stream. */
    put_pod(srv, "ns-02", "live", "web", 0);
    ck_assert_msg(wait_converged(kid, srv, NULL, NULL, 5000, diff, sizeof diff), "%s", diff);
    /* A re-watch must not ask for the initial events again (kube-rs#1844). */
    size_t log0 = lwc_mock_log_count(srv);
    lwc_mock_close_watches(srv);
    req_filter plain = {.watch = 1, .param = "sendInitialEvents", .absent = 1};
    long i = wait_request(srv, log0, &plain, 5000);
    ck_assert_msg(i >= 0, "no plain re-watch");
    char *rv = log_param(srv, (size_t)i, "resourceVersion");
    ck_assert_ptr_nonnull(rv);
    free(rv);
    ck_assert_uint_eq(count_requests(srv, 0, &streaming), 1);
    del_pod(srv, "ns-00", "pod-000");
    ck_assert_msg(wait_converged(kid, srv, NULL, NULL, 5000, diff, sizeof diff), "%s", diff);
    expect_events_ok();
    child_stop_ok(kid);
}
END_TEST

START_TEST(streaming_list_refused_falls_back)
{
    srv = mock_start(0, 0); /* WatchList gate off: 422 */
    populate(srv, 3, 5);
    watch_setup ws = {.page_size = 4, .watch_list = 1};
    start_ready(&ws);
    const cJSON *snap = child_dump(kid, 1, 5000);
    char diff[2048];
    ck_assert_msg(snapshot_matches(snap, srv, NULL, NULL, diff, sizeof diff), "%s", diff);
    req_filter refused = {.watch = -1, .param = "sendInitialEvents", .status = 422};
    ck_assert_uint_eq(count_requests(srv, 0, &refused), 1);
    req_filter lists = {.watch = 0, .param = "limit", .value = "4"};
    ck_assert_uint_eq(count_requests(srv, 0, &lists), 4);
    put_pod(srv, "ns-01", "after-fallback", "web", 0);
    ck_assert_msg(wait_converged(kid, srv, NULL, NULL, 5000, diff, sizeof diff), "%s", diff);
    child_stop_ok(kid);
}
END_TEST

START_TEST(first_page_only_bug_leaves_the_snapshot_incomplete)
{
    srv = mock_start(1, 0);
    populate(srv, 20, 15);
    watch_setup ws = {.page_size = 7, .args = {"--bug", "first-page-only"}};
    start_ready(&ws);
    const cJSON *snap = child_dump(kid, 1, 5000);
    ck_assert_ptr_nonnull(snap);
    ck_assert_uint_eq(snapshot_size(snap), 7);
    char diff[2048];
    ck_assert(!snapshot_matches(snap, srv, NULL, NULL, diff, sizeof diff));
    req_filter with_cont = {.watch = 0, .param = "continue"};
    ck_assert_uint_eq(count_requests(srv, 0, &with_cont), 0);
    child_stop_ok(kid);
}
END_TEST

START_TEST(protocol_commands_and_ends)
{
    srv = mock_start(1, 0);
    populate(srv, 1, 2);
    watch_setup ws = {.page_size = 500};
    /* End of input ends it. */
    start_ready(&ws);
    ck_assert_int_eq(child_send(kid, "HELLO"), 0);
    size_t cur = 0;
    const cJSON *warn = NULL;
    while ((warn = child_wait(kid, &cur, "LOG", NULL, NULL, 5000)))
        if (strstr(jstr(warn, "message"), "unknown command"))
            break;
    ck_assert_ptr_nonnull(warn);
    ck_assert_ptr_nonnull(child_dump(kid, 4294967295u, 5000)); /* any unsigned seq */
    child_close_stdin(kid);
    int status = 0;
    ck_assert_int_ge(child_wait_exit(kid, 2000, &status), 0);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    child_free(kid);
    /* SIGTERM ends it. */
    start_ready(&ws);
    child_signal(kid, SIGTERM);
    ck_assert_int_ge(child_wait_exit(kid, 2000, &status), 0);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    child_free(kid);
    kid = NULL;
}
END_TEST

START_TEST(stop_while_backing_off_from_a_dead_server)
{
    char *argv[] = {LWC_WATCH_BIN, NULL};
    char *env[] = {"LWC_SERVER=http://127.0.0.1:9", "LWC_API_PATH=/api/v1", "LWC_RESOURCE=pods",
                   "LWC_PAGE_SIZE=5", NULL};
    kid = child_start(argv, env);
    ck_assert_ptr_nonnull(kid);
    size_t cur = 0;
    const cJSON *l;
    /* Wait until it has failed a few times, so that it sits in a backoff. */
    int warns = 0;
    while (warns < 3 && (l = child_wait(kid, &cur, "LOG", NULL, NULL, 10000)))
        warns += !strcmp(jstr(l, "level"), "warn");
    ck_assert_int_eq(warns, 3);
    child_stop_ok(kid);
}
END_TEST

START_TEST(command_line)
{
    char *list[] = {LWC_WATCH_BIN, "--list-bugs", NULL};
    kid = child_start(list, NULL);
    int status = 0;
    ck_assert_int_ge(child_wait_exit(kid, 5000, &status), 0);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    child_free(kid); /* joins the reader: the lines are in */
    kid = NULL;
    /* --list-bugs prints plain text, which the JSON reader counts as "bad". */
    char *unknown[] = {LWC_WATCH_BIN, "--bug", "no-such-bug", NULL};
    kid = child_start(unknown, NULL);
    ck_assert_int_ge(child_wait_exit(kid, 5000, &status), 0);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 2);
    char *err = child_stderr(kid);
    child_free(kid);
    kid = NULL;
    free(err);
    char *argv[] = {LWC_WATCH_BIN, NULL};
    char *bad_page[] = {"LWC_SERVER=http://127.0.0.1:9", "LWC_API_PATH=/api/v1", "LWC_RESOURCE=pods",
                        "LWC_PAGE_SIZE=lots", NULL};
    kid = child_start(argv, bad_page);
    ck_assert_int_ge(child_wait_exit(kid, 5000, &status), 0);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 2);
}
END_TEST

int main(void)
{
    const cut_test tests[] = {
        {"ready_after_every_page", ready_after_every_page_and_snapshot_equals_server},
        {"events_after_writes", events_after_writes},
        {"relist_after_compaction", relist_after_compaction_with_deletes_while_down},
        {"delete_and_recreate", delete_and_recreate_is_a_new_uid},
        {"namespace_scope", namespace_scope_and_never_the_kubeconfig_namespace},
        {"label_selector", label_selector_and_objects_leaving_it},
        {"bookmarks", bookmarks_advance_the_resource_version},
        {"streaming_list", streaming_list},
        {"streaming_list_refused", streaming_list_refused_falls_back},
        {"first_page_only_bug", first_page_only_bug_leaves_the_snapshot_incomplete},
        {"protocol", protocol_commands_and_ends},
        {"stop_in_backoff", stop_while_backing_off_from_a_dead_server},
        {"command_line", command_line},
    };
    return cut_run_tests("watch_mock", tests, sizeof tests / sizeof tests[0], teardown);
}
