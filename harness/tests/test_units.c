/* Unit tests of the harness's pieces that need no client: command
 * splitting, line splitting, message parsing, set diffs, the event
 * invariants, UTF-8 cleaning, the reports' escaping, and, against an
 * in-process server, check 1 and the request-log watcher. */
#include "checks.h"
#include "cmdline.h"
#include "eventcheck.h"
#include "itemset.h"
#include "protocol.h"
#include "lwc_mockserver.h"
#include "report.h"
#include "strbuf.h"
#include "watchcheck.h"

#include <arpa/inet.h>
#include "check_main.h"

#include <check.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static char **split(const char *line)
{
    char **argv = NULL;
    char err[256];
    ck_assert_msg(lwch_cmdline_split(line, &argv, err, sizeof err) == 0, "split failed: %s", err);
    return argv;
}

static size_t count(char **argv)
{
    size_t n = 0;
    while (argv[n])
        n++;
    return n;
}

START_TEST(cmdline_words)
{
    char **a = split("  python3   client.py --bug page1 ");
    ck_assert_uint_eq(count(a), 4);
    ck_assert_str_eq(a[0], "python3");
    ck_assert_str_eq(a[3], "page1");
    lwch_cmdline_free(a);
}
END_TEST

START_TEST(cmdline_quotes)
{
    char **a = split("sh -c 'echo \"$HOME\" | cat' \"a b\\\"c\" x\\ y '' \"\"");
    ck_assert_uint_eq(count(a), 7);
    ck_assert_str_eq(a[2], "echo \"$HOME\" | cat"); /* nothing expanded, nothing interpreted */
    ck_assert_str_eq(a[3], "a b\"c");
    ck_assert_str_eq(a[4], "x y");
    ck_assert_str_eq(a[5], "");
    ck_assert_str_eq(a[6], "");
    lwch_cmdline_free(a);
    a = split("a\"b\"'c'd $X * ~ ; |");
    ck_assert_uint_eq(count(a), 6);
    ck_assert_str_eq(a[0], "abcd");
    ck_assert_str_eq(a[1], "$X");
    ck_assert_str_eq(a[2], "*");
    ck_assert_str_eq(a[5], "|");
    lwch_cmdline_free(a);
    a = split("a \\\n b # a comment 'unterminated");
    ck_assert_uint_eq(count(a), 2);
    ck_assert_str_eq(a[1], "b");
    lwch_cmdline_free(a);
    a = split("\"a\\nb\\\\c\\$\"");
    ck_assert_str_eq(a[0], "a\\nb\\c$"); /* in double quotes \n stays a backslash and n */
    lwch_cmdline_free(a);
}
END_TEST

START_TEST(cmdline_errors)
{
    char **a = NULL;
    char err[256];
    ck_assert_int_eq(lwch_cmdline_split("a 'b", &a, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "single quote"));
    ck_assert_int_eq(lwch_cmdline_split("a \"b", &a, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "double quote"));
    ck_assert_int_eq(lwch_cmdline_split("   ", &a, err, sizeof err), -1);
    ck_assert_int_eq(lwch_cmdline_split("# only a comment", &a, err, sizeof err), -1);
    ck_assert_ptr_null(a);
}
END_TEST

START_TEST(lines_split)
{
    linebuf lb;
    lwch_linebuf_init(&lb);
    size_t len;
    ck_assert_int_eq(lwch_linebuf_feed(&lb, "{\"a\":1}\r\n{\"b\"", 13), 0);
    char *l = lwch_linebuf_next(&lb, &len);
    ck_assert_ptr_nonnull(l);
    ck_assert_str_eq(l, "{\"a\":1}");
    ck_assert_uint_eq(len, 7);
    ck_assert_ptr_null(lwch_linebuf_next(&lb, &len));
    ck_assert_uint_eq(lwch_linebuf_pending(&lb), 4);
    ck_assert_int_eq(lwch_linebuf_feed(&lb, ":2}\n\n", 5), 0);
    l = lwch_linebuf_next(&lb, &len);
    ck_assert_str_eq(l, "{\"b\":2}");
    l = lwch_linebuf_next(&lb, &len);
    ck_assert_str_eq(l, "");
    ck_assert_ptr_null(lwch_linebuf_next(&lb, &len));
    lwch_linebuf_free(&lb);
}
END_TEST

static int parse(const char *line, client_msg *m, char *err, size_t errlen)
{
    return lwch_protocol_parse_line(line, strlen(line), m, err, errlen);
}

