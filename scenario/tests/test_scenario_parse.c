/* The scenario parser: a good file loads into the model, and every way a
 * file can be wrong is refused with its JSON path and what was expected. */
#include "lwc_scenario.h"

#include "catalog_each.h"
#include "check_main.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void expect_error(const char *json, const char *want)
{
    char err[1024];
    lwc_scenario *sc = lwc_scenario_parse(json, "test.json", err, sizeof err);
    ck_assert_msg(sc == NULL, "accepted: %s", json);
    ck_assert_msg(strstr(err, want) != NULL, "for %s\n  got:  %s\n  want: %s", json, err, want);
    ck_assert_msg(strncmp(err, "test.json: ", 11) == 0, "error does not name the file: %s", err);
}

#define HEAD "{\"name\":\"t\",\"description\":\"d\","

START_TEST(full_scenario_loads_into_the_model)
{
    const char *json =
        HEAD "\"reference\":\"kube-rs/kube#1524\","
        "\"resource\":{\"group\":\"stable.example.com\",\"version\":\"v2\",\"plural\":\"crontabs\",\"kind\":\"CronTab\",\"namespaced\":true},"
        "\"client\":{\"namespace\":\"a\",\"labelSelector\":\"app in (x,y)\",\"pageSize\":7,\"watchList\":true,\"kubeconfigNamespace\":\"k\",\"watchTimeoutSeconds\":3},"
        "\"world\":{\"objects\":[{\"metadata\":{\"name\":\"o1\",\"namespace\":\"a\"}},{\"resource\":\"configmaps\",\"metadata\":{\"name\":\"c\",\"namespace\":\"a\"}}],"
        "\"generate\":[{\"namespaces\":3,\"perNamespace\":4,\"labels\":{\"app\":\"x\"},\"labelEvery\":2}]},"
        "\"server\":{\"historyLimit\":50,\"rv0\":\"paginated\",\"pageSizeCap\":9,\"bookmarks\":\"never\",\"bookmarkIntervalMs\":100,"
        "\"watchList\":\"noEndBookmark\",\"laggingReplicaWrites\":3,\"lastPageContinue\":\"empty\",\"listBelowFloor\":\"expired\"},"
        "\"faults\":[{\"name\":\"f\",\"match\":{\"verb\":\"list\",\"resource\":\"crontabs\",\"namespace\":\"a\",\"continue\":true,\"page\":2,\"resourceVersion\":\"set\"},"
        "\"nth\":2,\"times\":3,\"action\":{\"status\":410,\"inconsistentToken\":false}},"
        "{\"match\":{\"verb\":\"watch\"},\"action\":{\"stream\":\"errorEvent\",\"code\":500,\"afterEvents\":4,\"compact\":true}}],"
        "\"timeline\":[{\"when\":{\"event\":\"ready\"},\"do\":\"create\",\"object\":{\"metadata\":{\"name\":\"n\",\"namespace\":\"a\"}}},"
        "{\"when\":{\"event\":\"requests\",\"count\":2,\"match\":{\"verb\":\"watch\"}},\"afterMs\":5,\"do\":\"relabel\",\"name\":\"n\",\"labels\":{\"app\":null}},"
        "{\"do\":\"checkpoint\",\"checkpoint\":\"cp\",\"deadlineMs\":1234}],"
        "\"expect\":[{\"match\":{\"verb\":\"list\",\"limit\":\"pageSize\",\"status\":200},\"atLeast\":1,\"atMost\":9,\"fromStep\":1,\"windowMs\":500,\"why\":\"w\"}],"
        "\"deadlineMs\":4321}";
    char err[1024];
    lwc_scenario *sc = lwc_scenario_parse(json, "full.json", err, sizeof err);
    ck_assert_msg(sc != NULL, "%s", err);
    ck_assert_str_eq(sc->api_path, "/apis/stable.example.com/v2");
    ck_assert_str_eq(sc->kind, "CronTab");
    ck_assert_int_eq(sc->page_size, 7);
    ck_assert_int_eq(sc->watch_list, 1);
    ck_assert_int_eq(sc->watch_timeout_seconds, 3);
    ck_assert_uint_eq(sc->nobjects, 2);
    ck_assert_str_eq(sc->object_resources[1], "configmaps");
    ck_assert_ptr_null(strstr(sc->objects[1], "\"resource\""));
    ck_assert_int_eq(sc->generators[0].label_every, 2);
    ck_assert_int_eq(sc->rv0_ignores_limit, 0);
    ck_assert_int_eq(sc->bookmarks, 0);
    ck_assert_int_eq(sc->watch_list_mode, 2);
    ck_assert_int_eq(sc->last_page_empty_continue, 1);
    ck_assert_int_eq(sc->expire_below_floor, 1);
    ck_assert_uint_eq(sc->nfaults, 2);
    ck_assert_int_eq(sc->faults[0].match.page, 2);
    ck_assert_int_eq(sc->faults[0].match.has_continue, LWC_TRI_YES);
    ck_assert_int_eq(sc->faults[0].action.inconsistent_token, 0);
    ck_assert_int_eq(sc->faults[1].action.kind, LWC_ACT_ERROR_EVENT);
    ck_assert_int_eq(sc->faults[1].action.status, 500);
    ck_assert_uint_eq(sc->nsteps, 3);
    ck_assert_int_eq(sc->steps[1].trigger, LWC_TRIGGER_REQUESTS);
    ck_assert_int_eq(sc->steps[1].trigger_match.verb, LWC_VERB_WATCH);
    ck_assert_int_eq(sc->steps[2].deadline_ms, 1234);
    ck_assert_int_eq(sc->expects[0].match.limit, -2);
    ck_assert_int_eq(sc->expects[0].match.status, 200);
    ck_assert_int_eq(sc->deadline_ms, 4321);
    lwc_scenario_free(sc);
}
END_TEST

