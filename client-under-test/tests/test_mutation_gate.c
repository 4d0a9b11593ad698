/* The mutation gate: every reproduced bug (lwc-watch --bug NAME) must fail
 * at least one of these scenario shapes, and the correct watcher must pass
 * them all. A shape that stops catching its bug fails this test, so a
 * scenario cannot quietly lose its teeth.
 *
 * Each shape builds its own mock server (public API, faults through
 * lwc_scenario.h), runs lwc-watch as a child, plays a short timeline and
 * returns whether the watcher passed the shape's check. Infrastructure
 * problems (a server that will not start) still abort the test with
 * ck_assert; the watcher's failures are return values. */
#include "lwc_mockserver.h"
#include "mock_util.h"

#include "check_main.h"
#include "monotonic.h"

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

typedef struct run {
    lwc_mock *srv;
    child *kid;
    char why[2048];
} run;

static void run_end(run *r)
{
    child_free(r->kid);
    if (r->srv)
        lwc_mock_stop(r->srv);
}

static void add_fault(lwc_mock *srv, const char *json)
{
    char err[256];
    lwc_fault *f = lwc_fault_parse(json, err, sizeof err);
    ck_assert_msg(f != NULL, "fault %s: %s", json, err);
    ck_assert_int_eq(lwc_mock_add_fault(srv, f, err, sizeof err), LWC_MOCK_OK);
    lwc_fault_free(f);
}

static child *launch(run *r, watch_setup ws, const char *bug)
{
    /* args holds 7 arguments and its NULL; keep room for "--bug NAME". */
    int n = 0;
    while (ws.args[n])
        n++;
    ck_assert_int_le(n, 5);
    if (bug) {
        ws.args[n++] = "--bug";
        ws.args[n++] = bug;
    }
    ws.args[n] = NULL;
    r->kid = start_watch(r->srv, &ws);
    return r->kid;
}


static void dump_log(lwc_mock *srv)
{
    size_t n = lwc_mock_log_count(srv);
    for (size_t i = 0; i < n; i++) {
        lwc_mock_request q;
        if (lwc_mock_log_get(srv, i, &q) == LWC_MOCK_OK) {
            fprintf(stderr, "  log %zu: %s %s?%s -> %d watch=%d done=%d\n", i, q.method, q.path, q.query, q.status,
                    q.is_watch, q.done);
            lwc_mock_request_free(&q);
        }
    }
}

static int flunk(run *r, const char *what, const char *detail)
{
    snprintf(r->why, sizeof r->why, "%s%s", what, detail ? detail : "");
    return 0;
}

static int ready(run *r, int timeout_ms)
{
    return child_wait(r->kid, NULL, "READY", NULL, NULL, timeout_ms) != NULL;
}

/* The watch is open and has delivered a live event (so that its end is a
 * plain re-watch from its resourceVersion). */
static int watching(run *r, const char *ns)
{
    req_filter watches = {.watch = 1};
    if (wait_request(r->srv, 0, &watches, 5000) < 0) {
        dump_log(r->srv);
        return flunk(r, "no watch request", "");
    }
    put_pod(r->srv, ns, "live-marker", "web", 0);
    if (!wait_event(r->kid, "ADDED", "live-marker", 5000))
        return flunk(r, "no ADDED for the live marker", "");
    return 1;
}

/* READY, then watching() in ns-00. */
static int ready_and_watching(run *r)
{
    if (!ready(r, 5000))
        return flunk(r, "no READY", "");
    return watching(r, "ns-00");
}

/* The per-key event rules (check_events) hold. */
static int events_ok(run *r)
{
    const char *bad = check_events(r->kid);
    return bad ? flunk(r, "events: ", bad) : 1;
}

static int converged(run *r, int timeout_ms)
{
    return wait_converged(r->kid, r->srv, NULL, NULL, timeout_ms, r->why, sizeof r->why);
}

