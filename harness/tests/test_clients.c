/* Integration tests: lwc-harness against scripted clients (tests/clients/)
 * on small scenarios (tests/scenarios/). A correct client passes; each way
 * of breaking the protocol, and each known way of holding a wrong store,
 * fails with the right check named; bad input gives status 2; Ctrl-C and a
 * client that ignores STOP leave no process behind. */
#include "monotonic.h"
#include "strbuf.h"

#include "check_main.h"

#include <check.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define SC(name) LWC_TEST_SCENARIOS "/" name
#define CL(name) LWC_TEST_CLIENTS "/" name
#define TOY LWC_TEST_PYTHON3 " " CL("toy_watcher.py")

typedef struct run {
    int status;   /* exit status, or 128+signal */
    char *out;    /* stdout */
    char *err;    /* stderr */
    cJSON *json;  /* --json output, when asked */
    double ms;
} run;

/* The whole file; "" when it is not there (yet): pid files are polled for. */
static char *slurp(const char *path)
{
    char *s = lwc_read_file(path, (size_t)64 << 20, NULL, NULL, 0);
    if (!s)
        s = strdup("");
    ck_assert_ptr_nonnull(s);
    return s;
}

/* Starts lwc-harness with args (NULL-terminated); stdout and stderr go to files. */
static pid_t start_harness(const char *const *args, const char *tag)
{
    char outp[512], errp[512];
    snprintf(outp, sizeof outp, "%s/%s.out", LWC_TEST_TMP, tag);
    snprintf(errp, sizeof errp, "%s/%s.err", LWC_TEST_TMP, tag);
    const char *argv[64];
    int n = 0;
    argv[n++] = LWC_HARNESS_BIN;
    for (const char *const *a = args; *a && n < 62; a++)
        argv[n++] = *a;
    argv[n] = NULL;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, outp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, errp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid;
    int rc = posix_spawn(&pid, LWC_HARNESS_BIN, &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    ck_assert_int_eq(rc, 0);
    return pid;
}

static void finish(run *r, pid_t pid, const char *tag, double t0)
{
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    r->ms = lwcc_monotonic_ms() - t0;
    r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    char p[512];
    snprintf(p, sizeof p, "%s/%s.out", LWC_TEST_TMP, tag);
    r->out = slurp(p);
    snprintf(p, sizeof p, "%s/%s.err", LWC_TEST_TMP, tag);
    r->err = slurp(p);
    /* Under ASan/UBSan the harness's own errors must not hide behind status 1. */
    ck_assert_msg(!strstr(r->err, "Sanitizer") && !strstr(r->err, "runtime error"), "sanitizer report:\n%s", r->err);
    snprintf(p, sizeof p, "%s/%s.json", LWC_TEST_TMP, tag);
    char *j = slurp(p);
    r->json = cJSON_Parse(j);
    free(j);
}

/* Runs the harness on one scenario with one client, writing JSON. */
static run harness(const char *tag, const char *client, const char *scenario, const char *extra1, const char *extra2)
{
    char jp[512];
    snprintf(jp, sizeof jp, "%s/%s.json", LWC_TEST_TMP, tag);
    unlink(jp);
    const char *args[16];
    int n = 0;
    args[n++] = "--client";
    args[n++] = client;
    args[n++] = "--json";
    args[n++] = jp;
    if (extra1)
        args[n++] = extra1;
    if (extra2)
        args[n++] = extra2;
    args[n++] = scenario;
    args[n] = NULL;
    run r = {0};
    double t0 = lwcc_monotonic_ms();
    pid_t pid = start_harness(args, tag);
    finish(&r, pid, tag, t0);
    return r;
}

static void run_free(run *r)
{
    free(r->out);
    free(r->err);
    cJSON_Delete(r->json);
}

static const cJSON *scenario0(const run *r)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(r->json, "scenarios");
    ck_assert_msg(cJSON_IsArray(arr) && cJSON_GetArraySize(arr) >= 1, "no JSON report; stdout:\n%s\nstderr:\n%s", r->out,
                  r->err);
    return cJSON_GetArrayItem(arr, 0);
}

static const char *str_of(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : "";
}