START_TEST(defaults_are_a_pod_watcher_over_all_namespaces)
{
    char err[256];
    lwc_scenario *sc = lwc_scenario_parse(HEAD "\"deadlineMs\":1000}", "d.json", err, sizeof err);
    ck_assert_msg(sc != NULL, "%s", err);
    ck_assert_str_eq(sc->api_path, "/api/v1");
    ck_assert_str_eq(sc->plural, "pods");
    ck_assert_str_eq(sc->client_namespace, "");
    ck_assert_str_eq(sc->kubeconfig_namespace, "default");
    ck_assert_int_eq(sc->page_size, 500);
    ck_assert_int_eq(sc->rv0_ignores_limit, 1);
    ck_assert_int_eq(sc->watch_list_mode, 1);
    lwc_scenario_free(sc);
}
END_TEST

START_TEST(top_level_errors)
{
    expect_error("{\"name\":\"t\"", "line 1, column 12: not valid JSON");
    expect_error("[]", "(top level): expected an object");
    expect_error("{\"description\":\"d\"}", "name: required, expected a string");
    expect_error("{\"name\":\"t\"}", "description: required, expected a string");
    expect_error("{\"name\":\"Bad Name\",\"description\":\"d\"}", "name: expected lower-case letters");
    expect_error("{\"name\":\"t\",\"description\":\"\"}", "description: expected a sentence");
    expect_error(HEAD "\"timline\":[]}", "timline: unknown member (expected one of: name, description");
    expect_error(HEAD "\"deadlineMs\":5}", "deadlineMs: expected an integer from 100 to 600000, got 5");
    expect_error(HEAD "\"deadlineMs\":1.5}", "deadlineMs: expected an integer");
}
END_TEST

START_TEST(resource_client_server_errors)
{
    expect_error(HEAD "\"resource\":{\"group\":\"g\"}}", "resource.plural: required");
    expect_error(HEAD "\"resource\":{\"plural\":\"x\",\"kind\":\"X\"}}", "resource.namespaced: required with \"kind\"");
    expect_error(HEAD "\"resource\":{\"plural\":\"x\",\"colour\":1}}", "resource.colour: unknown member");
    expect_error(HEAD "\"client\":{\"pageSize\":-1}}", "client.pageSize: expected an integer from 0 to 100000");
    expect_error(HEAD "\"client\":{\"watchList\":\"yes\"}}", "client.watchList: expected true or false");
    expect_error(HEAD "\"client\":{\"labelSelector\":\"app in x\"}}", "client.labelSelector: not a valid label selector");
    expect_error(HEAD "\"server\":{\"rv0\":\"cache\"}}", "server.rv0: expected one of \"watchCache\", \"paginated\", got \"cache\"");
    expect_error(HEAD "\"server\":{\"watchList\":true}}", "server.watchList: expected one of \"rejected\", \"served\", \"noEndBookmark\"");
    expect_error(HEAD "\"server\":{\"bookmarkIntervalMs\":1}}", "server.bookmarkIntervalMs: expected an integer from 50");
}
END_TEST

