/* lwc-watch against a scripted server that misbehaves on purpose: garbage
 * and oversized lines, truncated events, closes in the middle of a chunk,
 * silence, 429 with Retry-After, 410 on a continue page and at watch start,
 * ERROR events, an empty final continue, a streaming list without its end
 * bookmark. The watcher must survive each, converge, and exit 0 on STOP
 * (under ASan, a leak or an overflow makes that exit status non-zero). */
#include "child.h"
#include "script_server.h"
#include "monotonic.h"
#include "strbuf.h"

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The bytes of one file of wire/, exactly as the server sends them. */
typedef struct wire {
    char *bytes;
    size_t len;
} wire;

typedef struct plan {
    int mode;
    int lists, watches;
    const char *cont;    /* list_world1's continue token (NULL: none) */
    wire send[3];        /* the wire files the handler sends, in order of use (teardown frees them) */
} plan;

static script_server *srv;
static child *kid;
static plan pl;

static void teardown(void)
{
    child_free(kid);
    kid = NULL;
    ss_stop(srv);
    srv = NULL;
    for (size_t i = 0; i < sizeof pl.send / sizeof pl.send[0]; i++)
        free(pl.send[i].bytes);
    memset(pl.send, 0, sizeof pl.send);
}

/* Reads LWC_WIRE_DIR/NAME.http (before the server starts: the handlers run
 * on its thread, where a failed assertion would not end the test). */
static wire wire_load(const char *name)
{
    char path[512], err[256];
    snprintf(path, sizeof path, "%s/%s.http", LWC_WIRE_DIR, name);
    wire w;
    w.bytes = lwc_read_file(path, 4096, &w.len, err, sizeof err);
    ck_assert_msg(w.bytes != NULL, "%s", err);
    ck_assert_msg(w.len > 0, "%s: empty", path);
    return w;
}

static void send_wire(int fd, const wire *w)
{
    ss_send(fd, w->bytes, w->len);
}

static int is_watch(const ss_request *r)
{
    return strstr(r->target, "watch=true") != NULL;
}

/* A PodList; objs is "ns/name/uid/rv" strings, NULL-terminated. */
static void send_list(int fd, const char *rv, const char *cont, const char *const *objs)
{
    char body[8192];
    size_t o = (size_t)snprintf(body, sizeof body, "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{"
                                                   "\"resourceVersion\":\"%s\"%s%s%s},\"items\":[",
                                rv, cont ? ",\"continue\":\"" : "", cont ? cont : "", cont ? "\"" : "");
    for (int i = 0; objs && objs[i]; i++) {
        char ns[64], name[64], uid[64], orv[32];
        sscanf(objs[i], "%63[^/]/%63[^/]/%63[^/]/%31s", ns, name, uid, orv);
        o += (size_t)snprintf(body + o, sizeof body - o,
                              "%s{\"metadata\":{\"name\":\"%s\",\"namespace\":\"%s\",\"uid\":\"%s\","
                              "\"resourceVersion\":\"%s\"},\"spec\":{}}",
                              i ? "," : "", name, ns, uid, orv);
    }
    snprintf(body + o, sizeof body - o, "]}");
    ss_json(fd, 200, body);
}

static void send_event(int fd, const char *type, const char *spec)
{
    char ns[64], name[64], uid[64], rv[32], line[1024];
    sscanf(spec, "%63[^/]/%63[^/]/%63[^/]/%31s", ns, name, uid, rv);
    snprintf(line, sizeof line,
             "{\"type\":\"%s\",\"object\":{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"%s\","
             "\"namespace\":\"%s\",\"uid\":\"%s\",\"resourceVersion\":\"%s\"}}}\n",
             type, name, ns, uid, rv);
    ss_chunk_str(fd, line);
}

static const char *const world1[] = {"ns/a/ua/5", "ns/b/ub/6", NULL};
static const char *const world2[] = {"ns/a/ua/5", "ns/b/ub/6", "ns/c/uc/11", "ns/d/ud/12", NULL};