START_TEST(messages)
{
    client_msg m;
    char err[512];
    ck_assert_int_eq(parse("{\"type\":\"READY\",\"extra\":[1,2]}", &m, err, sizeof err), 0);
    ck_assert_int_eq(m.type, MSG_READY);
    lwch_client_msg_free(&m);
    ck_assert_int_eq(parse("{\"type\":\"SNAPSHOT\",\"seq\":7,\"items\":[{\"namespace\":\"b\",\"name\":\"x\",\"uid\":\"u1\","
                           "\"resourceVersion\":\"12\"},{\"name\":\"c\",\"uid\":\"u2\",\"resourceVersion\":\"3\"}]}",
                           &m, err, sizeof err),
                     0);
    ck_assert_int_eq(m.type, MSG_SNAPSHOT);
    ck_assert_int_eq(m.seq, 7);
    ck_assert_uint_eq(m.items.n, 2);
    ck_assert_str_eq(m.items.v[0].ns, ""); /* sorted: cluster-scoped "" first */
    ck_assert_str_eq(m.items.v[1].name, "x");
    ck_assert_uint_eq(m.items.v[1].rvn, 12);
    lwch_client_msg_free(&m);
    ck_assert_int_eq(parse("{\"type\":\"EVENT\",\"event\":\"DELETED\",\"namespace\":\"a\",\"name\":\"n\",\"uid\":\"u\","
                           "\"resourceVersion\":\"1000\"}",
                           &m, err, sizeof err),
                     0);
    ck_assert_int_eq(m.event, EV_DELETED);
    ck_assert_uint_eq(m.subject.v[0].rvn, 1000);
    lwch_client_msg_free(&m);
    ck_assert_int_eq(parse("{\"type\":\"LOG\",\"level\":\"warn\",\"message\":\"hi\"}", &m, err, sizeof err), 0);
    ck_assert_str_eq(m.text, "warn: hi");
    lwch_client_msg_free(&m);
    ck_assert_int_eq(parse("{\"type\":\"SOMETHING-NEW\"}", &m, err, sizeof err), 0);
    ck_assert_int_eq(m.type, MSG_OTHER);
    lwch_client_msg_free(&m);
    ck_assert_int_eq(parse("{\"no\":\"type\"}", &m, err, sizeof err), 0);
    ck_assert_int_eq(m.type, MSG_OTHER);
    lwch_client_msg_free(&m);
}
END_TEST

START_TEST(hello_messages)
{
    client_msg m;
    char err[512];
    ck_assert_int_eq(parse("{\"type\":\"HELLO\",\"protocol\":2,\"client\":\"kube-rs 0.92.1\","
                           "\"capabilities\":[\"rewatch\",\"watchList\",\"teleport\"]}",
                           &m, err, sizeof err),
                     0);
    ck_assert_int_eq(m.type, MSG_HELLO);
    ck_assert_int_eq(m.protocol, 2);
    ck_assert_str_eq(m.text, "kube-rs 0.92.1");
    ck_assert_uint_eq(m.caps, LWC_CAP_REWATCH | LWC_CAP_WATCH_LIST);
    ck_assert_str_eq(m.unknown, "teleport"); /* a newer client's name: noted, not refused */
    lwch_client_msg_free(&m);
    ck_assert_int_eq(parse("{\"type\":\"HELLO\",\"protocol\":3}", &m, err, sizeof err), 0);
    ck_assert_uint_eq(m.caps, 0);
    lwch_client_msg_free(&m);
    const char *bad[] = {
        "{\"type\":\"HELLO\"}",
        "{\"type\":\"HELLO\",\"protocol\":\"2\"}",
        "{\"type\":\"HELLO\",\"protocol\":2.5}",
        "{\"type\":\"HELLO\",\"protocol\":2,\"client\":7}",
        "{\"type\":\"HELLO\",\"protocol\":2,\"capabilities\":\"rewatch\"}",
        "{\"type\":\"HELLO\",\"protocol\":2,\"capabilities\":[\"rewatch\",1]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        ck_assert_msg(parse(bad[i], &m, err, sizeof err) != 0, "accepted: %s", bad[i]);
        ck_assert_msg(strstr(err, "HELLO") != NULL, "error for %s does not say HELLO: %s", bad[i], err);
    }
}
END_TEST

START_TEST(protocol_errors)
{
    client_msg m;
    char err[512];
    const char *bad[] = {
        "hello",
        "",
        "[1,2]",
        "\"READY\"",
        "{\"type\":\"READY\"} trailing",
        "{\"type\":\"READY\"",
        "{\"type\":\"SNAPSHOT\",\"items\":[]}",
        "{\"type\":\"SNAPSHOT\",\"seq\":1.5,\"items\":[]}",
        "{\"type\":\"SNAPSHOT\",\"seq\":1}",
        "{\"type\":\"SNAPSHOT\",\"seq\":1,\"items\":[{\"name\":\"a\",\"uid\":\"u\"}]}",
        "{\"type\":\"SNAPSHOT\",\"seq\":1,\"items\":[{\"name\":\"a\",\"uid\":\"u\",\"resourceVersion\":5}]}",
        "{\"type\":\"SNAPSHOT\",\"seq\":1,\"items\":[{\"namespace\":null,\"name\":\"a\",\"uid\":\"u\",\"resourceVersion\":\"5\"}]}",
        "{\"type\":\"EVENT\",\"event\":\"BOOKMARK\",\"name\":\"a\",\"uid\":\"u\",\"resourceVersion\":\"5\"}",
        "{\"type\":\"EVENT\",\"event\":\"ADDED\",\"name\":\"a\",\"resourceVersion\":\"5\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = parse(bad[i], &m, err, sizeof err);
        ck_assert_msg(rc == -1, "accepted: %s", bad[i]);
    }
    ck_assert_int_eq(parse("not json at all", &m, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "not JSON"));
    ck_assert_ptr_nonnull(strstr(err, "not json at all"));
    ck_assert_int_eq(parse("{\"a\":1}\x01", &m, err, sizeof err), -1);
}
END_TEST