START_TEST(world_errors)
{
    expect_error(HEAD "\"world\":{\"objects\":{}}}", "world.objects: expected an array of objects");
    expect_error(HEAD "\"world\":{\"objects\":[1]}}", "world.objects[0]: expected an object");
    expect_error(HEAD "\"world\":{\"objects\":[{\"metadata\":{}}]}}", "world.objects[0].metadata.name: required");
    expect_error(HEAD "\"world\":{\"objects\":[{\"metadata\":{\"name\":\"a\",\"labels\":{\"x\":1}}}]}}",
                 "world.objects[0].metadata.labels.x: expected a string");
    expect_error(HEAD "\"world\":{\"objects\":[{\"resource\":5,\"metadata\":{\"name\":\"a\"}}]}}",
                 "world.objects[0].resource: expected a resource's plural name");
    expect_error(HEAD "\"world\":{\"generate\":[{\"namespaces\":2}]}}", "world.generate[0].perNamespace: required");
    expect_error(HEAD "\"world\":{\"generate\":[{\"perNamespace\":5,\"labelz\":{}}]}}", "world.generate[0].labelz: unknown member");
    expect_error(HEAD "\"world\":{\"generate\":[{\"namespaces\":10000,\"perNamespace\":1000}]}}", "more than the 2,000,000");
    expect_error(HEAD "\"world\":{\"people\":[]}}", "world.people: unknown member");
    /* Each generator under the cap, their sum over it. */
    expect_error(HEAD "\"world\":{\"generate\":[{\"namespaces\":1000,\"perNamespace\":1000},"
                 "{\"namespaces\":1000,\"perNamespace\":1000},{\"namespaces\":1,\"perNamespace\":1}]}}",
                 "world.generate: 2000001 objects in all is more than the 2,000,000");
    expect_error(HEAD "\"world\":{\"objects\":[{\"metadata\":{\"name\":\"a\",\"namespace\":\"n\"}},"
                 "{\"metadata\":{\"name\":\"b\",\"namespace\":\"n\"}},{\"metadata\":{\"name\":\"a\",\"namespace\":\"n\"}}]}}",
                 "world.objects[2]: the same object (resource, namespace and name) as world.objects[0]");
    /* The same name in another resource or namespace is another object. */
    char perr[512];
    lwc_scenario *ok = lwc_scenario_parse(HEAD "\"world\":{\"objects\":[{\"metadata\":{\"name\":\"a\",\"namespace\":\"n\"}},"
                                          "{\"metadata\":{\"name\":\"a\",\"namespace\":\"m\"}},"
                                          "{\"resource\":\"configmaps\",\"metadata\":{\"name\":\"a\",\"namespace\":\"n\"}}]}}",
                                          "t.json", perr, sizeof perr);
    ck_assert_msg(ok != NULL, "%s", perr);
    lwc_scenario_free(ok);
}
END_TEST

/* Timeline objects are checked when the file loads, not when the step
 * runs halfway through (metadata as a number, no name). */
START_TEST(timeline_objects_checked_at_load)
{
    expect_error(HEAD "\"timeline\":[{\"do\":\"create\",\"object\":{\"metadata\":5}}]}",
                 "timeline[0].object.metadata: required, expected an object with a name");
    expect_error(HEAD "\"timeline\":[{\"do\":\"update\",\"object\":{\"metadata\":{\"namespace\":\"x\"}}}]}",
                 "timeline[0].object.metadata.name: required, expected a non-empty string");
    expect_error(HEAD "\"timeline\":[{\"do\":\"wait\",\"afterMs\":1},{\"do\":\"create\",\"object\":"
                 "{\"metadata\":{\"name\":\"a\",\"labels\":{\"k\":[]}}}}]}",
                 "timeline[1].object.metadata.labels.k: expected a string");
}
END_TEST

