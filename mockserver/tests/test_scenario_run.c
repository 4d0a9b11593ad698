/* The scenario runner on a server: the objects a step writes (churn's names,
 * create and recreate from a name), and every catalog file's world builds. */
#include "lwc_mockserver.h"

#include "catalog_each.h"
#include "check_main.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEAD "{\"name\":\"t\",\"description\":\"d\","

/* A churn step writes the same objects on every server: its "churn-N"
 * names count per server, not per process (the harness runs many servers
 * in one process, with -j, --repeat and lwc-explore's reruns). */
START_TEST(churn_names_are_per_server)
{
    char err[1024];
    lwc_scenario *sc = lwc_scenario_parse(HEAD "\"timeline\":[{\"do\":\"churn\",\"namespace\":\"ns-0\",\"count\":3}]}",
                                          "t.json", err, sizeof err);
    ck_assert_msg(sc != NULL, "%s", err);
    for (int run = 0; run < 2; run++) {
        lwc_mock_config cfg;
        lwc_mock_config_init(&cfg);
        lwc_mock *srv = NULL;
        ck_assert_msg(lwc_scenario_start_server(sc, &cfg, &srv, err, sizeof err) == LWC_MOCK_OK, "%s", err);
        ck_assert_msg(lwc_scenario_do_step(srv, sc, &sc->steps[0], err, sizeof err) == LWC_MOCK_OK, "%s", err);
        char *list = lwc_mock_list_json(srv, "/api/v1", "pods", "ns-0", NULL, 0, err, sizeof err);
        ck_assert_msg(list != NULL, "%s", err);
        /* churn-0 and churn-2 stay, churn-1 is the delete every third write makes */
        ck_assert_msg(strstr(list, "\"churn-0\"") && strstr(list, "\"churn-2\"") && !strstr(list, "\"churn-1\""),
                      "server %d after the churn step: %.600s", run + 1, list);
        free(list);
        lwc_mock_stop(srv);
    }
    lwc_scenario_free(sc);
}
END_TEST

/* A create or recreate step given a name, namespace and labels writes what
 * the step with the whole object pasted wrote: the two lists read back
 * byte for byte the same (timestamps aside: no two servers share a clock
 * second for sure). */
static const struct short_form {
    const char *resource; /* the scenario's */
    const char *world;    /* objects there before the step */
    const char *short_step, *pasted_step;
} short_forms[] = {
    {"pods", "", "{\"do\":\"create\",\"namespace\":\"ns-0\",\"name\":\"a\"}",
     "{\"do\":\"create\",\"object\":{\"metadata\":{\"name\":\"a\",\"namespace\":\"ns-0\"},"
     "\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"registry.example.com/app:1.0\"}]}}}"},
    {"pods", "", "{\"do\":\"create\",\"namespace\":\"ns-0\",\"name\":\"a\",\"labels\":{\"app\":\"web\",\"tier\":\"x\"}}",
     "{\"do\":\"create\",\"object\":{\"metadata\":{\"name\":\"a\",\"namespace\":\"ns-0\",\"labels\":{\"app\":\"web\","
     "\"tier\":\"x\"}},\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"registry.example.com/app:1.0\"}]}}}"},
    {"configmaps", "", "{\"do\":\"create\",\"namespace\":\"ns-0\",\"name\":\"c\"}",
     "{\"do\":\"create\",\"object\":{\"metadata\":{\"name\":\"c\",\"namespace\":\"ns-0\"},\"data\":{\"key\":\"c\"}}}"},
    {"pods", "{\"metadata\":{\"name\":\"r\",\"namespace\":\"ns-0\",\"labels\":{\"app\":\"old\"}}}",
     "{\"do\":\"recreate\",\"namespace\":\"ns-0\",\"name\":\"r\",\"labels\":{\"app\":\"new\"}}",
     "{\"do\":\"recreate\",\"namespace\":\"ns-0\",\"name\":\"r\",\"object\":{\"metadata\":{\"name\":\"r\",\"namespace\":"
     "\"ns-0\",\"labels\":{\"app\":\"new\"}},\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":"
     "\"registry.example.com/app:1.0\"}]}}}"},
};

/* The list of the scenario's resource after its one step, with every
 * RFC 3339 time made 0000-00-00T00:00:00Z. */