static void add(itemset *s, const char *ns, const char *name, const char *uid, const char *rv)
{
    ck_assert_int_eq(lwch_itemset_add(s, ns, name, uid, rv), 0);
}

START_TEST(diffs)
{
    itemset c, s;
    lwch_itemset_init(&c);
    lwch_itemset_init(&s);
    add(&s, "a", "p1", "u1", "10");
    add(&s, "a", "p2", "u2", "11");
    add(&s, "b", "p3", "u3", "12");
    add(&s, "b", "p4", "u4", "13");
    add(&c, "a", "p1", "u1", "10");  /* equal */
    add(&c, "a", "p2", "u2", "9");   /* stale */
    add(&c, "b", "p4", "u9", "13");  /* uid mismatch */
    add(&c, "c", "p5", "u5", "14");  /* extra */
    add(&c, "c", "p5", "u5", "14");  /* duplicate */
    lwch_itemset_sort(&c);
    lwch_itemset_sort(&s);
    itemdiff d;
    strbuf tb;
    lwcc_strbuf_init(&tb);
    size_t n = lwch_itemset_diff(&c, &s, &d, &tb, 10);
    ck_assert_uint_eq(d.missing, 1); /* b/p3 */
    ck_assert_uint_eq(d.extra, 1);
    ck_assert_uint_eq(d.stale, 1);
    ck_assert_uint_eq(d.uid, 1);
    ck_assert_uint_eq(d.duplicate, 1);
    ck_assert_uint_eq(n, 5);
    ck_assert_ptr_nonnull(strstr(lwcc_strbuf_str(&tb), "b/p3 uid u3 rv 12"));
    ck_assert_ptr_nonnull(strstr(lwcc_strbuf_str(&tb), "a/p2: client rv 9, server rv 11"));
    ck_assert_ptr_nonnull(strstr(lwcc_strbuf_str(&tb), "b/p4: client uid u9"));
    ck_assert_uint_eq(lwch_itemset_diff(&s, &s, NULL, NULL, 0), 0);
    itemset empty;
    lwch_itemset_init(&empty);
    ck_assert_uint_eq(lwch_itemset_diff(&empty, &empty, NULL, NULL, 0), 0);
    ck_assert_uint_eq(lwch_itemset_diff(&empty, &s, NULL, NULL, 0), 4);
    ck_assert_uint_eq(lwch_itemset_max_rv(&s), 13);
    lwcc_strbuf_free(&tb);
    lwch_itemset_free(&c);
    lwch_itemset_free(&s);
}
END_TEST

START_TEST(list_json)
{
    itemset s;
    uint64_t rv = 0;
    char err[256];
    const char *json = "{\"kind\":\"PodList\",\"metadata\":{\"resourceVersion\":\"42\"},\"items\":["
                       "{\"metadata\":{\"name\":\"b\",\"namespace\":\"x\",\"uid\":\"u2\",\"resourceVersion\":\"41\"}},"
                       "{\"metadata\":{\"name\":\"a\",\"namespace\":\"x\",\"uid\":\"u1\",\"resourceVersion\":\"40\"}}]}";
    ck_assert_int_eq(lwch_itemset_from_list_json(json, &s, &rv, err, sizeof err), 0);
    ck_assert_uint_eq(rv, 42);
    ck_assert_uint_eq(s.n, 2);
    ck_assert_str_eq(s.v[0].name, "a");
    lwch_itemset_free(&s);
    ck_assert_int_eq(lwch_itemset_from_list_json("{", &s, &rv, err, sizeof err), -1);
}
END_TEST

static int ev(eventcheck *ec, event_kind k, const char *ns, const char *name, const char *uid, const char *rv)
{
    itemset one;
    lwch_itemset_init(&one);
    ck_assert_int_eq(lwch_itemset_add(&one, ns, name, uid, rv), 0);
    int rc = lwch_eventcheck_apply(ec, k, &one.v[0], 0);
    lwch_itemset_free(&one);
    return rc;
}