START_TEST(fault_errors)
{
    expect_error(HEAD "\"faults\":[{\"match\":{\"verb\":\"list\"}}]}", "faults[0].action: required");
    expect_error(HEAD "\"faults\":[{\"action\":{}}]}", "faults[0].action: expected \"status\"");
    expect_error(HEAD "\"faults\":[{\"action\":{\"status\":418}}]}", "faults[0].action.status: expected one of 400");
    expect_error(HEAD "\"faults\":[{\"action\":{\"status\":500,\"stream\":\"drop\"}}]}", "faults[0].action.status: give either");
    expect_error(HEAD "\"faults\":[{\"match\":{\"verb\":\"list\"},\"action\":{\"stream\":\"drop\"}}]}",
                 "faults[0].match.verb: a watch-stream fault needs \"verb\": \"watch\"");
    expect_error(HEAD "\"faults\":[{\"match\":{\"verb\":\"watch\"},\"action\":{\"stream\":\"wobble\"}}]}",
                 "faults[0].action.stream: expected one of \"errorEvent\"");
    expect_error(HEAD "\"faults\":[{\"match\":{\"verb\":\"watch\"},\"action\":{\"stream\":\"slow\"}}]}", "faults[0].action.delayMs: required");
    expect_error(HEAD "\"faults\":[{\"match\":{\"verb\":\"watch\"},\"action\":{\"stream\":\"drop\",\"code\":500}}]}",
                 "faults[0].action.code: \"code\" only applies");
    expect_error(HEAD "\"faults\":[{\"action\":{\"status\":500,\"compact\":true}}]}", "faults[0].action.compact:");
    expect_error(HEAD "\"faults\":[{\"action\":{\"status\":500,\"plainText\":true}}]}", "faults[0].action.plainText: only a 429");
    expect_error(HEAD "\"faults\":[{\"match\":{\"verb\":\"watch\",\"page\":2},\"action\":{\"status\":500}}]}",
                 "faults[0].match.page: a page number only applies to verb \"list\"");
    expect_error(HEAD "\"faults\":[{\"match\":{\"verb\":\"patch\"},\"action\":{\"status\":500}}]}", "faults[0].match.verb: expected one of");
    expect_error(HEAD "\"faults\":[{\"match\":{\"resourceVersion\":\"old\"},\"action\":{\"status\":500}}]}",
                 "faults[0].match.resourceVersion: expected one of \"any\", \"unset\", \"zero\", \"set\"");
    expect_error(HEAD "\"faults\":[{\"match\":{\"limit\":3},\"action\":{\"status\":500}}]}", "faults[0].match.limit: unknown member");
    expect_error(HEAD "\"faults\":[{\"times\":-1,\"action\":{\"status\":500}}]}", "faults[0].times: expected an integer from 0");
    expect_error(HEAD "\"faults\":[{\"name\":\"a\",\"action\":{\"status\":500}},{\"name\":\"a\",\"action\":{\"status\":503}}]}",
                 "faults[1].name: \"a\" is already the name of faults[0]");
}
END_TEST

START_TEST(timeline_errors)
{
    expect_error(HEAD "\"timeline\":[{}]}", "timeline[0].do: required");
    expect_error(HEAD "\"timeline\":[{\"do\":\"explode\"}]}", "timeline[0].do: expected one of \"create\"");
    expect_error(HEAD "\"timeline\":[{\"do\":\"create\"}]}", "timeline[0].object: required for \"create\"");
    expect_error(HEAD "\"timeline\":[{\"do\":\"delete\"}]}", "timeline[0].name: required for \"delete\"");
    expect_error(HEAD "\"timeline\":[{\"do\":\"relabel\",\"name\":\"a\"}]}", "timeline[0].labels: required for \"relabel\"");
    expect_error(HEAD "\"timeline\":[{\"do\":\"relabel\",\"labels\":{}}]}", "timeline[0].name: \"relabel\" needs");
    expect_error(HEAD "\"timeline\":[{\"do\":\"relabel\",\"name\":\"a\",\"labels\":{\"x\":5}}]}", "timeline[0].labels.x: expected a string, or null");
    expect_error(HEAD "\"timeline\":[{\"do\":\"addFault\"}]}", "timeline[0].fault: required for \"addFault\"");
    expect_error(HEAD "\"timeline\":[{\"do\":\"wait\",\"fault\":{}}]}", "timeline[0].fault: \"fault\" only applies");
    expect_error(HEAD "\"timeline\":[{\"do\":\"addFault\",\"fault\":{\"action\":{\"status\":7}}}]}", "timeline[0].fault.action.status");
    expect_error(HEAD "\"timeline\":[{\"do\":\"removeFault\"}]}", "timeline[0].faultName: required");
    expect_error(HEAD "\"timeline\":[{\"do\":\"checkpoint\"}]}", "timeline[0].checkpoint: required");
    expect_error(HEAD "\"timeline\":[{\"do\":\"wait\"}]}", "timeline[0].afterMs: required for \"wait\"");
    expect_error(HEAD "\"timeline\":[{\"do\":\"churn\"}]}", "timeline[0].count: required for \"churn\"");
    expect_error(HEAD "\"timeline\":[{\"do\":\"compact\",\"when\":{}}]}", "timeline[0].when.event: required");
    expect_error(HEAD "\"timeline\":[{\"do\":\"compact\",\"when\":{\"event\":\"sunrise\"}}]}", "timeline[0].when.event: expected one of \"ready\"");
    expect_error(HEAD "\"timeline\":[{\"do\":\"compact\",\"when\":{\"event\":\"ready\",\"match\":{}}}]}",
                 "timeline[0].when.match: \"match\" only applies to event \"requests\"");
    expect_error(HEAD "\"timeline\":[{\"do\":\"deleteAll\",\"labelSelector\":\"a b\"}]}", "timeline[0].labelSelector: not a valid label selector");
    expect_error(HEAD "\"timeline\":{}}", "timeline: expected an array");
}
END_TEST