/* The run failed, and one failure is of check `check` with `needle` in its summary or detail. */
static void expect_failure(const run *r, const char *check, const char *needle)
{
    ck_assert_msg(r->status == 1, "exit status %d, want 1; stdout:\n%s\nstderr:\n%s", r->status, r->out, r->err);
    const cJSON *s = scenario0(r);
    ck_assert_str_eq(str_of(s, "verdict"), "FAIL");
    const cJSON *f;
    int found = 0;
    cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(s, "failures")) {
        if (strcmp(str_of(f, "check"), check) != 0)
            continue;
        if (!needle || strstr(str_of(f, "summary"), needle) || strstr(str_of(f, "detail"), needle))
            found = 1;
    }
    ck_assert_msg(found, "no \"%s\" failure mentioning \"%s\"; stdout:\n%s", check, needle ? needle : "", r->out);
}

static void expect_pass(const run *r)
{
    ck_assert_msg(r->status == 0, "exit status %d, want 0; stdout:\n%s\nstderr:\n%s", r->status, r->out, r->err);
    ck_assert_str_eq(str_of(scenario0(r), "verdict"), "PASS");
}

/* ---- a right client passes ---- */

START_TEST(toy_passes)
{
    run r = harness("toy-pages", TOY, SC("pages.json"), NULL, NULL);
    expect_pass(&r);
    ck_assert_ptr_nonnull(strstr(r.out, "harness-pages"));
    ck_assert_ptr_nonnull(strstr(r.out, "PASS"));
    run_free(&r);
    r = harness("toy-empty", TOY, SC("empty.json"), NULL, NULL);
    expect_pass(&r);
    run_free(&r);
}
END_TEST

START_TEST(toy_with_events_passes_relist)
{
    run r = harness("toy-relist", TOY " --events", SC("relist-deletes.json"), NULL, NULL);
    expect_pass(&r);
    const cJSON *s = scenario0(&r);
    ck_assert_int_gt(cJSON_GetObjectItemCaseSensitive(s, "events")->valueint, 3);
    run_free(&r);
}
END_TEST

/* A step on a watch's end: the trigger is seen from the log's change
 * (no polling), and the expectation window from the close, timed on the
 * log's clock, holds the re-watch. */
START_TEST(toy_passes_watch_closed_trigger)
{
    run r = harness("toy-watch-closed", TOY, SC("watch-closed.json"), NULL, NULL);
    expect_pass(&r);
    run_free(&r);
}
END_TEST

/* ---- wrong stores fail, with the check that catches them ---- */

START_TEST(first_page_only_fails_initial_state)
{
    run r = harness("toy-page1", TOY " --bug page1", SC("pages.json"), NULL, NULL);
    /* READY after one page of several: no list was complete */
    expect_failure(&r, "initial-state", "none was followed to its last page");
    /* the report shows the requests: the one page asked */
    ck_assert_ptr_nonnull(strstr(r.out, "GET /api/v1/pods?limit=4"));
    run_free(&r);
}
END_TEST

START_TEST(own_namespace_fails_initial_state)
{
    run r = harness("toy-ns", TOY " --bug own-namespace", SC("pages.json"), NULL, NULL);
    expect_failure(&r, "initial-state", "ns-0/obj-00000");
    ck_assert_ptr_nonnull(strstr(r.out, "/api/v1/namespaces/ns-1/pods"));
    run_free(&r);
}
END_TEST

START_TEST(ignoring_watch_events_fails_convergence)
{
    run r = harness("toy-nowatch", TOY " --bug no-watch", SC("pages.json"), NULL, NULL);
    expect_failure(&r, "convergence", "after-writes");
    expect_failure(&r, "convergence", "ns-2/late"); /* the diff names the missing object */
    run_free(&r);
}
END_TEST

START_TEST(wrong_uids_fail)
{
    run r = harness("toy-uid", TOY " --bug fake-uid", SC("pages.json"), NULL, NULL);
    expect_failure(&r, "initial-state", "uid mismatches");
    run_free(&r);
}
END_TEST

START_TEST(lying_client_fails)
{
    run r = harness("toy-lie", TOY " --bug lie-empty", SC("pages.json"), NULL, NULL);
    expect_failure(&r, "initial-state", "missing keys");
    run_free(&r);
    /* the same lie is the truth for an empty world */
    r = harness("toy-lie-empty", TOY " --bug lie-empty", SC("empty.json"), NULL, NULL);
    expect_pass(&r);
    run_free(&r);
}
END_TEST