START_TEST(events_good)
{
    eventcheck ec;
    lwch_eventcheck_init(&ec);
    ck_assert_int_eq(ev(&ec, EV_ADDED, "a", "x", "u1", "5"), 0);
    ck_assert_int_eq(ev(&ec, EV_MODIFIED, "a", "x", "u1", "999"), 0);
    ck_assert_int_eq(ev(&ec, EV_MODIFIED, "a", "x", "u1", "1000"), 0); /* "1000" > "999" as integers */
    ck_assert_int_eq(ev(&ec, EV_MODIFIED, "a", "x", "u1", "1000"), 0); /* a resync: same RV again */
    ck_assert_int_eq(ev(&ec, EV_DELETED, "a", "x", "u1", "1001"), 0);
    ck_assert_int_eq(ev(&ec, EV_ADDED, "a", "x", "u2", "1002"), 0);   /* re-created */
    ck_assert_int_eq(ev(&ec, EV_ADDED, "", "x", "u3", "7"), 0);       /* another key: its own RVs */
    for (int i = 0; i < 2000; i++) {                                  /* the table grows */
        char name[32], rv[32];
        snprintf(name, sizeof name, "n%d", i);
        snprintf(rv, sizeof rv, "%d", 2000 + i);
        ck_assert_int_eq(ev(&ec, EV_ADDED, "b", name, "u", rv), 0);
    }
    ck_assert_uint_eq(ec.violations, 0);
    itemset snap;
    lwch_itemset_init(&snap);
    add(&snap, "a", "x", "u2", "1002");
    add(&snap, "", "x", "u3", "7");
    for (int i = 0; i < 2000; i++) {
        char name[32], rv[32];
        snprintf(name, sizeof name, "n%d", i);
        snprintf(rv, sizeof rv, "%d", 2000 + i);
        add(&snap, "b", name, "u", rv);
    }
    lwch_itemset_sort(&snap);
    strbuf tb;
    lwcc_strbuf_init(&tb);
    ck_assert_uint_eq(lwch_eventcheck_compare(&ec, &snap, &tb), 0);
    lwcc_strbuf_free(&tb);
    lwch_itemset_free(&snap);
    lwch_eventcheck_free(&ec);
}
END_TEST

START_TEST(events_bad)
{
    eventcheck ec;
    lwch_eventcheck_init(&ec);
    ck_assert_int_eq(ev(&ec, EV_MODIFIED, "a", "x", "u1", "5"), 1);
    ck_assert_ptr_nonnull(strstr(lwcc_strbuf_str(&ec.report), "does not hold"));
    ck_assert_int_eq(ev(&ec, EV_ADDED, "a", "y", "u1", "5"), 0);
    ck_assert_int_eq(ev(&ec, EV_ADDED, "a", "y", "u1", "6"), 1);
    ck_assert_ptr_nonnull(strstr(lwcc_strbuf_str(&ec.report), "ADDED a/y"));
    ck_assert_int_eq(ev(&ec, EV_MODIFIED, "a", "y", "u1", "4"), 1);
    ck_assert_ptr_nonnull(strstr(lwcc_strbuf_str(&ec.report), "went back from 6 to 4"));
    ck_assert_int_eq(ev(&ec, EV_DELETED, "a", "z", "u1", "9"), 1);
    ck_assert_int_eq(ev(&ec, EV_ADDED, "a", "w", "u1", "abc"), 1);
    ck_assert_ptr_nonnull(strstr(lwcc_strbuf_str(&ec.report), "not an integer"));
    ck_assert_uint_eq(ec.violations, 5);
    lwch_eventcheck_free(&ec);

    /* A relist that drops an object without DELETED: the events still hold it. */
    lwch_eventcheck_init(&ec);
    ck_assert_int_eq(ev(&ec, EV_ADDED, "a", "gone", "u1", "5"), 0);
    ck_assert_int_eq(ev(&ec, EV_ADDED, "a", "kept", "u2", "6"), 0);
    itemset snap;
    lwch_itemset_init(&snap);
    add(&snap, "a", "kept", "u2", "6");
    add(&snap, "a", "new", "u3", "8"); /* and one never announced */
    lwch_itemset_sort(&snap);
    strbuf tb;
    lwcc_strbuf_init(&tb);
    ck_assert_uint_eq(lwch_eventcheck_compare(&ec, &snap, &tb), 2);
    ck_assert_ptr_nonnull(strstr(lwcc_strbuf_str(&tb), "a/gone"));
    ck_assert_ptr_nonnull(strstr(lwcc_strbuf_str(&tb), "a/new"));
    lwcc_strbuf_free(&tb);
    lwch_itemset_free(&snap);
    lwch_eventcheck_free(&ec);
}
END_TEST

START_TEST(tails)
{
    ck_assert_str_eq(lwch_tail_lines("a\nb\nc\nd\n", 2), "c\nd\n");
    ck_assert_str_eq(lwch_tail_lines("a\nb", 5), "a\nb");
    ck_assert_str_eq(lwch_tail_lines("", 5), "");
}
END_TEST

/* Check 1 against a live in-process server: the state at any RV in range
 * passes, an older one, a partial one or a made-up one fails, and states
 * compacted away make it undecided rather than wrong. */
