/* lwc-mockserver: serve the demo world (or, later, a scenario) until SIGINT or SIGTERM. */
#include "lwc_mockserver.h"
#include "lwc_scenario.h"
#include "lwc_version.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static void usage(FILE *out)
{
    fprintf(out,
            "usage: lwc-mockserver [options]\n"
            "\n"
            "A mock Kubernetes API server for list/watch conformance tests. Without options it\n"
            "serves a demo world on 127.0.0.1:8080, where kubectl looks when it has no kubeconfig.\n"
            "\n"
            "  --scenario FILE           serve a scenario's world, server behaviour and faults\n"
            "                            (its timeline is played by lwc-harness, or by you\n"
            "                            through POST /lwc/v1/steps)\n"
            "  --listen ADDR:PORT        address to listen on; port 0 picks a free one\n"
            "                            (IPv6: [::1]:PORT). Default 127.0.0.1:8080\n"
            "  --kubeconfig FILE         write a kubeconfig for this server to FILE\n"
            "  --namespace NS            the kubeconfig context's namespace (default \"default\")\n"
            "  --empty                   start with no objects instead of the demo world\n"
            "  --rv0-paginated           paginate resourceVersion=0 lists (default: ignore limit,\n"
            "                            as the watch cache does)\n"
            "  --no-watch-list           refuse streaming lists with 422 (WatchList gate off)\n"
            "  --bookmark-interval MS    bookmark period for watches that allow them (default 60000)\n"
            "  --history N               keep only the last N events (default: all until compacted)\n"
            "  --seed N                  seed for uids and watch timeouts\n"
            "  --no-control              no control endpoints under /lwc/v1/ (state, requests,\n"
            "                            faults, compact, close-watches, steps)\n"
            "  --control-remote          let control endpoints answer clients on other hosts\n"
            "                            (default: loopback clients only; they need no credentials)\n"
            "  --log-limit N             keep the last N requests in the request log (default 100000)\n"
            "  --header-timeout MS       close a connection whose request line and headers are not\n"
            "                            in this long after it opened (default 32000, as the apiserver)\n"
            "  --store-quota BYTES       etcd's space quota: creates and updates past it get etcd's\n"
            "                            500 \"database space exceeded\" (default 2147483648, as\n"
            "                            etcd; 0: none)\n"
            "  -v, --log-requests        print one line per request on stderr\n"
            "  --version                 print the version and the git commit, and exit\n"
            "  -h, --help                this help\n");
}

static int parse_listen(const char *arg, char *addr, size_t addrlen, unsigned short *port)
{
    const char *colon;
    const char *host = arg;
    size_t hostlen;
    if (arg[0] == '[') {
        const char *close = strchr(arg, ']');
        if (!close || close[1] != ':')
            return -1;
        host = arg + 1;
        hostlen = (size_t)(close - host);
        colon = close + 1;
    } else {
        colon = strrchr(arg, ':');
        if (!colon)
            return -1;
        hostlen = (size_t)(colon - arg);
    }
    if (hostlen == 0 || hostlen >= addrlen)
        return -1;
    memcpy(addr, host, hostlen);
    addr[hostlen] = '\0';
    char *end = NULL;
    errno = 0;
    long p = strtol(colon + 1, &end, 10);
    if (errno || !end || *end || colon[1] == '\0' || p < 0 || p > 65535)
        return -1;
    *port = (unsigned short)p;
    return 0;
}

