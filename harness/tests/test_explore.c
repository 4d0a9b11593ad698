/* lwc-explore's generator and shrinker: every generated scenario loads (and
 * asks only for what the client declares); the shrinker reaches a local
 * minimum of a synthetic failure predicate. */
#include "explore_gen.h"
#include "explore_shrink.h"
#include "lwc_scenario.h"
#include "result.h"

#include "check_main.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const unsigned cap_sets[] = {
    ~0u & 0x7f,
    LWC_CAP_PROTOCOL1,
    LWC_CAP_REWATCH | LWC_CAP_RELIST | LWC_CAP_RETRY | LWC_CAP_EVENTS,
    LWC_CAP_REWATCH,
    0,
    LWC_CAP_REWATCH | LWC_CAP_RELIST | LWC_CAP_RETRY | LWC_CAP_WATCH_LIST,
};

START_TEST(generated_scenarios_load)
{
    char err[1024];
    for (size_t c = 0; c < sizeof cap_sets / sizeof cap_sets[0]; c++) {
        for (uint64_t run = 0; run < 400; run++) {
            genome g;
            lwch_gen_random(&g, 12345 + c, run, cap_sets[c]);
            ck_assert_msg(lwch_gen_valid(&g), "caps %#x run %llu: the generator made an invalid genome", cap_sets[c],
                          (unsigned long long)run);
            ck_assert_int_le(lwch_gen_failures(&g), GEN_MAX_FAILURES);
            char name[64], *text = NULL;
            snprintf(name, sizeof name, "explore-t-%llu", (unsigned long long)run);
            lwc_scenario *sc = lwch_explore_scenario(&g, name, NULL, &text, err, sizeof err);
            ck_assert_msg(sc != NULL, "caps %#x run %llu: %s", cap_sets[c], (unsigned long long)run, err);
            /* only what the client declares */
            ck_assert_msg((sc->requires & ~cap_sets[c]) == 0, "caps %#x run %llu requires %#x\n%s", cap_sets[c],
                          (unsigned long long)run, sc->requires, text);
            /* the printed text is stable: what is written is what runs */
            char *again = lwc_scenario_print(sc);
            ck_assert_ptr_nonnull(again);
            ck_assert_str_eq(again, text);
            ck_assert_int_gt((int)sc->nsteps, 0);
            free(again);
            free(text);
            lwc_scenario_free(sc);
        }
    }
}
END_TEST

START_TEST(same_seed_same_scenario)
{
    for (uint64_t run = 0; run < 50; run++) {
        genome a, b;
        lwch_gen_random(&a, 99, run, ~0u);
        lwch_gen_random(&b, 99, run, ~0u);
        char *ta = lwch_gen_render(&a, "x"), *tb = lwch_gen_render(&b, "x");
        ck_assert_ptr_nonnull(ta);
        ck_assert_ptr_nonnull(tb);
        ck_assert_str_eq(ta, tb);
        free(ta);
        free(tb);
    }
    /* and different runs differ */
    genome a, b;
    lwch_gen_random(&a, 99, 1, ~0u);
    lwch_gen_random(&b, 99, 2, ~0u);
    char *ta = lwch_gen_render(&a, "x"), *tb = lwch_gen_render(&b, "x");
    ck_assert_ptr_nonnull(ta);
    ck_assert_ptr_nonnull(tb);
    ck_assert_str_ne(ta, tb);
    free(ta);
    free(tb);
}
END_TEST

/* The quiet-close episode's no-relist rule (after a compaction) holds only
 * for a client that moves its RV on bookmarks: such a scenario requires
 * bookmarks. */
START_TEST(bookmark_rule_requires_bookmarks)
{
    char err[1024];
    int found = 0;
    for (uint64_t run = 0; run < 2000 && found < 3; run++) {
        genome g;
        lwch_gen_random(&g, 31, run, ~0u);
        if (g.neps < 1 || g.eps[0].kind != EP_QUIET_CLOSE || !g.eps[0].compact)
            continue;
        found++;
        lwc_scenario *sc = lwch_explore_scenario(&g, "quiet", NULL, NULL, err, sizeof err);
        ck_assert_msg(sc != NULL, "run %llu: %s", (unsigned long long)run, err);
        ck_assert_msg(sc->requires & LWC_CAP_BOOKMARKS, "run %llu requires %#x", (unsigned long long)run, sc->requires);
        lwc_scenario_free(sc);
    }
    ck_assert_int_eq(found, 3);
}
END_TEST