START_TEST(expectation_errors)
{
    expect_error(HEAD "\"expect\":[{\"match\":{},\"atLeast\":1}]}", "expect[0].why: required");
    expect_error(HEAD "\"expect\":[{\"why\":\"w\",\"atLeast\":1}]}", "expect[0].match: required");
    expect_error(HEAD "\"expect\":[{\"why\":\"w\",\"match\":{}}]}", "expect[0]: expected \"atLeast\" or \"atMost\"");
    expect_error(HEAD "\"expect\":[{\"why\":\"w\",\"match\":{},\"atMost\":1,\"windowMs\":5}]}", "expect[0].windowMs: needs \"fromStep\"");
    expect_error(HEAD "\"expect\":[{\"why\":\"w\",\"match\":{},\"atMost\":1,\"fromStep\":3}]}", "expect[0].fromStep: the timeline has 0 steps");
    expect_error(HEAD "\"expect\":[{\"why\":\"w\",\"match\":{\"limit\":\"big\"},\"atMost\":1}]}",
                 "expect[0].match.limit: expected a non-negative integer or \"pageSize\"");
}
END_TEST

START_TEST(load_errors_name_the_file)
{
    char err[512];
    ck_assert_ptr_null(lwc_scenario_load("/nonexistent/x.json", err, sizeof err));
    ck_assert_str_eq(err, "/nonexistent/x.json: No such file or directory");
}
END_TEST

START_TEST(fault_parse_for_control)
{
    char err[512];
    lwc_fault *f = lwc_fault_parse("{\"match\":{\"verb\":\"watch\"},\"action\":{\"stream\":\"stall\"}}", err, sizeof err);
    ck_assert_msg(f != NULL, "%s", err);
    ck_assert_int_eq(f->action.kind, LWC_ACT_STALL);
    ck_assert_int_eq(f->times, 1);
    lwc_fault_free(f);
    ck_assert_ptr_null(lwc_fault_parse("{\"action\":{}}", err, sizeof err));
    ck_assert(strstr(err, "fault: action: expected"));
    ck_assert_ptr_null(lwc_fault_parse("nope", err, sizeof err));
}
END_TEST

/* Every file of the catalog loads; the directory comes from the build. */
/* A catalog scenario lists what its faults and steps ask of a client, so
 * that a client lacking it gets "not applicable", never a FAIL for a
 * feature it may rightly lack (docs/client-protocol.md, "Capabilities"). */
static void check_requires_cover_faults(const lwc_scenario *sc)
{
    unsigned need = lwc_scenario_needs(sc);
    char missing[200];
    lwc_capabilities_format(need & ~sc->requires, missing, sizeof missing);
    ck_assert_msg((need & ~sc->requires) == 0, "%s: its faults and steps need %s, which \"requires\" does not list",
                  sc->path, missing);
}

/* The canonical text reads back into a scenario that prints the same:
 * the printer loses nothing the parser keeps. */