START_TEST(relist_without_deleted_fails_events)
{
    run r = harness("toy-nodel", TOY " --events --bug relist-no-deleted", SC("relist-deletes.json"), NULL, NULL);
    expect_failure(&r, "events", "ns-0/obj-00001");
    run_free(&r);
    /* without EVENT lines the same client is not held to the event checks */
    r = harness("toy-nodel-quiet", TOY " --bug relist-no-deleted", SC("relist-deletes.json"), NULL, NULL);
    expect_pass(&r);
    run_free(&r);
}
END_TEST

/* ---- protocol breaches get a verdict, never a hang ---- */

START_TEST(not_json_line)
{
    run r = harness("not-json", "sh " CL("not_json.sh"), SC("empty.json"), NULL, NULL);
    expect_failure(&r, "protocol", "listing pods... done");
    expect_failure(&r, "protocol", "not JSON");
    run_free(&r);
}
END_TEST

START_TEST(never_ready)
{
    run r = harness("never-ready", "sh " CL("never_ready.sh"), SC("empty.json"), NULL, NULL);
    expect_failure(&r, "protocol", "no READY within 1500 ms");
    ck_assert_msg(r.ms < 6000, "took %.0f ms", r.ms);
    run_free(&r);
    /* A step waiting for the client (a watch that never opens) has the same
     * deadline: the verdict is the missing READY, every time, not a race
     * between that and the step's timeline failure. */
    r = harness("never-ready-step", "sh " CL("never_ready.sh"), SC("watch-closed.json"), NULL, NULL);
    expect_failure(&r, "protocol", "no READY within");
    const cJSON *f;
    cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(scenario0(&r), "failures"))
        ck_assert_msg(strcmp(str_of(f, "check"), "timeline") != 0, "a timeline failure beside the missing READY:\n%s",
                      r.out);
    run_free(&r);
}
END_TEST

START_TEST(no_dump_answer)
{
    run r = harness("no-dump", "sh " CL("no_dump_answer.sh"), SC("empty.json"), "--timeout-scale", "0.5");
    expect_failure(&r, "protocol", "no SNAPSHOT answer to DUMP 1 within 1000 ms");
    run_free(&r);
}
END_TEST

START_TEST(exit_early)
{
    run r = harness("exit-early", "sh " CL("exit_early.sh"), SC("empty.json"), NULL, NULL);
    expect_failure(&r, "exit", "exit status 3");
    /* the client's stderr is in the report */
    ck_assert_ptr_nonnull(strstr(r.out, "exit_early: giving up"));
    run_free(&r);
}
END_TEST

START_TEST(ignore_stop)
{
    char pidfile[512];
    snprintf(pidfile, sizeof pidfile, "%s/ignore-stop.pid", LWC_TEST_TMP);
    unlink(pidfile);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "sh %s '%s'", CL("ignore_stop.sh"), pidfile);
    run r = harness("ignore-stop", cmd, SC("empty.json"), "--timeout-scale", "0.5");
    expect_failure(&r, "exit", "did not exit within 1000 ms of STOP");
    /* it ignores SIGTERM too: the summary says SIGKILL was needed */
    expect_failure(&r, "exit", "killed with SIGKILL");
    ck_assert_msg(r.ms < 5000, "took %.0f ms", r.ms);
    char *p = slurp(pidfile);
    pid_t pid = (pid_t)atoi(p);
    free(p);
    ck_assert_int_gt(pid, 1);
    ck_assert_msg(kill(pid, 0) != 0 && errno == ESRCH, "client %d outlived the harness", (int)pid);
    run_free(&r);
}
END_TEST

/* Helpers that left the client's process group (setsid, and setsid after a
 * double fork) are killed at the end of the run too: the client runs under
 * a subreaper (client_process.c). Before it, both outlived the harness. */
