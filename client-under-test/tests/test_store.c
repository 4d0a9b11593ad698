/* The store: keyed by namespace/name, the events a watch event or a relist
 * announces, delete-and-recreate as a new uid, the stale-relist bug, and
 * the hash table underneath (growth, deletion inside probe runs). */
#include "bugs.h"
#include "lwc_reflector.h"
#include "store.h"
#include "table.h"

#include "check_main.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct rec {
    char text[64][96];
    size_t n;
} rec;

static void on_event(void *ud, lwc_event_type t, const lwc_object_ref *o)
{
    rec *r = ud;
    static const char *names[] = {"ADDED", "MODIFIED", "DELETED"};
    ck_assert_uint_lt(r->n, 64);
    snprintf(r->text[r->n++], 96, "%s %s/%s %s %s", names[t], o->ns, o->name, o->uid, o->rv);
}

static lwcr_store st;
static rec events;
static lwc_reflector_callbacks cbs;

static void setup_with(unsigned bugs)
{
    memset(&events, 0, sizeof events);
    cbs = (lwc_reflector_callbacks){.on_event = on_event, .userdata = &events};
    ck_assert_int_eq(lwcr_store_init(&st, &cbs, bugs), LWC_OK);
}

static void setup(void)
{
    setup_with(0);
}

static void teardown(void)
{
    lwcr_store_destroy(&st);
}

static void apply(lwc_event_type t, const char *ns, const char *name, const char *uid, const char *rv)
{
    ck_assert_int_eq(lwcr_store_apply(&st, t, lwcr_obj_new(ns, name, uid, rv), 0), LWC_OK);
}

static int has_event(const char *text)
{
    for (size_t i = 0; i < events.n; i++)
        if (strcmp(events.text[i], text) == 0)
            return 1;
    return 0;
}

START_TEST(watch_events_follow_the_store)
{
    apply(LWC_MODIFIED, "a", "x", "u1", "5"); /* not held: announced as ADDED */
    apply(LWC_ADDED, "a", "x", "u1", "6");    /* held: MODIFIED */
    apply(LWC_ADDED, "a", "x", "u1", "6");    /* same version: nothing */
    apply(LWC_DELETED, "b", "y", "u9", "7");  /* not held: nothing */
    apply(LWC_DELETED, "a", "x", "u1", "8");
    ck_assert_uint_eq(events.n, 3);
    ck_assert_str_eq(events.text[0], "ADDED a/x u1 5");
    ck_assert_str_eq(events.text[1], "MODIFIED a/x u1 6");
    ck_assert_str_eq(events.text[2], "DELETED a/x u1 8");
    ck_assert_uint_eq(lwcr_store_len(&st), 0);
}
END_TEST

START_TEST(same_name_other_namespace_is_another_key)
{
    apply(LWC_ADDED, "a", "x", "u1", "1");
    apply(LWC_ADDED, "b", "x", "u2", "2");
    apply(LWC_ADDED, "", "x", "u3", "3"); /* cluster-scoped */
    ck_assert_uint_eq(lwcr_store_len(&st), 3);
    ck_assert_uint_eq(events.n, 3);
}
END_TEST

START_TEST(recreate_seen_on_watch_is_delete_then_add)
{
    apply(LWC_ADDED, "a", "x", "u1", "1");
    /* The DELETED was missed (a dropped stream): the key names a new object. */
    apply(LWC_ADDED, "a", "x", "u2", "4");
    ck_assert_uint_eq(events.n, 3);
    ck_assert_str_eq(events.text[1], "DELETED a/x u1 1");
    ck_assert_str_eq(events.text[2], "ADDED a/x u2 4");
}
END_TEST

static lwcr_table table_of(const char *const *spec)
{
    lwcr_table t;
    lwcr_table_init(&t);
    for (size_t i = 0; spec[i]; i += 4)
        ck_assert_int_eq(lwcr_table_put(&t, lwcr_obj_new(spec[i], spec[i + 1], spec[i + 2], spec[i + 3]), NULL),
                         LWC_OK);
    return t;
}