static child *start(const char *extra_env, const char *const *args)
{
    static char server[128], extra[256];
    snprintf(server, sizeof server, "LWC_SERVER=%s", ss_url(srv));
    snprintf(extra, sizeof extra, "%s", extra_env ? extra_env : "LWC_SCENARIO=hostile");
    char *env[] = {server, "LWC_API_PATH=/api/v1", "LWC_RESOURCE=pods", "LWC_NAMESPACE=", "LWC_PAGE_SIZE=2",
                   extra, NULL};
    char *argv[12] = {LWC_WATCH_BIN, "-v"};
    int n = 2;
    for (int i = 0; args && args[i]; i++)
        argv[n++] = (char *)args[i];
    argv[n] = NULL;
    child *c = child_start(argv, env);
    ck_assert_ptr_nonnull(c);
    return c;
}

/* The snapshot's keys "ns/name/uid/rv", sorted, joined by spaces. */
static void snapshot_keys(const cJSON *snap, char *out, size_t len)
{
    char *keys[64];
    int n = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(snap, "items"))
    {
        if (n == 64)
            break;
        char k[256];
        snprintf(k, sizeof k, "%s/%s/%s/%s", cJSON_GetObjectItemCaseSensitive(it, "namespace")->valuestring,
                 cJSON_GetObjectItemCaseSensitive(it, "name")->valuestring,
                 cJSON_GetObjectItemCaseSensitive(it, "uid")->valuestring,
                 cJSON_GetObjectItemCaseSensitive(it, "resourceVersion")->valuestring);
        keys[n++] = strdup(k);
    }
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (strcmp(keys[j], keys[i]) < 0) {
                char *t = keys[i];
                keys[i] = keys[j];
                keys[j] = t;
            }
    size_t o = 0;
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        o += (size_t)snprintf(out + o, len - o, "%s%s", i ? " " : "", keys[i]);
        free(keys[i]);
    }
}

static void expect_store(child *c, const char *want, int timeout_ms)
{
    static unsigned seq = 1;
    char got[4096] = "";
    double t0 = lwcc_monotonic_ms();
    for (;;) {
        const cJSON *snap = child_dump(c, seq++, 5000);
        ck_assert_ptr_nonnull(snap);
        snapshot_keys(snap, got, sizeof got);
        if (!strcmp(got, want))
            return;
        ck_assert_msg(lwcc_monotonic_ms() - t0 < timeout_ms, "store is \"%s\", want \"%s\"", got, want);
        struct timespec nap = {0, 20 * 1000000L};
        nanosleep(&nap, NULL);
    }
}

static const cJSON *wait_restart(child *c, const char *needle, int timeout_ms)
{
    size_t cur = 0;
    const cJSON *l;
    while ((l = child_wait(c, &cur, "RESTART", NULL, NULL, timeout_ms)))
        if (strstr(cJSON_GetObjectItemCaseSensitive(l, "reason")->valuestring, needle))
            return l;
    return NULL;
}

/* A list: world1 at "10" the first time, world2 at "12" after. */
static void list_then_grown(plan *p, int fd)
{
    int again = p->lists++ > 0;
    send_list(fd, again ? "12" : "10", NULL, again ? world2 : world1);
}

/* A list: world1 at "10" with the plan's continue token (none unless set), every time. */
static void list_world1(plan *p, int fd)
{
    p->lists++;
    send_list(fd, "10", p->cont, world1);
}

/* An open watch on which nothing ever comes. */
static void silent_watch(int fd, script_server *s)
{
    ss_chunked_head(fd);
    ss_hold(s, fd);
}

/* list_world1 for every list; silent watches. */
static void h_world1(void *ud, const ss_request *r, int fd, script_server *s)
{
    if (is_watch(r))
        silent_watch(fd, s);
    else
        list_world1(ud, fd);
}

/* ---- a garbage line in the stream: relist ---- */

static void h_garbage(void *ud, const ss_request *r, int fd, script_server *s)
{
    plan *p = ud;
    if (!is_watch(r)) {
        list_then_grown(p, fd);
        return;
    }
    if (p->watches++ == 0)
        send_wire(fd, &p->send[0]); /* ADDED c, then an HTML line; the stream stays open */
    else
        ss_chunked_head(fd);
    ss_hold(s, fd);
}

