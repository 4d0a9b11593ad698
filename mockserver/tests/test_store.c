/* The store: one RV counter, snapshots at older RVs, pagination by key,
 * remaining counts, compaction, and the event history. */
#include "store.h"

#include "check_main.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static store *st;
static int pods;

static void setup(void)
{
    st = lwcm_store_new(42, 0);
    resource_def def;
    ck_assert_int_eq(lwcm_builtin_resource(0, &def), 0);
    pods = lwcm_store_add_resource(st, &def);
    ck_assert_int_ge(pods, 0);
}

static void teardown(void)
{
    lwcm_store_free(st);
}

static uint64_t put(const char *ns, const char *name, const char *app)
{
    char json[512];
    snprintf(json, sizeof json,
             "{\"metadata\":{\"name\":\"%s\",\"namespace\":\"%s\",\"labels\":{\"app\":\"%s\"}},"
             "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}}",
             name, ns, app);
    cJSON *obj = cJSON_Parse(json);
    const resource_def *def = lwcm_store_resource(st, pods);
    cJSON *norm = lwcm_object_normalize(def, obj);
    cJSON_Delete(obj);
    obj_version *v = NULL;
    char err[256];
    int rc = lwcm_store_get(st, pods, ns, name) ? -100 : 0;
    if (rc == -100) {
        obj_version *old = lwcm_store_get(st, pods, ns, name);
        lwcm_obj_version_unref(old);
        lwcm_obj_version_unref(old);
        ck_assert_int_eq(lwcm_store_update(st, pods, norm, &v, err, sizeof err), STORE_OK);
    } else {
        ck_assert_int_eq(lwcm_store_create(st, pods, norm, 0, &v, err, sizeof err), STORE_OK);
    }
    uint64_t rv = v->rv;
    lwcm_obj_version_unref(v);
    cJSON_Delete(norm);
    return rv;
}

static uint64_t del(const char *ns, const char *name)
{
    obj_version *v = NULL;
    char err[256];
    ck_assert_int_eq(lwcm_store_delete(st, pods, ns, name, &v, err, sizeof err), STORE_OK);
    uint64_t rv = v->rv;
    lwcm_obj_version_unref(v);
    return rv;
}

/* Lists into "ns/name,ns/name" for readable assertions. */
static char *list_keys(const list_query *q, list_page *page_out)
{
    list_page page;
    int rc = lwcm_store_list(st, q, &page, NULL);
    ck_assert_int_eq(rc, STORE_OK);
    static char out[4096];
    out[0] = '\0';
    for (size_t i = 0; i < page.n; i++) {
        strcat(out, i ? "," : "");
        strcat(out, page.items[i]->key);
    }
    if (page_out) {
        *page_out = page;
        page_out->items = NULL;
        page_out->n = 0;
    }
    lwcm_list_page_free(&page);
    return out;
}

START_TEST(every_write_takes_the_next_rv)
{
    uint64_t a = put("ns1", "a", "web");
    uint64_t b = put("ns2", "b", "web");
    uint64_t c = put("ns1", "a", "db");
    uint64_t d = del("ns2", "b");
    ck_assert_uint_eq(b, a + 1);
    ck_assert_uint_eq(c, b + 1);
    ck_assert_uint_eq(d, c + 1);
    ck_assert_uint_eq(lwcm_store_current_rv(st), d);
}
END_TEST

START_TEST(items_are_in_key_order)
{
    put("zeta", "a", "x");
    put("alpha", "b", "x");
    put("alpha", "a", "x");
    put("alpha-x", "a", "x"); /* '-' sorts before '/': "alpha-x/a" < "alpha/a" */
    list_query q = {.res = pods, .at_current = 1};
    ck_assert_str_eq(list_keys(&q, NULL), "alpha-x/a,alpha/a,alpha/b,zeta/a");
    q.ns = "alpha";
    ck_assert_str_eq(list_keys(&q, NULL), "alpha/a,alpha/b");
}
END_TEST

START_TEST(pages_follow_keys_and_count_the_rest)
{
    for (int i = 0; i < 7; i++) {
        char name[16];
        snprintf(name, sizeof name, "p%d", i);
        put("ns", name, "x");
    }
    list_query q = {.res = pods, .at_current = 1, .limit = 3};
    list_page page;
    ck_assert_str_eq(list_keys(&q, &page), "ns/p0,ns/p1,ns/p2");
    ck_assert(page.more);
    ck_assert_int_eq(page.remaining, 4);
    q.start = "ns/p2";
    q.start_exclusive = 1;
    ck_assert_str_eq(list_keys(&q, &page), "ns/p3,ns/p4,ns/p5");
    ck_assert_int_eq(page.remaining, 1);
    q.start = "ns/p5";
    ck_assert_str_eq(list_keys(&q, &page), "ns/p6");
    ck_assert(!page.more);
    /* Exactly `limit` left: no continue. */
    q.start = "ns/p3";
    ck_assert_str_eq(list_keys(&q, &page), "ns/p4,ns/p5,ns/p6");
    ck_assert(!page.more);
}
END_TEST