static void create_pod(lwc_mock *srv, const char *ns, const char *name, uint64_t *rv)
{
    char json[256], err[256];
    snprintf(json, sizeof json, "{\"metadata\":{\"name\":\"%s\",\"namespace\":\"%s\"},\"spec\":{}}", name, ns);
    ck_assert_msg(lwc_mock_create(srv, "/api/v1", "pods", json, rv, err, sizeof err) == LWC_MOCK_OK, "%s", err);
}

START_TEST(initial_state_search)
{
    lwc_mock_config cfg;
    lwc_mock_config_init(&cfg);
    lwc_mock *srv = NULL;
    char err[256];
    ck_assert_int_eq(lwc_mock_start(&cfg, &srv, err, sizeof err), LWC_MOCK_OK);
    lwc_scenario sc;
    memset(&sc, 0, sizeof sc);
    snprintf(sc.api_path, sizeof sc.api_path, "/api/v1");
    sc.plural = "pods";
    sc.client_namespace = "";
    sc.label_selector = "";
    uint64_t rv = 0;
    for (int i = 0; i < 6; i++) {
        char name[32];
        snprintf(name, sizeof name, "p%d", i);
        create_pod(srv, i % 2 ? "a" : "b", name, &rv);
    }
    uint64_t served = rv; /* the client's list */
    itemset listed;
    ck_assert_int_eq(lwch_server_state(srv, &sc, served, &listed, NULL, err, sizeof err), 0);
    ck_assert_uint_eq(listed.n, 6);
    create_pod(srv, "a", "later1", &rv);
    ck_assert_int_eq(lwc_mock_delete(srv, "/api/v1", "pods", "b", "p0", &rv, err, sizeof err), LWC_MOCK_OK);
    uint64_t now = lwc_mock_current_rv(srv);
    strbuf s, d;
    lwcc_strbuf_init(&s);
    lwcc_strbuf_init(&d);
    uint64_t matched = 0;
    /* the state it was served, with newer states in range: pass */
    ck_assert_int_eq(lwch_check_initial_state(srv, &sc, &listed, 1, now, 5000, &matched, &s, &d), 0);
    ck_assert_uint_eq(matched, served);
    /* the same snapshot when the first list was newer than it: fail */
    lwcc_strbuf_reset(&s);
    ck_assert_int_eq(lwch_check_initial_state(srv, &sc, &listed, served + 1, now, 5000, &matched, &s, &d), 1);
    ck_assert_ptr_nonnull(strstr(lwcc_strbuf_str(&s), "no state the server passed through"));
    /* the current state: pass */
    itemset cur;
    ck_assert_int_eq(lwch_server_state(srv, &sc, 0, &cur, NULL, err, sizeof err), 0);
    ck_assert_int_eq(lwch_check_initial_state(srv, &sc, &cur, served, now, 5000, &matched, &s, &d), 0);
    ck_assert_uint_eq(matched, now);
    /* a first page only: fail, with the missing keys */
    itemset page1;
    lwch_itemset_init(&page1);
    for (size_t i = 0; i < 3; i++)
        add(&page1, listed.v[i].ns, listed.v[i].name, listed.v[i].uid, listed.v[i].rv);
    lwcc_strbuf_reset(&s);
    lwcc_strbuf_reset(&d);
    ck_assert_int_eq(lwch_check_initial_state(srv, &sc, &page1, 1, now, 5000, &matched, &s, &d), 1);
    ck_assert_ptr_nonnull(strstr(lwcc_strbuf_str(&d), "missing keys"));
    /* one namespace only: fail */
    itemset ns_a;
    lwch_itemset_init(&ns_a);
    for (size_t i = 0; i < listed.n; i++)
        if (!strcmp(listed.v[i].ns, "a"))
            add(&ns_a, listed.v[i].ns, listed.v[i].name, listed.v[i].uid, listed.v[i].rv);
    lwch_itemset_sort(&ns_a);
    ck_assert_int_eq(lwch_check_initial_state(srv, &sc, &ns_a, 1, now, 5000, &matched, &s, &d), 1);
    /* an RV from the future: fail */
    itemset future;
    lwch_itemset_init(&future);
    add(&future, "a", "p1", "x", "999999");
    ck_assert_int_eq(lwch_check_initial_state(srv, &sc, &future, 1, now, 5000, &matched, &s, &d), 1);
    /* the served state compacted away: undecided, not failed; a state still readable still passes */
    lwc_mock_compact(srv, 0);
    lwcc_strbuf_reset(&s);
    ck_assert_int_eq(lwch_check_initial_state(srv, &sc, &listed, served, now, 5000, &matched, &s, &d), 0);
    ck_assert_uint_eq(matched, 0);
    ck_assert_ptr_nonnull(strstr(lwcc_strbuf_str(&s), "not decided"));
    ck_assert_int_eq(lwch_check_initial_state(srv, &sc, &cur, served, now, 5000, &matched, &s, &d), 0);
    ck_assert_uint_eq(matched, now);
    lwcc_strbuf_free(&s);
    lwcc_strbuf_free(&d);
    lwch_itemset_free(&listed);
    lwch_itemset_free(&cur);
    lwch_itemset_free(&page1);
    lwch_itemset_free(&ns_a);
    lwch_itemset_free(&future);
    lwc_mock_stop(srv);
}
END_TEST

