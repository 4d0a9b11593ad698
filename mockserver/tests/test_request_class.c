/* One request classification for faults and for the harness: requests of
 * every shape go through a started server's router, and for each probe
 * matcher a fault fires exactly when lwc_matcher_matches says the logged
 * request matches (so expectations and triggers count what faults saw). */
#include "http_util.h"
#include "lwc_mockserver.h"

#include "check_main.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static lwc_mock *srv;

static void setup(void)
{
    lwc_mock_config cfg;
    lwc_mock_config_init(&cfg);
    cfg.seed = 7;
    char err[256];
    ck_assert_msg(lwc_mock_start(&cfg, &srv, err, sizeof err) == LWC_MOCK_OK, "start: %s", err);
    test_put_pod(srv, "ns", "name", NULL, 0);
}

static void teardown(void)
{
    lwc_mock_stop(srv);
    srv = NULL;
}

/* A probe: a matcher with one member set. */
static lwc_matcher any(void)
{
    lwc_matcher m;
    memset(&m, 0, sizeof m);
    m.verb = LWC_VERB_ANY;
    m.has_continue = LWC_TRI_ANY;
    m.rv = LWC_RV_ANY;
    m.limit = -1;
    m.watch_list = -1;
    return m;
}

#define NPROBES 20

static int probes(lwc_matcher *p)
{
    int n = 0;
    p[n++] = any();
    lwc_verb verbs[] = {LWC_VERB_LIST, LWC_VERB_WATCH, LWC_VERB_GET, LWC_VERB_WRITE};
    for (size_t i = 0; i < sizeof verbs / sizeof *verbs; i++) {
        p[n] = any();
        p[n++].verb = verbs[i];
    }
    static char pods[] = "pods", namespaces[] = "namespaces", widgets[] = "widgets", ns[] = "ns", none[] = "";
    char *resources[] = {pods, namespaces, widgets};
    for (size_t i = 0; i < sizeof resources / sizeof *resources; i++) {
        p[n] = any();
        p[n++].resource = resources[i];
    }
    p[n] = any();
    p[n++].namespace_ = ns;
    p[n] = any();
    p[n++].namespace_ = none;
    p[n] = any();
    p[n++].has_continue = LWC_TRI_YES;
    p[n] = any();
    p[n++].has_continue = LWC_TRI_NO;
    lwc_rv_match rvs[] = {LWC_RV_UNSET, LWC_RV_ZERO, LWC_RV_SET};
    for (size_t i = 0; i < sizeof rvs / sizeof *rvs; i++) {
        p[n] = any();
        p[n++].rv = rvs[i];
    }
    p[n] = any();
    p[n++].watch_list = 1;
    p[n] = any();
    p[n++].watch_list = 0;
    p[n] = any();
    p[n].verb = LWC_VERB_LIST;
    p[n++].page = 1;
    ck_assert_int_le(n, NPROBES);
    return n;
}

#define LONG_NAME                                                                                  \
    "a23456789012345678901234567890123456789012345678901234567890123456789012345678901234567890" \
    "12345678901234567890123456789012345678901234567890"

/* The requests, as a client sends them, and the classification the log
 * must record. Where the router and the harness's own path parser
 * disagreed (before request_match.c), the row says which was right. */
typedef struct row {
    const char *method;
    const char *path_query;
    int resolved;
    lwc_verb verb;
    const char *resource;
    const char *ns;
    int has_continue;
    lwc_rv_match rv;
    int watch_list;
    long long limit;
} row;

#define NONE(m, pq) {m, pq, 0, LWC_VERB_ANY, NULL, NULL, 0, LWC_RV_ANY, 0, 0}
#define REQ(m, pq, verb, res, ns) {m, pq, 1, LWC_VERB_##verb, res, ns, 0, LWC_RV_UNSET, 0, 0}
#define Q(pq, verb, cont, rv, wl, limit) {"GET", pq, 1, LWC_VERB_##verb, "pods", NULL, cont, LWC_RV_##rv, wl, limit}