START_TEST(old_snapshots_ignore_later_writes)
{
    put("ns", "a", "x");
    put("ns", "b", "x");
    uint64_t snap = put("ns", "c", "x");
    put("ns", "aa", "x");      /* created after */
    del("ns", "b");            /* deleted after */
    put("ns", "c", "changed"); /* modified after */
    list_query q = {.res = pods, .at_rv = snap};
    list_page page;
    ck_assert_str_eq(list_keys(&q, &page), "ns/a,ns/b,ns/c");
    ck_assert_uint_eq(page.rv, snap);
    list_page full;
    ck_assert_int_eq(lwcm_store_list(st, &q, &full, NULL), STORE_OK);
    ck_assert_uint_eq(full.items[2]->rv, snap); /* c as it was, not as it is */
    ck_assert_str_eq(full.items[2]->labels[0].value, "x");
    lwcm_list_page_free(&full);
    /* A page of the old snapshot, after "ns/a": remaining counts the old state. */
    q.limit = 1;
    q.start = "ns/a";
    q.start_exclusive = 1;
    ck_assert_str_eq(list_keys(&q, &page), "ns/b");
    ck_assert_int_eq(page.remaining, 1);
    q.at_current = 1;
    ck_assert_str_eq(list_keys(&q, &page), "ns/aa");
    ck_assert_int_eq(page.remaining, 1);
}
END_TEST

START_TEST(selectors_fill_pages)
{
    put("ns", "a", "web");
    put("ns", "b", "db");
    put("ns", "c", "db");
    put("ns", "d", "web");
    put("ns", "e", "db");
    label_selector sel;
    char err[64];
    ck_assert_int_eq(lwcm_label_selector_parse("app=web", &sel, err, sizeof err), 0);
    list_query q = {.res = pods, .at_current = 1, .limit = 1, .labels = &sel};
    list_page page;
    ck_assert_str_eq(list_keys(&q, &page), "ns/a");
    ck_assert(page.more);
    q.start = "ns/a";
    q.start_exclusive = 1;
    ck_assert_str_eq(list_keys(&q, &page), "ns/d");
    ck_assert(page.more); /* keys remain, though none match: the apiserver still says continue */
    q.start = "ns/d";
    ck_assert_str_eq(list_keys(&q, &page), "");
    ck_assert(!page.more);
    lwcm_label_selector_free(&sel);
}
END_TEST

START_TEST(compaction_expires_old_reads)
{
    uint64_t first = put("ns", "a", "x");
    put("ns", "b", "x");
    uint64_t c = lwcm_store_compact(st, 0);
    ck_assert_uint_eq(c, lwcm_store_current_rv(st));
    list_query q = {.res = pods, .at_rv = first};
    list_page page;
    ck_assert_int_eq(lwcm_store_list(st, &q, &page, NULL), STORE_EXPIRED);
    q.at_rv = c;
    ck_assert_int_eq(lwcm_store_list(st, &q, &page, NULL), STORE_OK);
    lwcm_list_page_free(&page);
    q.at_rv = c + 10;
    ck_assert_int_eq(lwcm_store_list(st, &q, &page, NULL), STORE_TOO_LARGE);
    watch_reg reg;
    memset(&reg, 0, sizeof reg);
    reg.wake_fd = -1;
    ck_assert_int_eq(lwcm_store_watch_register(st, &reg, first), STORE_EXPIRED);
    ck_assert_int_eq(lwcm_store_watch_register(st, &reg, c), STORE_OK);
    lwcm_store_watch_unregister(st, &reg);
}
END_TEST

START_TEST(history_keeps_events_in_order)
{
    uint64_t start = lwcm_store_current_rv(st);
    put("ns", "a", "x");
    put("ns", "a", "y");
    del("ns", "a");
    history_event ev[8];
    uint64_t next = 0;
    size_t n = lwcm_store_read_events(st, start, pods, ev, 8, &next);
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(ev[0].type, EV_ADDED);
    ck_assert_int_eq(ev[1].type, EV_MODIFIED);
    ck_assert_int_eq(ev[2].type, EV_DELETED);
    ck_assert_ptr_nonnull(ev[1].prev);
    /* DELETED carries the last state at the deletion's RV. */
    ck_assert_uint_eq(ev[2].obj->rv, ev[2].rv);
    ck_assert_str_eq(ev[2].obj->labels[0].value, "y");
    ck_assert_uint_eq(next, lwcm_store_current_rv(st));
    for (size_t i = 0; i < n; i++)
        lwcm_history_event_release(&ev[i]);
    n = lwcm_store_read_events(st, start + 1, pods, ev, 8, &next);
    ck_assert_uint_eq(n, 2);
    for (size_t i = 0; i < n; i++)
        lwcm_history_event_release(&ev[i]);
}
END_TEST

