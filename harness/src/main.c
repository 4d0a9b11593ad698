/* lwc-harness: run scenarios against a list/watch client and check that its
 * store converges (design.md, client-protocol.md).
 *
 * Exit status: 0 every scenario passed, 1 any failed, 2 could not run (bad
 * arguments, a scenario file that cannot be read or is refused, a client
 * that cannot be started, Ctrl-C). */
#include "cmdline.h"
#include "lwc_fail.h"
#include "exe_dir.h"
#include "interrupt.h"
#include "monotonic.h"
#include "expected.h"
#include "lwc_version.h"
#include "lwc_scenario.h"
#include "report.h"
#include "result.h"
#include "runner.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void usage(FILE *out)
{
    fprintf(out,
            "usage: lwc-harness [options] [SCENARIO.json or DIR ...]\n"
            "\n"
            "Runs each scenario (default: the repository's scenarios/) against a client\n"
            "(default: lwc-watch beside this program) and checks its store.\n"
            "\n"
            "  --client 'COMMAND'   the client to test, split into words as a POSIX shell\n"
            "                       does (quotes respected, nothing expanded)\n"
            "  -j N                 run N scenarios at once, each with its own server (default 1)\n"
            "  --junit FILE         write JUnit XML\n"
            "  --json FILE          write the results as JSON\n"
            "  --shard I/N          run only the I-th of N shards (1 <= I <= N): every N-th\n"
            "                       scenario in file-name order, starting with the I-th\n"
            "  --merge-junit OUT IN...  join the shards' JUnit files into OUT, and exit\n"
            "  --print              print each scenario in the catalog's canonical form, and exit\n"
            "  --repeat N           run each scenario N times (flake hunting)\n"
            "  --filter SUBSTRING   only scenarios whose name contains SUBSTRING\n"
            "  --list               print the scenarios that would run, and exit\n"
            "  --timeout-scale X    multiply every deadline by X (slow machines, sanitizers)\n"
            "  --expect FILE        compare each verdict with the client's expected-verdicts\n"
            "                       file (docs/client-protocol.md); exit 1 on any difference\n"
            "  --max-failures N     start no more runs once N have failed (the rest: NOT RUN)\n"
            "  -v                   trace each run on stderr (steps, DUMPs, the client's stderr)\n"
            "  --version            print the version and the git commit, and exit\n"
            "  -h, --help           this text\n"
            "\n"
            "Exit status: 0 all passed (or not applicable), 1 some failed, 2 could not run.\n"
            "With --expect: 0 every verdict as expected, 1 some differed, 2 could not run.\n");
}


/* ---- where things are ---- */


static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The catalog: ../../scenarios from a build folder's bin/, the installed
 * ../share/lwc/scenarios from PREFIX/bin, else ./scenarios. */
static int default_scenarios(char *out, size_t len)
{
    char dir[PATH_MAX];
    if (lwch_exe_dir(dir, sizeof dir) == 0) {
        if ((size_t)snprintf(out, len, "%s/../../scenarios", dir) < len && is_dir(out))
            return 0;
        if ((size_t)snprintf(out, len, "%s/../share/lwc/scenarios", dir) < len && is_dir(out))
            return 0;
    }
    if (is_dir("scenarios")) {
        snprintf(out, len, "scenarios");
        return 0;
    }
    return -1;
}

/* Is argv0 something posix_spawnp will be able to start? */
static int find_program(const char *argv0, char *why, size_t whylen)
{
    if (strchr(argv0, '/')) {
        if (access(argv0, X_OK) == 0 && !is_dir(argv0))
            return 0;
        return lwc_fail(why, whylen, -1, "%s: %s", argv0,
                        access(argv0, F_OK) == 0 ? "not an executable file" : strerror(errno));
    }
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    const char *p = path;
    while (*p) {
        const char *end = strchr(p, ':');
        size_t l = end ? (size_t)(end - p) : strlen(p);
        char cand[PATH_MAX];
        if (snprintf(cand, sizeof cand, "%.*s/%s", (int)(l ? l : 1), l ? p : ".", argv0) < (int)sizeof cand &&
            access(cand, X_OK) == 0 && !is_dir(cand))
            return 0;
        p += l + (end ? 1 : 0);
        if (!end)
            break;
    }
    return lwc_fail(why, whylen, -1, "%s: not found in PATH", argv0);
}

/* ---- the scenario list ---- */

typedef struct entry {
    char *path;
    const char *base;
    lwc_scenario *sc;
} entry;

typedef struct entries {
    entry *v;
    size_t n, cap;
} entries;