/* ---- shapes ---- */

/* Six namespaces of five pods in pages of 4, the kubeconfig naming ns-02:
 * the store at READY must be the whole collection. */
static int shape_initial_snapshot(const char *bug, run *r)
{
    r->srv = mock_start(1, 0);
    populate(r->srv, 6, 5);
    launch(r, (watch_setup){.page_size = 4, .kubeconfig_ns = "ns-02"}, bug);
    if (!ready(r, 5000))
        return flunk(r, "no READY within 5 s", "");
    const cJSON *snap = child_dump(r->kid, 1, 5000);
    if (!snap || !snapshot_matches(snap, r->srv, NULL, NULL, r->why, sizeof r->why))
        return 0;
    return 1;
}

/* Frozen while its watch is closed, pods deleted and history compacted:
 * thawed, the watcher must relist and drop what vanished. */
static int shape_deletes_while_down(const char *bug, run *r)
{
    r->srv = mock_start(1, 0);
    populate(r->srv, 3, 4);
    launch(r, (watch_setup){.page_size = 3}, bug);
    if (!ready_and_watching(r))
        return 0;
    ck_assert_int_eq(child_freeze(r->kid, 5000), 0);
    lwc_mock_close_watches(r->srv);
    ck_assert(wait_no_watches(r->srv, 5000));
    del_pod(r->srv, "ns-00", "pod-001");
    del_pod(r->srv, "ns-02", "pod-003");
    lwc_mock_compact(r->srv, 0);
    child_resume(r->kid);
    if (!converged(r, 4000))
        return 0;
    return events_ok(r);
}

/* The same without compaction: the re-watch from the last resourceVersion
 * delivers the deletes. */
static int shape_drop_without_compaction(const char *bug, run *r)
{
    r->srv = mock_start(1, 0);
    populate(r->srv, 2, 4);
    launch(r, (watch_setup){.page_size = 3}, bug);
    if (!ready_and_watching(r))
        return 0;
    ck_assert_int_eq(child_freeze(r->kid, 5000), 0);
    lwc_mock_close_watches(r->srv);
    if (!wait_no_watches(r->srv, 5000)) {
        fprintf(stderr, "  watches still open: %zu\n", lwc_mock_watch_count(r->srv));
        ck_abort_msg("the closed watch did not end");
    }
    del_pod(r->srv, "ns-01", "pod-002");
    child_resume(r->kid);
    return converged(r, 4000);
}

/* Page 2's continue token expires once (410 with the rv:-1 token). */
static int shape_expired_continue(const char *bug, run *r)
{
    r->srv = mock_start(1, 0);
    populate(r->srv, 2, 5);
    add_fault(r->srv, "{\"match\":{\"verb\":\"list\",\"page\":2},\"action\":{\"status\":410},\"times\":1}");
    launch(r, (watch_setup){.page_size = 3}, bug);
    if (!ready(r, 5000))
        return flunk(r, "no READY within 5 s after an expired continue", "");
    return converged(r, 3000);
}

/* A lagging replica answers resourceVersion=0 lists from an older state.
 * Deletes and an update are seen live, then an HTTP 410 on the watch forces
 * a relist, which must not go back in time: no object resurrected, no
 * resourceVersion going back in the events (client-protocol check 3). */