START_TEST(helpers_in_their_own_session_die_with_the_run)
{
    char base[512], cmd[1024], pa[600], pb[600];
    snprintf(base, sizeof base, "%s/escaping.pid", LWC_TEST_TMP);
    snprintf(cmd, sizeof cmd, "sh %s '%s'", CL("escaping_helpers.sh"), base);
    run r = harness("escaping-helpers", cmd, SC("empty.json"), NULL, NULL);
    expect_pass(&r);
    snprintf(pa, sizeof pa, "%s.a", base);
    snprintf(pb, sizeof pb, "%s.b", base);
    const char *files[] = {pa, pb};
    for (int i = 0; i < 2; i++) {
        char *p = slurp(files[i]);
        pid_t pid = (pid_t)atoi(p);
        free(p);
        ck_assert_int_gt(pid, 1);
        int gone = kill(pid, 0) != 0 && errno == ESRCH;
        if (!gone)
            kill(pid, SIGKILL); /* do not leave it behind even when failing */
        ck_assert_msg(gone, "helper %d (%s) outlived the run", (int)pid, files[i]);
    }
    run_free(&r);
}
END_TEST

START_TEST(empty_store_client_passes)
{
    run r = harness("empty-store", "sh " CL("empty_store.sh"), SC("empty.json"), NULL, NULL);
    expect_pass(&r);
    run_free(&r);
}
END_TEST

START_TEST(environment)
{
    setenv("LWC_SCENARIO", "inherited-and-replaced", 1);
    setenv("LWC_HARNESS_TEST_INHERITED", "kept", 1);
    run r = harness("env", "sh " CL("env_echo.sh"), SC("empty.json"), NULL, NULL);
    unsetenv("LWC_SCENARIO");
    expect_pass(&r);
    const char *notes = str_of(scenario0(&r), "notes");
    ck_assert_ptr_nonnull(strstr(notes, "LWC_COLLECTION=/api/v1/pods\n"));
    ck_assert_ptr_nonnull(strstr(notes, "LWC_API_PATH=/api/v1\n"));
    ck_assert_ptr_nonnull(strstr(notes, "LWC_RESOURCE=pods\n"));
    ck_assert_ptr_nonnull(strstr(notes, "LWC_NAMESPACE=\n"));
    ck_assert_ptr_nonnull(strstr(notes, "LWC_PAGE_SIZE=500\n"));
    ck_assert_ptr_nonnull(strstr(notes, "LWC_LABEL_SELECTOR=\n"));
    ck_assert_ptr_nonnull(strstr(notes, "LWC_WATCH_LIST=0\n"));
    ck_assert_ptr_nonnull(strstr(notes, "LWC_SCENARIO=harness-empty\n"));
    ck_assert_ptr_nonnull(strstr(notes, "LWC_SERVER=http://127.0.0.1:"));
    ck_assert_ptr_nonnull(strstr(notes, "/kubeconfig\n"));
    ck_assert_ptr_nonnull(strstr(notes, "kubeconfig-names-server=yes"));
    run_free(&r);
    r = harness("env-ns", "sh " CL("env_echo.sh"), SC("env-namespace.json"), NULL, NULL);
    expect_pass(&r);
    notes = str_of(scenario0(&r), "notes");
    ck_assert_ptr_nonnull(strstr(notes, "LWC_COLLECTION=/apis/example.com/v1/namespaces/team-a/widgets\n"));
    ck_assert_ptr_nonnull(strstr(notes, "LWC_LABEL_SELECTOR=app=web,tier!=db\n"));
    ck_assert_ptr_nonnull(strstr(notes, "LWC_PAGE_SIZE=0\n"));
    ck_assert_ptr_nonnull(strstr(notes, "LWC_WATCH_LIST=1\n"));
    run_free(&r);
}
END_TEST

/* ---- request expectations ---- */

START_TEST(expectations_fail_with_requests)
{
    /* pages.json wants at least 4 list pages asked with limit=4: page1 asks one. */
    run r = harness("toy-page1-expect", TOY " --bug page1", SC("pages.json"), NULL, NULL);
    expect_failure(&r, "requests", "all four pages");
    expect_failure(&r, "requests", "limit = pageSize (4)");
    run_free(&r);
}
END_TEST

/* ---- could not run: status 2 ---- */

