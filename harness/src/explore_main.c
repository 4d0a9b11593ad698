/* lwc-explore: random worlds, faults and timelines from a seed, run with the
 * harness's runner and checks; every failure confirmed, shrunk and written
 * as a catalog-format scenario with its report.
 *
 * Exit status: 0 every run passed (or was not applicable), 1 any failed or
 * could not run (a generated scenario the harness refused is a bug of the
 * explorer), 2 bad arguments, a client that cannot be started, Ctrl-C. */
#include "cmdline.h"
#include "lwc_fail.h"
#include "exe_dir.h"
#include "interrupt.h"
#include "monotonic.h"
#include "explore_gen.h"
#include "explore_shrink.h"
#include "lwc_scenario.h"
#include "report.h"
#include "result.h"
#include "runner.h"
#include "strbuf.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void usage(FILE *out)
{
    fprintf(out,
            "usage: lwc-explore [options]\n"
            "\n"
            "Generates random scenarios (worlds, server behaviours, faults, timelines) from a\n"
            "seed, runs them against a client with lwc-harness's checks, and shrinks every\n"
            "failure to a scenario file in the catalog's format.\n"
            "\n"
            "  --client 'COMMAND'   the client (default: lwc-watch beside this program)\n"
            "  --seed N             the seed (default: from the clock; printed in every report)\n"
            "  --runs N             generate N scenarios (default 100)\n"
            "  --time DURATION      or generate for this long (90s, 10m, 1h)\n"
            "  -j N                 N runs at once (default 1)\n"
            "  --out DIR            where failures go (default explore-out)\n"
            "  --json FILE          write the results as JSON\n"
            "  --stop-after N       start no more runs once N failures were confirmed\n"
            "  --confirm N          reruns of a failure to confirm it (default 3)\n"
            "  --shrink-attempts N  runs of a shrink candidate before it counts as passing (default 1)\n"
            "  --max-shrink N       at most N shrink candidates per failure (default 150)\n"
            "  --no-shrink          confirm failures but do not shrink them\n"
            "  --print N            print the scenario of run N (canonical form), and exit\n"
            "  --caps LIST          with --print: the client's capabilities, comma-separated\n"
            "                       (default: all); runs read them from the client's HELLO\n"
            "  --timeout-scale X    multiply every deadline the harness applies by X\n"
            "  -v                   trace each run on stderr\n"
            "  -h, --help           this text\n"
            "\n"
            "Exit status: 0 all passed, 1 something failed, 2 could not run.\n");
}


/* ---- checks as bits: bit k is lwch_check_names[k] ---- */

static unsigned check_bit(const char *check)
{
    int k = lwch_check_index(check, strlen(check));
    return k < 0 ? 0 : 1u << k;
}

static unsigned checks_mask(const scenario_result *r)
{
    unsigned m = 0;
    for (size_t i = 0; i < r->nfailures; i++)
        m |= check_bit(r->failures[i].check);
    return m;
}

/* "No READY" fails protocol or timeline, whichever deadline fires first
 * (a step waiting for READY has the same deadline): one class when a rerun
 * is compared with the first run. */
static unsigned check_class(unsigned m)
{
    const unsigned no_ready = check_bit(CHECK_PROTOCOL) | check_bit(CHECK_TIMELINE);
    return m & no_ready ? m | no_ready : m;
}

static void checks_text(unsigned m, char *out, size_t len)
{
    size_t n = 0;
    out[0] = '\0';
    for (size_t k = 0; lwch_check_names[k] && n < len; k++)
        if (m & (1u << k))
            n += (size_t)snprintf(out + n, len - n, "%s%s", n ? "," : "", lwch_check_names[k]);
}

/* ---- the explorer ---- */

typedef struct failure_rec {
    uint64_t run;
    char name[64];
    unsigned mask;         /* checks the first run failed */
    unsigned shrunk_mask;  /* checks the shrunk scenario failed */
    int confirm_fails;     /* reruns that failed again */
    int confirm_runs;
    int dup_of;            /* -1, or the failure of the same checks that was shrunk */
    int shrink_steps, shrink_tried;
    int repro_fails, repro_runs; /* the shrunk file, rerun */
    int steps_faults, objects, steps_faults_orig, objects_orig;
    char file[PATH_MAX];
    char *report;          /* the shrunk scenario's failure report */
    char *error;           /* VERDICT_ERROR: why */
} failure_rec;

