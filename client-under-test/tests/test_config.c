/* The pieces around the loop: the bug catalog, kubeconfig reading, request
 * URLs, Status bodies and object metadata. */
#include "api.h"
#include "lwc_reflector.h"

#include "check_main.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

START_TEST(bug_catalog)
{
    ck_assert_int_ge(LWC_BUG_COUNT, 8);
    for (int i = 0; i < LWC_BUG_COUNT; i++) {
        const char *name = lwc_bug_name((lwc_bug)i);
        ck_assert_ptr_nonnull(name);
        ck_assert_int_eq(lwc_bug_lookup(name), i);
        ck_assert_ptr_nonnull(strchr(lwc_bug_reference((lwc_bug)i), '#')); /* an issue or PR number */
        ck_assert_uint_gt(strlen(lwc_bug_summary((lwc_bug)i)), 20);
        for (int j = 0; j < i; j++)
            ck_assert_str_ne(name, lwc_bug_name((lwc_bug)j));
    }
    ck_assert_int_eq(lwc_bug_lookup("first-page-only"), LWC_BUG_FIRST_PAGE_ONLY);
    ck_assert_int_eq(lwc_bug_lookup("no-such-bug"), -1);
    ck_assert_int_eq(lwc_bug_lookup(NULL), -1);
    ck_assert_ptr_null(lwc_bug_name(LWC_BUG_COUNT));
}
END_TEST

static const char mock_style[] = "apiVersion: v1\n"
                                 "kind: Config\n"
                                 "clusters:\n"
                                 "- name: lwc\n"
                                 "  cluster:\n"
                                 "    server: http://127.0.0.1:41234\n"
                                 "    insecure-skip-tls-verify: true\n"
                                 "users:\n"
                                 "- name: lwc\n"
                                 "  user: {}\n"
                                 "contexts:\n"
                                 "- name: lwc\n"
                                 "  context:\n"
                                 "    cluster: lwc\n"
                                 "    user: lwc\n"
                                 "    namespace: \"team-a\"\n"
                                 "current-context: lwc\n";

START_TEST(kubeconfig_as_the_mock_writes_it)
{
    lwc_kubeconfig kc;
    char err[256];
    ck_assert_int_eq(lwc_kubeconfig_parse(mock_style, strlen(mock_style), &kc, err, sizeof err), LWC_OK);
    ck_assert_str_eq(kc.server, "http://127.0.0.1:41234");
    ck_assert_str_eq(kc.ns, "team-a");
    ck_assert_ptr_null(kc.token);
    lwc_kubeconfig_free(&kc);
}
END_TEST

static const char kubectl_style[] = "# written by kubectl\n"
                                    "apiVersion: v1\n"
                                    "clusters:\n"
                                    "- cluster:\n"
                                    "    certificate-authority-data: LS0tLS1CRUdJTg==\n"
                                    "    server: https://prod.example.com:6443\n"
                                    "  name: prod\n"
                                    "- cluster:\n"
                                    "    server: http://127.0.0.1:8080   # local\n"
                                    "  name: local\n"
                                    "contexts:\n"
                                    "- context:\n"
                                    "    cluster: prod\n"
                                    "    user: admin\n"
                                    "  name: prod-admin\n"
                                    "- context:\n"
                                    "    cluster: local\n"
                                    "    namespace: 'it''s'\n"
                                    "    user: dev\n"
                                    "  name: dev\n"
                                    "current-context: dev\n"
                                    "kind: Config\n"
                                    "preferences: {}\n"
                                    "users:\n"
                                    "- name: admin\n"
                                    "  user:\n"
                                    "    token: admin-token\n"
                                    "- name: dev\n"
                                    "  user:\n"
                                    "    token: \"dev-token\"\n";

START_TEST(kubeconfig_as_kubectl_writes_it)
{
    lwc_kubeconfig kc;
    char err[256];
    ck_assert_int_eq(lwc_kubeconfig_parse(kubectl_style, strlen(kubectl_style), &kc, err, sizeof err), LWC_OK);
    ck_assert_str_eq(kc.server, "http://127.0.0.1:8080");
    ck_assert_str_eq(kc.ns, "it's");
    ck_assert_str_eq(kc.token, "dev-token");
    lwc_kubeconfig_free(&kc);
}
END_TEST

START_TEST(kubeconfig_errors)
{
    lwc_kubeconfig kc;
    char err[256];
    const char *no_ctx = "apiVersion: v1\ncurrent-context: missing\ncontexts: []\n";
    ck_assert_int_eq(lwc_kubeconfig_parse(no_ctx, strlen(no_ctx), &kc, err, sizeof err), LWC_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "missing"));
    const char *junk = "this is: [not\n  - yaml: at all\n";
    ck_assert_int_eq(lwc_kubeconfig_parse(junk, strlen(junk), &kc, err, sizeof err), LWC_EINVAL);
    ck_assert_int_eq(lwc_kubeconfig_parse("", 0, &kc, err, sizeof err), LWC_EINVAL);
    ck_assert_int_eq(lwc_kubeconfig_load("/nonexistent/kubeconfig", &kc, err, sizeof err), LWC_EIO);
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent/kubeconfig"));
    /* Deep nesting must not recurse without bound. */
    char deep[8192];
    size_t o = 0;
    for (int i = 0; i < 200 && o + 300 < sizeof deep; i++) {
        for (int k = 0; k < i; k++)
            deep[o++] = ' ';
        o += (size_t)snprintf(deep + o, sizeof deep - o, "k%d:\n", i);
    }
    ck_assert_int_eq(lwc_kubeconfig_parse(deep, o, &kc, err, sizeof err), LWC_EINVAL);
}
END_TEST