START_TEST(bad_scenario_status_2)
{
    run r = harness("bad-scenario", TOY, SC("bad-member.json"), NULL, NULL);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "bad-member.json"));
    ck_assert_ptr_nonnull(strstr(r.err, "faults[0].action.status"));
    run_free(&r);
    r = harness("missing-scenario", TOY, SC("no-such-file.json"), NULL, NULL);
    ck_assert_int_eq(r.status, 2);
    run_free(&r);
}
END_TEST

START_TEST(bad_arguments_status_2)
{
    run r = harness("bad-client", "/nonexistent/client --x", SC("empty.json"), NULL, NULL);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "/nonexistent/client"));
    run_free(&r);
    r = harness("bad-quote", "sh 'unterminated", SC("empty.json"), NULL, NULL);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "quote"));
    run_free(&r);
    r = harness("bad-shard", TOY, SC("empty.json"), "--shard", "3/2");
    ck_assert_int_eq(r.status, 2);
    run_free(&r);
    r = harness("bad-j", TOY, SC("empty.json"), "-j", "0");
    ck_assert_int_eq(r.status, 2);
    run_free(&r);
}
END_TEST

/* ---- Ctrl-C ---- */

START_TEST(ctrl_c_kills_clients)
{
    char pidfile[512], cmd[1024];
    snprintf(pidfile, sizeof pidfile, "%s/ctrl-c.pid", LWC_TEST_TMP);
    unlink(pidfile);
    snprintf(cmd, sizeof cmd, "sh %s '%s' never-ready", CL("empty_store.sh"), pidfile);
    const char *args[] = {"--client", cmd, "--timeout-scale", "20", SC("empty.json"), NULL};
    double t0 = lwcc_monotonic_ms();
    pid_t h = start_harness(args, "ctrl-c");
    char *p = NULL;
    for (int i = 0; i < 500; i++) { /* wait for the client to exist */
        struct stat st;
        if (stat(pidfile, &st) == 0 && st.st_size > 0)
            break;
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    p = slurp(pidfile);
    pid_t client = (pid_t)atoi(p);
    free(p);
    ck_assert_int_gt(client, 1);
    ck_assert_int_eq(kill(h, SIGINT), 0);
    run r = {0};
    finish(&r, h, "ctrl-c", t0);
    ck_assert_int_eq(r.status, 2);
    ck_assert_msg(r.ms < 5000, "took %.0f ms", r.ms);
    ck_assert_msg(kill(client, 0) != 0 && errno == ESRCH, "client %d outlived Ctrl-C", (int)client);
    ck_assert_ptr_nonnull(strstr(r.out, "INTERRUPTED"));
    run_free(&r);
}
END_TEST


/* ---- capabilities (HELLO, requires) and expected verdicts ---- */

#define EXP(name) LWC_TEST_EXPECTED "/" name

/* A scenario that requires what the client does not declare is N/A: not
 * a failure, not a pass, with the reason, and no check runs. */
START_TEST(missing_capability_is_not_applicable)
{
    run r = harness("na-hello", TOY " --hello rewatch,relist", SC("needs-events.json"), NULL, NULL);
    ck_assert_msg(r.status == 0, "exit status %d, want 0; stdout:\n%s", r.status, r.out);
    const cJSON *s = scenario0(&r);
    ck_assert_str_eq(str_of(s, "verdict"), "N/A");
    ck_assert_ptr_nonnull(strstr(str_of(s, "reason"), "requires events; the client declares rewatch, relist"));
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(s, "failures")), 0);
    ck_assert_ptr_nonnull(strstr(r.out, "1 not applicable"));
    const cJSON *ci = cJSON_GetObjectItemCaseSensitive(r.json, "clientInfo");
    ck_assert_str_eq(str_of(ci, "name"), "toy_watcher 1.0");
    ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(ci, "protocol")->valueint, 2);
    const cJSON *caps = cJSON_GetObjectItemCaseSensitive(ci, "capabilities");
    ck_assert_int_eq(cJSON_GetArraySize(caps), 2);
    ck_assert_str_eq(cJSON_GetArrayItem(caps, 0)->valuestring, "rewatch");
    ck_assert_str_eq(cJSON_GetArrayItem(caps, 1)->valuestring, "relist");
    run_free(&r);
    /* protocol 1 (no HELLO): the core capabilities only */
    r = harness("na-v1", TOY " --events", SC("needs-events.json"), NULL, NULL);
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(str_of(scenario0(&r), "verdict"), "N/A");
    ck_assert_ptr_nonnull(strstr(str_of(scenario0(&r), "reason"), "protocol 1, no HELLO"));
    run_free(&r);
}
END_TEST