typedef struct explorer {
    run_options opt;
    uint64_t seed;
    unsigned caps;
    char client_name[128];
    long runs;          /* 0: until the time limit */
    double deadline_ms; /* 0: none */
    int stop_after;
    int confirm, attempts, max_shrink, no_shrink;
    const char *out_dir;
    int tty;
    atomic_long next;
    pthread_mutex_t mu;
    long done, passed, failed, errors, na;
    long first_failure_run; /* -1: none */
    long logged;            /* runs at the last progress log line */
    double run_ms_sum;
    failure_rec *fails;
    size_t nfails, capfails;
    int confirmed;
    unsigned claimed[64]; /* check sets whose failure is being (or was) shrunk */
    int nclaimed;
    int shrinking;      /* shrinks in progress, for the progress line */
    int shrink_steps_now;
    double t0;
    double probe_ms;    /* the probe run (one object, READY, one checkpoint): the fixed cost of a run */
} explorer;

static void run_genome(explorer *x, const genome *g, const char *name, scenario_result *res)
{
    char err[1024];
    lwch_result_init(res);
    lwc_scenario *sc = lwch_explore_scenario(g, name, NULL, NULL, err, sizeof err);
    if (!sc) {
        res->v = VERDICT_ERROR;
        res->error = strdup(err);
        res->name = strdup(name);
        return;
    }
    lwch_run_scenario(sc, &x->opt, res);
    lwc_scenario_free(sc);
}

static int count_steps_faults(const lwc_scenario *sc)
{
    int n = (int)sc->nfaults;
    for (size_t i = 0; i < sc->nsteps; i++)
        if (sc->steps[i].kind != LWC_STEP_CHECKPOINT && sc->steps[i].kind != LWC_STEP_WAIT)
            n++;
    return n;
}

static void progress_line(explorer *x)
{
    if (!x->tty) {
        /* a log line every 100 runs, for runs under nohup */
        if (x->done && x->done % 100 == 0 && x->done != x->logged) {
            x->logged = x->done;
            fprintf(stderr, "lwc-explore: %ld runs, %ld failed, %.2f runs/s\n", x->done, x->failed + x->errors,
                    x->done / ((lwcc_monotonic_ms() - x->t0) / 1000.0));
        }
        return;
    }
    double el = (lwcc_monotonic_ms() - x->t0) / 1000.0;
    char total[32] = "";
    if (x->runs)
        snprintf(total, sizeof total, "/%ld", x->runs);
    fprintf(stderr, "\r\033[Klwc-explore: %ld%s runs, %ld failed, %.2f runs/s", x->done, total, x->failed + x->errors,
            el > 0 ? x->done / el : 0.0);
    if (x->shrinking)
        fprintf(stderr, ", shrinking (%d steps)", x->shrink_steps_now);
    fflush(stderr);
}

typedef struct shrink_ctx {
    explorer *x;
    unsigned mask;
    const char *name;
} shrink_ctx;

static int still_fails(const genome *g, void *arg)
{
    shrink_ctx *c = arg;
    for (int a = 0; a < c->x->attempts; a++) {
        if (lwch_interrupt_requested())
            return -1;
        scenario_result r;
        run_genome(c->x, g, c->name, &r);
        int fails = r.v == VERDICT_FAIL && (check_class(checks_mask(&r)) & check_class(c->mask));
        lwch_result_free(&r);
        if (fails)
            return 1;
    }
    return 0;
}

static void shrink_noted(const genome *g, const char *what, void *arg)
{
    (void)g;
    shrink_ctx *c = arg;
    pthread_mutex_lock(&c->x->mu);
    c->x->shrink_steps_now++;
    if (c->x->opt.verbose)
        fprintf(stderr, "lwc-explore: %s: shrink: %s\n", c->name, what);
    progress_line(c->x);
    pthread_mutex_unlock(&c->x->mu);
}

