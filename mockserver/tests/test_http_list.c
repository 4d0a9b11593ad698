/* Lists over HTTP against a running server: pagination at a fixed snapshot,
 * the resourceVersion rules, continue-token errors and 410s, validation,
 * Table output, and discovery. */
#include "base64url.h"
#include "continue_token.h"
#include "http_util.h"
#include "lwc_mockserver.h"

#include "check_main.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static lwc_mock *srv;

static void start_with(int rv0_ignores_limit)
{
    lwc_mock_config cfg;
    lwc_mock_config_init(&cfg);
    cfg.seed = 7;
    cfg.rv0_ignores_limit = rv0_ignores_limit;
    cfg.too_large_wait_ms = 300;
    char err[256];
    ck_assert_msg(lwc_mock_start(&cfg, &srv, err, sizeof err) == LWC_MOCK_OK, "start: %s", err);
}

static void setup(void)
{
    start_with(1);
}

static void teardown(void)
{
    lwc_mock_stop(srv);
    srv = NULL;
}

static uint64_t add_pod(const char *ns, const char *name, const char *app)
{
    return test_put_pod(srv, ns, name, app, 0);
}

static cJSON *get_json(const char *path_query, long want_status)
{
    return test_get_json(srv, path_query, want_status);
}

static const char *meta(const cJSON *doc, const char *field)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(doc, "metadata");
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(m, field);
    return cJSON_IsString(f) ? f->valuestring : NULL;
}

static int item_count(const cJSON *doc)
{
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(doc, "items");
    ck_assert_msg(cJSON_IsArray(items), "items is not an array");
    return cJSON_GetArraySize(items);
}

static const char *item_name(const cJSON *doc, int i)
{
    const cJSON *it = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc, "items"), i);
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(it, "metadata"), "name");
    return cJSON_IsString(n) ? n->valuestring : "";
}

static void assert_status(const cJSON *doc, int code, const char *reason, const char *msg_part)
{
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(doc, "kind");
    ck_assert_str_eq(kind->valuestring, "Status");
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(doc, "apiVersion")->valuestring, "v1");
    ck_assert(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(doc, "metadata")));
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(doc, "status")->valuestring, "Failure");
    ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(doc, "code")->valueint, code);
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(doc, "reason");
    ck_assert_str_eq(r ? r->valuestring : "", reason);
    const char *msg = cJSON_GetObjectItemCaseSensitive(doc, "message")->valuestring;
    ck_assert_msg(strstr(msg, msg_part) != NULL, "message \"%s\" lacks \"%s\"", msg, msg_part);
}

START_TEST(empty_list_has_items_array_and_rv)
{
    cJSON *doc = get_json("/api/v1/pods", 200);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(doc, "kind")->valuestring, "PodList");
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(doc, "apiVersion")->valuestring, "v1");
    ck_assert_int_eq(item_count(doc), 0);
    ck_assert_ptr_nonnull(meta(doc, "resourceVersion"));
    ck_assert_ptr_null(meta(doc, "continue"));
    cJSON_Delete(doc);
}
END_TEST

START_TEST(pages_share_the_first_pages_snapshot)
{
    add_pod("a", "p1", "web");
    add_pod("a", "p2", "web");
    add_pod("b", "p3", "web");
    add_pod("c", "p4", "web");
    cJSON *p1 = get_json("/api/v1/pods?limit=2", 200);
    ck_assert_int_eq(item_count(p1), 2);
    const char *rv = meta(p1, "resourceVersion");
    ck_assert_ptr_nonnull(meta(p1, "continue"));
    const cJSON *rem = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(p1, "metadata"), "remainingItemCount");
    ck_assert_int_eq(rem->valueint, 2);
    /* Items of a typed list carry no kind/apiVersion. */
    const cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(p1, "items"), 0);
    ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(first, "kind"));
    /* Writes after page 1 must not show on page 2. */
    add_pod("b", "p0-new", "web");
    char err[256];
    ck_assert_int_eq(lwc_mock_delete(srv, "/api/v1", "pods", "c", "p4", NULL, err, sizeof err), LWC_MOCK_OK);
    char q[1024];
    snprintf(q, sizeof q, "/api/v1/pods?limit=2&continue=%s", meta(p1, "continue"));
    cJSON *p2 = get_json(q, 200);
    ck_assert_str_eq(meta(p2, "resourceVersion"), rv);
    ck_assert_int_eq(item_count(p2), 2);
    ck_assert_str_eq(item_name(p2, 0), "p3");
    ck_assert_str_eq(item_name(p2, 1), "p4");
    ck_assert_ptr_null(meta(p2, "continue"));
    cJSON_Delete(p1);
    cJSON_Delete(p2);
}
END_TEST