START_TEST(unchanged_update_takes_no_rv)
{
    put("ns", "a", "x");
    uint64_t before = lwcm_store_current_rv(st);
    uint64_t again = put("ns", "a", "x");
    ck_assert_uint_eq(again, before);
    ck_assert_uint_eq(lwcm_store_current_rv(st), before);
}
END_TEST

START_TEST(conflicts_and_missing)
{
    put("ns", "a", "x");
    const resource_def *def = lwcm_store_resource(st, pods);
    cJSON *obj = cJSON_Parse("{\"metadata\":{\"name\":\"a\",\"namespace\":\"ns\",\"resourceVersion\":\"1\"}}");
    cJSON *norm = lwcm_object_normalize(def, obj);
    obj_version *v = NULL;
    char err[512];
    ck_assert_int_eq(lwcm_store_update(st, pods, norm, &v, err, sizeof err), STORE_ECONFLICT);
    ck_assert(strstr(err, "the object has been modified") != NULL);
    ck_assert_int_eq(lwcm_store_create(st, pods, norm, 0, &v, err, sizeof err), STORE_EEXIST);
    ck_assert_int_eq(lwcm_store_delete(st, pods, "ns", "zzz", &v, err, sizeof err), STORE_ENOENT);
    cJSON_Delete(obj);
    cJSON_Delete(norm);
}
END_TEST

/* A create of ns/name as put writes it, returning the store's code. */
static int try_create(const char *ns, const char *name, char *err, size_t errlen)
{
    char json[512];
    snprintf(json, sizeof json,
             "{\"metadata\":{\"name\":\"%s\",\"namespace\":\"%s\",\"labels\":{\"app\":\"x\"}},"
             "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}}",
             name, ns);
    cJSON *obj = cJSON_Parse(json);
    cJSON *norm = lwcm_object_normalize(lwcm_store_resource(st, pods), obj);
    cJSON_Delete(obj);
    obj_version *v = NULL;
    int rc = lwcm_store_create(st, pods, norm, 0, &v, err, errlen);
    lwcm_obj_version_unref(v);
    cJSON_Delete(norm);
    return rc;
}

static size_t used(void)
{
    size_t live, hist, quota;
    lwcm_store_usage(st, &live, &hist, &quota);
    return live + hist;
}

static size_t json_len_of(const char *ns, const char *name)
{
    obj_version *v = lwcm_store_get(st, pods, ns, name);
    ck_assert_ptr_nonnull(v);
    size_t n = v->json_len;
    lwcm_obj_version_unref(v);
    return n;
}

/* etcd's quota counts every state the store keeps: the current objects, and
 * the states only the history holds (a replaced one, a deleted one's last),
 * until compaction lets them go. */
START_TEST(quota_usage_follows_writes_and_compaction)
{
    size_t live, hist, quota;
    put("a", "p", "x");
    size_t first = json_len_of("a", "p");
    lwcm_store_usage(st, &live, &hist, &quota);
    ck_assert_uint_eq(live, first);
    ck_assert_uint_eq(hist, 0);
    ck_assert_uint_eq(quota, 0);
    put("a", "p", "y");
    size_t second = json_len_of("a", "p");
    lwcm_store_usage(st, &live, &hist, &quota);
    ck_assert_uint_eq(live, second);
    ck_assert_uint_eq(hist, first); /* the replaced state */
    del("a", "p");
    lwcm_store_usage(st, &live, &hist, &quota);
    ck_assert_uint_eq(live, 0);
    ck_assert_uint_eq(hist, first + second); /* and the deleted one; its tombstone is not counted, as etcd's */
    lwcm_store_compact(st, 0);
    lwcm_store_usage(st, &live, &hist, &quota);
    ck_assert_uint_eq(live, 0);
    ck_assert_uint_eq(hist, 0);
}
END_TEST

/* Events a watcher still needed at a compaction stay in memory, and are
 * counted; once it has read them, compacting again at the same point lets
 * them go (before, it did nothing until a write moved the RV on). */