static const row rows[] = {
    REQ("GET", "/api/v1/pods", LIST, "pods", NULL),
    REQ("GET", "/api/v1/namespaces/ns/pods", LIST, "pods", "ns"),
    REQ("GET", "/api/v1/namespaces/ns/pods/name", GET, "pods", "ns"),
    /* A namespaced resource's object without its namespace: no route (404).
     * The harness matched it as a get of pods. */
    NONE("GET", "/api/v1/pods/name"),
    REQ("GET", "/api/v1/namespaces", LIST, "namespaces", NULL),
    /* The request info resolver says namespace "ns" here; both sides said
     * none (a cluster-scoped object), and a matcher's "" keeps meaning it. */
    REQ("GET", "/api/v1/namespaces/ns", GET, "namespaces", NULL),
    NONE("GET", "/api/v1/namespaces/ns/namespaces"), /* harness: a list of namespaces in ns */
    REQ("GET", "/api/v1/watch/pods", WATCH, "pods", NULL),
    REQ("GET", "/api/v1/watch/namespaces/ns/pods", WATCH, "pods", "ns"),
    REQ("GET", "/api/v1/watch/namespaces/ns/pods/name", GET, "pods", "ns"), /* answered 405 */
    /* watch as apimachinery's Convert_Slice_string_To_bool reads its first value. */
    Q("/api/v1/pods?watch=true", WATCH, 0, UNSET, 0, 0),
    Q("/api/v1/pods?watch=1", WATCH, 0, UNSET, 0, 0),
    Q("/api/v1/pods?watch=false", LIST, 0, UNSET, 0, 0),
    Q("/api/v1/pods?watch=0", LIST, 0, UNSET, 0, 0),
    Q("/api/v1/pods?watch=True", WATCH, 0, UNSET, 0, 0),
    Q("/api/v1/pods?watch=FALSE", LIST, 0, UNSET, 0, 0),
    Q("/api/v1/pods?watch=", WATCH, 0, UNSET, 0, 0),
    Q("/api/v1/pods?watch", WATCH, 0, UNSET, 0, 0),
    Q("/api/v1/pods?watch=yes", WATCH, 0, UNSET, 0, 0),
    Q("/api/v1/pods?watch=%74rue", WATCH, 0, UNSET, 0, 0),
    Q("/api/v1/pods?watch=1&watch=0", WATCH, 0, UNSET, 0, 0),
    Q("/api/v1/pods?watch=0&watch=1", LIST, 0, UNSET, 0, 0),
    Q("/api/v1/pods?w%61tch=1", WATCH, 0, UNSET, 0, 0),
    Q("/api/v1/pods?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan", WATCH, 0, UNSET, 1, 0),
    Q("/api/v1/pods?watch=1&sendInitialEvents=True", WATCH, 0, UNSET, 1, 0),
    Q("/api/v1/pods?watch=1&sendInitialEvents=false", WATCH, 0, UNSET, 0, 0),
    Q("/api/v1/pods?watch=1&sendInitialEvents=0", WATCH, 0, UNSET, 0, 0),
    Q("/api/v1/pods?watch=1&sendInitialEvents=", WATCH, 0, UNSET, 1, 0),
    Q("/api/v1/pods?watch=1&sendInitialEvents", WATCH, 0, UNSET, 1, 0),
    Q("/api/v1/pods?sendInitialEvents=true", LIST, 0, UNSET, 0, 0), /* a list is never a streaming list */
    Q("/api/v1/pods?resourceVersion=", LIST, 0, UNSET, 0, 0),
    Q("/api/v1/pods?resourceVersion=0", LIST, 0, ZERO, 0, 0),
    Q("/api/v1/pods?resourceVersion=12", LIST, 0, SET, 0, 0),
    Q("/api/v1/pods?resourceVersion=%30", LIST, 0, ZERO, 0, 0),
    Q("/api/v1/pods?watch=1&resourceVersion=0", WATCH, 0, ZERO, 0, 0),
    Q("/api/v1/pods?continue=", LIST, 0, UNSET, 0, 0),
    Q("/api/v1/pods?continue=abc", LIST, 1, UNSET, 0, 0),
    Q("/api/v1/pods?limit=5", LIST, 0, UNSET, 0, 5),
    /* The server answers 400 (strconv.ParseInt); the harness read 0 (strtoll) before. */
    Q("/api/v1/pods?limit=abc", LIST, 0, UNSET, 0, -1),
    Q("/api/v1/pods?limit=5x", LIST, 0, UNSET, 0, -1), /* harness: 5 */
    REQ("GET", "/apis/example.com/v1/widgets", LIST, "widgets", NULL),
    REQ("GET", "/apis/example.com/v1/namespaces/ns/widgets", LIST, "widgets", "ns"),
    REQ("GET", "/apis/example.com/v1/namespaces/ns/widgets/w", GET, "widgets", "ns"),
    REQ("GET", "/apis/example.com/v1/watch/namespaces/ns/widgets", WATCH, "widgets", "ns"),
    /* Not served (the mux's 404); the harness matched them by resource name
     * alone, though the request info resolver gives them another APIGroup. */
    NONE("GET", "/apis/other.com/v1/namespaces/ns/widgets"),
    NONE("GET", "/apis/example.com/v1/namespaces/ns/pods"),
    NONE("GET", "/api/v1/foos"),
    NONE("GET", "/api/v1/namespaces/ns/foos"),
    /* Subresources (not served): the resolver says a get of pods/status
     * or pods/log; the harness said a list of pods in ns. */
    NONE("GET", "/api/v1/namespaces/ns/pods/name/status"),
    NONE("GET", "/api/v1/namespaces/ns/pods/name/log"),
    NONE("GET", "/apis/example.com/v1/namespaces/ns/widgets/w/status/x"),
    /* Decoded, as the resolver reads req.URL.Path; the harness compared the
     * raw logged path ("n%73", "p%6Fds"). */
    REQ("GET", "/api/v1/namespaces/n%73/pods", LIST, "pods", "ns"),
    REQ("GET", "/api/v1/namespaces/ns/p%6Fds", LIST, "pods", "ns"),
    /* A 140-character name (names may have 253): the harness's 127-byte
     * segments cut it off and made this a list. */
    REQ("GET", "/api/v1/namespaces/ns/pods/" LONG_NAME, GET, "pods", "ns"),
    REQ("GET", "//api/v1//pods/", LIST, "pods", NULL),
    NONE("GET", "/api"),
    NONE("GET", "/api/v1"),
    NONE("GET", "/apis/example.com/v1"),
    NONE("GET", "/version"),
    NONE("GET", "/lwc/v1/faults"),
    REQ("POST", "/api/v1/namespaces/ns/pods", WRITE, "pods", "ns"),
    REQ("POST", "/api/v1/pods", WRITE, "pods", NULL),
    REQ("PUT", "/api/v1/namespaces/ns/pods/name", WRITE, "pods", "ns"),
    REQ("PATCH", "/api/v1/namespaces/ns/pods/name", WRITE, "pods", "ns"),
    REQ("DELETE", "/api/v1/namespaces/ns/pods/name", WRITE, "pods", "ns"),
    REQ("DELETE", "/api/v1/namespaces/ns/pods", WRITE, "pods", "ns"),
    REQ("POST", "/api/v1/watch/namespaces/ns/pods", WRITE, "pods", "ns"),
};