static int parse_ulong(const char *s, unsigned long long *out)
{
    char *end = NULL;
    errno = 0;
    if (!s || !*s || *s == '-')
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    lwc_mock_config cfg;
    lwc_mock_config_init(&cfg);
    cfg.port = 8080;
    cfg.demo_world = 1;
    char addr[64] = "127.0.0.1";
    const char *kubeconfig = NULL;
    const char *ns = NULL;
    const char *scenario_path = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        unsigned long long n = 0;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--version")) {
            printf("lwc-mockserver %s\n", LWC_VERSION_STRING);
            return 0;
        } else if (!strcmp(a, "--listen")) {
            if (!val || parse_listen(val, addr, sizeof addr, &cfg.port) != 0) {
                fprintf(stderr, "lwc-mockserver: --listen wants ADDR:PORT (e.g. 127.0.0.1:0), got \"%s\"\n",
                        val ? val : "");
                return 2;
            }
            i++;
        } else if (!strcmp(a, "--kubeconfig") || !strcmp(a, "--namespace")) {
            if (!val) {
                fprintf(stderr, "lwc-mockserver: %s needs a value\n", a);
                return 2;
            }
            if (a[2] == 'k')
                kubeconfig = val;
            else
                ns = val;
            i++;
        } else if (!strcmp(a, "--scenario")) {
            if (!val) {
                fprintf(stderr, "lwc-mockserver: --scenario needs a file\n");
                return 2;
            }
            scenario_path = val;
            i++;
        } else if (!strcmp(a, "--no-control")) {
            cfg.control_disabled = 1;
        } else if (!strcmp(a, "--control-remote")) {
            cfg.control_remote = 1;
        } else if (!strcmp(a, "--log-limit")) {
            if (parse_ulong(val, &n) != 0 || n == 0) {
                fprintf(stderr, "lwc-mockserver: --log-limit wants a positive integer, got \"%s\"\n", val ? val : "");
                return 2;
            }
            cfg.max_log_entries = (size_t)n;
            i++;
        } else if (!strcmp(a, "--header-timeout")) {
            if (parse_ulong(val, &n) != 0 || n == 0 || n > 86400000ULL) {
                fprintf(stderr, "lwc-mockserver: --header-timeout wants milliseconds (1 to 86400000), got \"%s\"\n",
                        val ? val : "");
                return 2;
            }
            cfg.header_timeout_ms = (unsigned)n;
            i++;
        } else if (!strcmp(a, "--store-quota")) {
            if (parse_ulong(val, &n) != 0 || n > SIZE_MAX) {
                fprintf(stderr, "lwc-mockserver: --store-quota wants a number of bytes (0: none), got \"%s\"\n",
                        val ? val : "");
                return 2;
            }
            cfg.store_quota_bytes = n == 0 ? SIZE_MAX : (size_t)n;
            i++;
        } else if (!strcmp(a, "--empty")) {
            cfg.demo_world = 0;
        } else if (!strcmp(a, "--rv0-paginated")) {
            cfg.rv0_ignores_limit = 0;
        } else if (!strcmp(a, "--no-watch-list")) {
            cfg.watch_list = 0;
        } else if (!strcmp(a, "--bookmark-interval") || !strcmp(a, "--history") || !strcmp(a, "--seed")) {
            if (parse_ulong(val, &n) != 0 || (a[2] == 'b' && (n == 0 || n > 86400000ULL))) {
                fprintf(stderr, "lwc-mockserver: %s wants a positive integer, got \"%s\"\n", a, val ? val : "");
                return 2;
            }
            if (a[2] == 'b')
                cfg.bookmark_interval_ms = (unsigned)n;
            else if (a[2] == 'h')
                cfg.history_limit = (size_t)n;
            else
                cfg.seed = n;
            i++;
        } else if (!strcmp(a, "-v") || !strcmp(a, "--log-requests")) {
            cfg.log_requests = 1;
        } else {
            fprintf(stderr, "lwc-mockserver: unknown argument \"%s\" (see --help)\n", a);
            return 2;
        }
    }
    cfg.listen_addr = addr;

    /* Each watch holds a socket and an eventfd: 1,000 watches need more than the usual 1,024 descriptors. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            fprintf(stderr, "lwc-mockserver: could not raise the open-file limit: %s\n", strerror(errno));
    }
    /* Block the stop signals in every thread; main waits for them below. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    lwc_mock *srv = NULL;
    char err[1024];
    lwc_scenario *sc = NULL;
    if (scenario_path) {
        /* A bad scenario is refused before anything starts. */
        sc = lwc_scenario_load(scenario_path, err, sizeof err);
        if (!sc) {
            fprintf(stderr, "lwc-mockserver: %s\n", err);
            return 2;
        }
        if (!ns)
            ns = sc->kubeconfig_namespace;
    }
    int rc = sc ? lwc_scenario_start_server(sc, &cfg, &srv, err, sizeof err) : lwc_mock_start(&cfg, &srv, err, sizeof err);
    if (rc != LWC_MOCK_OK) {
        fprintf(stderr, "lwc-mockserver: %s\n", err);
        lwc_scenario_free(sc);
        return rc == LWC_MOCK_EINVAL ? 2 : 1;
    }
    if (kubeconfig && lwc_mock_write_kubeconfig(srv, kubeconfig, ns, err, sizeof err) != LWC_MOCK_OK) {
        fprintf(stderr, "lwc-mockserver: %s\n", err);
        lwc_mock_stop(srv);
        lwc_scenario_free(sc);
        return 1;
    }
    if (strncmp(cfg.listen_addr ? cfg.listen_addr : "127.", "127.", 4) != 0 &&
        strcmp(cfg.listen_addr, "::1") != 0)
        fprintf(stderr,
                "lwc-mockserver: warning: listening on %s, reachable from other hosts; the API has no "
                "authentication%s\n",
                cfg.listen_addr,
                cfg.control_disabled ? ""
                : cfg.control_remote ? ", and --control-remote lets anyone change it through /lwc/v1/"
                                     : " (control endpoints answer loopback clients only)");
    printf("listening on %s\n", lwc_mock_url(srv));
    fflush(stdout);
    int sig = 0;
    while (sigwait(&stop, &sig) != 0)
        ;
    fprintf(stderr, "lwc-mockserver: %s, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    lwc_mock_stop(srv);
    lwc_scenario_free(sc);
    return 0;
}