START_TEST(urls)
{
    lwcr_buf u = {0};
    ck_assert_int_eq(lwcr_url_collection(&u, "http://h:1/", "/api/v1", "", "pods"), LWC_OK);
    ck_assert_str_eq(u.data, "http://h:1/api/v1/pods");
    ck_assert_int_eq(lwcr_url_collection(&u, "http://h:1", "/apis/example.com/v1", "team-a", "widgets"), LWC_OK);
    ck_assert_str_eq(u.data, "http://h:1/apis/example.com/v1/namespaces/team-a/widgets");
    ck_assert_int_eq(lwcr_url_param(&u, "labelSelector", "app in (web,db),!x"), LWC_OK);
    ck_assert_int_eq(lwcr_url_param(&u, "continue", "eyJ2Ijo=="), LWC_OK);
    ck_assert_str_eq(u.data, "http://h:1/apis/example.com/v1/namespaces/team-a/widgets"
                             "?labelSelector=app%20in%20%28web%2Cdb%29%2C%21x&continue=eyJ2Ijo%3D%3D");
    lwcr_buf_free(&u);
}
END_TEST

START_TEST(status_bodies)
{
    lwcr_status st;
    const char *expired = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                          "\"message\":\"too old resource version: 5 (9)\",\"reason\":\"Expired\",\"code\":410}";
    lwcr_status_parse(expired, strlen(expired), &st);
    ck_assert_int_eq(st.code, 410);
    ck_assert_str_eq(st.reason, "Expired");
    ck_assert_int_eq(st.retry_after_ms, -1);
    const char *too_large = "{\"kind\":\"Status\",\"status\":\"Failure\",\"message\":\"Timeout: Too large resource "
                            "version: 500, current: 400\",\"reason\":\"Timeout\",\"details\":{\"causes\":[{\"reason\":"
                            "\"ResourceVersionTooLarge\"}],\"retryAfterSeconds\":1},\"code\":504}";
    lwcr_status_parse(too_large, strlen(too_large), &st);
    ck_assert_int_eq(st.code, 504);
    ck_assert_int_eq(st.too_large_rv, 1);
    ck_assert_int_eq(st.retry_after_ms, 1000);
    const char *text = "Too many requests, please try again later.\n";
    lwcr_status_parse(text, strlen(text), &st);
    ck_assert_int_eq(st.code, 0);
    ck_assert_str_eq(st.message, "Too many requests, please try again later. ");
    lwcr_status_parse(NULL, 0, &st);
    ck_assert_int_eq(st.code, 0);
}
END_TEST

START_TEST(object_metadata)
{
    const char *why = NULL;
    cJSON *o = cJSON_Parse("{\"metadata\":{\"name\":\"n\",\"namespace\":\"ns\",\"uid\":\"u\",\"resourceVersion\":\"7\"}}");
    lwcr_obj *obj = lwcr_obj_from_json(o, &why);
    ck_assert_ptr_nonnull(obj);
    ck_assert_str_eq(obj->ref.ns, "ns");
    ck_assert_str_eq(obj->ref.rv, "7");
    free(obj);
    cJSON_Delete(o);
    o = cJSON_Parse("{\"metadata\":{\"name\":\"cluster-wide\"}}");
    obj = lwcr_obj_from_json(o, &why);
    ck_assert_str_eq(obj->ref.ns, "");
    ck_assert_str_eq(obj->ref.uid, "");
    free(obj);
    cJSON_Delete(o);
    const char *bad[] = {"{}", "{\"metadata\":[]}", "{\"metadata\":{\"name\":7}}", "{\"metadata\":{\"name\":\"\"}}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        o = cJSON_Parse(bad[i]);
        ck_assert_ptr_null(lwcr_obj_from_json(o, &why));
        ck_assert_ptr_nonnull(why);
        cJSON_Delete(o);
    }
}
END_TEST

START_TEST(config_validation)
{
    lwc_reflector_config cfg;
    lwc_reflector_config_init(&cfg);
    lwc_reflector *r = NULL;
    char err[256];
    ck_assert_int_eq(lwc_reflector_new(&cfg, NULL, &r, err, sizeof err), LWC_EINVAL);
    cfg.server = "ftp://x";
    cfg.api_path = "/api/v1";
    cfg.resource = "pods";
    ck_assert_int_eq(lwc_reflector_new(&cfg, NULL, &r, err, sizeof err), LWC_EINVAL);
    cfg.server = "http://127.0.0.1:1";
    cfg.page_size = -1;
    ck_assert_int_eq(lwc_reflector_new(&cfg, NULL, &r, err, sizeof err), LWC_EINVAL);
    cfg.page_size = 10;
    cfg.bugs = 1u << 31;
    ck_assert_int_eq(lwc_reflector_new(&cfg, NULL, &r, err, sizeof err), LWC_EINVAL);
    cfg.bugs = 0;
    ck_assert_int_eq(lwc_reflector_new(&cfg, NULL, &r, err, sizeof err), LWC_OK);
    lwc_snapshot snap;
    ck_assert_int_eq(lwc_reflector_snapshot(r, &snap), LWC_OK);
    ck_assert_uint_eq(snap.n, 0);
    lwc_snapshot_free(&snap);
    lwc_reflector_free(r);
    lwc_global_cleanup();
}
END_TEST

int main(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, bug_catalog);
    tcase_add_test(tc, kubeconfig_as_the_mock_writes_it);
    tcase_add_test(tc, kubeconfig_as_kubectl_writes_it);
    tcase_add_test(tc, kubeconfig_errors);
    tcase_add_test(tc, urls);
    tcase_add_test(tc, status_bodies);
    tcase_add_test(tc, object_metadata);
    tcase_add_test(tc, config_validation);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