#define PROBE_STATUS 503
#define OTHER_STATUS 500

/* Sends one request with faults {probe} then {everything else}: both answer
 * at once with a status (no watch stays open) and the status tells which
 * fired. Returns the request's log entry. */
static lwc_mock_request send_with_probe(const row *rw, const lwc_matcher *probe, int catch_all)
{
    lwc_mock_clear_faults(srv);
    lwc_fault f;
    memset(&f, 0, sizeof f);
    f.nth = 1;
    f.action.kind = LWC_ACT_STATUS;
    f.match = *probe;
    f.action.status = PROBE_STATUS;
    char err[256];
    ck_assert_int_eq(lwc_mock_add_fault(srv, &f, err, sizeof err), LWC_MOCK_OK);
    f.match = any();
    f.action.status = OTHER_STATUS;
    if (catch_all)
        ck_assert_int_eq(lwc_mock_add_fault(srv, &f, err, sizeof err), LWC_MOCK_OK);
    char url[1024];
    snprintf(url, sizeof url, "%s%s", lwc_mock_url(srv), rw->path_query);
    size_t before = lwc_mock_log_count(srv);
    http_response r;
    const char *body = strcmp(rw->method, "GET") ? "{}" : NULL; /* a body would make curl's GET a POST */
    ck_assert_msg(http_request(rw->method, url, NULL, "application/json", body, &r) == 0, "%s %s: no response",
                  rw->method, rw->path_query);
    http_response_free(&r);
    ck_assert_int_eq(lwc_mock_log_count(srv), before + 1);
    lwc_mock_request e;
    ck_assert_int_eq(lwc_mock_log_get(srv, before, &e), LWC_MOCK_OK);
    return e;
}