static int shape_time_travel(const char *bug, run *r)
{
    lwc_mock_config cfg;
    lwc_mock_config_init(&cfg);
    cfg.seed = 3;
    cfg.lagging_replica_writes = 6;
    r->srv = mock_start_cfg(&cfg);
    populate(r->srv, 2, 4);
    launch(r, (watch_setup){.page_size = 3}, bug);
    if (!ready_and_watching(r))
        return 0;
    del_pod(r->srv, "ns-00", "pod-000");
    del_pod(r->srv, "ns-01", "pod-001");
    put_pod(r->srv, "ns-01", "pod-002", "changed", 1);
    if (!converged(r, 3000))
        return 0;
    add_fault(r->srv, "{\"match\":{\"verb\":\"watch\",\"resourceVersion\":\"set\"},\"action\":{\"status\":410},\"times\":1}");
    size_t cur = child_line_count(r->kid);
    lwc_mock_close_watches(r->srv);
    /* Wait for the relist to be done in the watcher (its RESTART, then the
     * "listed N objects in P pages" line it prints after handing the store's
     * events out), not for the request: a DUMP answered between the request
     * and the page's arrival would show the old, converged store, and the bug
     * would pass on a slow build (the coverage build did). */
    if (!child_wait(r->kid, &cur, "RESTART", NULL, NULL, 5000))
        return flunk(r, "no relist after the 410", "");
    if (!child_wait(r->kid, &cur, "LOG", child_log_begins, "listed ", 5000))
        return flunk(r, "the relist after the 410 never completed", "");
    if (!converged(r, 4000))
        return 0;
    return events_ok(r);
}

/* Every request fails with 500 for two seconds: the watcher must back off
 * (client-go's reflector herd, kubernetes#87794). */
static int shape_error_storm(const char *bug, run *r)
{
    r->srv = mock_start(1, 0);
    populate(r->srv, 1, 3);
    launch(r, (watch_setup){.page_size = 2}, bug);
    if (!ready_and_watching(r))
        return 0;
    add_fault(r->srv, "{\"name\":\"storm\",\"match\":{\"verb\":\"any\"},\"action\":{\"status\":500},\"times\":0}");
    size_t log0 = lwc_mock_log_count(r->srv);
    double t0 = lwcc_monotonic_ms();
    lwc_mock_close_watches(r->srv);
    while (lwcc_monotonic_ms() - t0 < 2000)
        wait_request(r->srv, lwc_mock_log_count(r->srv), &(req_filter){.watch = -1}, 100);
    size_t n = count_requests(r->srv, log0, &(req_filter){.watch = -1});
    lwc_mock_remove_fault(r->srv, "storm");
    if (n > 12) {
        char d[64];
        snprintf(d, sizeof d, "%zu requests in 2 s of errors", n);
        return flunk(r, "hot loop: ", d);
    }
    return converged(r, 6000);
}

/* A quiet watch while other resources move the resourceVersion on:
 * bookmarks carry it forward, so after a compaction no relist is needed. */
static int shape_bookmarks(const char *bug, run *r)
{
    r->srv = mock_start(1, 100);
    populate(r->srv, 1, 3);
    launch(r, (watch_setup){.page_size = 2, .args = {"-v"}}, bug);
    if (!ready(r, 5000))
        return flunk(r, "no READY", "");
    char err[256];
    uint64_t rv = 0;
    ck_assert_int_eq(lwc_mock_create(r->srv, "/api/v1", "configmaps",
                                     "{\"metadata\":{\"name\":\"other\",\"namespace\":\"ns-00\"},\"data\":{}}", &rv,
                                     err, sizeof err),
                     LWC_MOCK_OK);
    char want[96];
    snprintf(want, sizeof want, "bookmark at resourceVersion %llu", (unsigned long long)rv);
    if (!wait_log(r->kid, want, 5000))
        return flunk(r, "no bookmark seen", "");
    lwc_mock_compact(r->srv, 0);
    lwc_mock_close_watches(r->srv);
    put_pod(r->srv, "ns-00", "after", "web", 0);
    if (!converged(r, 4000))
        return 0;
    size_t lists = count_requests(r->srv, 0, &(req_filter){.watch = 0});
    if (lists != 2) {
        char d[64];
        snprintf(d, sizeof d, "%zu list requests, want the initial 2", lists);
        return flunk(r, "relisted: ", d);
    }
    return 1;
}

/* Streaming list, then a closed watch: the re-watch must not ask for the
 * initial events again, nor hand them to consumers twice. */
