/* lwc-watch: the reference watcher, speaking the client protocol
 * (docs/client-protocol.md) on its standard streams.
 *
 *   lwc-watch [--bug NAME]... [-v] [--watch-timeout S] ...
 *   lwc-watch --list-bugs
 *
 * The collection comes from LWC_* variables (LWC_SERVER, else the
 * kubeconfig's server); stdout carries READY, EVENT, RESTART, LOG and, for
 * each "DUMP N" read on stdin, a SNAPSHOT; "STOP", end of input, SIGTERM or
 * SIGINT end it with status 0. Status 2: bad arguments or environment. */
#include "cli_output.h"
#include "lwc_reflector.h"
#include "lwc_version.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int sig_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
    int saved = errno;
    unsigned char b = (unsigned char)sig;
    ssize_t w = write(sig_pipe[1], &b, 1);
    (void)w;
    errno = saved;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: lwc-watch [options]\n"
            "       lwc-watch --list-bugs\n"
            "\n"
            "Lists and watches one Kubernetes collection and speaks the lwc client protocol:\n"
            "JSON lines on stdout (READY, EVENT, SNAPSHOT, RESTART, LOG), commands on stdin\n"
            "(DUMP N, STOP). The collection comes from LWC_SERVER (or KUBECONFIG), LWC_API_PATH,\n"
            "LWC_RESOURCE, LWC_NAMESPACE (empty: all namespaces), LWC_LABEL_SELECTOR,\n"
            "LWC_PAGE_SIZE, LWC_WATCH_LIST and LWC_WATCH_TIMEOUT (a hint for timeoutSeconds).\n"
            "\n"
            "  --list-bugs                 the reproducible client bugs, with their public references\n"
            "  --bug NAME                  switch one bug on (repeatable)\n"
            "  -v, --verbose               LOG lines at debug level too (requests, bookmarks)\n"
            "  --watch-timeout S           timeoutSeconds is drawn from [S, 2S) (default: LWC_WATCH_TIMEOUT,\n"
            "                              else 300)\n"
            "  --stall-margin-ms MS        a watch silent for timeoutSeconds + MS is dead\n"
            "                              (default: timeoutSeconds again, at most 30 s)\n"
            "  --watch-list-deadline-ms MS give up on a streaming list's end bookmark (default 30000)\n"
            "  --backoff-base-ms MS        first backoff (default 100)\n"
            "  --backoff-cap-ms MS         longest backoff (default 30000)\n"
            "  --seed N                    seed for jitter and watch timeouts\n"
            "  --max-page-bytes N          largest list page taken (default 64 MiB)\n"
            "  --max-line-bytes N          longest watch event line taken (default 16 MiB)\n"
            "  --version                   print the version and the git commit, and exit\n"
            "  -h, --help                  this help\n");
}

static void list_bugs(void)
{
    for (int i = 0; i < LWC_BUG_COUNT; i++)
        printf("%-24s %s\n", lwc_bug_name((lwc_bug)i), lwc_bug_reference((lwc_bug)i));
}

static int parse_u(const char *s, unsigned long long max, unsigned long long *out)
{
    if (!s || !*s || *s == '-')
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v > max)
        return -1;
    *out = v;
    return 0;
}

/* --- reflector callbacks --- */

static void cb_ready(void *ud)
{
    (void)ud;
    out_ready();
}

static void cb_event(void *ud, lwc_event_type type, const lwc_object_ref *obj)
{
    (void)ud;
    out_event(type, obj);
}

static void cb_restart(void *ud, const char *reason)
{
    (void)ud;
    out_restart(reason);
}

static void cb_log(void *ud, lwc_log_level level, const char *msg)
{
    (void)ud;
    static const char *names[] = {"debug", "info", "warn", "error"};
    out_log(names[level <= LWC_LOG_ERROR ? level : LWC_LOG_ERROR], msg);
}

static void cb_batch_end(void *ud)
{
    (void)ud;
    out_flush();
}

/* --- the collection from the environment --- */

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v ? v : "";
}

/* LWC_COLLECTION into api path and resource, for a harness that sets only
 * it: "/api/v1/pods", "/apis/G/V/namespaces/NS/R". */