static int mkdir_p(const char *dir)
{
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf)
        return -1;
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    return mkdir(buf, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

/* A failure: confirm it, shrink it (once per set of failed checks), write
 * the shrunk scenario and its report. */
static void handle_failure(explorer *x, const genome *g0, uint64_t run, scenario_result *first)
{
    failure_rec rec;
    memset(&rec, 0, sizeof rec);
    rec.run = run;
    rec.dup_of = -1;
    rec.mask = checks_mask(first);
    snprintf(rec.name, sizeof rec.name, "explore-%llu-%llu", (unsigned long long)x->seed, (unsigned long long)run);
    rec.objects_orig = lwch_gen_objects(g0);
    char *first_report = lwch_report_failure_text(first);

    /* Confirm: the same scenario again. A failure that never comes back
     * is reported as unconfirmed (timing), not shrunk: shrinking needs a
     * predicate that holds. */
    rec.confirm_runs = x->confirm;
    for (int i = 0; i < x->confirm && !lwch_interrupt_requested(); i++) {
        scenario_result r;
        run_genome(x, g0, rec.name, &r);
        if (r.v == VERDICT_FAIL && (check_class(checks_mask(&r)) & check_class(rec.mask)))
            rec.confirm_fails++;
        lwch_result_free(&r);
    }
    int confirmed = rec.confirm_fails > 0 || x->confirm == 0;

    genome g = *g0;
    pthread_mutex_lock(&x->mu);
    /* one shrink per set of failed checks: the others are counted, kept
     * as they were found, and named "as" the first */
    int claimed = 0;
    for (int i = 0; i < x->nclaimed; i++)
        claimed |= x->claimed[i] == rec.mask;
    if (claimed) {
        rec.dup_of = -2; /* resolved in resolve_dups() once the first is recorded */
        for (size_t i = 0; i < x->nfails; i++)
            if (x->fails[i].mask == rec.mask && x->fails[i].dup_of < 0) {
                rec.dup_of = (int)i;
                break;
            }
    } else if (confirmed && x->nclaimed < 64) {
        x->claimed[x->nclaimed++] = rec.mask;
    }
    /* with --stop-after, the failures still in flight when enough are
     * confirmed are recorded as found, not shrunk */
    int enough = x->stop_after && x->confirmed >= x->stop_after;
    if (confirmed)
        x->confirmed++;
    int shrink = confirmed && !claimed && !x->no_shrink && !enough;
    if (shrink) {
        x->shrinking++;
        x->shrink_steps_now = 0;
    }
    pthread_mutex_unlock(&x->mu);

    if (shrink) {
        shrink_ctx c = {x, rec.mask, rec.name};
        rec.shrink_steps = lwch_explore_shrink(&g, still_fails, shrink_noted, &c, x->max_shrink, &rec.shrink_tried);
        pthread_mutex_lock(&x->mu);
        x->shrinking--;
        pthread_mutex_unlock(&x->mu);
    }

    /* the scenario as a file, and a rerun of that file for its report */
    char err[1024];
    char extra[512], cks[128];
    checks_text(rec.mask, cks, sizeof cks);
    snprintf(extra, sizeof extra,
             "Found by lwc-explore --seed %llu (run %llu) against %s; it fails %s%s.", (unsigned long long)x->seed,
             (unsigned long long)run, x->client_name, cks, shrink ? ", shrunk to a local minimum" : "");
    /* the scenario as found, rendered once: its size, and its file beside the shrunk one */
    char *otext = NULL;
    lwc_scenario *osc = lwch_explore_scenario(g0, rec.name, extra, &otext, err, sizeof err);
    rec.steps_faults_orig = osc ? count_steps_faults(osc) : -1;
    lwc_scenario_free(osc);
    char *text = NULL;
    lwc_scenario *sc = lwch_explore_scenario(&g, rec.name, extra, &text, err, sizeof err);
    if (sc) {
        rec.steps_faults = count_steps_faults(sc);
        rec.objects = lwch_gen_objects(&g);
        if (mkdir_p(x->out_dir) == 0) {
            snprintf(rec.file, sizeof rec.file, "%s/%s.json", x->out_dir, rec.name);
            if (lwc_write_file(rec.file, text, strlen(text), err, sizeof err) != 0)
                fprintf(stderr, "lwc-explore: cannot write %s\n", err);
        } else {
            fprintf(stderr, "lwc-explore: cannot create %s: %s\n", x->out_dir, strerror(errno));
        }
        /* reproduce from the file's own text, as lwc-harness FILE would
         * (not for a failure counted "as" another: its file is as found) */
        int repro = rec.dup_of == -1 && (shrink || !enough);
        for (int i = 0; repro && i < (x->confirm ? x->confirm : 1) && !lwch_interrupt_requested(); i++) {
            scenario_result r;
            lwch_result_init(&r);
            lwch_run_scenario(sc, &x->opt, &r);
            rec.repro_runs++;
            if (r.v == VERDICT_FAIL) {
                rec.repro_fails++;
                rec.shrunk_mask |= checks_mask(&r);
                if (!rec.report)
                    rec.report = lwch_report_failure_text(&r);
            }
            lwch_result_free(&r);
        }
        lwc_scenario_free(sc);
    } else {
        rec.error = strdup(err);
    }
    free(text);

    /* the report file: the seed, the run, both reports */
    if (rec.file[0]) {
        char rpath[PATH_MAX + 16];
        snprintf(rpath, sizeof rpath, "%s/%s.report.txt", x->out_dir, rec.name);
        FILE *f = fopen(rpath, "w");
        if (f) {
            fprintf(f, "lwc-explore --seed %llu, run %llu, client %s\n", (unsigned long long)x->seed,
                    (unsigned long long)run, x->client_name);
            fprintf(f, "failed checks: %s; confirmed by %d of %d reruns\n", cks, rec.confirm_fails, rec.confirm_runs);
            fprintf(f, "shrunk: %d reductions accepted of %d tried; %d -> %d timeline steps and faults, %d -> %d objects\n",
                    rec.shrink_steps, rec.shrink_tried, rec.steps_faults_orig, rec.steps_faults, rec.objects_orig,
                    rec.objects);
            fprintf(f, "the shrunk file failed %d of %d reruns\n\n", rec.repro_fails, rec.repro_runs);
            fprintf(f, "== the shrunk scenario's report\n%s\n", rec.report ? rec.report : "(it passed on rerun)\n");
            fprintf(f, "== the first run's report (before shrinking)\n%s\n", first_report ? first_report : "");
            fclose(f);
        }
        char opath[PATH_MAX + 16];
        snprintf(opath, sizeof opath, "%s/%s.original.json", x->out_dir, rec.name);
        if (otext)
            lwc_write_file(opath, otext, strlen(otext), err, sizeof err);
    }
    free(otext);
    if (!rec.report && first_report && !shrink)
        rec.report = strdup(first_report);
    free(first_report);

    pthread_mutex_lock(&x->mu);
    if (x->nfails == x->capfails) {
        size_t nc = x->capfails ? x->capfails * 2 : 8;
        failure_rec *nv = realloc(x->fails, nc * sizeof *nv);
        if (nv) {
            x->fails = nv;
            x->capfails = nc;
        }
    }
    if (x->nfails < x->capfails)
        x->fails[x->nfails++] = rec;
    else {
        free(rec.report);
        free(rec.error);
    }
    pthread_mutex_unlock(&x->mu);
}

static void *worker(void *arg)
{
    explorer *x = arg;
    for (;;) {
        if (lwch_interrupt_requested())
            break;
        pthread_mutex_lock(&x->mu);
        int enough = x->stop_after && x->confirmed >= x->stop_after;
        pthread_mutex_unlock(&x->mu);
        if (enough)
            break;
        if (x->deadline_ms && lwcc_monotonic_ms() >= x->deadline_ms)
            break;
        long i = atomic_fetch_add(&x->next, 1);
        if (x->runs && i >= x->runs)
            break;
        genome g;
        lwch_gen_random(&g, x->seed, (uint64_t)i, x->caps);
        char name[64];
        snprintf(name, sizeof name, "explore-%llu-%ld", (unsigned long long)x->seed, i);
        scenario_result r;
        run_genome(x, &g, name, &r);
        pthread_mutex_lock(&x->mu);
        x->done++;
        x->run_ms_sum += r.total_ms;
        switch (r.v) {
        case VERDICT_PASS:
            x->passed++;
            break;
        case VERDICT_FAIL:
            x->failed++;
            if (x->first_failure_run < 0 || i < x->first_failure_run)
                x->first_failure_run = i;
            break;
        case VERDICT_NA:
            x->na++;
            break;
        case VERDICT_INTERRUPTED: /* Ctrl-C: not a result of the client */
            break;
        default:
            x->errors++;
            break;
        }
        if (r.v == VERDICT_ERROR && !lwch_interrupt_requested())
            fprintf(stderr, "%slwc-explore: run %ld could not run: %s\n", x->tty ? "\r\033[K" : "", i,
                    r.error ? r.error : "?");
        if (r.v == VERDICT_FAIL && !x->tty && !x->opt.verbose)
            fprintf(stderr, "lwc-explore: run %ld failed\n", i);
        progress_line(x);
        pthread_mutex_unlock(&x->mu);
        if (r.v == VERDICT_FAIL && !lwch_interrupt_requested())
            handle_failure(x, &g, (uint64_t)i, &r);
        else if (r.v == VERDICT_ERROR && !lwch_interrupt_requested()) {
            /* keep the scenario the harness could not run: an explorer bug */
            char err[512], *text = NULL;
            lwc_scenario *sc = lwch_explore_scenario(&g, name, NULL, &text, err, sizeof err);
            if (sc && text && mkdir_p(x->out_dir) == 0) {
                char p[PATH_MAX];
                snprintf(p, sizeof p, "%s/%s.error.json", x->out_dir, name);
                lwc_write_file(p, text, strlen(text), err, sizeof err);
            }
            lwc_scenario_free(sc);
            free(text);
        }
        lwch_result_free(&r);
    }
    return NULL;
}

/* ---- the client's HELLO ---- */

static int probe_client(explorer *x, char *err, size_t errlen)
{
    static const char *probe = "{\"name\":\"explore-probe\",\"description\":\"lwc-explore reads the client's HELLO\","
                               "\"world\":{\"generate\":[{\"perNamespace\":1}]},"
                               "\"timeline\":[{\"when\":{\"event\":\"ready\"},\"do\":\"checkpoint\","
                               "\"checkpoint\":\"synced\",\"deadlineMs\":15000}],\"deadlineMs\":30000}";
    lwc_scenario *sc = lwc_scenario_parse(probe, "explore-probe.json", err, errlen);
    if (!sc)
        return -1;
    scenario_result r;
    lwch_result_init(&r);
    lwch_run_scenario(sc, &x->opt, &r);
    lwc_scenario_free(sc);
    int rc = 0;
    if (r.v == VERDICT_ERROR || r.v == VERDICT_INTERRUPTED || !r.caps_known) {
        rc = lwc_fail(err, errlen, -1, "the client could not be started: %s%s%s",
                      r.error ? r.error : lwch_verdict_name(r.v), r.nfailures ? ": " : "",
                      r.nfailures ? r.failures[0].summary : "");
    } else {
        if (r.v == VERDICT_FAIL)
            fprintf(stderr, "lwc-explore: warning: the client fails the one-object probe (%s): expect every run to fail\n",
                    r.failures[0].summary);
        x->caps = r.caps;
        x->probe_ms = r.total_ms;
        snprintf(x->client_name, sizeof x->client_name, "%s", r.client_name ? r.client_name : "(no HELLO)");
    }
    lwch_result_free(&r);
    return rc;
}

/* ---- options ---- */

static int parse_long(const char *s, long min, long max, long *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || !end || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static int parse_duration(const char *s, double *ms)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || v <= 0)
        return -1;
    double mul = 1000;
    if (!strcmp(end, "ms"))
        mul = 1;
    else if (!strcmp(end, "m"))
        mul = 60000;
    else if (!strcmp(end, "h"))
        mul = 3600000;
    else if (*end && strcmp(end, "s"))
        return -1;
    *ms = v * mul;
    return 0;
}