static char *list_after_step(const struct short_form *f, const char *step)
{
    char json[2048], err[1024];
    snprintf(json, sizeof json,
             HEAD "\"resource\":{\"version\":\"v1\",\"plural\":\"%s\"},\"world\":{\"objects\":[%s]},\"timeline\":[%s]}",
             f->resource, f->world, step);
    lwc_scenario *sc = lwc_scenario_parse(json, "t.json", err, sizeof err);
    ck_assert_msg(sc != NULL, "%s: %s", json, err);
    lwc_mock_config cfg;
    lwc_mock_config_init(&cfg);
    cfg.seed = 7;
    lwc_mock *srv = NULL;
    ck_assert_msg(lwc_scenario_start_server(sc, &cfg, &srv, err, sizeof err) == LWC_MOCK_OK, "%s", err);
    ck_assert_msg(lwc_scenario_do_step(srv, sc, &sc->steps[0], err, sizeof err) == LWC_MOCK_OK, "%s: %s", step, err);
    char *list = lwc_mock_list_json(srv, "/api/v1", f->resource, "ns-0", NULL, 0, err, sizeof err);
    ck_assert_msg(list != NULL, "%s", err);
    lwc_mock_stop(srv);
    lwc_scenario_free(sc);
    for (char *p = list; (p = strchr(p, 'T')) != NULL; p++) /* YYYY-MM-DDThh:mm:ssZ */
        if (p - list >= 10 && p[-3] == '-' && p[-6] == '-' && strlen(p) >= 10 && p[3] == ':' && p[9] == 'Z')
            memcpy(p - 10, "0000-00-00T00:00:00Z", 20);
    return list;
}

START_TEST(short_form_writes_the_pasted_object)
{
    const struct short_form *f = &short_forms[_i];
    char *want = list_after_step(f, f->pasted_step);
    char *got = list_after_step(f, f->short_step);
    ck_assert_msg(!strcmp(got, want), "%s wrote\n  %s\nwhere %s wrote\n  %s", f->short_step, got, f->pasted_step, want);
    free(want);
    free(got);
}
END_TEST

/* A name the server refuses gets the server's refusal, not a JSON parse
 * error of the object the step built around it. */
START_TEST(short_form_name_is_written_as_a_json_string)
{
    char err[1024];
    lwc_scenario *sc = lwc_scenario_parse(HEAD "\"timeline\":[{\"do\":\"create\",\"namespace\":\"ns-0\","
                                               "\"name\":\"a\\\"b\"}]}",
                                          "t.json", err, sizeof err);
    ck_assert_msg(sc != NULL, "%s", err);
    lwc_mock *srv = NULL;
    lwc_mock_config cfg;
    lwc_mock_config_init(&cfg);
    ck_assert_msg(lwc_scenario_start_server(sc, &cfg, &srv, err, sizeof err) == LWC_MOCK_OK, "%s", err);
    ck_assert_int_ne(lwc_scenario_do_step(srv, sc, &sc->steps[0], err, sizeof err), LWC_MOCK_OK);
    ck_assert_msg(strstr(err, "RFC 1123") != NULL, "%s", err);
    lwc_mock_stop(srv);
    lwc_scenario_free(sc);
}
END_TEST

/* A scenario's world is built whatever the quota (the parser lets a world
 * be 2,000,000 objects, more than etcd's 2 GiB); the quota counts what is
 * written on top of it. */
START_TEST(quota_counts_on_top_of_a_scenario_world)
{
    char err[1024];
    lwc_scenario *sc = lwc_scenario_parse(HEAD "\"world\":{\"generate\":[{\"perNamespace\":20}]}}", "t.json", err,
                                          sizeof err);
    ck_assert_msg(sc != NULL, "%s", err);
    lwc_mock_config cfg;
    lwc_mock_config_init(&cfg);
    cfg.store_quota_bytes = 1;
    lwc_mock *srv = NULL;
    ck_assert_msg(lwc_scenario_start_server(sc, &cfg, &srv, err, sizeof err) == LWC_MOCK_OK,
                  "a world larger than the quota: %s", err);
    ck_assert_int_eq(lwc_mock_create(srv, "/api/v1", "pods", "{\"metadata\":{\"name\":\"one-more\",\"namespace\":\"ns-0\"}}",
                                     NULL, err, sizeof err),
                     LWC_MOCK_ENOSPACE);
    lwc_mock_stop(srv);
    lwc_scenario_free(sc);
}
END_TEST

/* Every catalog file's world builds on a server (the parser's tests in
 * scenario/tests check that each file loads and is in canonical form). */
static void world_builds(const lwc_scenario *sc, const char *file_name)
{
    char err[1024];
    lwc_mock_config cfg;
    lwc_mock_config_init(&cfg);
    lwc_mock *srv = NULL;
    ck_assert_msg(lwc_scenario_start_server(sc, &cfg, &srv, err, sizeof err) == LWC_MOCK_OK, "%s: %s", file_name, err);
    lwc_mock_stop(srv);
}

START_TEST(every_catalog_world_builds)
{
    ck_assert_int_ge(catalog_each(LWC_SCENARIO_DIR, world_builds), 30);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("scenario_run");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, churn_names_are_per_server);
    tcase_add_loop_test(tc, short_form_writes_the_pasted_object, 0, (int)(sizeof short_forms / sizeof short_forms[0]));
    tcase_add_test(tc, short_form_name_is_written_as_a_json_string);
    tcase_add_test(tc, every_catalog_world_builds);
    tcase_add_test(tc, quota_counts_on_top_of_a_scenario_world);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