START_TEST(compacting_again_releases_what_a_watcher_held)
{
    size_t live, hist, quota;
    uint64_t start = put("ns", "a", "x");
    watch_reg reg;
    memset(&reg, 0, sizeof reg);
    reg.wake_fd = -1;
    ck_assert_int_eq(lwcm_store_watch_register(st, &reg, start), STORE_OK);
    put("ns", "a", "y");
    lwcm_store_compact(st, 0);
    lwcm_store_usage(st, &live, &hist, &quota);
    ck_assert_uint_gt(hist, 0); /* the watcher has not read the update */
    atomic_store(&reg.cursor, lwcm_store_current_rv(st));
    lwcm_store_compact(st, 0);
    lwcm_store_usage(st, &live, &hist, &quota);
    ck_assert_uint_eq(hist, 0);
    lwcm_store_watch_unregister(st, &reg);
}
END_TEST

/* One byte short of room for a create: refused with etcd's words; with the
 * room: taken, up to the quota exactly. Then an update is refused too, a
 * delete is always taken, and compaction gives the space back. */
START_TEST(quota_one_past)
{
    char err[256];
    put("a", "p0", "x");
    ck_assert_int_eq(try_create("a", "p1", err, sizeof err), STORE_OK);
    size_t p1 = json_len_of("a", "p1");
    del("a", "p1");
    lwcm_store_compact(st, 0);
    size_t base = used();

    lwcm_store_set_quota(st, base + p1 - 1);
    ck_assert_int_eq(try_create("a", "p1", err, sizeof err), STORE_ENOSPACE);
    ck_assert_str_eq(err, "etcdserver: mvcc: database space exceeded");
    ck_assert_uint_eq(used(), base);
    uint64_t rv = lwcm_store_current_rv(st);

    lwcm_store_set_quota(st, base + p1);
    ck_assert_int_eq(try_create("a", "p1", err, sizeof err), STORE_OK);
    ck_assert_uint_eq(used(), base + p1);
    ck_assert_int_eq(try_create("a", "p2", err, sizeof err), STORE_ENOSPACE);
    ck_assert_uint_eq(lwcm_store_current_rv(st), rv + 1); /* a refused write takes no RV */

    cJSON *obj = cJSON_Parse("{\"metadata\":{\"name\":\"p0\",\"namespace\":\"a\",\"labels\":{\"app\":\"z\"}},"
                             "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}}");
    cJSON *norm = lwcm_object_normalize(lwcm_store_resource(st, pods), obj);
    cJSON_Delete(obj);
    obj_version *v = NULL;
    ck_assert_int_eq(lwcm_store_update(st, pods, norm, &v, err, sizeof err), STORE_ENOSPACE);
    cJSON_Delete(norm);
    ck_assert_ptr_null(v);

    del("a", "p1"); /* taken at the quota; its state is history now, still counted */
    ck_assert_uint_eq(used(), base + p1);
    ck_assert_int_eq(try_create("a", "p2", err, sizeof err), STORE_ENOSPACE);
    lwcm_store_compact(st, 0);
    ck_assert_uint_eq(used(), base);
    ck_assert_int_eq(try_create("a", "p2", err, sizeof err), STORE_OK);
}
END_TEST

START_TEST(history_limit_compacts)
{
    lwcm_store_free(st);
    st = lwcm_store_new(1, 3);
    resource_def def;
    lwcm_builtin_resource(0, &def);
    pods = lwcm_store_add_resource(st, &def);
    uint64_t first = put("ns", "a", "x");
    put("ns", "b", "x");
    put("ns", "c", "x");
    put("ns", "d", "x");
    put("ns", "e", "x");
    ck_assert_uint_eq(lwcm_store_compacted_rv(st), first + 1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("store");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, every_write_takes_the_next_rv);
    tcase_add_test(tc, items_are_in_key_order);
    tcase_add_test(tc, pages_follow_keys_and_count_the_rest);
    tcase_add_test(tc, old_snapshots_ignore_later_writes);
    tcase_add_test(tc, selectors_fill_pages);
    tcase_add_test(tc, compaction_expires_old_reads);
    tcase_add_test(tc, history_keeps_events_in_order);
    tcase_add_test(tc, unchanged_update_takes_no_rv);
    tcase_add_test(tc, conflicts_and_missing);
    tcase_add_test(tc, history_limit_compacts);
    tcase_add_test(tc, quota_usage_follows_writes_and_compaction);
    tcase_add_test(tc, quota_one_past);
    tcase_add_test(tc, compacting_again_releases_what_a_watcher_held);
    suite_add_tcase(s, tc);
    int rc = run_suite(s);
    return rc;
}