static int shape_streaming_rewatch(const char *bug, run *r)
{
    r->srv = mock_start(1, 0);
    populate(r->srv, 2, 3);
    launch(r, (watch_setup){.page_size = 2, .watch_list = 1}, bug);
    if (!ready_and_watching(r))
        return 0;
    size_t log0 = lwc_mock_log_count(r->srv);
    lwc_mock_close_watches(r->srv);
    if (wait_request(r->srv, log0, &(req_filter){.watch = 1}, 5000) < 0)
        return flunk(r, "no re-watch", "");
    put_pod(r->srv, "ns-01", "after", "web", 0);
    if (!converged(r, 4000))
        return 0;
    if (count_requests(r->srv, log0, &(req_filter){.watch = 1, .param = "sendInitialEvents"}))
        return flunk(r, "the re-watch asked for the initial events again", "");
    return events_ok(r);
}

/* Objects created so that the list's last item (by key) is the oldest:
 * the watch must start at the list's resourceVersion, replaying nothing. */
static int shape_watch_from_list_rv(const char *bug, run *r)
{
    r->srv = mock_start(1, 0);
    put_pod(r->srv, "zz-last", "oldest", "web", 0);
    populate(r->srv, 3, 3);
    launch(r, (watch_setup){.page_size = 4}, bug);
    if (!ready_and_watching(r))
        return 0;
    if (!converged(r, 3000))
        return 0;
    return events_ok(r);
}

/* A watch that goes silent (a dead load balancer) must be abandoned after
 * its timeout plus a margin; a write made meanwhile must arrive. */
static int shape_stall(const char *bug, run *r)
{
    r->srv = mock_start(1, 0);
    populate(r->srv, 1, 3);
    launch(r, (watch_setup){.page_size = 2, .args = {"--watch-timeout", "1"}}, bug);
    if (!ready_and_watching(r))
        return 0;
    add_fault(r->srv, "{\"match\":{\"verb\":\"watch\"},\"action\":{\"stream\":\"stall\"},\"times\":1}");
    size_t log0 = lwc_mock_log_count(r->srv);
    lwc_mock_close_watches(r->srv);
    if (wait_request(r->srv, log0, &(req_filter){.watch = 1}, 5000) < 0)
        return flunk(r, "no re-watch", "");
    put_pod(r->srv, "ns-00", "during-stall", "web", 0);
    return converged(r, 6000);
}

/* A server that streams the initial events but never the end bookmark. */
static int shape_streaming_no_end_bookmark(const char *bug, run *r)
{
    lwc_mock_config cfg;
    lwc_mock_config_init(&cfg);
    cfg.seed = 5;
    cfg.watch_list_no_end_bookmark = 1;
    r->srv = mock_start_cfg(&cfg);
    populate(r->srv, 1, 3);
    launch(r, (watch_setup){.page_size = 2, .watch_list = 1, .args = {"--watch-timeout", "1"}}, bug);
    if (!ready(r, 6000))
        return flunk(r, "no READY within 6 s", "");
    return converged(r, 3000);
}

/* ---- the gate ---- */

typedef int (*shape_fn)(const char *bug, run *r);

static const struct gate {
    const char *shape;
    shape_fn fn;
    const char *bugs[4]; /* caught by this shape */
} gates[] = {
    {"initial_snapshot", shape_initial_snapshot, {"first-page-only", "kubeconfig-namespace", "continue-with-rv"}},
    {"deletes_while_down", shape_deletes_while_down, {"stale-relist", "rewatch-dead-rv"}},
    {"drop_without_compaction", shape_drop_without_compaction, {"rewatch-from-now"}},
    {"expired_continue", shape_expired_continue, {"expired-continue-fatal"}},
    {"time_travel", shape_time_travel, {"relist-rv0"}},
    {"error_storm", shape_error_storm, {"no-backoff"}},
    {"bookmarks", shape_bookmarks, {"ignore-bookmarks"}},
    {"streaming_rewatch", shape_streaming_rewatch, {"resend-initial-events"}},
    {"watch_from_list_rv", shape_watch_from_list_rv, {"rv-from-last-item"}},
    {"stall", shape_stall, {"no-stall-timeout"}},
    {"streaming_no_end_bookmark", shape_streaming_no_end_bookmark, {"watchlist-no-deadline"}},
};
#define NGATES (sizeof gates / sizeof gates[0])