START_TEST(namespaced_pages_and_tokens)
{
    add_pod("a", "x1", "web");
    add_pod("a", "x2", "web");
    add_pod("a", "x3", "web");
    add_pod("b", "y1", "web");
    cJSON *p1 = get_json("/api/v1/namespaces/a/pods?limit=2", 200);
    ck_assert_int_eq(item_count(p1), 2);
    char q[1024];
    snprintf(q, sizeof q, "/api/v1/namespaces/a/pods?limit=2&continue=%s", meta(p1, "continue"));
    cJSON *p2 = get_json(q, 200);
    ck_assert_int_eq(item_count(p2), 1);
    ck_assert_str_eq(item_name(p2, 0), "x3");
    cJSON_Delete(p1);
    cJSON_Delete(p2);
}
END_TEST

/* The token's raw JSON holds "start":"START\u0000" (what lwcm_continue_token_decode hides). */
static void assert_token_start(const char *tok, const char *start, const char *which)
{
    unsigned char *raw = NULL;
    size_t len = 0, bad = 0;
    ck_assert_ptr_nonnull(tok);
    ck_assert_int_eq(lwcm_base64url_decode(tok, strlen(tok), &raw, &len, &bad), 0);
    char want[128];
    snprintf(want, sizeof want, "\"start\":\"%s\\u0000\"", start);
    ck_assert_msg(memmem(raw, len, want, strlen(want)) != NULL, "%s token: %.*s, want %s", which, (int)len, raw, want);
    free(raw);
}

START_TEST(first_page_tokens_are_the_watch_caches)
{
    /* kube-apiserver 1.33 (fidelity/results.md): a first page with RV unset is served by the watch
     * cache, whose token's start carries a leading "/"; a continue page comes from etcd, whose
     * does not. */
    add_pod("a", "x1", "web");
    add_pod("a", "x2", "web");
    add_pod("a", "x3", "web");
    add_pod("a", "x4", "web");
    cJSON *p1 = get_json("/api/v1/namespaces/a/pods?limit=1", 200);
    continue_token t;
    char err[256];
    ck_assert_int_eq(lwcm_continue_token_decode(meta(p1, "continue"), &t, err, sizeof err), 0);
    ck_assert_str_eq(t.start, "x1"); /* decoding strips the "/" */
    lwcm_continue_token_free(&t);
    assert_token_start(meta(p1, "continue"), "/x1", "page 1");
    char q[1024];
    snprintf(q, sizeof q, "/api/v1/namespaces/a/pods?limit=1&continue=%s", meta(p1, "continue"));
    cJSON *p2 = get_json(q, 200);
    ck_assert_str_eq(item_name(p2, 0), "x2");
    assert_token_start(meta(p2, "continue"), "x2", "page 2");
    /* An exact read (RV with a limit) is etcd's too. */
    snprintf(q, sizeof q, "/api/v1/namespaces/a/pods?limit=1&resourceVersion=%s", meta(p1, "resourceVersion"));
    cJSON *e = get_json(q, 200);
    assert_token_start(meta(e, "continue"), "x1", "exact");
    cJSON_Delete(p1);
    cJSON_Delete(p2);
    cJSON_Delete(e);
}
END_TEST