static int split_collection(const char *coll, char *api, size_t apilen, char *ns, size_t nslen, char *res,
                            size_t reslen)
{
    const char *p = coll;
    int parts = strncmp(p, "/api/", 5) == 0 ? 2 : strncmp(p, "/apis/", 6) == 0 ? 3 : 0;
    if (!parts)
        return -1;
    const char *q = p;
    for (int i = 0; i < parts; i++) {
        q = strchr(q + 1, '/');
        if (!q)
            return -1;
    }
    if ((size_t)(q - p) >= apilen)
        return -1;
    memcpy(api, p, (size_t)(q - p));
    api[q - p] = '\0';
    q++;
    ns[0] = '\0';
    if (strncmp(q, "namespaces/", 11) == 0 && strchr(q + 11, '/')) {
        const char *e = strchr(q + 11, '/');
        if ((size_t)(e - q - 11) >= nslen)
            return -1;
        memcpy(ns, q + 11, (size_t)(e - q - 11));
        ns[e - q - 11] = '\0';
        q = e + 1;
    }
    if (!*q || strchr(q, '/') || strlen(q) >= reslen)
        return -1;
    snprintf(res, reslen, "%s", q);
    return 0;
}

/* --- stdin commands --- */

typedef struct cmd_reader {
    char buf[4096];
    size_t len;
    int overlong; /* discarding the rest of a line too long to be a command */
} cmd_reader;

/* Returns 1 when the watcher must stop. */
static int run_command(lwc_reflector *r, char *cmd)
{
    size_t n = strlen(cmd);
    while (n && (cmd[n - 1] == '\r' || cmd[n - 1] == ' ' || cmd[n - 1] == '\t'))
        cmd[--n] = '\0';
    if (n == 0)
        return 0;
    if (strcmp(cmd, "STOP") == 0)
        return 1;
    if (strncmp(cmd, "DUMP ", 5) == 0) {
        unsigned long long seq;
        if (parse_u(cmd + 5, ~0ull, &seq) != 0) {
            out_log("warn", "DUMP needs a non-negative integer sequence number");
            return 0;
        }
        lwc_snapshot snap;
        if (lwc_reflector_snapshot(r, &snap) != LWC_OK || out_snapshot(seq, &snap) != 0)
            out_log("error", "out of memory writing a snapshot");
        lwc_snapshot_free(&snap);
        return 0;
    }
    char msg[160];
    snprintf(msg, sizeof msg, "unknown command: %.100s", cmd);
    out_log("warn", msg);
    return 0;
}