/* Check 1's lower bound comes from what the log says each list was served
 * at, not from when it arrived: on a lagging replica an RV=0 list is older
 * than the server was, and served_rv says by exactly how much. */
static lwc_mock_request logged(const char *path, const char *query, int status, double start_ms, int page,
                               uint64_t served_rv)
{
    lwc_mock_request r;
    memset(&r, 0, sizeof r);
    snprintf(r.method, sizeof r.method, "GET");
    r.path = (char *)path; /* only read by the bound */
    r.query = (char *)query;
    r.status = status;
    r.start_ms = start_ms;
    r.page = page;
    r.served_rv = served_rv;
    /* What the router records for these requests, all GETs of an /api/v1
     * collection whose query says whether each is a watch, a continue and
     * which resourceVersion (no other query shapes appear here). */
    r.cls.resolved = 1;
    r.cls.resource = path + strlen("/api/v1/");
    r.cls.verb = strstr(query, "watch=1") ? LWC_VERB_WATCH : LWC_VERB_LIST;
    r.cls.has_continue = strstr(query, "continue=") != NULL;
    r.cls.rv = strstr(query, "resourceVersion=0") ? LWC_RV_ZERO
               : strstr(query, "resourceVersion=") ? LWC_RV_SET
                                                    : LWC_RV_UNSET;
    r.cls.watch_list = r.cls.verb == LWC_VERB_WATCH && strstr(query, "sendInitialEvents=true") != NULL;
    const char *limit = strstr(query, "limit=");
    r.cls.limit = limit ? atoll(limit + strlen("limit=")) : 0;
    return r;
}

START_TEST(initial_bound_from_served_rv)
{
    lwc_scenario sc;
    memset(&sc, 0, sizeof sc);
    snprintf(sc.api_path, sizeof sc.api_path, "/api/v1");
    sc.plural = "pods";
    sc.lagging_replica_writes = 6;
    lwc_mock_request v[] = {
        /* a 410 served nothing */
        logged("/api/v1/pods", "limit=5&resourceVersion=3&resourceVersionMatch=Exact", 410, 1.0, 1, 0),
        /* a streaming list whose only event was an ERROR: 200, nothing served */
        logged("/api/v1/pods", "watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan", 200, 2.0, 0, 0),
        /* the server was at 40 when it came; the lagging replica served 34 */
        logged("/api/v1/pods", "resourceVersion=0", 200, 3.0, 1, 34),
        logged("/api/v1/pods", "limit=5", 200, 4.0, 1, 41),
        /* a later page of an older list: its first page decides, not this */
        logged("/api/v1/pods", "limit=5&continue=abc", 200, 5.0, 2, 20),
        /* another resource */
        logged("/api/v1/configmaps", "", 200, 6.0, 1, 2),
        /* a streaming list served at 36 */
        logged("/api/v1/pods", "watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan", 200, 7.0, 0, 36),
        /* after READY */
        logged("/api/v1/pods", "resourceVersion=0", 200, 50.0, 1, 10),
    };
    reqlog rl;
    memset(&rl, 0, sizeof rl);
    rl.v = v;
    rl.n = sizeof v / sizeof v[0];
    strbuf why;
    lwcc_strbuf_init(&why);
    int completed = 0;
    /* Exactly what the lagging replica served; no allowance below it. */
    ck_assert_uint_eq(lwch_initial_lower_bound(&sc, &rl, 10.0, &completed, &why), 34);
    ck_assert_int_eq(completed, 1);
    ck_assert_ptr_nonnull(strstr(lwcc_strbuf_str(&why), "served at rv 34"));
    /* Only what came before READY counts. */
    ck_assert_uint_eq(lwch_initial_lower_bound(&sc, &rl, 3.5, &completed, &why), 34);
    ck_assert_uint_eq(lwch_initial_lower_bound(&sc, &rl, 100.0, &completed, &why), 10);
    /* No list at all before READY: nothing completed, whatever the snapshot. */
    rl.n = 2;
    lwch_initial_lower_bound(&sc, &rl, 10.0, &completed, &why);
    ck_assert_int_eq(completed, 0);
    ck_assert_ptr_nonnull(strstr(lwcc_strbuf_str(&why), "no list of the collection was served before READY"));
    /* A first page whose list goes on is not complete; its last page is. */
    lwc_mock_request w[] = {
        logged("/api/v1/pods", "limit=5", 200, 1.0, 1, 41),
        logged("/api/v1/pods", "limit=5&continue=abc", 200, 2.0, 2, 41),
    };
    w[0].more = 1;
    w[1].more = 1;
    rl.v = w;
    rl.n = 2;
    ck_assert_uint_eq(lwch_initial_lower_bound(&sc, &rl, 10.0, &completed, &why), 41);
    ck_assert_int_eq(completed, 0);
    ck_assert_ptr_nonnull(strstr(lwcc_strbuf_str(&why), "none was followed to its last page"));
    w[1].more = 0;
    lwch_initial_lower_bound(&sc, &rl, 10.0, &completed, &why);
    ck_assert_int_eq(completed, 1);
    /* READY before the last page was asked for: not complete either. */
    lwch_initial_lower_bound(&sc, &rl, 1.5, &completed, &why);
    ck_assert_int_eq(completed, 0);
    lwcc_strbuf_free(&why);
}
END_TEST