START_TEST(label_selector_pages_have_no_remaining_count)
{
    add_pod("a", "p1", "web");
    add_pod("a", "p2", "db");
    add_pod("a", "p3", "web");
    add_pod("a", "p4", "web");
    cJSON *p1 = get_json("/api/v1/pods?limit=2&labelSelector=app%3Dweb", 200);
    ck_assert_int_eq(item_count(p1), 2);
    ck_assert_str_eq(item_name(p1, 1), "p3");
    ck_assert_ptr_nonnull(meta(p1, "continue"));
    ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(p1, "metadata"), "remainingItemCount"));
    cJSON *all = get_json("/api/v1/pods?labelSelector=app+in+(db)", 200);
    ck_assert_int_eq(item_count(all), 1);
    cJSON *f = get_json("/api/v1/pods?fieldSelector=metadata.name%3Dp4", 200);
    ck_assert_int_eq(item_count(f), 1);
    cJSON_Delete(p1);
    cJSON_Delete(all);
    cJSON_Delete(f);
}
END_TEST

/* Five pods, then an RV=0 list with limit 2: the whole list when RV=0
 * ignores the limit (the watch cache), else a first page of 2. */
START_TEST(rv0_limit_as_configured)
{
    int ignores = _i;
    lwc_mock_stop(srv);
    start_with(ignores);
    for (int i = 0; i < 5; i++) {
        char name[8];
        snprintf(name, sizeof name, "p%d", i);
        add_pod("a", name, "web");
    }
    cJSON *doc = get_json("/api/v1/pods?limit=2&resourceVersion=0", 200);
    ck_assert_int_eq(item_count(doc), ignores ? 5 : 2);
    ck_assert_msg((meta(doc, "continue") != NULL) == !ignores, "continue: %s", meta(doc, "continue"));
    cJSON_Delete(doc);
}
END_TEST

START_TEST(exact_rv_reads_the_past_and_410s_when_compacted)
{
    add_pod("a", "p1", "web");
    uint64_t then = add_pod("a", "p2", "web");
    add_pod("a", "p3", "web");
    char q[256];
    snprintf(q, sizeof q, "/api/v1/pods?limit=10&resourceVersion=%llu", (unsigned long long)then);
    cJSON *doc = get_json(q, 200);
    ck_assert_int_eq(item_count(doc), 2);
    char want[32];
    snprintf(want, sizeof want, "%llu", (unsigned long long)then);
    ck_assert_str_eq(meta(doc, "resourceVersion"), want);
    cJSON_Delete(doc);
    snprintf(q, sizeof q, "/api/v1/pods?resourceVersion=%llu&resourceVersionMatch=Exact", (unsigned long long)then);
    doc = get_json(q, 200);
    ck_assert_int_eq(item_count(doc), 2);
    cJSON_Delete(doc);
    /* NotOlderThan (no limit) answers with the latest state. */
    snprintf(q, sizeof q, "/api/v1/pods?resourceVersion=%llu", (unsigned long long)then);
    doc = get_json(q, 200);
    ck_assert_int_eq(item_count(doc), 3);
    cJSON_Delete(doc);
    lwc_mock_compact(srv, 0);
    snprintf(q, sizeof q, "/api/v1/pods?limit=10&resourceVersion=%llu", (unsigned long long)then);
    doc = get_json(q, 410);
    assert_status(doc, 410, "Expired", "The resourceVersion for the provided list is too old.");
    cJSON_Delete(doc);
}
END_TEST

START_TEST(future_rv_is_504_too_large_with_retry_after)
{
    add_pod("a", "p1", "web");
    char url[256];
    snprintf(url, sizeof url, "%s/api/v1/pods?resourceVersion=%llu", lwc_mock_url(srv),
             (unsigned long long)lwc_mock_current_rv(srv) + 100);
    http_response r;
    ck_assert_int_eq(http_request("GET", url, NULL, NULL, NULL, &r), 0);
    ck_assert_int_eq(r.status, 504);
    char ra[16];
    ck_assert_ptr_nonnull(http_header(&r, "Retry-After", ra, sizeof ra));
    ck_assert_str_eq(ra, "1");
    cJSON *doc = http_json(&r);
    assert_status(doc, 504, "Timeout", "Timeout: Too large resource version");
    const cJSON *cause = cJSON_GetArrayItem(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "details"), "causes"), 0);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(cause, "reason")->valuestring, "ResourceVersionTooLarge");
    cJSON_Delete(doc);
    http_response_free(&r);
}
END_TEST