static int add_entry(entries *e, const char *path)
{
    if (e->n == e->cap) {
        size_t ncap = e->cap ? e->cap * 2 : 64;
        entry *nv = realloc(e->v, ncap * sizeof *nv);
        if (!nv)
            return -1;
        e->v = nv;
        e->cap = ncap;
    }
    char *p = strdup(path);
    if (!p)
        return -1;
    const char *slash = strrchr(p, '/');
    e->v[e->n].path = p;
    e->v[e->n].base = slash ? slash + 1 : p;
    e->v[e->n].sc = NULL;
    e->n++;
    return 0;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

static int add_dir(entries *e, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "lwc-harness: %s: %s\n", dir, strerror(errno));
        return -1;
    }
    struct dirent *de;
    int rc = 0;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.' || !ends_with(de->d_name, ".json"))
            continue;
        char p[PATH_MAX];
        if ((size_t)snprintf(p, sizeof p, "%s%s%s", dir, ends_with(dir, "/") ? "" : "/", de->d_name) >= sizeof p)
            continue;
        struct stat st;
        if (stat(p, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (add_entry(e, p) != 0) {
            fprintf(stderr, "lwc-harness: out of memory\n");
            rc = -1;
            break;
        }
    }
    closedir(d);
    return rc;
}

static int entry_cmp(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    int c = strcmp(x->base, y->base);
    return c ? c : strcmp(x->path, y->path);
}

/* ---- running ---- */

typedef struct job {
    const lwc_scenario *sc;
    int repeat;
} job;

typedef struct pool {
    job *jobs;
    scenario_result *results;
    size_t njobs;
    atomic_size_t next;
    const run_options *opt;
    pthread_mutex_t mu;
    size_t done, failed;
    size_t really_failed;   /* VERDICT_FAIL only, for --max-failures */
    long max_failures;      /* 0: no limit */
    int progress_tty;
    int verbose;
    double started;
} pool;

static void progress(pool *p, const scenario_result *r)
{
    pthread_mutex_lock(&p->mu);
    p->done++;
    if (r->v != VERDICT_PASS && r->v != VERDICT_NA)
        p->failed++;
    if (r->v == VERDICT_FAIL)
        p->really_failed++;
    if (p->progress_tty && p->njobs > 1) {
        fprintf(stderr, "\r\033[K[%zu/%zu] %zu not passed, %.1f s  %s %s", p->done, p->njobs, p->failed,
                (lwcc_monotonic_ms() - p->started) / 1000.0, lwch_verdict_name(r->v), r->name ? r->name : "?");
        fflush(stderr);
    } else if (p->verbose) {
        fprintf(stderr, "[%zu/%zu] %s %s (%.0f ms)\n", p->done, p->njobs, lwch_verdict_name(r->v), r->name ? r->name : "?",
                r->total_ms);
    }
    pthread_mutex_unlock(&p->mu);
}

static void *worker(void *arg)
{
    pool *p = arg;
    for (;;) {
        if (lwch_interrupt_requested())
            break;
        if (p->max_failures) {
            pthread_mutex_lock(&p->mu);
            int enough = p->really_failed >= (size_t)p->max_failures;
            pthread_mutex_unlock(&p->mu);
            if (enough)
                break;
        }
        size_t i = atomic_fetch_add(&p->next, 1);
        if (i >= p->njobs)
            break;
        scenario_result *r = &p->results[i];
        lwch_run_scenario(p->jobs[i].sc, p->opt, r);
        r->repeat = p->jobs[i].repeat;
        progress(p, r);
    }
    return NULL;
}