/* Reads what stdin has; returns 1 at STOP or end of input. */
static int read_commands(lwc_reflector *r, cmd_reader *cr)
{
    ssize_t got = read(STDIN_FILENO, cr->buf + cr->len, sizeof cr->buf - 1 - cr->len);
    if (got < 0)
        return errno == EINTR || errno == EAGAIN ? 0 : 1;
    if (got == 0)
        return 1;
    cr->len += (size_t)got;
    cr->buf[cr->len] = '\0';
    char *start = cr->buf;
    char *nl;
    while ((nl = memchr(start, '\n', cr->len - (size_t)(start - cr->buf)))) {
        *nl = '\0';
        int discard = cr->overlong;
        cr->overlong = 0;
        if (!discard && run_command(r, start))
            return 1;
        start = nl + 1;
    }
    size_t rest = cr->len - (size_t)(start - cr->buf);
    memmove(cr->buf, start, rest);
    cr->len = rest;
    if (cr->len == sizeof cr->buf - 1) {
        out_log("warn", "command line longer than 4 KiB ignored");
        cr->len = 0;
        cr->overlong = 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    lwc_reflector_config cfg;
    lwc_reflector_config_init(&cfg);
    unsigned long long hint;
    if (parse_u(getenv("LWC_WATCH_TIMEOUT"), 86400, &hint) == 0 && hint > 0)
        cfg.watch_timeout_s = (unsigned)hint;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        unsigned long long n;
        if (!strcmp(a, "--list-bugs")) {
            list_bugs();
            return 0;
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--version")) {
            printf("lwc-watch %s\n", LWC_VERSION_STRING);
            return 0;
        } else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
            cfg.verbose = 1;
        } else if (!strcmp(a, "--bug") || !strncmp(a, "--bug=", 6)) {
            const char *name = a[5] == '=' ? a + 6 : v;
            if (a[5] != '=')
                i++;
            int b = lwc_bug_lookup(name);
            if (b < 0) {
                fprintf(stderr, "lwc-watch: unknown bug \"%s\" (--list-bugs lists them)\n", name ? name : "");
                return 2;
            }
            cfg.bugs |= LWC_BUG_BIT(b);
        } else if (v && !strcmp(a, "--watch-timeout") && parse_u(v, 86400, &n) == 0 && n > 0) {
            cfg.watch_timeout_s = (unsigned)n;
            i++;
        } else if (v && !strcmp(a, "--stall-margin-ms") && parse_u(v, 3600000, &n) == 0) {
            cfg.stall_margin_ms = (unsigned)n;
            i++;
        } else if (v && !strcmp(a, "--watch-list-deadline-ms") && parse_u(v, 86400000, &n) == 0 && n > 0) {
            cfg.watch_list_deadline_ms = (unsigned)n;
            i++;
        } else if (v && !strcmp(a, "--backoff-base-ms") && parse_u(v, 3600000, &n) == 0 && n > 0) {
            cfg.backoff_base_ms = (unsigned)n;
            i++;
        } else if (v && !strcmp(a, "--backoff-cap-ms") && parse_u(v, 3600000, &n) == 0 && n > 0) {
            cfg.backoff_cap_ms = (unsigned)n;
            i++;
        } else if (v && !strcmp(a, "--seed") && parse_u(v, ~0ull, &n) == 0) {
            cfg.seed = n;
            i++;
        } else if (v && !strcmp(a, "--max-page-bytes") && parse_u(v, (unsigned long long)1 << 40, &n) == 0 && n > 0) {
            cfg.max_body_bytes = (size_t)n;
            i++;
        } else if (v && !strcmp(a, "--max-line-bytes") && parse_u(v, (unsigned long long)1 << 40, &n) == 0 && n > 0) {
            cfg.max_line_bytes = (size_t)n;
            i++;
        } else {
            fprintf(stderr, "lwc-watch: bad argument \"%s\"\n", a);
            usage(stderr);
            return 2;
        }
    }

    /* Signals first: a SIGTERM from here on ends the watcher cleanly. */
    if (pipe(sig_pipe) != 0) {
        fprintf(stderr, "lwc-watch: pipe: %s\n", strerror(errno));
        return 1;
    }
    fcntl(sig_pipe[1], F_SETFL, O_NONBLOCK);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (out_init(stdout) != 0) {
        fprintf(stderr, "lwc-watch: cannot buffer stdout\n");
        return 2;
    }
    lwc_kubeconfig kc = {0};
    const char *kpath = env("KUBECONFIG");
    char err[512];
    if (*kpath) {
        /* KUBECONFIG may list several files; the first names the context. */
        char first[4096];
        snprintf(first, sizeof first, "%s", kpath);
        char *colon = strchr(first, ':');
        if (colon)
            *colon = '\0';
        if (lwc_kubeconfig_load(first, &kc, err, sizeof err) != LWC_OK) {
            fprintf(stderr, "lwc-watch: %s\n", err);
            memset(&kc, 0, sizeof kc);
        }
    }
    const char *server = *env("LWC_SERVER") ? env("LWC_SERVER") : kc.server;
    char api[512], ns_from_coll[256], res[256];
    snprintf(api, sizeof api, "%s", env("LWC_API_PATH"));
    snprintf(res, sizeof res, "%s", env("LWC_RESOURCE"));
    const char *ns = env("LWC_NAMESPACE");
    if ((!api[0] || !res[0]) && *env("LWC_COLLECTION")) {
        if (split_collection(env("LWC_COLLECTION"), api, sizeof api, ns_from_coll, sizeof ns_from_coll, res,
                             sizeof res) != 0) {
            fprintf(stderr, "lwc-watch: cannot read LWC_COLLECTION \"%s\"\n", env("LWC_COLLECTION"));
            lwc_kubeconfig_free(&kc);
            return 2;
        }
        if (!*ns)
            ns = ns_from_coll;
    }
    unsigned long long page = 500;
    if (*env("LWC_PAGE_SIZE") && parse_u(env("LWC_PAGE_SIZE"), 1000000000ull, &page) != 0) {
        fprintf(stderr, "lwc-watch: LWC_PAGE_SIZE \"%s\" is not a non-negative integer\n", env("LWC_PAGE_SIZE"));
        lwc_kubeconfig_free(&kc);
        return 2;
    }
    cfg.server = server;
    cfg.api_path = api;
    cfg.resource = res;
    cfg.ns = ns; /* never the kubeconfig's namespace: empty means all */
    cfg.label_selector = env("LWC_LABEL_SELECTOR");
    cfg.bearer_token = kc.token;
    cfg.kubeconfig_namespace = kc.ns;
    cfg.page_size = (long)page;
    cfg.watch_list = !strcmp(env("LWC_WATCH_LIST"), "1") || !strcmp(env("LWC_WATCH_LIST"), "true");

    lwc_reflector_callbacks cb = {.on_ready = cb_ready,
                                  .on_event = cb_event,
                                  .on_restart = cb_restart,
                                  .on_log = cb_log,
                                  .on_batch_end = cb_batch_end};
    lwc_reflector *r = NULL;
    if (lwc_reflector_new(&cfg, &cb, &r, err, sizeof err) != LWC_OK) {
        fprintf(stderr, "lwc-watch: %s\n", err);
        lwc_kubeconfig_free(&kc);
        return 2;
    }
    lwc_kubeconfig_free(&kc);


    /* Every capability of the protocol: a reproduced bug breaks one of them
     * while still claiming it, which is what makes the catalog catch it. */
    static const char *const capabilities[] = {"rewatch", "relist", "retry", "bookmarks", "watchList", "watchTimeout",
                                               "events", NULL};
    char startmsg[1024];
    snprintf(startmsg, sizeof startmsg, "lwc-watch %s%s", LWC_VERSION_STRING, cfg.bugs ? " (with reproduced bugs on)" : "");
    out_hello(startmsg, capabilities);
    snprintf(startmsg, sizeof startmsg, "lwc-watch: %.200s%.200s%s%.100s/%.100s%s, page size %llu%s%s%.100s", server, api,
             *ns ? "/namespaces/" : "", *ns ? ns : "", res, *ns ? "" : " (all namespaces)", page,
             cfg.watch_list ? ", streaming lists" : "", *env("LWC_SCENARIO") ? ", scenario " : "",
             env("LWC_SCENARIO"));
    out_log("info", startmsg);
    for (int b = 0; b < LWC_BUG_COUNT; b++) {
        if (cfg.bugs & LWC_BUG_BIT(b)) {
            snprintf(startmsg, sizeof startmsg, "bug switched on: %.100s (%.300s)", lwc_bug_name((lwc_bug)b),
                     lwc_bug_reference((lwc_bug)b));
            out_log("warn", startmsg);
        }
    }
    if (lwc_reflector_start(r, err, sizeof err) != LWC_OK) {
        fprintf(stderr, "lwc-watch: %s\n", err);
        lwc_reflector_free(r);
        return 1;
    }

    /* The command loop: a signal, STOP, end of input or a reader that went
     * away ends it; the 1 s poll timeout only notices the last. */
    cmd_reader cr = {.len = 0};
    for (;;) {
        struct pollfd pfd[2] = {{.fd = sig_pipe[0], .events = POLLIN}, {.fd = STDIN_FILENO, .events = POLLIN}};
        int rc = poll(pfd, 2, 1000);
        if (rc < 0 && errno != EINTR)
            break;
        if (pfd[0].revents & POLLIN)
            break;
        if ((pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) && read_commands(r, &cr))
            break;
        if (out_failed())
            break;
    }
    lwc_reflector_free(r);
    out_flush();
    out_destroy();
    lwc_global_cleanup();
    close(sig_pipe[0]);
    close(sig_pipe[1]);
    return 0;
}