START_TEST(relist_announces_what_changed)
{
    const char *first[] = {"a", "keep", "u1", "1", "a", "change", "u2", "2", "a", "gone", "u3", "3",
                           "a", "recreated", "u4", "4", NULL};
    lwcr_table t = table_of(first);
    ck_assert_int_eq(lwcr_store_replace(&st, &t), LWC_OK);
    ck_assert_uint_eq(events.n, 4);
    events.n = 0;
    const char *second[] = {"a", "keep", "u1", "1", "a", "change", "u2", "9", "a", "recreated", "u5", "8",
                            "b", "new", "u6", "7", NULL};
    t = table_of(second);
    ck_assert_int_eq(lwcr_store_replace(&st, &t), LWC_OK);
    ck_assert_uint_eq(t.len, 0);
    ck_assert_uint_eq(lwcr_store_len(&st), 4);
    ck_assert(has_event("MODIFIED a/change u2 9"));
    ck_assert(has_event("DELETED a/gone u3 3"));
    ck_assert(has_event("DELETED a/recreated u4 4"));
    ck_assert(has_event("ADDED a/recreated u5 8"));
    ck_assert(has_event("ADDED b/new u6 7"));
    ck_assert_uint_eq(events.n, 5); /* "keep" is silent */
    /* DELETED of the old uid comes before ADDED of the new one. */
    size_t del = 99, add = 99;
    for (size_t i = 0; i < events.n; i++) {
        if (!strcmp(events.text[i], "DELETED a/recreated u4 4"))
            del = i;
        if (!strcmp(events.text[i], "ADDED a/recreated u5 8"))
            add = i;
    }
    ck_assert_uint_lt(del, add);
}
END_TEST

START_TEST(stale_relist_bug_keeps_vanished_objects)
{
    lwcr_store_destroy(&st);
    setup_with(LWC_BUG_BIT(LWC_BUG_STALE_RELIST));
    const char *first[] = {"a", "x", "u1", "1", "a", "gone", "u2", "2", NULL};
    lwcr_table t = table_of(first);
    ck_assert_int_eq(lwcr_store_replace(&st, &t), LWC_OK);
    events.n = 0;
    const char *second[] = {"a", "x", "u1", "1", NULL};
    t = table_of(second);
    ck_assert_int_eq(lwcr_store_replace(&st, &t), LWC_OK);
    ck_assert_uint_eq(lwcr_store_len(&st), 2);
    ck_assert_uint_eq(events.n, 0);
}
END_TEST

START_TEST(snapshot_copies_everything)
{
    char name[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(name, sizeof name, "obj-%04d", i);
        apply(LWC_ADDED, i % 2 ? "odd" : "even", name, "u", "1");
        events.n = 0;
    }
    lwc_snapshot snap;
    ck_assert_int_eq(lwcr_store_snapshot(&st, &snap), LWC_OK);
    ck_assert_uint_eq(snap.n, 1000);
    int odd = 0;
    for (size_t i = 0; i < snap.n; i++)
        odd += strcmp(snap.items[i].ns, "odd") == 0;
    ck_assert_int_eq(odd, 500);
    lwc_snapshot_free(&snap);
    ck_assert_ptr_null(snap.items);
}
END_TEST

START_TEST(table_take_keeps_probe_runs_intact)
{
    lwcr_table t;
    lwcr_table_init(&t);
    char name[32];
    const int n = 5000;
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof name, "n%d", i);
        ck_assert_int_eq(lwcr_table_put(&t, lwcr_obj_new("ns", name, "u", "1"), NULL), LWC_OK);
    }
    for (int i = 0; i < n; i += 3) {
        snprintf(name, sizeof name, "n%d", i);
        lwcr_obj *o = lwcr_table_take(&t, "ns", name);
        ck_assert_ptr_nonnull(o);
        free(o);
    }
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof name, "n%d", i);
        if (i % 3 == 0)
            ck_assert_ptr_null(lwcr_table_get(&t, "ns", name));
        else
            ck_assert_msg(lwcr_table_get(&t, "ns", name) != NULL, "lost %s", name);
    }
    ck_assert_uint_eq(t.len, (size_t)(n - (n + 2) / 3));
    lwcr_obj *old = NULL;
    ck_assert_int_eq(lwcr_table_put(&t, lwcr_obj_new("ns", "n1", "u", "2"), &old), LWC_OK);
    ck_assert_ptr_nonnull(old);
    ck_assert_str_eq(old->ref.rv, "1");
    free(old);
    lwcr_table_free(&t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("store");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, watch_events_follow_the_store);
    tcase_add_test(tc, same_name_other_namespace_is_another_key);
    tcase_add_test(tc, recreate_seen_on_watch_is_delete_then_add);
    tcase_add_test(tc, relist_announces_what_changed);
    tcase_add_test(tc, stale_relist_bug_keeps_vanished_objects);
    tcase_add_test(tc, snapshot_copies_everything);
    tcase_add_test(tc, table_take_keeps_probe_runs_intact);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