/* The watch check, both ways, on hand-made logs. */
static lwc_mock_request watch_req(double start_ms, double lasted_ms, int done)
{
    lwc_mock_request r = logged("/api/v1/pods", "watch=1&resourceVersion=5", 200, start_ms, 0, 5);
    r.is_watch = 1;
    r.done = done;
    r.duration_ms = lasted_ms;
    return r;
}

static int failed_with(const scenario_result *res, const char *check, const char *needle)
{
    for (size_t i = 0; i < res->nfailures; i++)
        if (!strcmp(res->failures[i].check, check) && strstr(res->failures[i].summary, needle))
            return 1;
    return 0;
}

START_TEST(watch_check_rules)
{
    lwc_scenario sc;
    memset(&sc, 0, sizeof sc);
    snprintf(sc.api_path, sizeof sc.api_path, "/api/v1");
    sc.plural = "pods";
    lwc_step write;
    memset(&write, 0, sizeof write);
    write.kind = LWC_STEP_CREATE;
    double step_at = 50.0;
    reqlog rl;
    memset(&rl, 0, sizeof rl);
    scenario_result res;
    strbuf notes;

    /* Right: a list, a watch that ends (timeout), a re-watch, a 410, a relist. */
    lwc_mock_request right[] = {
        logged("/api/v1/pods", "limit=5", 200, 1.0, 1, 5), watch_req(2.0, 100.0, 1), watch_req(103.0, 10.0, 1),
        logged("/api/v1/pods", "watch=1&resourceVersion=9", 410, 114.0, 0, 0),
        logged("/api/v1/pods", "limit=5", 200, 115.0, 1, 12),
        /* a watch that ended, then a relist (what a client without rewatch does) */
        watch_req(116.0, 5.0, 1), logged("/api/v1/pods", "limit=5", 200, 130.0, 1, 13),
    };
    rl.v = right;
    rl.n = sizeof right / sizeof right[0];
    sc.steps = &write;
    sc.nsteps = 1;
    lwch_result_init(&res);
    lwcc_strbuf_init(&notes);
    lwch_check_relists(&sc, &rl, 1.5, &step_at, &res, &notes);
    ck_assert_uint_eq(res.nfailures, 0);
    ck_assert_str_eq(lwcc_strbuf_str(&notes), "");
    lwch_result_free(&res);

    /* One relist with no cause while the watch is open: noted, not failed. */
    lwc_mock_request one[] = {
        logged("/api/v1/pods", "limit=5", 200, 1.0, 1, 5), watch_req(2.0, 0.0, 0),
        logged("/api/v1/pods", "limit=5", 200, 60.0, 1, 9),
    };
    rl.v = one;
    rl.n = 3;
    lwch_result_init(&res);
    lwch_check_relists(&sc, &rl, 1.5, &step_at, &res, &notes);
    ck_assert_uint_eq(res.nfailures, 0);
    ck_assert_ptr_nonnull(strstr(lwcc_strbuf_str(&notes), "one relist without a cause"));
    lwch_result_free(&res);
    lwcc_strbuf_reset(&notes);

    /* Never watches, lists for every DUMP: fails, with or without a write after READY. */
    lwc_mock_request never[] = {
        logged("/api/v1/pods", "limit=5", 200, 1.0, 1, 5), logged("/api/v1/pods", "limit=5", 200, 20.0, 1, 5),
        logged("/api/v1/pods", "limit=5", 200, 40.0, 1, 5), logged("/api/v1/pods", "limit=5", 200, 60.0, 1, 6),
    };
    rl.v = never;
    rl.n = 4;
    lwch_result_init(&res);
    lwch_check_relists(&sc, &rl, 1.5, &step_at, &res, &notes);
    ck_assert(failed_with(&res, "watch", "never opened a watch"));
    lwch_result_free(&res);
    sc.nsteps = 0;
    lwch_result_init(&res);
    lwch_check_relists(&sc, &rl, 1.5, &step_at, &res, &notes);
    ck_assert(failed_with(&res, "watch", "3 of 3 relists had no cause"));
    lwch_result_free(&res);

    /* A relist's own failure is not its cause; the next relist's it is. */
    lwc_mock_request own[] = {
        logged("/api/v1/pods", "limit=5", 200, 1.0, 1, 5), watch_req(2.0, 0.0, 0),
        logged("/api/v1/pods", "limit=5", 500, 30.0, 1, 0), logged("/api/v1/pods", "limit=5", 200, 40.0, 1, 7),
    };
    rl.v = own;
    rl.n = 4;
    lwch_result_init(&res);
    lwch_check_relists(&sc, &rl, 1.5, &step_at, &res, &notes);
    ck_assert_uint_eq(res.nfailures, 0);
    ck_assert_ptr_nonnull(strstr(lwcc_strbuf_str(&notes), "one relist without a cause"));
    ck_assert_ptr_nonnull(strstr(lwcc_strbuf_str(&notes), "30.0 ms"));
    lwch_result_free(&res);
    lwcc_strbuf_free(&notes);
}
END_TEST