/* A failure found while the first of its check set was still shrinking. */
static void resolve_dups(explorer *x)
{
    for (size_t i = 0; i < x->nfails; i++) {
        if (x->fails[i].dup_of != -2)
            continue;
        for (size_t k = 0; k < x->nfails; k++)
            if (x->fails[k].mask == x->fails[i].mask && x->fails[k].dup_of == -1) {
                x->fails[i].dup_of = (int)k;
                break;
            }
    }
}

static void summary(explorer *x, FILE *out, double wall_ms, int jobs)
{
    char caps[200];
    lwc_capabilities_format(x->caps, caps, sizeof caps);
    double s = wall_ms / 1000.0;
    fprintf(out, "lwc-explore: seed %llu, client %s (%s), -j %d\n", (unsigned long long)x->seed, x->client_name, caps,
            jobs);
    fprintf(out, "%-22s %10s\n", "", "count");
    fprintf(out, "%-22s %10ld\n", "runs", x->done);
    fprintf(out, "%-22s %10ld\n", "passed", x->passed);
    fprintf(out, "%-22s %10ld\n", "failed", x->failed);
    fprintf(out, "%-22s %10d\n", "  confirmed", x->confirmed);
    fprintf(out, "%-22s %10ld\n", "could not run", x->errors);
    fprintf(out, "%-22s %10ld\n", "not applicable", x->na);
    fprintf(out, "%-22s %10.1f\n", "wall time (s)", s);
    fprintf(out, "%-22s %10.2f\n", "runs per second", s > 0 ? x->done / s : 0.0);
    fprintf(out, "%-22s %10.0f\n", "fixed cost (ms)", x->probe_ms);
    fprintf(out, "%-22s %10.0f\n", "mean run (ms)", x->done ? x->run_ms_sum / (double)x->done : 0.0);
    if (x->first_failure_run >= 0)
        fprintf(out, "%-22s %10ld\n", "first failing run", x->first_failure_run);
    if (!x->nfails)
        return;
    fprintf(out, "\n%-28s %-26s %-9s %-9s %-13s %-8s %s\n", "failure", "checks", "confirmed", "shrink", "steps+faults",
            "objects", "file");
    for (size_t i = 0; i < x->nfails; i++) {
        const failure_rec *f = &x->fails[i];
        char cks[128], conf[16], shr[16], sf[24], ob[24];
        checks_text(f->mask, cks, sizeof cks);
        snprintf(conf, sizeof conf, "%d/%d", f->confirm_fails, f->confirm_runs);
        if (f->dup_of >= 0)
            snprintf(shr, sizeof shr, "as #%d", f->dup_of + 1);
        else if (f->dup_of == -2)
            snprintf(shr, sizeof shr, "not shrunk");
        else
            snprintf(shr, sizeof shr, "%d/%d", f->shrink_steps, f->shrink_tried);
        snprintf(sf, sizeof sf, "%d -> %d", f->steps_faults_orig, f->steps_faults);
        snprintf(ob, sizeof ob, "%d -> %d", f->objects_orig, f->objects);
        fprintf(out, "%-28s %-26s %-9s %-9s %-13s %-8s %s\n", f->name, cks, conf, shr, sf, ob,
                f->file[0] ? f->file : (f->error ? f->error : "-"));
    }
    for (size_t i = 0; i < x->nfails; i++) {
        const failure_rec *f = &x->fails[i];
        if (f->dup_of != -1 || !f->report)
            continue;
        fprintf(out, "\n== %s (reproduce: lwc-harness --client '...' %s; shrunk file failed %d of %d reruns)\n%s", f->name,
                f->file, f->repro_fails, f->repro_runs, lwch_tail_lines(f->report, 40));
    }
}

