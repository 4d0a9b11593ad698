/* One scenario, start to end, on one poll() loop:
 *
 *   server (in process) -> kubeconfig -> client (child, own process group)
 *   -> timeline steps as their triggers come -> checkpoints -> the end:
 *   final convergence, STOP, exit within 2 s, else SIGTERM, then SIGKILL.
 *
 * The loop sleeps in ppoll() on the client's stdout and stderr, its pidfd,
 * a wake pipe (poked by the request-log watcher whenever the server's log
 * changes -- a request arriving, answered, or a watch's stream ending --
 * and by the step thread when a step's action is done) and the Ctrl-C
 * pipe. The only fixed waits are a step's own afterMs; everything else is
 * an event with a deadline.
 *
 * Times that are compared with the log (step starts for expectation
 * windows, READY for the initial-state bound, report lines) are read from
 * the log's own clock, lwc_mock_now_ms; deadlines use the harness's. */
#include "runner.h"
#include "checks.h"
#include "client_env.h"
#include "client_process.h"
#include "monotonic.h"
#include "eventcheck.h"
#include "itemset.h"
#include "protocol.h"
#include "watchcheck.h"
#include "reqlog.h"
#include "strbuf.h"
#include "utf8.h"
#include "triggers.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Protocol timings (client-protocol.md): a SNAPSHOT answers DUMP "from the
 * store as it is when the command is read", which we allow 2 s; STOP means
 * "exit with status 0 within 2 seconds". SIGTERM gets 1 s more. */
#define DUMP_ANSWER_MS 2000.0
#define STOP_GRACE_MS 2000.0
#define TERM_GRACE_MS 1000.0
/* After the client is gone, how long a grandchild that left its process
 * group may keep our pipes open before we stop reading them. */
#define DRAIN_MS 500.0
#define OUT_CLOSED_GRACE_MS 200.0
/* Budget for the initial-state search through the server's past states. */
#define INITIAL_SEARCH_MS 5000.0
#define STDERR_KEEP 16384
#define MAX_NOTES 60

enum phase { PH_RUN, PH_FINAL, PH_STOPPING, PH_TERMINATING, PH_GONE };
enum stepstate { SS_TRIGGER, SS_AFTER, SS_ACTION, SS_CHECKPOINT };

typedef struct runner {
    const lwc_scenario *sc;
    const run_options *opt;
    scenario_result *res;
    double scale;
    lwc_mock *srv;
    char dir[PATH_MAX];
    char kubeconfig[PATH_MAX + 32];
    int have_dir;
    int wake[2];
    client_proc cp;
    int spawned;
    double t_spawn;
    reqlog log;
    int log_started;
    trigger_state ts;
    linebuf out;
    strbuf err_tail;
    strbuf notes;
    size_t nnotes;
    int out_eof, err_eof;
    double out_eof_t;
    int phase;
    double phase_deadline;
    double gone_t;
    /* protocol */
    size_t lines;       /* stdout lines read: HELLO may only be the first */
    int not_applicable; /* the scenario requires what the client lacks: stopped, no checks */
    int ready;
    double ready_t;
    double ready_srv; /* READY on the log's clock: lists that arrived before it bound check 1 */
    long long seq;
    int dump_out;
    double dump_t;
    int initial_done;
    /* convergence */
    int converging;
    int conv_is_final;
    char conv_name[128];
    double conv_start, conv_deadline;
    double conv_ms;
    int conv_after_ready; /* started before READY: the clock starts at READY (the READY deadline rules until then) */
    int changed;      /* something happened since the last DUMP went out */
    double next_dump; /* poll again at the latest then, even if nothing visibly changed */
    double min_next;  /* no DUMP before then: never more than one round trip plus compare at a time */
    double interval;
    strbuf last_diff;
    int have_snapshot_in_conv;
    itemset server;
    uint64_t server_rv;
    int have_server;
    itemset last_snap;
    int have_last_snap;
    int final_converged;
    /* timeline */
    size_t step;
    int ss;
    double ss_deadline;
    double after_due;
    double *step_srv;
    double wait_srv;  /* when the current step began waiting for its trigger (log clock) */
    double event_srv; /* its trigger's event (log clock) */
    pthread_t action;
    int action_running;
    size_t action_step;
    atomic_int action_done;
    int action_rc;
    char action_err[512];
    double timeline_end;
    /* events */
    eventcheck ec;
    int aborted;
    int interrupted;
} runner;

/* The log's clock, so that a time taken here and a logged request's
 * start_ms compare exactly. Before the server exists (an early setup
 * error) there is nothing to compare with: 0. */
static double srv_now(const runner *r)
{
    return r->srv ? lwc_mock_now_ms(r->srv) : 0.0;
}

__attribute__((format(printf, 2, 3))) static void trace(const runner *r, const char *fmt, ...)
{
    if (!r->opt->verbose)
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "[%s %8.1f ms] %s\n", r->sc->name, srv_now(r), line);
}