/* The log watcher pokes the wake pipe for a watch's end (no polling
 * needed) and stops without making a request of the server. */
static int wait_readable(int fd, int ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, ms) == 1;
}

static void drain(int fd)
{
    char buf[64];
    while (read(fd, buf, sizeof buf) > 0)
        ;
}

/* Sends a request on a raw socket and reads until the headers are in (a
 * watch's body never ends by itself). Returns the socket. */
static int raw_get(lwc_mock *srv, const char *path_query)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(lwc_mock_port(srv));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    char req[512];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path_query);
    ck_assert_int_eq(send(fd, req, (size_t)n, MSG_NOSIGNAL), n);
    char buf[4096];
    size_t got = 0;
    while (got < sizeof buf - 1) {
        ck_assert_msg(wait_readable(fd, 2000), "no answer to %s", path_query);
        ssize_t r = recv(fd, buf + got, sizeof buf - 1 - got, 0);
        ck_assert_int_gt(r, 0);
        got += (size_t)r;
        buf[got] = '\0';
        if (strstr(buf, "\r\n\r\n"))
            break;
    }
    ck_assert_msg(strncmp(buf, "HTTP/1.1 200", 12) == 0, "%s", buf);
    return fd;
}

START_TEST(log_watcher_wakes_on_watch_end)
{
    lwc_mock_config cfg;
    lwc_mock_config_init(&cfg);
    lwc_mock *srv = NULL;
    char err[256];
    ck_assert_int_eq(lwc_mock_start(&cfg, &srv, err, sizeof err), LWC_MOCK_OK);
    int wake[2];
    ck_assert_int_eq(pipe2(wake, O_CLOEXEC | O_NONBLOCK), 0);
    reqlog rl;
    ck_assert_int_eq(lwch_reqlog_start(&rl, srv, wake[1], err, sizeof err), 0);
    int fd = raw_get(srv, "/api/v1/pods?watch=true&resourceVersion=1");
    /* Let the wake-ups for the watch's arrival and answer land, then see
     * the copy say "open". */
    ck_assert(wait_readable(wake[0], 2000));
    for (;;) {
        drain(wake[0]);
        ck_assert_int_ge(lwch_reqlog_refresh(&rl), 0);
        if (rl.n == 1 && rl.v[0].status == 200)
            break;
        ck_assert_msg(wait_readable(wake[0], 2000), "the watch's answer never woke the watcher");
    }
    while (wait_readable(wake[0], 50))
        drain(wake[0]);
    ck_assert_int_eq(rl.v[0].done, 0);
    ck_assert_uint_eq(rl.v[0].served_rv, 1);
    /* The stream's end is a change: the pipe is poked, the copy sees it. */
    lwc_mock_close_watches(srv);
    for (;;) {
        ck_assert_msg(wait_readable(wake[0], 2000), "the watch's end never woke the watcher");
        drain(wake[0]);
        ck_assert_int_ge(lwch_reqlog_refresh(&rl), 0);
        if (rl.v[0].done)
            break;
    }
    close(fd);
    /* Stopping makes no request (the old wake-up was a GET). */
    size_t before = lwc_mock_log_count(srv);
    lwch_reqlog_stop(&rl);
    ck_assert_uint_eq(lwc_mock_log_count(srv), before);
    lwch_reqlog_free(&rl);
    close(wake[0]);
    close(wake[1]);
    lwc_mock_stop(srv);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("harness units");
    TCase *tc = tcase_create("units");
    tcase_add_test(tc, cmdline_words);
    tcase_add_test(tc, cmdline_quotes);
    tcase_add_test(tc, cmdline_errors);
    tcase_add_test(tc, lines_split);
    tcase_add_test(tc, messages);
    tcase_add_test(tc, hello_messages);
    tcase_add_test(tc, protocol_errors);
    tcase_add_test(tc, diffs);
    tcase_add_test(tc, list_json);
    tcase_add_test(tc, events_good);
    tcase_add_test(tc, events_bad);
    tcase_add_test(tc, tails);
    tcase_add_test(tc, initial_state_search);
    tcase_add_test(tc, initial_bound_from_served_rv);
    tcase_add_test(tc, watch_check_rules);
    tcase_add_test(tc, log_watcher_wakes_on_watch_end);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