/* Declaring it makes the scenario apply, and the client is held to it. */
START_TEST(declared_capability_applies)
{
    run r = harness("cap-events", TOY " --events --hello rewatch,relist,retry,events", SC("needs-events.json"), NULL, NULL);
    expect_pass(&r);
    ck_assert_int_gt(cJSON_GetObjectItemCaseSensitive(scenario0(&r), "events")->valueint, 0);
    run_free(&r);
    r = harness("cap-events-wrong", TOY " --events --bug page1 --hello events", SC("needs-events.json"), NULL, NULL);
    ck_assert_int_eq(r.status, 1);
    ck_assert_str_eq(str_of(scenario0(&r), "verdict"), "FAIL");
    run_free(&r);
}
END_TEST

START_TEST(hello_not_first_is_a_protocol_error)
{
    run r = harness("hello-late", TOY " --hello-late --hello rewatch", SC("pages.json"), NULL, NULL);
    expect_failure(&r, "protocol", "HELLO line that is not the first line");
    run_free(&r);
}
END_TEST

START_TEST(expected_verdicts)
{
    /* a right client, expected to pass: 0 */
    run r = harness("exp-pass", TOY, SC("pages.json"), "--expect", EXP("pages-pass.txt"));
    ck_assert_msg(r.status == 0, "status %d; stdout:\n%s\nstderr:\n%s", r.status, r.out, r.err);
    ck_assert_ptr_nonnull(strstr(r.out, "1 of 1 runs as expected"));
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(scenario0(&r), "expected"),
                                                           "matched")));
    run_free(&r);
    /* a new failure against "pass": 1, and the report says which and why */
    r = harness("exp-new-fail", TOY " --bug page1", SC("pages.json"), "--expect", EXP("pages-pass.txt"));
    ck_assert_int_eq(r.status, 1);
    ck_assert_ptr_nonnull(strstr(r.out, "harness-pages: expected pass, got FAIL initial-state"));
    run_free(&r);
    /* the known bug, expected with its check: 0 although the scenario failed */
    r = harness("exp-known-bug", TOY " --bug page1", SC("pages.json"), "--expect", EXP("pages-fail.txt"));
    ck_assert_msg(r.status == 0, "status %d; stdout:\n%s", r.status, r.out);
    ck_assert_str_eq(str_of(scenario0(&r), "verdict"), "FAIL");
    run_free(&r);
    /* the bug fixed: as loud as a new failure */
    r = harness("exp-fixed", TOY, SC("pages.json"), "--expect", EXP("pages-fail.txt"));
    ck_assert_int_eq(r.status, 1);
    ck_assert_ptr_nonnull(strstr(r.out, "expected fail initial-state"));
    ck_assert_ptr_nonnull(strstr(r.out, "got PASS"));
    run_free(&r);
    /* failing for another reason than the file says is a difference too */
    r = harness("exp-wrong-check", TOY " --bug page1", SC("pages.json"), "--expect", EXP("pages-fail-wrong-check.txt"));
    ck_assert_int_eq(r.status, 1);
    ck_assert_ptr_nonnull(strstr(r.out, "expected the events check to fail"));
    run_free(&r);
    /* a line for a scenario not given: could not run */
    r = harness("exp-not-given", TOY, SC("empty.json"), "--expect", EXP("pages-pass.txt"));
    ck_assert_int_eq(r.status, 2); /* pages-pass.txt names harness-pages, which is not among those given */
    run_free(&r);
    /* a scenario the file has no line for: a difference, even though it passed */
    char jp[512];
    snprintf(jp, sizeof jp, "%s/exp-no-line.json", LWC_TEST_TMP);
    unlink(jp);
    const char *args[] = {"--client", TOY, "--json", jp, "--expect", EXP("pages-pass.txt"), SC("empty.json"),
                          SC("pages.json"), NULL};
    double t0 = lwcc_monotonic_ms();
    finish(&r, start_harness(args, "exp-no-line"), "exp-no-line", t0);
    ck_assert_msg(r.status == 1, "status %d; stdout:\n%s", r.status, r.out);
    ck_assert_ptr_nonnull(strstr(r.out, "harness-empty: "));
    ck_assert_ptr_nonnull(strstr(r.out, "has no line for this scenario; got PASS"));
    ck_assert_ptr_nonnull(strstr(r.out, "1 of 2 runs as expected"));
    run_free(&r);
}
END_TEST