static void check_class(const row *rw, const lwc_mock_request *e)
{
    const lwc_mock_request_class *c = &e->cls;
    const char *what = rw->path_query;
    ck_assert_msg(c->resolved == rw->resolved, "%s %s: resolved %d, want %d", rw->method, what, c->resolved,
                  rw->resolved);
    if (!rw->resolved) {
        ck_assert_msg(!c->resource && !c->ns && c->verb == LWC_VERB_ANY, "%s: an unresolved request has fields",
                      what);
        return;
    }
    ck_assert_msg(c->verb == rw->verb, "%s %s: verb %d, want %d", rw->method, what, c->verb, rw->verb);
    ck_assert_msg(c->resource && !strcmp(c->resource, rw->resource), "%s: resource %s, want %s", what,
                  c->resource ? c->resource : "(none)", rw->resource);
    ck_assert_msg(rw->ns ? c->ns && !strcmp(c->ns, rw->ns) : !c->ns, "%s: namespace %s, want %s", what,
                  c->ns ? c->ns : "(none)", rw->ns ? rw->ns : "(none)");
    ck_assert_msg(c->has_continue == rw->has_continue, "%s: has_continue %d", what, c->has_continue);
    ck_assert_msg(c->rv == rw->rv, "%s: rv %d, want %d", what, c->rv, rw->rv);
    ck_assert_msg(c->watch_list == rw->watch_list, "%s: watch_list %d", what, c->watch_list);
    ck_assert_msg(c->limit == rw->limit, "%s: limit %lld, want %lld", what, c->limit, rw->limit);
}

/* The log records each request's classification as listed. */
START_TEST(logged_classification)
{
    lwc_matcher none = any();
    none.verb = LWC_VERB_LIST;
    none.page = 1000; /* fires for nothing: every request is served as usual */
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        if (rows[i].verb == LWC_VERB_WATCH)
            continue; /* a served watch stays open: faults_and_matchers_agree answers them */
        lwc_mock_request e = send_with_probe(&rows[i], &none, 0);
        check_class(&rows[i], &e);
        lwc_mock_request_free(&e);
    }
}
END_TEST

START_TEST(faults_and_matchers_agree)
{
    lwc_matcher p[NPROBES];
    int np = probes(p);
    int disagreements = 0;
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        for (int k = 0; k < np; k++) {
            lwc_mock_request e = send_with_probe(&rows[i], &p[k], 1);
            check_class(&rows[i], &e);
            int fired = e.status == PROBE_STATUS;
            int matched = lwc_matcher_matches(&p[k], &e, 0);
            if (fired != matched) {
                fprintf(stderr, "disagree: %s %s probe %d: fault %s, lwc_matcher_matches %s\n", rows[i].method,
                        rows[i].path_query, k, fired ? "fired" : "did not fire", matched ? "matched" : "no match");
                disagreements++;
            }
            lwc_mock_request_free(&e);
        }
    }
    ck_assert_int_eq(disagreements, 0);
}
END_TEST

/* A request answered before routing (413: the body is over the limit) is
 * not classified: no fault saw it, so no matcher counts it. The harness
 * counted it as a write of pods before. */
START_TEST(answered_before_routing)
{
    lwc_mock_config cfg;
    lwc_mock_config_init(&cfg);
    cfg.max_body_bytes = 16;
    lwc_mock *small;
    char err[256];
    ck_assert_msg(lwc_mock_start(&cfg, &small, err, sizeof err) == LWC_MOCK_OK, "start: %s", err);
    lwc_fault f;
    memset(&f, 0, sizeof f);
    f.nth = 1;
    f.match = any();
    f.match.verb = LWC_VERB_WRITE;
    f.action.kind = LWC_ACT_STATUS;
    f.action.status = PROBE_STATUS;
    ck_assert_int_eq(lwc_mock_add_fault(small, &f, err, sizeof err), LWC_MOCK_OK);
    char url[256];
    snprintf(url, sizeof url, "%s/api/v1/namespaces/ns/pods", lwc_mock_url(small));
    http_response r;
    const char *body = "{\"metadata\":{\"name\":\"too-long\"}}";
    ck_assert_int_eq(http_request("POST", url, NULL, "application/json", body, &r), 0);
    ck_assert_int_eq(r.status, 413);
    http_response_free(&r);
    lwc_mock_request e;
    ck_assert_int_eq(lwc_mock_log_get(small, 0, &e), LWC_MOCK_OK);
    ck_assert_int_eq(e.cls.resolved, 0);
    ck_assert(!lwc_matcher_matches(&f.match, &e, 0));
    lwc_mock_request_free(&e);
    lwc_mock_stop(small);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("request_class");
    TCase *tc = tcase_create("agree");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, logged_classification);
    tcase_add_test(tc, faults_and_matchers_agree);
    tcase_add_test(tc, answered_before_routing);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