static int parse_positive(const char *s, long max, long *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || !end || *end || v < 1 || v > max)
        return -1;
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    /* posix_spawn's dup2 onto 0..2 needs our pipes elsewhere: make sure those are taken. */
    for (int fd = 0; fd < 3; fd++) {
        if (fcntl(fd, F_GETFD) < 0) {
            int nfd = open("/dev/null", O_RDWR);
            if (nfd < 0)
                return 2;
        }
    }
    enum { OPT_CLIENT = 1000, OPT_JUNIT, OPT_JSON, OPT_SHARD, OPT_REPEAT, OPT_LIST, OPT_SCALE, OPT_FILTER, OPT_EXPECT,
           OPT_MAX_FAILURES, OPT_VERSION, OPT_MERGE_JUNIT, OPT_PRINT };
    static const struct option longopts[] = {
        {"client", required_argument, NULL, OPT_CLIENT}, {"junit", required_argument, NULL, OPT_JUNIT},
        {"json", required_argument, NULL, OPT_JSON},     {"shard", required_argument, NULL, OPT_SHARD},
        {"repeat", required_argument, NULL, OPT_REPEAT}, {"list", no_argument, NULL, OPT_LIST},
        {"timeout-scale", required_argument, NULL, OPT_SCALE}, {"filter", required_argument, NULL, OPT_FILTER},
        {"expect", required_argument, NULL, OPT_EXPECT}, {"max-failures", required_argument, NULL, OPT_MAX_FAILURES},
        {"jobs", required_argument, NULL, 'j'},          {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},                {"version", no_argument, NULL, OPT_VERSION},
        {"merge-junit", required_argument, NULL, OPT_MERGE_JUNIT}, {"print", no_argument, NULL, OPT_PRINT},
        {NULL, 0, NULL, 0},
    };
    const char *client = NULL, *junit = NULL, *json = NULL, *filter = NULL, *expect_path = NULL;
    long jobs = 1, repeat = 1, shard_i = 0, shard_n = 0, max_failures = 0;
    double scale = 1.0;
    int list = 0, verbose = 0, print = 0;
    int c;
    while ((c = getopt_long(argc, argv, "j:vh", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_CLIENT: client = optarg; break;
        case OPT_JUNIT: junit = optarg; break;
        case OPT_JSON: json = optarg; break;
        case OPT_FILTER: filter = optarg; break;
        case OPT_LIST: list = 1; break;
        case OPT_PRINT: print = list = 1; break;
        case OPT_EXPECT: expect_path = optarg; break;
        case OPT_MAX_FAILURES:
            if (parse_positive(optarg, 1000000, &max_failures) != 0) {
                fprintf(stderr, "lwc-harness: --max-failures: expected a positive number, got \"%s\"\n", optarg);
                return 2;
            }
            break;
        case 'v': verbose = 1; break;
        case 'h': usage(stdout); return 0;
        case OPT_VERSION: printf("lwc-harness %s\n", LWC_VERSION_STRING); return 0;
        case OPT_MERGE_JUNIT: {
            /* Everything after OUT is an input file: no scenario runs. */
            char err[2048];
            if (optind >= argc) {
                fprintf(stderr, "lwc-harness: --merge-junit OUT IN...: no input files\n");
                return 2;
            }
            if (lwch_junit_merge(optarg, argv + optind, (size_t)(argc - optind), err, sizeof err) != 0) {
                fprintf(stderr, "lwc-harness: --merge-junit: %s\n", err);
                return 2;
            }
            return 0;
        }
        case 'j':
            if (parse_positive(optarg, 1024, &jobs) != 0) {
                fprintf(stderr, "lwc-harness: -j: expected a number from 1 to 1024, got \"%s\"\n", optarg);
                return 2;
            }
            break;
        case OPT_REPEAT:
            if (parse_positive(optarg, 1000000, &repeat) != 0) {
                fprintf(stderr, "lwc-harness: --repeat: expected a positive number, got \"%s\"\n", optarg);
                return 2;
            }
            break;
        case OPT_SHARD: {
            char a[32], b[32];
            const char *slash = strchr(optarg, '/');
            if (!slash || (size_t)(slash - optarg) >= sizeof a || strlen(slash + 1) >= sizeof b) {
                fprintf(stderr, "lwc-harness: --shard: expected I/N, got \"%s\"\n", optarg);
                return 2;
            }
            memcpy(a, optarg, (size_t)(slash - optarg));
            a[slash - optarg] = '\0';
            snprintf(b, sizeof b, "%s", slash + 1);
            if (parse_positive(b, 100000, &shard_n) != 0 || parse_positive(a, shard_n, &shard_i) != 0) {
                fprintf(stderr, "lwc-harness: --shard: expected I/N with 1 <= I <= N, got \"%s\"\n", optarg);
                return 2;
            }
            break;
        }
        case OPT_SCALE: {
            char *end = NULL;
            errno = 0;
            scale = strtod(optarg, &end);
            if (errno || !end || *end || !(scale > 0) || scale > 1000) {
                fprintf(stderr, "lwc-harness: --timeout-scale: expected a number above 0, got \"%s\"\n", optarg);
                return 2;
            }
            break;
        }
        default: usage(stderr); return 2;
        }
    }

    /* The client. */
    char default_client[PATH_MAX + 16];
    if (!client) {
        if (lwch_exe_sibling("lwc-watch", default_client, sizeof default_client) != 0) {
            fprintf(stderr, "lwc-harness: cannot find my own directory; pass --client\n");
            return 2;
        }
        client = default_client;
    }
    char **client_argv = NULL;
    char err[2048];
    if (lwch_cmdline_split(client, &client_argv, err, sizeof err) != 0) {
        fprintf(stderr, "lwc-harness: --client: %s\n", err);
        return 2;
    }
    if (!list && find_program(client_argv[0], err, sizeof err) != 0) {
        fprintf(stderr, "lwc-harness: cannot run the client: %s%s\n", err,
                client == default_client ? " (build lwc-watch, or pass --client 'COMMAND')" : "");
        lwch_cmdline_free(client_argv);
        return 2;
    }

    /* The scenarios. */
    entries e = {0};
    int rc = 0;
    if (optind >= argc) {
        char d[PATH_MAX];
        if (default_scenarios(d, sizeof d) != 0) {
            fprintf(stderr, "lwc-harness: no scenarios given and no scenarios/ directory found\n");
            lwch_cmdline_free(client_argv);
            return 2;
        }
        rc = add_dir(&e, d);
    }
    for (int i = optind; i < argc && rc == 0; i++) {
        if (is_dir(argv[i]))
            rc = add_dir(&e, argv[i]);
        else if (access(argv[i], R_OK) == 0)
            rc = add_entry(&e, argv[i]);
        else {
            fprintf(stderr, "lwc-harness: %s: %s\n", argv[i], strerror(errno));
            rc = -1;
        }
    }
    if (rc == 0 && e.n == 0) {
        fprintf(stderr, "lwc-harness: no scenario files (*.json) found\n");
        rc = -1;
    }
    if (e.n > 1)
        qsort(e.v, e.n, sizeof *e.v, entry_cmp);
    /* Shard first, on the whole list in file-name order: every machine of a
     * CI matrix sees the same list and takes a disjoint part of it. */
    size_t kept = 0;
    for (size_t i = 0; i < e.n; i++) {
        if (shard_n && (long)(i % (size_t)shard_n) != shard_i - 1) {
            free(e.v[i].path);
            continue;
        }
        e.v[kept++] = e.v[i];
    }
    e.n = kept;
    /* Load them all before running any: a bad file stops the run with status 2. */
    for (size_t i = 0; i < e.n && rc == 0; i++) {
        e.v[i].sc = lwc_scenario_load(e.v[i].path, err, sizeof err);
        if (!e.v[i].sc) {
            fprintf(stderr, "lwc-harness: %s\n", err);
            rc = -1;
        }
    }
    /* The expected verdicts: a name the catalog lacks is a typo, unless
     * --shard left that scenario to another machine. */
    expected_set exp = {0};
    int have_expect = 0;
    if (rc == 0 && expect_path) {
        if (lwch_expected_load(expect_path, &exp, err, sizeof err) != 0) {
            fprintf(stderr, "lwc-harness: --expect %s\n", err);
            rc = -1;
        } else {
            have_expect = 1;
        }
        for (size_t k = 0; rc == 0 && !shard_n && k < exp.n; k++) {
            int found = 0;
            for (size_t i = 0; i < e.n && !found; i++)
                found = !strcmp(e.v[i].sc->name, exp.v[k].scenario);
            if (!found) {
                fprintf(stderr, "lwc-harness: --expect %s:%d: no scenario named \"%s\" among those given\n", exp.path,
                        exp.v[k].line, exp.v[k].scenario);
                rc = -1;
            }
        }
    }
    size_t nsel = 0;
    for (size_t i = 0; i < e.n && rc == 0; i++)
        if (!filter || strstr(e.v[i].sc->name, filter))
            nsel++;
    if (rc == 0 && nsel == 0 && !list) {
        fprintf(stderr, "lwc-harness: no scenario matches%s%s\n", filter ? " --filter " : "", filter ? filter : "");
        rc = -1;
    }

    int status = 2;
    if (rc == 0 && list) {
        status = 0;
        for (size_t i = 0; i < e.n; i++) {
            const lwc_scenario *sc = e.v[i].sc;
            if (filter && !strstr(sc->name, filter))
                continue;
            if (!print) {
                printf("%-40s %s\n    %s\n", sc->name, sc->path, sc->description);
                continue;
            }
            char *text = lwc_scenario_print(sc);
            if (!text) {
                fprintf(stderr, "lwc-harness: %s: out of memory printing it\n", sc->path);
                status = 2;
                break;
            }
            fputs(text, stdout);
            free(text);
        }
    } else if (rc == 0) {
        if (lwch_interrupt_install() != 0) {
            fprintf(stderr, "lwc-harness: cannot install signal handlers: %s\n", strerror(errno));
            goto out;
        }
        pool p;
        memset(&p, 0, sizeof p);
        p.njobs = nsel * (size_t)repeat;
        p.jobs = calloc(p.njobs, sizeof *p.jobs);
        p.results = calloc(p.njobs, sizeof *p.results);
        if (!p.jobs || !p.results) {
            fprintf(stderr, "lwc-harness: out of memory\n");
            free(p.jobs);
            free(p.results);
            goto out;
        }
        size_t k = 0;
        for (long rep = 1; rep <= repeat; rep++)
            for (size_t i = 0; i < e.n; i++)
                if (!filter || strstr(e.v[i].sc->name, filter)) {
                    p.jobs[k].sc = e.v[i].sc;
                    p.jobs[k].repeat = repeat > 1 ? (int)rep : 1;
                    lwch_result_init(&p.results[k]);
                    k++;
                }
        run_options opt = {.client_argv = client_argv, .timeout_scale = scale, .verbose = verbose,
                           .interrupt_fd = lwch_interrupt_fd()};
        p.opt = &opt;
        atomic_init(&p.next, 0);
        pthread_mutex_init(&p.mu, NULL);
        p.progress_tty = isatty(STDERR_FILENO) && !verbose;
        p.verbose = verbose;
        p.started = lwcc_monotonic_ms();
        p.max_failures = max_failures;
        size_t nthreads = (size_t)jobs < p.njobs ? (size_t)jobs : p.njobs;
        pthread_t *threads = calloc(nthreads, sizeof *threads);
        size_t started = 0;
        if (threads) {
            for (; started < nthreads; started++)
                if (pthread_create(&threads[started], NULL, worker, &p) != 0)
                    break;
        }
        if (started == 0)
            worker(&p); /* no thread could start: run them here, one at a time */
        for (size_t i = 0; i < started; i++)
            pthread_join(threads[i], NULL);
        free(threads);
        if (p.progress_tty && p.njobs > 1)
            fprintf(stderr, "\r\033[K");
        /* Runs never started count as interrupted (Ctrl-C) or not run (--max-failures). */
        size_t nres = 0;
        int oom = 0;
        for (size_t i = 0; i < p.njobs; i++) {
            if (!p.results[i].name) {
                p.results[i].name = strdup(p.jobs[i].sc->name);
                p.results[i].path = strdup(p.jobs[i].sc->path);
                p.results[i].repeat = p.jobs[i].repeat;
                p.results[i].v = lwch_interrupt_requested() ? VERDICT_INTERRUPTED : VERDICT_NOT_RUN;
            }
            if (have_expect && p.results[i].v != VERDICT_INTERRUPTED &&
                lwch_expected_judge(&exp, lwch_expected_find(&exp, p.jobs[i].sc->name), &p.results[i]) != 0)
                oom = 1;
            nres++;
        }
        if (oom)
            fprintf(stderr, "lwc-harness: out of memory comparing with --expect\n");
        run_summary sum = {.client = client, .wall_ms = lwcc_monotonic_ms() - p.started, .expect_path = expect_path};
        lwch_summary_count(p.results, nres, &sum);
        int colour = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
        lwch_report_table(stdout, p.results, nres, &sum, colour);
        lwch_report_failures(stdout, p.results, nres, colour);
        if (have_expect)
            lwch_report_mismatches(stdout, p.results, nres, &sum, colour);
        fflush(stdout);
        int write_failed = 0;
        if (junit && lwch_report_junit(junit, p.results, nres, &sum, err, sizeof err) != 0) {
            fprintf(stderr, "lwc-harness: --junit %s\n", err);
            write_failed = 1;
        }
        if (json && lwch_report_json(json, p.results, nres, &sum, err, sizeof err) != 0) {
            fprintf(stderr, "lwc-harness: --json %s\n", err);
            write_failed = 1;
        }
        if (lwch_interrupt_requested() || sum.interrupted || sum.errors || write_failed || oom)
            status = 2;
        else if (have_expect)
            status = sum.mismatches ? 1 : 0;
        else
            status = sum.failed ? 1 : 0;
        if (lwch_interrupt_requested())
            fprintf(stderr, "lwc-harness: interrupted\n");
        for (size_t i = 0; i < p.njobs; i++)
            lwch_result_free(&p.results[i]);
        free(p.results);
        free(p.jobs);
        pthread_mutex_destroy(&p.mu);
    }
out:
    if (have_expect)
        lwch_expected_free(&exp);
    for (size_t i = 0; i < e.n; i++) {
        lwc_scenario_free(e.v[i].sc);
        free(e.v[i].path);
    }
    free(e.v);
    lwch_cmdline_free(client_argv);
    return status;
}