START_TEST(bad_expected_files)
{
    run r = harness("exp-bad-verdict", TOY, SC("pages.json"), "--expect", EXP("bad-verdict.txt"));
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "bad-verdict.txt:2: harness-empty: expected the verdict pass, n/a or fail"));
    run_free(&r);
    r = harness("exp-unknown", TOY, SC("pages.json"), "--expect", EXP("unknown-scenario.txt"));
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "unknown-scenario.txt:2: no scenario named \"harness-no-such-scenario\""));
    run_free(&r);
    r = harness("exp-missing", TOY, SC("pages.json"), "--expect", EXP("does-not-exist.txt"));
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "does-not-exist.txt: No such file"));
    run_free(&r);
}
END_TEST

/* --max-failures 1 with one job: the first failure stops the rest. */
START_TEST(max_failures_stops_early)
{
    char jp[512];
    snprintf(jp, sizeof jp, "%s/maxfail.json", LWC_TEST_TMP);
    unlink(jp);
    const char *args[] = {"--client", TOY " --bug lie-empty", "--json", jp, "--max-failures", "1",
                          SC("pages.json"), SC("relist-deletes.json"), SC("watch-closed.json"), NULL};
    run r = {0};
    double t0 = lwcc_monotonic_ms();
    finish(&r, start_harness(args, "maxfail"), "maxfail", t0);
    ck_assert_int_eq(r.status, 1);
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(r.json, "scenarios");
    ck_assert_int_eq(cJSON_GetArraySize(arr), 3);
    ck_assert_str_eq(str_of(cJSON_GetArrayItem(arr, 0), "verdict"), "FAIL");
    ck_assert_str_eq(str_of(cJSON_GetArrayItem(arr, 1), "verdict"), "NOT RUN");
    ck_assert_str_eq(str_of(cJSON_GetArrayItem(arr, 2), "verdict"), "NOT RUN");
    ck_assert_ptr_nonnull(strstr(r.out, "2 not run (--max-failures)"));
    run_free(&r);
    /* With --expect, the runs not started are not judged, line or no line:
     * the one run matched its line, and that is the whole verdict. */
    snprintf(jp, sizeof jp, "%s/maxfail-expect.json", LWC_TEST_TMP);
    unlink(jp);
    const char *eargs[] = {"--client", TOY " --bug page1", "--json", jp, "--max-failures", "1", "--expect",
                           EXP("pages-fail.txt"), SC("pages.json"), SC("relist-deletes.json"), NULL};
    t0 = lwcc_monotonic_ms();
    finish(&r, start_harness(eargs, "maxfail-expect"), "maxfail-expect", t0);
    ck_assert_msg(r.status == 0, "status %d; stdout:\n%s", r.status, r.out);
    ck_assert_ptr_nonnull(strstr(r.out, "1 of 1 runs as expected"));
    const cJSON *nr = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r.json, "scenarios"), 1);
    ck_assert_str_eq(str_of(nr, "verdict"), "NOT RUN");
    const cJSON *ex = cJSON_GetObjectItemCaseSensitive(nr, "expected");
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ex, "matched")));
    ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(ex, "mismatch"));
    run_free(&r);
}
END_TEST

/* ---- options and reports ---- */