static int write_json(explorer *x, const char *path, double wall_ms, int jobs, char *err, size_t errlen)
{
    cJSON *doc = cJSON_CreateObject();
    if (!doc)
        goto oom;
    char caps[200], seed[32];
    lwc_capabilities_format(x->caps, caps, sizeof caps);
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)x->seed);
    cJSON_AddStringToObject(doc, "seed", seed);
    cJSON_AddStringToObject(doc, "client", x->client_name);
    cJSON_AddStringToObject(doc, "capabilities", caps);
    cJSON_AddNumberToObject(doc, "jobs", jobs);
    cJSON_AddNumberToObject(doc, "runs", (double)x->done);
    cJSON_AddNumberToObject(doc, "passed", (double)x->passed);
    cJSON_AddNumberToObject(doc, "failed", (double)x->failed);
    cJSON_AddNumberToObject(doc, "confirmed", x->confirmed);
    cJSON_AddNumberToObject(doc, "errors", (double)x->errors);
    cJSON_AddNumberToObject(doc, "notApplicable", (double)x->na);
    cJSON_AddNumberToObject(doc, "wallSeconds", wall_ms / 1000.0);
    cJSON_AddNumberToObject(doc, "runsPerSecond", wall_ms > 0 ? x->done / (wall_ms / 1000.0) : 0);
    cJSON_AddNumberToObject(doc, "fixedCostMs", x->probe_ms);
    cJSON_AddNumberToObject(doc, "meanRunMs", x->done ? x->run_ms_sum / (double)x->done : 0);
    cJSON_AddNumberToObject(doc, "firstFailingRun", (double)x->first_failure_run);
    cJSON *arr = cJSON_AddArrayToObject(doc, "failures");
    if (!arr)
        goto oom;
    for (size_t i = 0; i < x->nfails; i++) {
        const failure_rec *f = &x->fails[i];
        cJSON *o = cJSON_CreateObject();
        if (!o)
            goto oom;
        cJSON_AddItemToArray(arr, o);
        char cks[128];
        checks_text(f->mask, cks, sizeof cks);
        cJSON_AddStringToObject(o, "name", f->name);
        cJSON_AddNumberToObject(o, "run", (double)f->run);
        cJSON_AddStringToObject(o, "checks", cks);
        checks_text(f->shrunk_mask, cks, sizeof cks);
        cJSON_AddStringToObject(o, "shrunkChecks", cks);
        cJSON_AddNumberToObject(o, "confirmFails", f->confirm_fails);
        cJSON_AddNumberToObject(o, "confirmRuns", f->confirm_runs);
        cJSON_AddNumberToObject(o, "sameAs", f->dup_of);
        cJSON_AddNumberToObject(o, "shrinkSteps", f->shrink_steps);
        cJSON_AddNumberToObject(o, "shrinkTried", f->shrink_tried);
        cJSON_AddNumberToObject(o, "stepsAndFaults", f->steps_faults);
        cJSON_AddNumberToObject(o, "stepsAndFaultsBefore", f->steps_faults_orig);
        cJSON_AddNumberToObject(o, "objects", f->objects);
        cJSON_AddNumberToObject(o, "objectsBefore", f->objects_orig);
        cJSON_AddNumberToObject(o, "reproFails", f->repro_fails);
        cJSON_AddNumberToObject(o, "reproRuns", f->repro_runs);
        cJSON_AddStringToObject(o, "file", f->file);
        if (f->report)
            cJSON_AddStringToObject(o, "report", f->report);
        if (f->error)
            cJSON_AddStringToObject(o, "error", f->error);
    }
    char *text = cJSON_Print(doc);
    cJSON_Delete(doc);
    if (!text)
        goto oom2;
    int rc = lwc_write_file(path, text, strlen(text), err, errlen);
    free(text);
    return rc;
