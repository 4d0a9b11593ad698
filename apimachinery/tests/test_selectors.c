/* Label and field selectors: every operator, and the parse errors. */
#include "selector.h"

#include "check_main.h"

#include <check.h>
#include <string.h>

static label_pair web_prod[] = {{"app", "web"}, {"env", "prod"}, {"replicas", "3"}};

static int match(const char *sel)
{
    label_selector s;
    char err[256];
    ck_assert_msg(lwcm_label_selector_parse(sel, &s, err, sizeof err) == 0, "parse \"%s\": %s", sel, err);
    int m = lwcm_label_selector_matches(&s, web_prod, 3);
    lwcm_label_selector_free(&s);
    return m;
}

START_TEST(equality_operators)
{
    ck_assert(match("app=web"));
    ck_assert(match("app==web"));
    ck_assert(!match("app=db"));
    ck_assert(match("app!=db"));
    ck_assert(!match("app!=web"));
    ck_assert(match("missing!=x")); /* != matches objects without the key */
    ck_assert(match("app=web,env=prod"));
    ck_assert(!match("app=web,env=dev"));
    ck_assert(match("  app = web , env==prod "));
}
END_TEST

START_TEST(set_operators)
{
    ck_assert(match("env in (prod,staging)"));
    ck_assert(match("env in (prod)"));
    ck_assert(!match("env in (dev, staging)"));
    ck_assert(match("env notin (dev,staging)"));
    ck_assert(!match("env notin (prod)"));
    ck_assert(match("tier notin (x)")); /* notin matches objects without the key */
    ck_assert(!match("tier in (x)"));
}
END_TEST

START_TEST(existence_operators)
{
    ck_assert(match("app"));
    ck_assert(!match("tier"));
    ck_assert(match("!tier"));
    ck_assert(!match("!app"));
    ck_assert(match("app,!tier,env in (prod)"));
}
END_TEST

START_TEST(numeric_operators)
{
    ck_assert(match("replicas>2"));
    ck_assert(!match("replicas>3"));
    ck_assert(match("replicas<4"));
    ck_assert(!match("app>1"));
}
END_TEST

START_TEST(empty_selects_everything)
{
    ck_assert(match(""));
    ck_assert(match("   "));
    label_selector s;
    char err[64];
    ck_assert_int_eq(lwcm_label_selector_parse(NULL, &s, err, sizeof err), 0);
    ck_assert_uint_eq(s.n, 0);
}
END_TEST

static void expect_parse_error(const char *sel, const char *want)
{
    label_selector s;
    char err[256];
    ck_assert_msg(lwcm_label_selector_parse(sel, &s, err, sizeof err) == -1, "\"%s\" parsed", sel);
    ck_assert_msg(strstr(err, want) != NULL, "\"%s\": got \"%s\", want \"%s\"", sel, err, want);
}

START_TEST(parse_errors_name_the_problem)
{
    expect_parse_error("app in prod", "expected: '('");
    expect_parse_error("app in (a,b", "expected: ',' or ')'");
    expect_parse_error("app ~ x", "expected: in, notin, =, ==, !=, gt, lt");
    expect_parse_error("=x", "expected: identifier");
    expect_parse_error("app=web,", "expected: identifier");
    expect_parse_error("-bad=x", "key: Invalid value");
    expect_parse_error("app=-x", "Invalid value");
    expect_parse_error("n>abc", "must be an integer");
    expect_parse_error("app=web env=prod", "expected: ',' or 'end of string'");
    expect_parse_error("app in ()", "values set can't be empty");
    /* Keys and values follow the object validation's rules and messages
     * (apimachinery's IsQualifiedName and IsValidLabelValue), one copy of them. */
    expect_parse_error("a..b/x=y", "prefix part a lowercase RFC 1123 subdomain");
    expect_parse_error("example.com/=y", "name part must be non-empty");
    expect_parse_error("app=" "a123456789a123456789a123456789a123456789a123456789a123456789abcd", "must be no more than 63 characters");
}
END_TEST

static label_pair pod_fields[] = {{"status.phase", "Running"}, {"spec.nodeName", "node-1"}};

static int fmatch(const char *sel, const char *ns, const char *name)
{
    field_selector s;
    char err[256];
    ck_assert_msg(lwcm_field_selector_parse(sel, &s, err, sizeof err) == 0, "parse \"%s\": %s", sel, err);
    int m = lwcm_field_selector_matches(&s, ns, name, pod_fields, 2);
    lwcm_field_selector_free(&s);
    return m;
}

START_TEST(field_selectors)
{
    ck_assert(fmatch("metadata.name=web-1", "a", "web-1"));
    ck_assert(fmatch("metadata.name==web-1", "a", "web-1"));
    ck_assert(!fmatch("metadata.name=web-2", "a", "web-1"));
    ck_assert(fmatch("metadata.namespace!=b", "a", "web-1"));
    ck_assert(fmatch("metadata.namespace=a,metadata.name=web-1", "a", "web-1"));
    ck_assert(!fmatch("metadata.namespace=a,metadata.name=web-2", "a", "web-1"));
    ck_assert(fmatch("", "a", "x"));
    field_selector s;
    char err[256];
    ck_assert(fmatch("status.phase=Running,spec.nodeName!=node-2", "a", "x"));
    ck_assert(!fmatch("status.phase=Pending", "a", "x"));
    ck_assert(fmatch("status.podIP=", "a", "x")); /* an absent field is "" */
    ck_assert_int_eq(lwcm_field_selector_parse("spec/x=1", &s, err, sizeof err), -1);
    ck_assert(strstr(err, "must be a dotted path") != NULL);
    ck_assert_int_eq(lwcm_field_selector_parse("metadata.name", &s, err, sizeof err), -1);
    ck_assert_int_eq(lwcm_field_selector_parse("metadata.name=a\\q", &s, err, sizeof err), -1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("selectors");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, equality_operators);
    tcase_add_test(tc, set_operators);
    tcase_add_test(tc, existence_operators);
    tcase_add_test(tc, numeric_operators);
    tcase_add_test(tc, empty_selects_everything);
    tcase_add_test(tc, parse_errors_name_the_problem);
    tcase_add_test(tc, field_selectors);
    suite_add_tcase(s, tc);
    int rc = run_suite(s);
    return rc;
}