START_TEST(expired_continue_gets_410_with_inconsistent_token)
{
    add_pod("a", "p1", "web");
    add_pod("a", "p2", "web");
    add_pod("a", "p3", "web");
    cJSON *p1 = get_json("/api/v1/pods?limit=1", 200);
    add_pod("a", "p4", "web");
    lwc_mock_compact(srv, 0);
    char q[1024];
    snprintf(q, sizeof q, "/api/v1/pods?limit=1&continue=%s", meta(p1, "continue"));
    cJSON *st = get_json(q, 410);
    assert_status(st, 410, "Expired", "The provided continue parameter is too old");
    const char *fresh = meta(st, "continue");
    ck_assert_ptr_nonnull(fresh);
    /* Following the rv:-1 token continues from the same key at the latest RV. */
    snprintf(q, sizeof q, "/api/v1/pods?limit=5&continue=%s", fresh);
    cJSON *rest = get_json(q, 200);
    ck_assert_int_eq(item_count(rest), 3);
    ck_assert_str_eq(item_name(rest, 0), "p2");
    char cur[32];
    snprintf(cur, sizeof cur, "%llu", (unsigned long long)lwc_mock_current_rv(srv));
    ck_assert_str_eq(meta(rest, "resourceVersion"), cur);
    cJSON_Delete(p1);
    cJSON_Delete(st);
    cJSON_Delete(rest);
}
END_TEST