oom:
    cJSON_Delete(doc);
oom2:
    return lwc_fail(err, errlen, -1, "out of memory writing %s", path);
}

int main(int argc, char **argv)
{
    explorer x;
    memset(&x, 0, sizeof x);
    x.runs = 100;
    x.confirm = 3;
    x.attempts = 1;
    x.max_shrink = 150;
    x.out_dir = "explore-out";
    x.first_failure_run = -1;
    x.opt.timeout_scale = 1.0;
    x.opt.interrupt_fd = -1;
    const char *client = NULL, *json = NULL;
    long jobs = 1, print_run = -1;
    unsigned print_caps = ~0u;
    int seed_given = 0, runs_given = 0;

    enum { O_CLIENT = 256, O_SEED, O_RUNS, O_TIME, O_OUT, O_JSON, O_STOP, O_CONFIRM, O_ATTEMPTS, O_MAXSHRINK,
           O_NOSHRINK, O_PRINT, O_SCALE, O_CAPS };
    static const struct option longopts[] = {
        {"client", required_argument, 0, O_CLIENT},   {"seed", required_argument, 0, O_SEED},
        {"runs", required_argument, 0, O_RUNS},       {"time", required_argument, 0, O_TIME},
        {"out", required_argument, 0, O_OUT},         {"json", required_argument, 0, O_JSON},
        {"stop-after", required_argument, 0, O_STOP}, {"confirm", required_argument, 0, O_CONFIRM},
        {"shrink-attempts", required_argument, 0, O_ATTEMPTS},
        {"max-shrink", required_argument, 0, O_MAXSHRINK},
        {"no-shrink", no_argument, 0, O_NOSHRINK},    {"print", required_argument, 0, O_PRINT},
        {"timeout-scale", required_argument, 0, O_SCALE},
        {"caps", required_argument, 0, O_CAPS},
        {"help", no_argument, 0, 'h'},                {0, 0, 0, 0}};
    int c;
    long v;
    while ((c = getopt_long(argc, argv, "j:vh", longopts, NULL)) != -1) {
        switch (c) {
        case O_CLIENT:
            client = optarg;
            break;
        case O_SEED: {
            char *end = NULL;
            errno = 0;
            unsigned long long s = strtoull(optarg, &end, 10);
            if (errno || !end || *end || optarg[0] == '-') {
                fprintf(stderr, "lwc-explore: --seed: expected a number, got \"%s\"\n", optarg);
                return 2;
            }
            x.seed = s;
            seed_given = 1;
            break;
        }
        case O_RUNS:
            if (parse_long(optarg, 1, 100000000, &x.runs) != 0) {
                fprintf(stderr, "lwc-explore: --runs: expected a positive number, got \"%s\"\n", optarg);
                return 2;
            }
            runs_given = 1;
            break;
        case O_TIME:
            if (parse_duration(optarg, &x.deadline_ms) != 0) {
                fprintf(stderr, "lwc-explore: --time: expected a duration (90s, 10m, 1h), got \"%s\"\n", optarg);
                return 2;
            }
            break;
        case 'j':
            if (parse_long(optarg, 1, 256, &jobs) != 0) {
                fprintf(stderr, "lwc-explore: -j: expected 1..256, got \"%s\"\n", optarg);
                return 2;
            }
            break;
        case O_OUT:
            x.out_dir = optarg;
            break;
        case O_JSON:
            json = optarg;
            break;
        case O_STOP:
        case O_CONFIRM:
        case O_ATTEMPTS:
        case O_MAXSHRINK:
            if (parse_long(optarg, c == O_CONFIRM ? 0 : 1, 100000, &v) != 0) {
                fprintf(stderr, "lwc-explore: %s: expected a number, got \"%s\"\n", argv[optind - 1], optarg);
                return 2;
            }
            if (c == O_STOP)
                x.stop_after = (int)v;
            else if (c == O_CONFIRM)
                x.confirm = (int)v;
            else if (c == O_ATTEMPTS)
                x.attempts = (int)v;
            else
                x.max_shrink = (int)v;
            break;
        case O_NOSHRINK:
            x.no_shrink = 1;
            break;
        case O_PRINT:
            if (parse_long(optarg, 0, 100000000, &print_run) != 0) {
                fprintf(stderr, "lwc-explore: --print: expected a run number, got \"%s\"\n", optarg);
                return 2;
            }
            break;
        case O_SCALE: {
            char *end = NULL;
            double s = strtod(optarg, &end);
            if (!end || *end || s <= 0 || s > 100) {
                fprintf(stderr, "lwc-explore: --timeout-scale: expected a number in (0, 100], got \"%s\"\n", optarg);
                return 2;
            }
            x.opt.timeout_scale = s;
            break;
        }
        case O_CAPS: {
            print_caps = 0;
            char buf[256];
            snprintf(buf, sizeof buf, "%s", optarg);
            for (char *save = NULL, *t = strtok_r(buf, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
                unsigned bit = lwc_capability_from_name(t);
                if (!bit) {
                    fprintf(stderr, "lwc-explore: --caps: \"%s\" is not a capability (%s)\n", t, lwc_capability_list());
                    return 2;
                }
                print_caps |= bit;
            }
            break;
        }
        case 'v':
            x.opt.verbose = 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "lwc-explore: unexpected argument \"%s\"\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    if (x.deadline_ms && !runs_given)
        x.runs = 0;
    if (!seed_given) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        x.seed = (uint64_t)ts.tv_sec * 1000003u ^ (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 20);
        x.seed %= 1000000000000ull;
    }

    char defclient[PATH_MAX + 16];
    if (!client) {
        if (lwch_exe_sibling("lwc-watch", defclient, sizeof defclient) != 0) {
            fprintf(stderr, "lwc-explore: cannot find my own directory; give --client\n");
            return 2;
        }
        client = defclient;
    }
    char err[1024];
    char **cargv = NULL;
    if (lwch_cmdline_split(client, &cargv, err, sizeof err) != 0) {
        fprintf(stderr, "lwc-explore: --client: %s\n", err);
        return 2;
    }
    x.opt.client_argv = cargv;

    if (print_run >= 0) {
        /* the scenario a run would use, for a client declaring every capability */
        genome g;
        lwch_gen_random(&g, x.seed, (uint64_t)print_run, print_caps);
        char name[64], *text = NULL;
        snprintf(name, sizeof name, "explore-%llu-%ld", (unsigned long long)x.seed, print_run);
        lwc_scenario *sc = lwch_explore_scenario(&g, name, NULL, &text, err, sizeof err);
        lwch_cmdline_free(cargv);
        if (!sc) {
            fprintf(stderr, "lwc-explore: %s\n", err);
            return 1;
        }
        fputs(text, stdout);
        free(text);
        lwc_scenario_free(sc);
        return 0;
    }

    if (lwch_interrupt_install() != 0) {
        fprintf(stderr, "lwc-explore: cannot install signal handlers: %s\n", strerror(errno));
        lwch_cmdline_free(cargv);
        return 2;
    }
    x.opt.interrupt_fd = lwch_interrupt_fd();
    x.tty = isatty(2) && !x.opt.verbose;
    if (pthread_mutex_init(&x.mu, NULL) != 0) {
        lwch_cmdline_free(cargv);
        return 2;
    }
    fprintf(stderr, "lwc-explore: seed %llu (replay with --seed %llu)\n", (unsigned long long)x.seed,
            (unsigned long long)x.seed);
    if (probe_client(&x, err, sizeof err) != 0) {
        fprintf(stderr, "lwc-explore: %s\n", err);
        lwch_cmdline_free(cargv);
        return 2;
    }
    char caps[200];
    lwc_capabilities_format(x.caps, caps, sizeof caps);
    fprintf(stderr, "lwc-explore: client %s declares %s; generating only what it declares\n", x.client_name, caps);

    x.t0 = lwcc_monotonic_ms();
    if (x.deadline_ms)
        x.deadline_ms += x.t0;
    pthread_t *th = calloc((size_t)jobs, sizeof *th);
    if (!th) {
        lwch_cmdline_free(cargv);
        return 2;
    }
    long started = 0;
    for (long i = 0; i < jobs; i++) {
        if (pthread_create(&th[i], NULL, worker, &x) != 0)
            break;
        started++;
    }
    if (!started) {
        fprintf(stderr, "lwc-explore: cannot start a worker thread\n");
        free(th);
        lwch_cmdline_free(cargv);
        return 2;
    }
    for (long i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    free(th);
    double wall = lwcc_monotonic_ms() - x.t0;
    if (x.tty)
        fprintf(stderr, "\r\033[K");

    resolve_dups(&x);
    summary(&x, stdout, wall, (int)jobs);
    int rc = x.failed || x.errors ? 1 : 0;
    if (json && write_json(&x, json, wall, (int)jobs, err, sizeof err) != 0) {
        fprintf(stderr, "lwc-explore: %s\n", err);
        rc = 2;
    }
    if (lwch_interrupt_requested()) {
        fprintf(stderr, "lwc-explore: interrupted\n");
        rc = 2;
    }
    for (size_t i = 0; i < x.nfails; i++) {
        free(x.fails[i].report);
        free(x.fails[i].error);
    }
    free(x.fails);
    pthread_mutex_destroy(&x.mu);
    lwch_cmdline_free(cargv);
    return rc;
}