/* Every candidate the shrinker can make loads too. */
START_TEST(shrink_candidates_load)
{
    char err[1024];
    for (uint64_t run = 0; run < 60; run++) {
        genome g;
        lwch_gen_random(&g, 777, run, ~0u);
        for (int i = 0;; i++) {
            genome cand;
            char what[128];
            int rc = lwch_shrink_candidate(&g, i, &cand, what, sizeof what);
            if (rc == 0)
                break;
            if (rc == 2 || !lwch_gen_valid(&cand))
                continue;
            lwc_scenario *sc = lwch_explore_scenario(&cand, "cand", NULL, NULL, err, sizeof err);
            ck_assert_msg(sc != NULL, "run %llu, %s: %s", (unsigned long long)run, what, err);
            lwc_scenario_free(sc);
        }
    }
}
END_TEST

/* A synthetic failure: a true-410 episode with at least 3 objects in the
 * world and a write in that episode. */
static int synthetic(const genome *g, void *ctx)
{
    int *calls = ctx;
    (*calls)++;
    if (lwch_gen_objects(g) < 3)
        return 0;
    for (int i = 0; i < g->neps; i++)
        if (g->eps[i].kind == EP_TRUE_410 && g->eps[i].nwrites >= 1)
            return 1;
    return 0;
}

START_TEST(shrinker_reaches_local_minimum)
{
    int found = 0;
    for (uint64_t run = 0; run < 400 && found < 5; run++) {
        genome g;
        lwch_gen_random(&g, 4242, run, ~0u);
        int calls = 0;
        if (!synthetic(&g, &calls))
            continue;
        found++;
        int tried = 0;
        int steps = lwch_explore_shrink(&g, synthetic, NULL, &calls, 0, &tried);
        ck_assert_int_gt(steps, 0);
        ck_assert(synthetic(&g, &calls));
        /* the minimum: one episode, one write, no faults, 3 or 4 objects (a
         * world of 2x2 cannot lose a namespace or an object and keep 3) */
        ck_assert_int_eq(g.neps, 1);
        ck_assert_int_eq(g.eps[0].nwrites, 1);
        ck_assert_int_eq(g.nfaults, 0);
        ck_assert_int_le(lwch_gen_objects(&g), 4);
        /* and no single reduction still fails */
        for (int i = 0;; i++) {
            genome cand;
            char what[128];
            int rc = lwch_shrink_candidate(&g, i, &cand, what, sizeof what);
            if (rc == 0)
                break;
            if (rc == 1 && lwch_gen_valid(&cand))
                ck_assert_msg(!synthetic(&cand, &calls), "a reduction still fails: %s", what);
        }
    }
    ck_assert_int_eq(found, 5);
}
END_TEST

/* The shrinker stops when the predicate says so (Ctrl-C) and within its budget. */
static int always(const genome *g, void *ctx)
{
    (void)g;
    int *n = ctx;
    return ++*n > 3 ? -1 : 1;
}

START_TEST(shrinker_stops)
{
    genome g;
    lwch_gen_random(&g, 5, 3, ~0u);
    int n = 0, tried = 0;
    lwch_explore_shrink(&g, always, NULL, &n, 0, &tried);
    ck_assert_int_eq(tried, 4);
    ck_assert_int_eq(n, 4);
}
END_TEST

/* lwc-explore tells failures apart by a bit per check name: every check
 * the harness reports has one, and they fit the mask. */
START_TEST(every_check_has_a_bit)
{
    static const char *const reported[] = {CHECK_PROTOCOL, CHECK_INITIAL, CHECK_CONVERGENCE, CHECK_EVENTS,
                                           CHECK_REQUESTS, CHECK_TIMELINE,  CHECK_EXIT,        CHECK_WATCH};
    size_t n = 0;
    while (lwch_check_names[n])
        n++;
    ck_assert_uint_le(n, 32);
    for (size_t i = 0; i < sizeof reported / sizeof reported[0]; i++) {
        int found = 0;
        for (size_t k = 0; k < n; k++)
            found |= !strcmp(lwch_check_names[k], reported[i]);
        ck_assert_msg(found, "check \"%s\" is not in lwch_check_names", reported[i]);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("explore");
    TCase *tc = tcase_create("explore");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, generated_scenarios_load);
    tcase_add_test(tc, same_seed_same_scenario);
    tcase_add_test(tc, shrink_candidates_load);
    tcase_add_test(tc, bookmark_rule_requires_bookmarks);
    tcase_add_test(tc, shrinker_reaches_local_minimum);
    tcase_add_test(tc, shrinker_stops);
    tcase_add_test(tc, every_check_has_a_bit);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