START_TEST(bad_requests_are_400_with_status)
{
    add_pod("a", "p1", "web");
    add_pod("a", "p2", "web");
    cJSON *d = get_json("/api/v1/pods?continue=%24%24%24", 400);
    assert_status(d, 400, "BadRequest", "invalid continue token: continue key is not valid: illegal base64 data at input byte 0");
    cJSON_Delete(d);
    cJSON *p = get_json("/api/v1/pods?limit=1", 200);
    char q[1024];
    snprintf(q, sizeof q, "/api/v1/pods?limit=1&resourceVersion=5&continue=%s", meta(p, "continue"));
    d = get_json(q, 400);
    assert_status(d, 400, "BadRequest", "specifying resource version is not allowed when using continue");
    cJSON_Delete(d);
    /* RV=0 with continue is tolerated and ignored. */
    snprintf(q, sizeof q, "/api/v1/pods?limit=1&resourceVersion=0&continue=%s", meta(p, "continue"));
    d = get_json(q, 200);
    cJSON_Delete(d);
    cJSON_Delete(p);
    d = get_json("/api/v1/pods?limit=abc", 400);
    assert_status(d, 400, "BadRequest", "strconv.ParseInt: parsing \"abc\"");
    cJSON_Delete(d);
    d = get_json("/api/v1/pods?resourceVersion=abc", 400);
    assert_status(d, 400, "BadRequest", "invalid resource version");
    cJSON_Delete(d);
    d = get_json("/api/v1/pods?labelSelector=app%20in%20web", 400);
    assert_status(d, 400, "BadRequest", "unable to parse requirement");
    cJSON_Delete(d);
    d = get_json("/api/v1/pods?fieldSelector=spec.x%3Dy", 400);
    assert_status(d, 400, "BadRequest", "field label not supported: spec.x");
    cJSON_Delete(d);
    /* configmaps have no field label conversion of their own: 1.33 words it as for custom resources. */
    d = get_json("/api/v1/configmaps?fieldSelector=data.x%3Dy", 400);
    assert_status(d, 400, "BadRequest", "\"data.x\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"");
    cJSON_Delete(d);
    d = get_json("/apis/example.com/v1/widgets?fieldSelector=spec.size%3Dy", 400);
    assert_status(d, 400, "BadRequest", "\"spec.size\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"");
    cJSON_Delete(d);
    /* Pods select on status.phase (new pods are Pending) and spec.nodeName, as kubelets do. */
    d = get_json("/api/v1/pods?fieldSelector=status.phase%3DPending", 200);
    ck_assert_int_eq(item_count(d), 2);
    cJSON_Delete(d);
    d = get_json("/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-9", 200);
    ck_assert_int_eq(item_count(d), 0);
    cJSON_Delete(d);
}
END_TEST

START_TEST(forbidden_combinations_are_422)
{
    cJSON *d = get_json("/api/v1/pods?resourceVersionMatch=NotOlderThan", 422);
    assert_status(d, 422, "Invalid",
                  "ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is "
                  "forbidden unless resourceVersion is provided");
    const cJSON *det = cJSON_GetObjectItemCaseSensitive(d, "details");
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(det, "kind")->valuestring, "ListOptions");
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(det, "group")->valuestring, "meta.k8s.io");
    cJSON_Delete(d);
    d = get_json("/api/v1/pods?resourceVersion=0&resourceVersionMatch=Exact", 422);
    assert_status(d, 422, "Invalid", "resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"");
    cJSON_Delete(d);
    d = get_json("/api/v1/pods?resourceVersion=3&resourceVersionMatch=Newest", 422);
    assert_status(d, 422, "Invalid", "Unsupported value: \"Newest\": supported values: \"Exact\", \"NotOlderThan\", \"\"");
    cJSON_Delete(d);
    d = get_json("/api/v1/pods?sendInitialEvents=true", 422);
    assert_status(d, 422, "Invalid", "sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list");
    cJSON_Delete(d);
    d = get_json("/api/v1/pods?resourceVersionMatch=NotOlderThan&continue=abc", 422);
    assert_status(d, 422, "Invalid", "[resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless");
    cJSON_Delete(d);
}
END_TEST

START_TEST(table_output_for_kubectl)
{
    add_pod("a", "p1", "web");
    add_pod("b", "p2", "web");
    char url[512];
    snprintf(url, sizeof url, "%s/api/v1/pods?limit=1", lwc_mock_url(srv));
    http_response r;
    ck_assert_int_eq(http_request("GET", url,
                                  "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json",
                                  NULL, NULL, &r), 0);
    ck_assert_int_eq(r.status, 200);
    cJSON *t = http_json(&r);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(t, "kind")->valuestring, "Table");
    ck_assert_ptr_nonnull(meta(t, "continue"));
    const cJSON *cols = cJSON_GetObjectItemCaseSensitive(t, "columnDefinitions");
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(t, "rows");
    ck_assert_int_eq(cJSON_GetArraySize(rows), 1);
    const cJSON *row = cJSON_GetArrayItem(rows, 0);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(row, "cells")), cJSON_GetArraySize(cols));
    /* Restarts is a string cell, as the pod printer writes it. */
    const cJSON *restarts = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(row, "cells"), 3);
    ck_assert_msg(cJSON_IsString(restarts) && !strcmp(restarts->valuestring, "0"), "Restarts cell is not \"0\"");
    const cJSON *obj = cJSON_GetObjectItemCaseSensitive(row, "object");
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(obj, "kind")->valuestring, "PartialObjectMetadata");
    ck_assert_str_eq(meta(obj, "namespace"), "a");
    cJSON_Delete(t);
    http_response_free(&r);
}
END_TEST