START_TEST(garbage_line_relists)
{
    pl.send[0] = wire_load("garbage-line");
    srv = ss_start(h_garbage, &pl);
    kid = start(NULL, NULL);
    ck_assert_ptr_nonnull(child_wait(kid, NULL, "READY", NULL, NULL, 5000));
    ck_assert_ptr_nonnull(wait_restart(kid, "undecodable", 5000));
    expect_store(kid, "ns/a/ua/5 ns/b/ub/6 ns/c/uc/11 ns/d/ud/12", 5000);
    ck_assert_int_eq(pl.lists, 2);
    child_stop_ok(kid);
}
END_TEST

/* ---- a line of 100 MiB: refused at the cap, memory bounded ---- */

static void h_huge(void *ud, const ss_request *r, int fd, script_server *s)
{
    plan *p = ud;
    if (!is_watch(r)) {
        list_then_grown(p, fd);
        return;
    }
    ss_chunked_head(fd);
    if (p->watches++ == 0) {
        static char block[1 << 20];
        memset(block, 'x', sizeof block);
        memcpy(block, "{\"type\":\"ADDED\",\"object\":{\"pad\":\"", 33);
        for (int i = 0; i < 100; i++)
            ss_chunk(fd, block, sizeof block); /* stops mattering once the client hangs up */
        return;
    }
    ss_hold(s, fd);
}

static long vm_hwm_kb(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb;
}

START_TEST(oversized_line_is_refused_with_bounded_memory)
{
    srv = ss_start(h_huge, &pl);
    kid = start(NULL, NULL);
    ck_assert_ptr_nonnull(wait_restart(kid, "longer than 16777216 bytes", 10000));
    expect_store(kid, "ns/a/ua/5 ns/b/ub/6 ns/c/uc/11 ns/d/ud/12", 5000);
    long kb = vm_hwm_kb(child_pid(kid));
    ck_assert_msg(kb > 0 && kb < 96 * 1024, "peak RSS %ld kB after a 100 MiB line", kb);
    child_stop_ok(kid);
}
END_TEST

/* The first watch sends the wire file p->send[0], which breaks the stream
 * after ADDED c at 11; later watches send ADDED d at 12. */
static void h_broken_first_watch(void *ud, const ss_request *r, int fd, script_server *s)
{
    plan *p = ud;
    if (!is_watch(r)) {
        list_world1(p, fd);
        return;
    }
    if (p->watches++ == 0) {
        send_wire(fd, &p->send[0]); /* and the connection closes */
        return;
    }
    ss_chunked_head(fd);
    send_event(fd, "ADDED", "ns/d/ud/12");
    ss_hold(s, fd);
}

/* The watcher re-watches from 11 (the third request), without a relist,
 * and gets d. */
static void expect_rewatch_from_last_good_rv(const char *first_watch)
{
    pl.send[0] = wire_load(first_watch);
    srv = ss_start(h_broken_first_watch, &pl);
    kid = start(NULL, NULL);
    expect_store(kid, "ns/a/ua/5 ns/b/ub/6 ns/c/uc/11 ns/d/ud/12", 5000);
    ck_assert_int_eq(pl.lists, 1);
    char rv[32];
    ck_assert(ss_has_param(srv, 2, "resourceVersion", rv, sizeof rv));
    ck_assert_str_eq(rv, "11");
    child_stop_ok(kid);
}

/* ---- half an event, then a clean end: re-watch from the last good RV ---- */

START_TEST(truncated_event_then_clean_end_rewatches)
{
    expect_rewatch_from_last_good_rv("truncated-event");
}
END_TEST

/* ---- a close in the middle of a chunk (it promises 512 bytes and has 25):
 * re-watch from the last good RV ---- */

START_TEST(close_mid_chunk_rewatches)
{
    expect_rewatch_from_last_good_rv("close-mid-chunk");
}
END_TEST

/* ---- 429 with Retry-After on the list: wait at least that long ---- */

static void h_429(void *ud, const ss_request *r, int fd, script_server *s)
{
    plan *p = ud;
    (void)s;
    if (!is_watch(r)) {
        if (p->lists++ == 0) {
            send_wire(fd, &p->send[0]); /* API Priority and Fairness style: plain text, Retry-After: 1 */
            return;
        }
        send_list(fd, "10", NULL, world1);
        return;
    }
    silent_watch(fd, s);
}