static void check_print_round_trip(const lwc_scenario *sc)
{
    char err[1024];
    char *text = lwc_scenario_print(sc);
    ck_assert_msg(text != NULL, "%s: print failed", sc->path);
    lwc_scenario *again = lwc_scenario_parse(text, sc->path, err, sizeof err);
    ck_assert_msg(again != NULL, "%s: its printed form does not parse: %s\n%s", sc->path, err, text);
    char *text2 = lwc_scenario_print(again);
    ck_assert_msg(text2 && !strcmp(text, text2), "%s: printing is not stable:\n%s\n---\n%s", sc->path, text, text2);
    ck_assert_uint_eq(again->nsteps, sc->nsteps);
    ck_assert_uint_eq(again->nfaults, sc->nfaults);
    ck_assert_uint_eq(again->nexpects, sc->nexpects);
    ck_assert_uint_eq(again->requires, sc->requires);
    free(text);
    free(text2);
    lwc_scenario_free(again);
}

/* The catalog is kept in the printer's form, so that a change to a file
 * diffs as the lines it changed (`lwc-harness --print FILE > FILE` fixes it). */
static void check_canonical_form(const lwc_scenario *sc)
{
    FILE *f = fopen(sc->path, "rb");
    ck_assert_msg(f != NULL, "%s: cannot reopen", sc->path);
    char *text = NULL;
    size_t cap = 0;
    ssize_t n = getdelim(&text, &cap, '\0', f);
    fclose(f);
    ck_assert_msg(n > 0, "%s: cannot read", sc->path);
    char *canon = lwc_scenario_print(sc);
    ck_assert_ptr_nonnull(canon);
    ck_assert_msg(!strcmp(text, canon),
                  "%s is not in the catalog's canonical form; `lwc-harness --print %s` prints it so", sc->path, sc->path);
    free(text);
    free(canon);
}

START_TEST(requires_lists_capabilities)
{
    char err[1024];
    lwc_scenario *sc = lwc_scenario_parse(HEAD "\"requires\":[\"watchList\",\"rewatch\"]}", "t.json", err, sizeof err);
    ck_assert_msg(sc != NULL, "%s", err);
    ck_assert_uint_eq(sc->requires, LWC_CAP_WATCH_LIST | LWC_CAP_REWATCH);
    lwc_scenario_free(sc);
    expect_error(HEAD "\"requires\":\"watchList\"}", "requires: expected an array of capability names (rewatch, relist");
    expect_error(HEAD "\"requires\":[\"watchlist\"]}", "requires[0]: expected one of rewatch, relist, retry, bookmarks");
    expect_error(HEAD "\"requires\":[\"relist\",7]}", "requires[1]: expected one of");
    expect_error(HEAD "\"requires\":[\"relist\",\"relist\"]}", "requires[1]: \"relist\" is listed twice");
}
END_TEST

/* One catalog file: named as its file, its requires cover what it uses,
 * it prints back unchanged and is kept in that form. */
static void check_catalog_file(const lwc_scenario *sc, const char *file_name)
{
    char want[300];
    snprintf(want, sizeof want, "%s.json", sc->name);
    ck_assert_msg(!strcmp(want, file_name), "%s: name \"%s\" does not match the file name", sc->path, sc->name);
    check_requires_cover_faults(sc);
    check_print_round_trip(sc);
    check_canonical_form(sc);
}

START_TEST(every_catalog_scenario_loads)
{
    ck_assert_int_ge(catalog_each(LWC_SCENARIO_DIR, check_catalog_file), 30);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("scenario_parse");
    TCase *tc = tcase_create("parse");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, full_scenario_loads_into_the_model);
    tcase_add_test(tc, defaults_are_a_pod_watcher_over_all_namespaces);
    tcase_add_test(tc, top_level_errors);
    tcase_add_test(tc, resource_client_server_errors);
    tcase_add_test(tc, world_errors);
    tcase_add_test(tc, fault_errors);
    tcase_add_test(tc, timeline_objects_checked_at_load);
    tcase_add_test(tc, timeline_errors);
    tcase_add_test(tc, expectation_errors);
    tcase_add_test(tc, load_errors_name_the_file);
    tcase_add_test(tc, fault_parse_for_control);
    tcase_add_test(tc, requires_lists_capabilities);
    tcase_add_test(tc, every_catalog_scenario_loads);
    suite_add_tcase(s, tc);
    int rc = run_suite(s);
    return rc;
}