__attribute__((format(printf, 2, 3))) static void note(runner *r, const char *fmt, ...)
{
    if (++r->nnotes > MAX_NOTES) {
        if (r->nnotes == MAX_NOTES + 1)
            lwcc_strbuf_puts(&r->notes, "  (more notes not kept)\n");
        return;
    }
    char line[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    for (char *p = line; *p; p++) /* client text: no terminal escapes, one line */
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    lwcc_strbuf_printf(&r->notes, "  %8.1f ms  %s\n", srv_now(r), line);
}

static void poke(int fd)
{
    ssize_t n;
    do {
        n = write(fd, "a", 1);
    } while (n < 0 && errno == EINTR);
}

static void begin_stop(runner *r)
{
    if (r->phase >= PH_STOPPING)
        return;
    trace(r, "STOP");
    if (lwch_client_send(&r->cp, "STOP\n") != 0)
        trace(r, "STOP not delivered: %s", strerror(errno));
    lwch_client_close_stdin(&r->cp);
    r->phase = PH_STOPPING;
    r->phase_deadline = lwcc_monotonic_ms() + STOP_GRACE_MS * r->scale;
    r->converging = 0;
}

/* The requests before now, for a failure's report. */
static void recent_requests(runner *r, strbuf *d)
{
    lwch_reqlog_refresh(&r->log);
    lwcc_strbuf_puts(d, "  the client's last requests (server time, method, path?query -> status):\n");
    lwch_reqlog_format_around(&r->log, srv_now(r), 20, 0, "    ", d);
}

static void fail(runner *r, const char *check, const char *summary, const char *detail)
{
    trace(r, "FAIL %s: %s", check, summary);
    if (lwch_result_add_failure(r->res, check, summary, detail) != 0)
        fprintf(stderr, "lwc-harness: out of memory recording a failure of %s\n", r->sc->name);
    r->aborted = 1;
    begin_stop(r);
}

/* A failure whose detail is `before` (may be NULL) and then the requests before now. */
static void fail_with_requests(runner *r, const char *check, const char *summary, const char *before)
{
    strbuf d;
    lwcc_strbuf_init(&d);
    if (before)
        lwcc_strbuf_puts(&d, before);
    recent_requests(r, &d);
    fail(r, check, summary, lwcc_strbuf_str(&d));
    lwcc_strbuf_free(&d);
}

static void error_out(runner *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void error_out(runner *r, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    trace(r, "ERROR %s", msg);
    if (!r->res->error) {
        r->res->error = strdup(msg);
        r->res->v = VERDICT_ERROR;
    }
    r->aborted = 1;
    begin_stop(r);
}

/* ---- DUMP and convergence ---- */

static void send_dump(runner *r)
{
    char line[64];
    r->seq++;
    snprintf(line, sizeof line, "DUMP %lld\n", r->seq);
    if (lwch_client_send(&r->cp, line) != 0) {
        /* Most often the client has just exited and its exit is about to be
         * seen; if it lives on with its stdin closed, the DUMP deadline fails it. */
        note(r, "DUMP %lld could not be written: %s", r->seq, strerror(errno));
    }
    r->res->dumps++;
    r->dump_out = 1;
    r->dump_t = lwcc_monotonic_ms();
    r->changed = 0;
}

static void start_converging(runner *r, const char *name, int is_final, double ms)
{
    r->converging = 1;
    r->conv_is_final = is_final;
    snprintf(r->conv_name, sizeof r->conv_name, "%s", name);
    r->conv_start = lwcc_monotonic_ms();
    r->conv_ms = ms;
    r->conv_after_ready = !r->ready;
    r->conv_deadline = r->conv_after_ready ? INFINITY : r->conv_start + ms;
    r->changed = 1;
    r->interval = 1.0;
    r->next_dump = r->conv_start;
    r->have_snapshot_in_conv = 0;
    lwcc_strbuf_reset(&r->last_diff);
    trace(r, "converging: %s (deadline %.0f ms)", name, ms);
}

static int refresh_server_state(runner *r)
{
    uint64_t cur = lwc_mock_current_rv(r->srv);
    if (r->have_server && cur == r->server_rv)
        return 0;
    itemset st;
    uint64_t list_rv = 0;
    char err[256];
    if (lwch_server_state(r->srv, r->sc, 0, &st, &list_rv, err, sizeof err) != 0) {
        error_out(r, "cannot read the server's state: %s", err);
        return -1;
    }
    lwch_itemset_free(&r->server);
    r->server = st;
    r->server_rv = list_rv ? list_rv : cur;
    r->have_server = 1;
    return 0;
}

static void next_step(runner *r);

static void converged(runner *r, double took)
{
    r->converging = 0;
    if (r->conv_is_final) {
        r->res->converge_ms = took;
        r->final_converged = 1;
        trace(r, "converged at the end in %.1f ms", took);
        begin_stop(r);
    } else {
        lwch_result_add_checkpoint(r->res, r->conv_name, 1, took);
        trace(r, "checkpoint %s converged in %.1f ms", r->conv_name, took);
        next_step(r);
    }
}

static void compare_for_convergence(runner *r, const itemset *snap)
{
    if (refresh_server_state(r) != 0)
        return;
    r->have_snapshot_in_conv = 1;
    lwcc_strbuf_reset(&r->last_diff);
    lwcc_strbuf_printf(&r->last_diff, "  the last snapshot (seq %lld, %zu objects) against the server at rv %llu (%zu objects):\n",
                       r->seq, snap->n, (unsigned long long)r->server_rv, r->server.n);
    if (lwch_itemset_diff(snap, &r->server, NULL, &r->last_diff, 10) == 0) {
        converged(r, lwcc_monotonic_ms() - r->conv_start);
        return;
    }
    /* Poll again soon, sooner when something changes; never faster than the
     * client answers and we compare, so a 10,000-object store is not DUMPed hot. */
    double cost = lwcc_monotonic_ms() - r->dump_t;
    r->min_next = lwcc_monotonic_ms() + (cost > 1.0 ? cost : 1.0);
    r->next_dump = lwcc_monotonic_ms() + r->interval;
    r->interval = r->interval * 2 > 16 ? 16 : r->interval * 2;
}

static void convergence_timeout(runner *r)
{
    strbuf s;
    lwcc_strbuf_init(&s);
    double waited = lwcc_monotonic_ms() - r->conv_start;
    if (r->conv_is_final)
        lwcc_strbuf_printf(&s, "the client's store did not converge within %.0f ms of the timeline's end", waited);
    else
        lwcc_strbuf_printf(&s, "checkpoint \"%s\": the client's store did not converge within %.0f ms", r->conv_name, waited);
    if (!r->conv_is_final)
        lwch_result_add_checkpoint(r->res, r->conv_name, 0, waited);
    r->converging = 0;
    fail_with_requests(r, CHECK_CONVERGENCE, lwcc_strbuf_str(&s),
                       r->have_snapshot_in_conv ? lwcc_strbuf_str(&r->last_diff) : "  no snapshot was received while waiting\n");
    lwcc_strbuf_free(&s);
}

static void initial_check(runner *r, const itemset *snap)
{
    r->initial_done = 1;
    uint64_t upper = lwc_mock_current_rv(r->srv);
    lwch_reqlog_refresh(&r->log);
    strbuf why, s, d;
    lwcc_strbuf_init(&why);
    lwcc_strbuf_init(&s);
    lwcc_strbuf_init(&d);
    int completed = 0;
    uint64_t lower = lwch_initial_lower_bound(r->sc, &r->log, r->ready_srv, &completed, &why);
    uint64_t matched = 0;
    int rc = 1;
    if (completed)
        rc = lwch_check_initial_state(r->srv, r->sc, snap, lower, upper, INITIAL_SEARCH_MS * r->scale, &matched, &s, &d);
    else
        lwcc_strbuf_printf(&s, "READY came before any list of the collection was complete (%s): READY means the store "
                      "holds a complete list",
                  lwcc_strbuf_str(&why));
    trace(r, "initial state: lower %llu upper %llu -> %s %s", (unsigned long long)lower, (unsigned long long)upper,
          rc == 0 ? "ok" : "FAIL", lwcc_strbuf_str(&s));
    if (rc == 0) {
        r->res->initial_rv = matched;
        if (!matched)
            note(r, "initial state %s", lwcc_strbuf_str(&s));
    } else {
        lwcc_strbuf_printf(&d, "  lower bound: %s\n", lwcc_strbuf_str(&why));
        lwcc_strbuf_puts(&d, "  the client's requests up to READY:\n");
        lwch_reqlog_format_around(&r->log, r->ready_srv, 25, 0, "    ", &d);
        fail(r, CHECK_INITIAL, lwcc_strbuf_str(&s), lwcc_strbuf_str(&d));
    }
    lwcc_strbuf_free(&why);
    lwcc_strbuf_free(&s);
    lwcc_strbuf_free(&d);
}

/* ---- the client's output ---- */

static void on_snapshot(runner *r, client_msg *m)
{
    if (!r->dump_out || m->seq != r->seq) {
        note(r, "SNAPSHOT seq %lld answers no pending DUMP (ignored)", m->seq);
        return;
    }
    r->dump_out = 0;
    trace(r, "SNAPSHOT %lld: %zu objects (%.1f ms)", m->seq, m->items.n, lwcc_monotonic_ms() - r->dump_t);
    lwch_itemset_free(&r->last_snap);
    r->last_snap = m->items;
    lwch_itemset_init(&m->items);
    r->have_last_snap = 1;
    if (!r->initial_done) {
        initial_check(r, &r->last_snap);
        if (r->aborted)
            return;
    }
    if (r->converging)
        compare_for_convergence(r, &r->last_snap);
}

/* The client's first line says what it can do (HELLO), or, by not being a
 * HELLO, that it speaks protocol 1. A scenario that needs more is not
 * applicable: the client is stopped and nothing is checked. */
static void take_capabilities(runner *r, const client_msg *hello)
{
    scenario_result *res = r->res;
    res->caps_known = 1;
    if (hello) {
        res->protocol = hello->protocol;
        res->caps = hello->caps;
        res->client_name = strdup(hello->text);
        if (!res->client_name) {
            error_out(r, "out of memory keeping the client's HELLO");
            return;
        }
        if (hello->unknown[0])
            note(r, "HELLO declares capabilities this harness does not know (ignored): %s", hello->unknown);
    } else {
        res->protocol = 1;
        res->caps = LWC_CAP_PROTOCOL1;
    }
    unsigned missing = r->sc->requires & ~res->caps;
    if (!missing)
        return;
    char need[200], have[200];
    lwc_capabilities_format(missing, need, sizeof need);
    lwc_capabilities_format(res->caps, have, sizeof have);
    char why[500];
    snprintf(why, sizeof why, "requires %s; the client declares %s%s", need, have, hello ? "" : " (protocol 1, no HELLO)");
    trace(r, "not applicable: %s", why);
    free(res->reason);
    res->reason = strdup(why);
    if (!res->reason) {
        error_out(r, "out of memory keeping why the scenario is not applicable");
        return;
    }
    res->v = VERDICT_NA;
    r->not_applicable = 1;
    r->aborted = 1;
    begin_stop(r);
}

static void on_line(runner *r, const char *line, size_t len)
{
    client_msg m;
    char err[800];
    if (lwch_protocol_parse_line(line, len, &m, err, sizeof err) != 0) {
        if (r->phase >= PH_STOPPING && r->aborted)
            return; /* already failed; what a broken client says on its way out adds nothing */
        fail_with_requests(r, CHECK_PROTOCOL, err, NULL);
        return;
    }
    if (++r->lines == 1) {
        take_capabilities(r, m.type == MSG_HELLO ? &m : NULL);
        if (r->not_applicable || r->res->v == VERDICT_ERROR) {
            lwch_client_msg_free(&m);
            return;
        }
    }
    switch (m.type) {
    case MSG_HELLO:
        if (r->lines > 1)
            fail_with_requests(r, CHECK_PROTOCOL, "a HELLO line that is not the first line on stdout (the protocol "
                               "sends it once, first)", NULL);
        break;
    case MSG_READY:
        if (r->ready) {
            note(r, "READY again (the protocol sends it once; ignored)");
            break;
        }
        r->ready = 1;
        r->ready_t = lwcc_monotonic_ms();
        /* Read after the line: every request the client made before saying
         * READY has a start_ms before this. */
        r->ready_srv = srv_now(r);
        r->res->ready_ms = r->ready_t - r->t_spawn;
        trace(r, "READY after %.1f ms", r->res->ready_ms);
        r->changed = 1;
        if (r->converging && r->conv_after_ready) {
            r->conv_after_ready = 0;
            r->conv_start = r->ready_t;
            r->conv_deadline = r->ready_t + r->conv_ms;
        }
        /* Check 1: DUMP right after READY. Nothing else is in flight: no DUMP goes out before READY. */
        if (r->phase <= PH_FINAL && !r->aborted)
            send_dump(r);
        break;
    case MSG_SNAPSHOT:
        on_snapshot(r, &m);
        break;
    case MSG_EVENT: {
        r->changed = 1;
        r->res->events++;
        int rc = lwch_eventcheck_apply(&r->ec, m.event, &m.subject.v[0], srv_now(r));
        if (rc < 0) {
            error_out(r, "out of memory in the event check");
        } else if (rc > 0 && r->ec.violations == 1 && !r->aborted) {
            char s[300];
            snprintf(s, sizeof s, "EVENT lines break the event invariants (first at event #%zu)", r->ec.events);
            fail_with_requests(r, CHECK_EVENTS, s, lwcc_strbuf_str(&r->ec.report));
        }
        break;
    }
    case MSG_RESTART:
        note(r, "RESTART: %s", m.text);
        r->changed = 1;
        break;
    case MSG_LOG:
        note(r, "LOG %s", m.text);
        break;
    case MSG_OTHER:
        note(r, "a line of type \"%s\" (ignored)", m.text);
        break;
    }
    lwch_client_msg_free(&m);
}

/* One read of a non-blocking pipe: the bytes read, or 0 when there are none
 * for now (EAGAIN) or ever again (*eof set: end of file or a read error). */
static size_t read_chunk(int fd, char *buf, size_t size, int *eof)
{
    for (;;) {
        ssize_t n = read(fd, buf, size);
        if (n > 0)
            return (size_t)n;
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0 || errno != EAGAIN)
            *eof = 1;
        return 0;
    }
}

/* At most this much stdout per wake-up: a client writing at pipe speed must
 * not keep the loop from its deadlines (DUMP answer, READY, STOP). */
#define READ_BUDGET ((size_t)1 << 20)

static void read_stdout(runner *r)
{
    char buf[65536];
    size_t n, total = 0;
    while (total < READ_BUDGET && (n = read_chunk(r->cp.out_fd, buf, sizeof buf, &r->out_eof)) > 0) {
        total += n;
        if (r->aborted)
            continue; /* already failed: drain, do not buffer what can no longer change the verdict */
        if (lwch_linebuf_feed(&r->out, buf, n) != 0) {
            char s[120];
            snprintf(s, sizeof s, "a stdout line longer than %zu MiB (or out of memory)", PROTOCOL_MAX_LINE >> 20);
            fail(r, CHECK_PROTOCOL, s, "");
            lwch_linebuf_free(&r->out);
            continue;
        }
        char *line;
        size_t len;
        while ((line = lwch_linebuf_next(&r->out, &len)) != NULL)
            on_line(r, line, len);
    }
    if (r->out_eof) {
        close(r->cp.out_fd);
        r->cp.out_fd = -1;
        if (lwch_linebuf_pending(&r->out) && !r->aborted)
            note(r, "%zu bytes of an unterminated last stdout line (ignored)", lwch_linebuf_pending(&r->out));
        r->out_eof_t = lwcc_monotonic_ms();
    }
}

static void read_stderr(runner *r)
{
    char buf[16384];
    size_t n, total = 0;
    while (total < READ_BUDGET && (n = read_chunk(r->cp.err_fd, buf, sizeof buf, &r->err_eof)) > 0) {
        total += n;
        if (r->opt->verbose)
            fprintf(stderr, "[%s stderr] %.*s", r->sc->name, (int)n, buf);
        lwcc_strbuf_append(&r->err_tail, buf, n);
        /* Keep the tail only: a chatty client must not grow memory without end. */
        if (r->err_tail.len > 2 * STDERR_KEEP && !r->err_tail.failed) {
            memmove(r->err_tail.data, r->err_tail.data + r->err_tail.len - STDERR_KEEP, STDERR_KEEP);
            r->err_tail.len = STDERR_KEEP;
            r->err_tail.data[STDERR_KEEP] = '\0';
        }
    }
    if (r->err_eof) {
        close(r->cp.err_fd);
        r->cp.err_fd = -1;
    }
}

static void on_exit_seen(runner *r)
{
    if (r->phase == PH_GONE)
        return;
    char st[128];
    lwch_client_describe_status(r->cp.status, st, sizeof st);
    trace(r, "client exited: %s", st);
    int before_stop = r->phase <= PH_FINAL;
    int after_term = r->phase == PH_TERMINATING;
    r->phase = PH_GONE;
    r->gone_t = lwcc_monotonic_ms();
    r->dump_out = 0;
    if (r->not_applicable) {
        if (after_term)
            note(r, "the client did not exit within %.0f ms of STOP", STOP_GRACE_MS * r->scale);
        return;
    }
    if (before_stop) {
        char s[200];
        snprintf(s, sizeof s, "the client exited before STOP (%s)", st);
        fail_with_requests(r, CHECK_EXIT, s, NULL);
    } else if (!after_term && !(WIFEXITED(r->cp.status) && WEXITSTATUS(r->cp.status) == 0) && !r->aborted) {
        char s[200];
        snprintf(s, sizeof s, "after STOP the client ended with %s; the protocol asks for status 0", st);
        lwch_result_add_failure(r->res, CHECK_EXIT, s, "");
    }
}

/* ---- the timeline ---- */

static void *action_main(void *arg)
{
    runner *r = arg;
    r->action_rc = lwc_scenario_do_step(r->srv, r->sc, &r->sc->steps[r->action_step], r->action_err,
                                        sizeof r->action_err);
    atomic_store(&r->action_done, 1);
    poke(r->wake[1]);
    return NULL;
}

static const char *step_kind_name(lwc_step_kind k)
{
    static const char *const names[] = {"create", "update", "delete", "deleteAll", "recreate", "relabel", "compact",
                                        "closeWatches", "addFault", "removeFault", "wait", "checkpoint", "churn"};
    return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

/* The current step starts waiting for its trigger: its deadline, and the
 * moment before which no event can be the step's. */
static void wait_for_trigger(runner *r)
{
    r->ss = SS_TRIGGER;
    r->ss_deadline = lwcc_monotonic_ms() + r->sc->deadline_ms * r->scale;
    r->wait_srv = srv_now(r);
}

static void next_step(runner *r)
{
    r->step++;
    wait_for_trigger(r);
}

static void start_action(runner *r)
{
    /* Actions run on their own thread: a churn step writes for seconds, and
     * the client's output must be read (and DUMPs answered) meanwhile. */
    r->action_step = r->step;
    atomic_store(&r->action_done, 0);
    int rc = pthread_create(&r->action, NULL, action_main, r);
    if (rc != 0) {
        error_out(r, "pthread_create: %s", strerror(rc));
        return;
    }
    r->action_running = 1;
    trace(r, "step %zu: %s", r->step, step_kind_name(r->sc->steps[r->step].kind));
}

static void finish_action(runner *r)
{
    pthread_join(r->action, NULL);
    r->action_running = 0;
    r->changed = 1;
    if (r->action_rc != LWC_MOCK_OK) {
        error_out(r, "%s: timeline[%zu] (%s): %s", r->sc->path, r->action_step,
                  step_kind_name(r->sc->steps[r->action_step].kind), r->action_err);
        return;
    }
    if (r->ss == SS_ACTION && r->step == r->action_step)
        next_step(r);
}

static void advance(runner *r)
{
    while (r->phase == PH_RUN && !r->aborted) {
        /* Between READY and the initial check no step starts: a compaction
         * or write there could erase the very state the client was served
         * before the check can read it (the DUMP round trip is ~1 ms). */
        if (r->ready && !r->initial_done)
            return;
        double now = lwcc_monotonic_ms();
        if (r->step >= r->sc->nsteps) {
            r->phase = PH_FINAL;
            r->timeline_end = now;
            start_converging(r, "end", 1, r->sc->deadline_ms * r->scale);
            return;
        }
        const lwc_step *st = &r->sc->steps[r->step];
        if (r->ss == SS_TRIGGER) {
            int ok;
            if (st->trigger == LWC_TRIGGER_NONE) {
                ok = 1;
            } else if (st->trigger == LWC_TRIGGER_READY) {
                ok = r->ready;
            } else {
                long n = lwch_trigger_count(&r->ts, r->sc, st, &r->log);
                if (n < 0) {
                    error_out(r, "out of memory counting triggers");
                    return;
                }
                ok = n >= st->count;
                /* The step's moment is its event (the request that made the
                 * count), unless that came before the step began waiting. */
                if (ok)
                    r->event_srv = r->ts.event_ms > r->wait_srv ? r->ts.event_ms : r->wait_srv;
            }
            if (!ok) {
                /* A client that never said READY fails the protocol check when
                 * its READY deadline passes; a step waiting on it meanwhile is
                 * not a second, racing verdict. */
                if (now >= r->ss_deadline && r->ready) {
                    char what[128], s[400];
                    lwch_trigger_describe(st, what, sizeof what);
                    snprintf(s, sizeof s, "timeline[%zu] (%s) waited %.0f ms for %s, which never came", r->step,
                             step_kind_name(st->kind), r->sc->deadline_ms * r->scale, what);
                    fail_with_requests(r, CHECK_TIMELINE, s, NULL);
                }
                return;
            }
            r->ss = SS_AFTER;
            r->after_due = now + st->after_ms;
        }
        if (r->ss == SS_AFTER) {
            if (now < r->after_due)
                return;
            /* Request windows (expect fromStep) start at the step's moment:
             * for a step a request triggered, that request itself, so the
             * window holds the event and does not depend on how soon the
             * harness noticed it or on afterMs. */
            r->step_srv[r->step] =
                st->trigger == LWC_TRIGGER_NONE || st->trigger == LWC_TRIGGER_READY ? srv_now(r) : r->event_srv;
            if (st->kind == LWC_STEP_CHECKPOINT) {
                r->ss = SS_CHECKPOINT;
                start_converging(r, st->checkpoint, 0, st->deadline_ms * r->scale);
                return;
            }
            if (st->kind == LWC_STEP_WAIT) {
                trace(r, "step %zu: waited %d ms", r->step, st->after_ms);
                next_step(r);
                continue;
            }
            r->ss = SS_ACTION;
            start_action(r);
            return;
        }
        return; /* SS_ACTION or SS_CHECKPOINT: their completion moves on */
    }
}

/* ---- setup and teardown ---- */

static int setup(runner *r)
{
    char err[1024];
    if (pipe2(r->wake, O_CLOEXEC | O_NONBLOCK) != 0) {
        error_out(r, "pipe: %s", strerror(errno));
        return -1;
    }
    const char *tmp = getenv("TMPDIR");
    snprintf(r->dir, sizeof r->dir, "%s/lwc-harness-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(r->dir)) {
        error_out(r, "mkdtemp %s: %s", r->dir, strerror(errno));
        return -1;
    }
    r->have_dir = 1;
    snprintf(r->kubeconfig, sizeof r->kubeconfig, "%s/kubeconfig", r->dir);
    lwc_mock_config cfg;
    lwc_mock_config_init(&cfg);
    cfg.listen_addr = "127.0.0.1";
    cfg.port = 0;
    /* The checks read every request of the run (reqlog.c keeps its own copy
     * anyway), and the server lives for one run: keep the whole log. */
    cfg.max_log_entries = SIZE_MAX;
    if (lwc_scenario_start_server(r->sc, &cfg, &r->srv, err, sizeof err) != LWC_MOCK_OK) {
        r->srv = NULL;
        error_out(r, "cannot start the server: %s", err);
        return -1;
    }
    if (lwc_mock_write_kubeconfig(r->srv, r->kubeconfig, r->sc->kubeconfig_namespace, err, sizeof err) != LWC_MOCK_OK) {
        error_out(r, "cannot write the kubeconfig: %s", err);
        return -1;
    }
    if (lwch_reqlog_start(&r->log, r->srv, r->wake[1], err, sizeof err) != 0) {
        error_out(r, "%s", err);
        return -1;
    }
    r->log_started = 1;
    char **env = lwch_client_env(r->sc, lwc_mock_url(r->srv), r->kubeconfig);
    if (!env) {
        error_out(r, "out of memory building the client's environment");
        return -1;
    }
    r->t_spawn = lwcc_monotonic_ms();
    int rc = lwch_client_spawn(&r->cp, r->opt->client_argv, env, err, sizeof err);
    lwch_client_env_free(env);
    if (rc != 0) {
        error_out(r, "%s", err);
        return -1;
    }
    r->spawned = 1;
    trace(r, "server %s, client pid %d", lwc_mock_url(r->srv), (int)r->cp.pid);
    wait_for_trigger(r);
    return 0;
}

/* The exit failure says SIGTERM was sent; when that was not enough either,
 * its summary says so too, not only a note. */
static void say_sigkill(runner *r)
{
    for (size_t i = r->res->nfailures; i-- > 0;) {
        failure *f = &r->res->failures[i];
        if (strcmp(f->check, CHECK_EXIT) != 0)
            continue;
        char extra[120];
        snprintf(extra, sizeof extra, ", ignored it for %.0f ms, and was killed with SIGKILL", TERM_GRACE_MS * r->scale);
        size_t len = strlen(f->summary);
        char *ns = realloc(f->summary, len + strlen(extra) + 1);
        if (!ns)
            return; /* the note above still says it */
        memcpy(ns + len, extra, strlen(extra) + 1);
        f->summary = ns;
        return;
    }
}

static double min_d(double a, double b)
{
    return a < b ? a : b;
}

static void loop(runner *r)
{
    double ready_deadline = r->t_spawn + r->sc->deadline_ms * r->scale;
    for (;;) {
        if (r->log_started && lwch_reqlog_refresh(&r->log) > 0)
            r->changed = 1;
        if (r->action_running && atomic_load(&r->action_done))
            finish_action(r);
        advance(r);
        double now = lwcc_monotonic_ms();
        if (r->phase <= PH_FINAL && !r->aborted) {
            if (!r->ready && now >= ready_deadline) {
                char s[200];
                snprintf(s, sizeof s, "no READY within %.0f ms of the client's start", r->sc->deadline_ms * r->scale);
                fail_with_requests(r, CHECK_PROTOCOL, s, NULL);
            } else if (r->dump_out && now >= r->dump_t + DUMP_ANSWER_MS * r->scale) {
                char s[200];
                snprintf(s, sizeof s, "no SNAPSHOT answer to DUMP %lld within %.0f ms", r->seq, DUMP_ANSWER_MS * r->scale);
                fail(r, CHECK_PROTOCOL, s, "");
            } else if (r->converging && !r->dump_out && now >= r->conv_deadline) {
                convergence_timeout(r);
            } else if (r->converging && r->ready && r->initial_done && !r->dump_out && now >= r->min_next &&
                       (r->changed || now >= r->next_dump)) {
                send_dump(r);
            }
        }
        /* Stdout closed while the process lives on: it can no longer answer.
         * An exiting client closes it a moment before its exit is seen, so
         * give the exit OUT_CLOSED_GRACE_MS to show first. */
        if (r->out_eof && !r->cp.reaped && r->phase <= PH_FINAL && !r->aborted &&
            now >= r->out_eof_t + OUT_CLOSED_GRACE_MS * r->scale) {
            fail_with_requests(r, CHECK_PROTOCOL, "the client closed its standard output before STOP", NULL);
        }
        if (r->phase == PH_STOPPING && !r->cp.reaped && now >= r->phase_deadline) {
            char s[200];
            snprintf(s, sizeof s, "the client did not exit within %.0f ms of STOP; sent SIGTERM", STOP_GRACE_MS * r->scale);
            trace(r, "%s", s);
            if (r->not_applicable)
                note(r, "%s", s);
            else
                lwch_result_add_failure(r->res, CHECK_EXIT, s, "");
            lwch_client_signal(&r->cp, SIGTERM);
            r->phase = PH_TERMINATING;
            r->phase_deadline = now + TERM_GRACE_MS * r->scale;
        } else if (r->phase == PH_TERMINATING && !r->cp.reaped && now >= r->phase_deadline) {
            trace(r, "SIGKILL");
            note(r, "the client ignored SIGTERM for %.0f ms: SIGKILL", TERM_GRACE_MS * r->scale);
            say_sigkill(r);
            lwch_client_kill_and_reap(&r->cp);
        }
        if (r->cp.reaped) {
            on_exit_seen(r);
            if ((r->out_eof && r->err_eof) || now >= r->gone_t + DRAIN_MS)
                break;
        }

        /* Sleep until the next event or deadline. */
        double until = now + 250.0;
        if (r->phase <= PH_FINAL && !r->aborted) {
            if (!r->ready)
                until = min_d(until, ready_deadline);
            if (r->dump_out)
                until = min_d(until, r->dump_t + DUMP_ANSWER_MS * r->scale);
            if (r->converging) {
                until = min_d(until, r->conv_deadline);
                if (!r->dump_out && r->ready && r->initial_done)
                    until = min_d(until, r->changed ? r->min_next : (r->next_dump > r->min_next ? r->next_dump : r->min_next));
            }
            /* While steps are held for the initial check, the DUMP deadline above is the one that matters. */
            int held = r->ready && !r->initial_done;
            if (r->phase == PH_RUN && r->step < r->sc->nsteps && !held) {
                /* A trigger's event (a watch's end included) changes the log,
                 * which pokes the wake pipe: only its deadline is a timer. */
                if (r->ss == SS_TRIGGER && (r->ready || r->ss_deadline > now)) {
                    until = min_d(until, r->ss_deadline);
                } else if (r->ss == SS_AFTER) {
                    until = min_d(until, r->after_due);
                }
            }
        }
        if (r->phase == PH_STOPPING || r->phase == PH_TERMINATING)
            until = min_d(until, r->phase_deadline);
        if (r->cp.reaped)
            until = min_d(until, r->gone_t + DRAIN_MS);
        if (r->out_eof && !r->cp.reaped && r->phase <= PH_FINAL && !r->aborted)
            until = min_d(until, r->out_eof_t + OUT_CLOSED_GRACE_MS * r->scale);
        if (r->cp.pidfd < 0 && !r->cp.reaped)
            until = min_d(until, now + 20.0);
        struct pollfd pf[5];
        pf[0] = (struct pollfd){.fd = r->cp.out_fd, .events = POLLIN};
        pf[1] = (struct pollfd){.fd = r->cp.err_fd, .events = POLLIN};
        pf[2] = (struct pollfd){.fd = r->wake[0], .events = POLLIN};
        pf[3] = (struct pollfd){.fd = r->cp.reaped ? -1 : r->cp.pidfd, .events = POLLIN};
        pf[4] = (struct pollfd){.fd = r->opt->interrupt_fd, .events = POLLIN};
        double wait = until - now;
        if (wait < 0)
            wait = 0;
        struct timespec ts = {(time_t)(wait / 1000.0), (long)(fmod(wait, 1000.0) * 1e6)};
        int n = ppoll(pf, 5, &ts, NULL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            error_out(r, "ppoll: %s", strerror(errno));
            lwch_client_kill_and_reap(&r->cp);
            break;
        }
        if (pf[4].revents) {
            r->interrupted = 1;
            trace(r, "interrupted");
            lwch_client_kill_and_reap(&r->cp);
            break;
        }
        if (pf[2].revents) {
            char buf[256];
            while (read(r->wake[0], buf, sizeof buf) > 0)
                ;
        }
        if (pf[0].revents)
            read_stdout(r);
        if (pf[1].revents)
            read_stderr(r);
        if (pf[3].revents || r->cp.pidfd < 0)
            lwch_client_try_reap(&r->cp);
    }
}

static void finish_checks(runner *r)
{
    lwch_reqlog_refresh(&r->log);
    r->res->requests = r->log.n;
    /* Check 3's last part: the store the events built must be the final snapshot. */
    if (r->ec.events > 0 && r->final_converged && r->ec.violations == 0 && r->have_last_snap) {
        strbuf d;
        lwcc_strbuf_init(&d);
        size_t n = lwch_eventcheck_compare(&r->ec, &r->last_snap, &d);
        if (n > 0) {
            char s[300];
            snprintf(s, sizeof s,
                     "the EVENT lines do not add up to the final store (%zu differences): an object vanished without "
                     "DELETED, or appeared without ADDED",
                     n);
            lwcc_strbuf_puts(&d, "  (events describe what the client told its consumers; the snapshot is its store)\n");
            lwch_result_add_failure(r->res, CHECK_EVENTS, s, lwcc_strbuf_str(&d));
        }
        lwcc_strbuf_free(&d);
    }
    /* Check 4, and the relist check beside it. */
    lwch_check_expectations(r->sc, &r->log, r->step_srv, r->res, &r->notes);
    if (r->ready)
        lwch_check_relists(r->sc, &r->log, r->ready_srv, r->step_srv, r->res, &r->notes);
}

void lwch_run_scenario(const lwc_scenario *sc, const run_options *opt, scenario_result *res)
{
    double started = lwcc_monotonic_ms();
    runner *r = calloc(1, sizeof *r);
    res->name = strdup(sc->name);
    res->path = strdup(sc->path);
    if (!r || !res->name || !res->path) {
        free(r);
        res->v = VERDICT_ERROR;
        res->error = NULL;
        return;
    }
    r->sc = sc;
    r->opt = opt;
    r->res = res;
    r->scale = opt->timeout_scale > 0 ? opt->timeout_scale : 1.0;
    r->wake[0] = r->wake[1] = -1; /* the cleanup below closes them, even when setup never ran */
    lwch_client_init(&r->cp);
    lwch_linebuf_init(&r->out);
    lwcc_strbuf_init(&r->err_tail);
    lwcc_strbuf_init(&r->notes);
    lwcc_strbuf_init(&r->last_diff);
    lwch_itemset_init(&r->server);
    lwch_itemset_init(&r->last_snap);
    lwch_eventcheck_init(&r->ec);
    lwch_trigger_state_init(&r->ts);
    atomic_init(&r->action_done, 0);
    r->step_srv = malloc((sc->nsteps ? sc->nsteps : 1) * sizeof *r->step_srv);
    if (!r->step_srv) {
        error_out(r, "out of memory");
    } else {
        for (size_t i = 0; i < sc->nsteps; i++)
            r->step_srv[i] = -1;
        if (setup(r) == 0)
            loop(r);
    }
    if (r->spawned && !r->cp.reaped)
        lwch_client_kill_and_reap(&r->cp);
    int action_stuck = 0;
    if (r->action_running) {
        if (r->interrupted) {
            /* Ctrl-C during a long churn step: do not wait for it to finish. */
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += 1;
            if (pthread_timedjoin_np(r->action, NULL, &ts) != 0) {
                pthread_detach(r->action);
                action_stuck = 1;
            }
        } else {
            pthread_join(r->action, NULL);
        }
        r->action_running = 0;
    }
    if (r->interrupted)
        res->v = VERDICT_INTERRUPTED;
    else if (r->srv && r->log_started && !r->not_applicable)
        finish_checks(r);
    if (r->log_started)
        lwch_reqlog_free(&r->log);
    if (r->srv && !action_stuck) {
        lwc_mock_stop(r->srv); /* a stuck step still uses it; the process is about to exit */
        r->srv = NULL;         /* srv_now must not read a freed log's clock */
    }
    lwch_client_close(&r->cp);
    if (r->have_dir) {
        unlink(r->kubeconfig);
        rmdir(r->dir);
    }
    if (r->wake[0] >= 0)
        close(r->wake[0]);
    if (r->wake[1] >= 0)
        close(r->wake[1]);
    res->stderr_tail =
        lwcc_utf8_sanitize(lwcc_strbuf_str(&r->err_tail), r->err_tail.failed ? 0 : r->err_tail.len, 1, NULL);
    res->notes = lwcc_utf8_sanitize(lwcc_strbuf_str(&r->notes), r->notes.failed ? 0 : r->notes.len, 1, NULL);
    res->total_ms = lwcc_monotonic_ms() - started;
    lwch_linebuf_free(&r->out);
    lwcc_strbuf_free(&r->err_tail);
    lwcc_strbuf_free(&r->notes);
    lwcc_strbuf_free(&r->last_diff);
    lwch_itemset_free(&r->server);
    lwch_itemset_free(&r->last_snap);
    lwch_eventcheck_free(&r->ec);
    lwch_trigger_state_free(&r->ts);
    free(r->step_srv);
    free(r);
}