START_TEST(retry_after_on_429_is_honoured)
{
    pl.send[0] = wire_load("retry-after-429");
    srv = ss_start(h_429, &pl);
    kid = start(NULL, NULL);
    ck_assert_ptr_nonnull(child_wait(kid, NULL, "READY", NULL, NULL, 5000));
    ck_assert_int_ge(ss_count(srv), 2);
    long long gap = ss_get(srv, 1).at_ms - ss_get(srv, 0).at_ms;
    ck_assert_msg(gap >= 1000 && gap < 2500, "second list %lld ms after the 429 (Retry-After: 1)", gap);
    child_stop_ok(kid);
}
END_TEST

/* ---- 410 on page 2: a fresh list from page 1, never the rv:-1 token ---- */

static void h_expired(void *ud, const ss_request *r, int fd, script_server *s)
{
    plan *p = ud;
    static const char *const page1[] = {"ns/a/ua/5", "ns/b/ub/6", NULL};
    static const char *const page2[] = {"ns/c/uc/7", NULL};
    if (is_watch(r)) {
        silent_watch(fd, s);
        return;
    }
    p->lists++;
    if (!strstr(r->target, "continue=")) {
        send_list(fd, p->lists == 1 ? "8" : "9", "page2", page1);
    } else if (p->mode++ == 0) {
        send_wire(fd, &p->send[0]); /* 410 Expired, with an "inconsistent" continue token */
    } else {
        send_list(fd, "9", NULL, page2);
    }
}

START_TEST(expired_continue_starts_over)
{
    pl.send[0] = wire_load("expired-continue");
    srv = ss_start(h_expired, &pl);
    kid = start(NULL, NULL);
    ck_assert_ptr_nonnull(wait_restart(kid, "410 Expired on continue", 5000));
    ck_assert_ptr_nonnull(child_wait(kid, NULL, "READY", NULL, NULL, 5000));
    expect_store(kid, "ns/a/ua/5 ns/b/ub/6 ns/c/uc/7", 2000);
    ck_assert_int_eq(pl.lists, 4);
    ck_assert(!ss_has_param(srv, 2, "continue", NULL, 0)); /* page 1 again */
    for (int i = 0; i < ss_count(srv); i++)
        ck_assert(!strstr(ss_get(srv, i).target, "inconsistent"));
    child_stop_ok(kid);
}
END_TEST

/* ---- "continue": "" on the last page means done (kube-rs PR #1250) ---- */

START_TEST(empty_continue_ends_the_list)
{
    pl.cont = "";
    srv = ss_start(h_world1, &pl);
    kid = start(NULL, NULL);
    ck_assert_ptr_nonnull(child_wait(kid, NULL, "READY", NULL, NULL, 5000));
    ck_assert(ss_wait(srv, 2, 5000));
    ck_assert_int_eq(pl.lists, 1);
    ss_request w = ss_get(srv, 1);
    ck_assert(is_watch(&w));
    child_stop_ok(kid);
}
END_TEST

/* ---- HTTP 410 at watch start: relist without resourceVersion ---- */

static void h_http410(void *ud, const ss_request *r, int fd, script_server *s)
{
    plan *p = ud;
    if (!is_watch(r)) {
        list_then_grown(p, fd);
        return;
    }
    if (p->watches++ == 0) {
        ss_status(fd, 410, "Expired", 410, NULL);
        return;
    }
    silent_watch(fd, s);
}

START_TEST(http_410_on_watch_relists)
{
    srv = ss_start(h_http410, &pl);
    kid = start(NULL, NULL);
    ck_assert_ptr_nonnull(wait_restart(kid, "410", 5000));
    expect_store(kid, "ns/a/ua/5 ns/b/ub/6 ns/c/uc/11 ns/d/ud/12", 5000);
    ck_assert(ss_wait(srv, 4, 5000));
    ss_request relist = ss_get(srv, 2);
    ck_assert(!is_watch(&relist));
    ck_assert(!ss_has_param(srv, 2, "resourceVersion", NULL, 0));
    char rv[32];
    ck_assert(ss_has_param(srv, 3, "resourceVersion", rv, sizeof rv));
    ck_assert_str_eq(rv, "12");
    child_stop_ok(kid);
}
END_TEST

/* ---- ERROR 429 in the stream: re-watch after Retry-After, no relist ---- */