START_TEST(discovery_documents)
{
    cJSON *d = get_json("/api", 200);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(d, "kind")->valuestring, "APIVersions");
    cJSON_Delete(d);
    d = get_json("/apis", 200);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(d, "kind")->valuestring, "APIGroupList");
    ck_assert_int_ge(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(d, "groups")), 1);
    cJSON_Delete(d);
    d = get_json("/api/v1", 200);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(d, "kind")->valuestring, "APIResourceList");
    int found = 0;
    const cJSON *res;
    cJSON_ArrayForEach(res, cJSON_GetObjectItemCaseSensitive(d, "resources")) {
        if (!strcmp(cJSON_GetObjectItemCaseSensitive(res, "name")->valuestring, "pods")) {
            found = 1;
            ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res, "namespaced")));
            ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(res, "kind")->valuestring, "Pod");
        }
    }
    ck_assert(found);
    cJSON_Delete(d);
    d = get_json("/apis/example.com/v1", 200);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(d, "groupVersion")->valuestring, "example.com/v1");
    cJSON_Delete(d);
    d = get_json("/version", 200);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(d, "major")->valuestring, "1");
    cJSON_Delete(d);
    /* The aggregated-discovery Accept still gets plain JSON. */
    char url[256];
    snprintf(url, sizeof url, "%s/apis", lwc_mock_url(srv));
    http_response r;
    ck_assert_int_eq(http_request("GET", url,
                                  "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json",
                                  NULL, NULL, &r), 0);
    char ct[128];
    ck_assert_str_eq(http_header(&r, "Content-Type", ct, sizeof ct), "application/json");
    http_response_free(&r);
    /* A served group-version without the resource: a NotFound Status. */
    d = get_json("/apis/example.com/v1/things", 404);
    assert_status(d, 404, "NotFound", "the server could not find the requested resource");
    cJSON_Delete(d);
}
END_TEST

START_TEST(custom_and_cluster_scoped_resources)
{
    char err[256];
    ck_assert_int_eq(lwc_mock_create(srv, "/apis/example.com/v1", "widgets",
                                     "{\"metadata\":{\"name\":\"w1\",\"namespace\":\"n\"},\"spec\":{\"size\":\"s\"}}",
                                     NULL, err, sizeof err), LWC_MOCK_OK);
    cJSON *d = get_json("/apis/example.com/v1/widgets", 200);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(d, "kind")->valuestring, "WidgetList");
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(d, "apiVersion")->valuestring, "example.com/v1");
    /* Custom resource list items keep kind and apiVersion. */
    const cJSON *it = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(d, "items"), 0);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(it, "kind")->valuestring, "Widget");
    cJSON_Delete(d);
    /* The namespace was created with the widget; namespaces are cluster-scoped. */
    d = get_json("/api/v1/namespaces", 200);
    ck_assert_int_eq(item_count(d), 1);
    ck_assert_str_eq(item_name(d, 0), "n");
    cJSON_Delete(d);
    d = get_json("/api/v1/namespaces/n", 200);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(d, "kind")->valuestring, "Namespace");
    cJSON_Delete(d);
}
END_TEST

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    Suite *s = suite_create("http_list");
    TCase *tc = tcase_create("list");
    tcase_set_timeout(tc, 30);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, empty_list_has_items_array_and_rv);
    tcase_add_test(tc, pages_share_the_first_pages_snapshot);
    tcase_add_test(tc, namespaced_pages_and_tokens);
    tcase_add_test(tc, first_page_tokens_are_the_watch_caches);
    tcase_add_test(tc, label_selector_pages_have_no_remaining_count);
    tcase_add_loop_test(tc, rv0_limit_as_configured, 0, 2); /* 1: ignored like the watch cache; 0: paginated */
    tcase_add_test(tc, exact_rv_reads_the_past_and_410s_when_compacted);
    tcase_add_test(tc, future_rv_is_504_too_large_with_retry_after);
    tcase_add_test(tc, expired_continue_gets_410_with_inconsistent_token);
    tcase_add_test(tc, bad_requests_are_400_with_status);
    tcase_add_test(tc, forbidden_combinations_are_422);
    tcase_add_test(tc, table_output_for_kubectl);
    tcase_add_test(tc, discovery_documents);
    tcase_add_test(tc, custom_and_cluster_scoped_resources);
    suite_add_tcase(s, tc);
    int rc = run_suite(s);
    curl_global_cleanup();
    return rc;
}