START_TEST(list_filter_shard)
{
    const char *args1[] = {"--list", LWC_TEST_SCENARIOS, "--filter", "harness-", NULL};
    run r = {0};
    double t0 = lwcc_monotonic_ms();
    /* bad-member.json is refused even by --list: a bad file is never silently skipped */
    finish(&r, start_harness(args1, "list1"), "list1", t0);
    ck_assert_int_eq(r.status, 2);
    run_free(&r);
    const char *args2[] = {"--list", SC("empty.json"), SC("pages.json"), SC("relist-deletes.json"), "--shard", "2/2", NULL};
    finish(&r, start_harness(args2, "list2"), "list2", t0);
    ck_assert_int_eq(r.status, 0);
    /* file-name order: empty, pages, relist-deletes; shard 2 of 2 takes the 2nd */
    ck_assert_ptr_null(strstr(r.out, "harness-empty"));
    ck_assert_ptr_nonnull(strstr(r.out, "harness-pages"));
    ck_assert_ptr_null(strstr(r.out, "harness-relist-deletes"));
    run_free(&r);
    const char *args3[] = {"--list", SC("empty.json"), SC("pages.json"), "--filter", "pag", NULL};
    finish(&r, start_harness(args3, "list3"), "list3", t0);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_null(strstr(r.out, "harness-empty"));
    ck_assert_ptr_nonnull(strstr(r.out, "harness-pages"));
    run_free(&r);
}
END_TEST

START_TEST(parallel_repeat_junit)
{
    char junit[512], jp[512];
    snprintf(junit, sizeof junit, "%s/par.xml", LWC_TEST_TMP);
    snprintf(jp, sizeof jp, "%s/par.json", LWC_TEST_TMP);
    unlink(junit); /* a previous run's reports must not stand in for this one's */
    unlink(jp);
    const char *args[] = {"--client", TOY " --bug page1", "-j", "3", "--repeat", "2", "--junit", junit, "--json", jp,
                          SC("empty.json"), SC("pages.json"), NULL};
    run r = {0};
    double t0 = lwcc_monotonic_ms();
    finish(&r, start_harness(args, "par"), "par", t0);
    ck_assert_int_eq(r.status, 1); /* pages fails, empty passes */
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(r.json, "scenarios");
    ck_assert_int_eq(cJSON_GetArraySize(arr), 4);
    const cJSON *sum = cJSON_GetObjectItemCaseSensitive(r.json, "summary");
    ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(sum, "passed")->valueint, 2);
    ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(sum, "failed")->valueint, 2);
    char *x = slurp(junit);
    ck_assert_ptr_nonnull(strstr(x, "<testsuite name=\"lwc-scenarios\" tests=\"4\" failures=\"2\""));
    ck_assert_ptr_nonnull(strstr(x, "<failure type=\"initial-state\""));
    ck_assert_ptr_nonnull(strstr(x, "harness-pages #2"));
    free(x);
    /* and it is well-formed XML */
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' '%s'", LWC_TEST_PYTHON3,
             junit);
    ck_assert_int_eq(system(cmd), 0);
    run_free(&r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("harness against scripted clients");
    TCase *tc = tcase_create("clients");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, toy_passes);
    tcase_add_test(tc, toy_with_events_passes_relist);
    tcase_add_test(tc, toy_passes_watch_closed_trigger);
    tcase_add_test(tc, first_page_only_fails_initial_state);
    tcase_add_test(tc, own_namespace_fails_initial_state);
    tcase_add_test(tc, ignoring_watch_events_fails_convergence);
    tcase_add_test(tc, wrong_uids_fail);
    tcase_add_test(tc, lying_client_fails);
    tcase_add_test(tc, relist_without_deleted_fails_events);
    tcase_add_test(tc, not_json_line);
    tcase_add_test(tc, never_ready);
    tcase_add_test(tc, no_dump_answer);
    tcase_add_test(tc, exit_early);
    tcase_add_test(tc, ignore_stop);
    tcase_add_test(tc, empty_store_client_passes);
    tcase_add_test(tc, helpers_in_their_own_session_die_with_the_run);
    tcase_add_test(tc, environment);
    tcase_add_test(tc, expectations_fail_with_requests);
    tcase_add_test(tc, bad_scenario_status_2);
    tcase_add_test(tc, bad_arguments_status_2);
    tcase_add_test(tc, ctrl_c_kills_clients);
    tcase_add_test(tc, missing_capability_is_not_applicable);
    tcase_add_test(tc, declared_capability_applies);
    tcase_add_test(tc, hello_not_first_is_a_protocol_error);
    tcase_add_test(tc, expected_verdicts);
    tcase_add_test(tc, bad_expected_files);
    tcase_add_test(tc, max_failures_stops_early);
    tcase_add_test(tc, list_filter_shard);
    tcase_add_test(tc, parallel_repeat_junit);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