static void h_error429(void *ud, const ss_request *r, int fd, script_server *s)
{
    plan *p = ud;
    if (!is_watch(r)) {
        list_world1(p, fd);
        return;
    }
    if (p->watches++ == 0) {
        send_wire(fd, &p->send[0]); /* ERROR 429 with retryAfterSeconds 1, the final chunk */
        return;
    }
    silent_watch(fd, s);
}

START_TEST(error_event_429_rewatches_later)
{
    pl.send[0] = wire_load("error-event-429");
    srv = ss_start(h_error429, &pl);
    kid = start(NULL, NULL);
    ck_assert(ss_wait(srv, 3, 5000));
    long long gap = ss_get(srv, 2).at_ms - ss_get(srv, 1).at_ms;
    ck_assert_msg(gap >= 1000, "re-watch %lld ms after ERROR 429 with retryAfterSeconds 1", gap);
    ss_request rw = ss_get(srv, 2);
    ck_assert(is_watch(&rw));
    ck_assert_int_eq(pl.lists, 1);
    child_stop_ok(kid);
}
END_TEST

/* ---- a watch that goes silent: noticed after timeoutSeconds + margin ---- */

static void h_stall(void *ud, const ss_request *r, int fd, script_server *s)
{
    plan *p = ud;
    if (!is_watch(r)) {
        list_world1(p, fd);
        return;
    }
    ss_chunked_head(fd);
    if (p->watches++ == 0)
        send_event(fd, "ADDED", "ns/c/uc/11");
    ss_hold(s, fd); /* never ends the stream, whatever timeoutSeconds said */
}

START_TEST(stalled_watch_is_abandoned)
{
    srv = ss_start(h_stall, &pl);
    const char *args[] = {"--watch-timeout", "1", "--stall-margin-ms", "500", NULL};
    kid = start(NULL, args);
    ck_assert(ss_wait(srv, 2, 5000));
    ck_assert(ss_wait(srv, 3, 6000));
    long long gap = ss_get(srv, 2).at_ms - ss_get(srv, 1).at_ms;
    ck_assert_msg(gap >= 1400 && gap < 4500, "re-watch %lld ms into a silent watch (timeoutSeconds 1)", gap);
    char rv[32];
    ck_assert(ss_has_param(srv, 2, "resourceVersion", rv, sizeof rv));
    ck_assert_str_eq(rv, "11");
    ck_assert_int_eq(pl.lists, 1);
    child_stop_ok(kid);
}
END_TEST

START_TEST(no_stall_timeout_bug_waits_forever)
{
    srv = ss_start(h_stall, &pl);
    const char *args[] = {"--watch-timeout", "1", "--stall-margin-ms", "500", "--bug", "no-stall-timeout", NULL};
    kid = start(NULL, args);
    ck_assert(ss_wait(srv, 2, 5000));
    ck_assert_msg(!ss_wait(srv, 3, 5000), "the buggy watcher noticed the stall");
    child_stop_ok(kid);
}
END_TEST

/* ---- a streaming list whose end bookmark never comes ---- */

static void h_no_bookmark(void *ud, const ss_request *r, int fd, script_server *s)
{
    plan *p = ud;
    if (!is_watch(r)) {
        list_world1(p, fd);
        return;
    }
    ss_chunked_head(fd);
    if (strstr(r->target, "sendInitialEvents=true")) {
        p->watches++;
        send_event(fd, "ADDED", "ns/a/ua/5");
        send_event(fd, "ADDED", "ns/b/ub/6");
    }
    ss_hold(s, fd);
}

START_TEST(streaming_list_without_end_bookmark_falls_back)
{
    srv = ss_start(h_no_bookmark, &pl);
    const char *args[] = {"--watch-list-deadline-ms", "1000", NULL};
    kid = start("LWC_WATCH_LIST=1", args);
    ck_assert_ptr_nonnull(child_wait(kid, NULL, "READY", NULL, NULL, 5000));
    ck_assert_int_eq(pl.watches, 1);
    ck_assert_int_eq(pl.lists, 1);
    expect_store(kid, "ns/a/ua/5 ns/b/ub/6", 2000);
    child_stop_ok(kid);
}
END_TEST

/* ---- list bodies that are not lists: retried, never trusted ---- */