static int one(const struct gate *g, const char *bug)
{
    /* GATE_SHAPE=name runs one shape only (the others pass vacuously). */
    const char *only = getenv("GATE_SHAPE");
    if (only && strcmp(only, g->shape) != 0)
        return bug == NULL;
    run r;
    memset(&r, 0, sizeof r);
    int passed = g->fn(bug, &r);
    if (getenv("GATE_DEBUG") && r.kid) {
        size_t n = child_line_count(r.kid);
        for (size_t i = 0; i < n; i++) {
            char *t = cJSON_PrintUnformatted(child_line(r.kid, i));
            fprintf(stderr, "  out %zu: %s\n", i, t);
            free(t);
        }
        dump_log(r.srv);
    }
    fprintf(stderr, "gate %-26s %-24s %s%s%s\n", g->shape, bug ? bug : "(correct)", passed ? "passed" : "FAILED",
            passed ? "" : ": ", passed ? "" : r.why);
    if (!bug && r.kid) {
        /* The correct watcher also ends cleanly (and, under ASan, leak-free). */
        child_send(r.kid, "STOP");
        int status = 0;
        ck_assert_msg(child_wait_exit(r.kid, 2000, &status) >= 0, "%s: no exit within 2 s", g->shape);
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s: exit status 0x%x", g->shape, status);
        ck_assert_uint_eq(child_bad_lines(r.kid), 0);
    }
    run_end(&r);
    return passed;
}

START_TEST(correct_watcher_passes_every_shape)
{
    const struct gate *g = &gates[_i];
    ck_assert_msg(one(g, NULL), "the correct watcher failed shape %s", g->shape);
}
END_TEST

START_TEST(each_bug_fails_its_shape)
{
    const struct gate *g = &gates[_i];
    for (int b = 0; b < 4 && g->bugs[b]; b++)
        ck_assert_msg(!one(g, g->bugs[b]), "shape %s no longer catches bug %s", g->shape, g->bugs[b]);
}
END_TEST

/* Every bug lwc-watch --list-bugs offers is caught by some shape. */
START_TEST(every_bug_is_gated)
{
    FILE *p = popen(LWC_WATCH_BIN " --list-bugs", "r");
    ck_assert_ptr_nonnull(p);
    char line[512];
    int bugs = 0;
    while (fgets(line, sizeof line, p)) {
        char name[64];
        ck_assert_int_eq(sscanf(line, "%63s", name), 1);
        ck_assert_msg(strchr(line, '#') != NULL, "no public reference: %s", line);
        int gated = 0;
        for (size_t g = 0; g < NGATES; g++)
            for (int b = 0; b < 4 && gates[g].bugs[b]; b++)
                gated |= !strcmp(gates[g].bugs[b], name);
        ck_assert_msg(gated, "bug %s is caught by no shape", name);
        bugs++;
    }
    ck_assert_int_eq(pclose(p), 0);
    ck_assert_int_ge(bugs, 8);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("mutation_gate");
    TCase *all = tcase_create("gate");
    tcase_set_timeout(all, 120);
    tcase_add_test(all, every_bug_is_gated);
    tcase_add_loop_test(all, correct_watcher_passes_every_shape, 0, (int)NGATES);
    tcase_add_loop_test(all, each_bug_fails_its_shape, 0, (int)NGATES);
    suite_add_tcase(s, all);
    return run_suite(s);
}
