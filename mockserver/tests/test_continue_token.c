/* Continue tokens: the apiserver's exact encoding, and every decode error. */
#include "base64url.h"
#include "continue_token.h"

#include "check_main.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

/* The example in k8s-listwatch-semantics.md §1.3, from apiserver continue.go. */
static const char doc_token[] =
    "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MTIzNDUsInN0YXJ0IjoiZGVmYXVsdC9uZ2lueC03XHUwMDAwIn0";

START_TEST(encodes_like_the_apiserver)
{
    char *tok = lwcm_continue_token_encode(12345, "default/nginx-7");
    ck_assert_ptr_nonnull(tok);
    ck_assert_str_eq(tok, doc_token);
    ck_assert_ptr_null(strchr(tok, '='));
    free(tok);
}
END_TEST

START_TEST(round_trips)
{
    char *tok = lwcm_continue_token_encode(77, "team-a/web-1");
    continue_token t;
    char err[256];
    ck_assert_int_eq(lwcm_continue_token_decode(tok, &t, err, sizeof err), 0);
    ck_assert_int_eq(t.rv, 77);
    ck_assert_str_eq(t.start, "team-a/web-1");
    ck_assert_int_eq(t.exclusive, 1);
    lwcm_continue_token_free(&t);
    free(tok);
}
END_TEST

START_TEST(inconsistent_token_has_rv_minus_one)
{
    char *tok = lwcm_continue_token_encode(-1, "ns/x");
    continue_token t;
    char err[256];
    ck_assert_int_eq(lwcm_continue_token_decode(tok, &t, err, sizeof err), 0);
    ck_assert_int_eq(t.rv, -1);
    lwcm_continue_token_free(&t);
    free(tok);
}
END_TEST

static void expect_error(const char *json, const char *want)
{
    char *tok = lwcm_base64url_encode((const unsigned char *)json, strlen(json));
    continue_token t;
    char err[512];
    ck_assert_int_eq(lwcm_continue_token_decode(tok, &t, err, sizeof err), -1);
    ck_assert_msg(strstr(err, want) != NULL, "decoding %s: got \"%s\", want \"%s\"", json, err, want);
    free(tok);
}

START_TEST(rejects_rv_zero)
{
    expect_error("{\"v\":\"meta.k8s.io/v1\",\"rv\":0,\"start\":\"a\\u0000\"}",
                 "incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
}
END_TEST

START_TEST(not_json_names_the_first_byte_as_go_does)
{
    /* kube-apiserver 1.33 answers json.Unmarshal's own error (fidelity/results.md). */
    expect_error("hello", "continue key is not valid: invalid character 'h' looking for beginning of value");
}
END_TEST

START_TEST(rejects_empty_start)
{
    expect_error("{\"v\":\"meta.k8s.io/v1\",\"rv\":5,\"start\":\"\"}", "encoded start key empty (version meta.k8s.io/v1)");
}
END_TEST

START_TEST(rejects_unknown_version)
{
    expect_error("{\"v\":\"meta.k8s.io/v9\",\"rv\":5,\"start\":\"a\"}",
                 "server does not recognize this encoded version meta.k8s.io/v9");
}
END_TEST

START_TEST(rejects_path_traversal)
{
    expect_error("{\"v\":\"meta.k8s.io/v1\",\"rv\":5,\"start\":\"../secrets/x\"}", "continue key is not valid: ../secrets/x");
    expect_error("{\"v\":\"meta.k8s.io/v1\",\"rv\":5,\"start\":\"a//b\"}", "continue key is not valid: a//b");
    expect_error("{\"v\":\"meta.k8s.io/v1\",\"rv\":5,\"start\":\"a/./b\"}", "continue key is not valid: a/./b");
}
END_TEST

START_TEST(rejects_non_json_and_wrong_types)
{
    expect_error("not json at all", "continue key is not valid");
    expect_error("[1,2]", "continue key is not valid");
    expect_error("{\"v\":\"meta.k8s.io/v1\",\"rv\":\"5\",\"start\":\"a\"}", "cannot unmarshal");
    expect_error("{\"v\":\"meta.k8s.io/v1\",\"rv\":1.5,\"start\":\"a\"}", "cannot unmarshal");
}
END_TEST

START_TEST(rejects_bad_base64_with_offset)
{
    continue_token t;
    char err[256];
    ck_assert_int_eq(lwcm_continue_token_decode("abc$def", &t, err, sizeof err), -1);
    ck_assert_str_eq(err, "continue key is not valid: illegal base64 data at input byte 3");
    /* Padding is not part of RawURLEncoding. */
    ck_assert_int_eq(lwcm_continue_token_decode("YWJj=", &t, err, sizeof err), -1);
    ck_assert_str_eq(err, "continue key is not valid: illegal base64 data at input byte 4");
    /* A lone trailing sextet cannot be a byte. */
    ck_assert_int_eq(lwcm_continue_token_decode("YWJjZ", &t, err, sizeof err), -1);
    ck_assert_str_eq(err, "continue key is not valid: illegal base64 data at input byte 4");
}
END_TEST

START_TEST(accepts_cache_style_leading_slash)
{
    const char *json = "{\"v\":\"meta.k8s.io/v1\",\"rv\":9,\"start\":\"/ns/name\\u0000\"}";
    char *tok = lwcm_base64url_encode((const unsigned char *)json, strlen(json));
    continue_token t;
    char err[256];
    ck_assert_int_eq(lwcm_continue_token_decode(tok, &t, err, sizeof err), 0);
    ck_assert_str_eq(t.start, "ns/name");
    lwcm_continue_token_free(&t);
    free(tok);
}
END_TEST

START_TEST(base64url_round_trip_all_lengths)
{
    unsigned char data[64];
    for (int i = 0; i < 64; i++)
        data[i] = (unsigned char)(i * 37 + 11);
    for (size_t n = 0; n <= sizeof data; n++) {
        char *enc = lwcm_base64url_encode(data, n);
        unsigned char *dec = NULL;
        size_t dlen = 0, bad = 0;
        ck_assert_int_eq(lwcm_base64url_decode(enc, strlen(enc), &dec, &dlen, &bad), 0);
        ck_assert_uint_eq(dlen, n);
        ck_assert(memcmp(dec, data, n) == 0);
        free(enc);
        free(dec);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("continue_token");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, encodes_like_the_apiserver);
    tcase_add_test(tc, round_trips);
    tcase_add_test(tc, not_json_names_the_first_byte_as_go_does);
    tcase_add_test(tc, inconsistent_token_has_rv_minus_one);
    tcase_add_test(tc, rejects_rv_zero);
    tcase_add_test(tc, rejects_empty_start);
    tcase_add_test(tc, rejects_unknown_version);
    tcase_add_test(tc, rejects_path_traversal);
    tcase_add_test(tc, rejects_non_json_and_wrong_types);
    tcase_add_test(tc, rejects_bad_base64_with_offset);
    tcase_add_test(tc, accepts_cache_style_leading_slash);
    tcase_add_test(tc, base64url_round_trip_all_lengths);
    suite_add_tcase(s, tc);
    int rc = run_suite(s);
    return rc;
}