static void h_bad_list(void *ud, const ss_request *r, int fd, script_server *s)
{
    plan *p = ud;
    if (is_watch(r)) {
        silent_watch(fd, s);
        return;
    }
    /* Counted before the reply goes out, as every handler here counts: the
     * watcher may read the good list and print READY before this thread runs
     * again (the count read 3 under load when it was taken after the send). */
    int n = p->lists++;
    if (n < 3)
        send_wire(fd, &p->send[n]);
    else
        send_list(fd, "10", NULL, world1);
}

START_TEST(malformed_lists_are_retried)
{
    pl.send[0] = wire_load("list-truncated");
    pl.send[1] = wire_load("list-without-rv");
    pl.send[2] = wire_load("list-not-an-object");
    srv = ss_start(h_bad_list, &pl);
    kid = start(NULL, NULL);
    ck_assert_ptr_nonnull(child_wait(kid, NULL, "READY", NULL, NULL, 10000));
    ck_assert_int_eq(pl.lists, 4);
    expect_store(kid, "ns/a/ua/5 ns/b/ub/6", 2000);
    child_stop_ok(kid);
}
END_TEST

/* ---- a continue token that never changes: a list that never ends ---- */

/* It used to be followed 300,000 times in 30 s: now the list fails with a
 * reason, and each retry waits its backoff. */
START_TEST(unchanging_continue_token_backs_off)
{
    pl.cont = "c2FtZQ"; /* on every page */
    srv = ss_start(h_world1, &pl);
    kid = start(NULL, NULL);
    ck_assert_ptr_nonnull(
        child_wait(kid, NULL, "LOG", child_log_contains, "sent back the continue token it was given", 5000));
    int n0 = ss_count(srv);
    double t0 = lwcc_monotonic_ms();
    while (lwcc_monotonic_ms() - t0 < 2000)
        ss_wait(srv, ss_count(srv) + 1, (int)(2000 - (lwcc_monotonic_ms() - t0)) + 1);
    int n = ss_count(srv) - n0;
    /* Backoff 100 ms doubling: a handful of two-page attempts in 2 s. */
    ck_assert_msg(n <= 16, "%d list requests in 2 s", n);
    ck_assert(child_wait(kid, NULL, "READY", NULL, NULL, 0) == NULL);
    child_stop_ok(kid);
}
END_TEST

/* ---- a page one past --max-page-bytes is refused ---- */

START_TEST(page_over_the_limit_is_refused)
{
    srv = ss_start(h_world1, &pl);
    /* world1's list is a few hundred bytes: 100 is too small, 4096 is not. */
    const char *const small[] = {"--max-page-bytes", "100", NULL};
    kid = start(NULL, small);
    ck_assert_ptr_nonnull(child_wait(kid, NULL, "LOG", child_log_contains, "body larger than 100 bytes", 5000));
    ck_assert(child_wait(kid, NULL, "READY", NULL, NULL, 0) == NULL);
    child_stop_ok(kid);
    child_free(kid);
    const char *const enough[] = {"--max-page-bytes", "4096", NULL};
    kid = start(NULL, enough);
    ck_assert_ptr_nonnull(child_wait(kid, NULL, "READY", NULL, NULL, 5000));
    child_stop_ok(kid);
}
END_TEST

int main(void)
{
    const cut_test tests[] = {
        {"unchanging_continue", unchanging_continue_token_backs_off},
        {"page_over_limit", page_over_the_limit_is_refused},
        {"garbage_line", garbage_line_relists},
        {"oversized_line", oversized_line_is_refused_with_bounded_memory},
        {"truncated_event", truncated_event_then_clean_end_rewatches},
        {"close_mid_chunk", close_mid_chunk_rewatches},
        {"retry_after_429", retry_after_on_429_is_honoured},
        {"expired_continue", expired_continue_starts_over},
        {"empty_continue", empty_continue_ends_the_list},
        {"http_410_on_watch", http_410_on_watch_relists},
        {"error_event_429", error_event_429_rewatches_later},
        {"stalled_watch", stalled_watch_is_abandoned},
        {"no_stall_timeout_bug", no_stall_timeout_bug_waits_forever},
        {"streaming_list_no_bookmark", streaming_list_without_end_bookmark_falls_back},
        {"malformed_lists", malformed_lists_are_retried},
    };
    return cut_run_tests("hostile", tests, sizeof tests / sizeof tests[0], teardown);
}
