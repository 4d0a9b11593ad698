/* bench_populate: a mock server holding N realistic pods, for the list
 * benchmark. It is the CLI server (lwc-mockserver) in all but the world it
 * serves: the objects go in through the public C API, which is far faster
 * than 100,000 HTTP POSTs, then it serves until SIGINT or SIGTERM.
 *
 *   bench_populate [--listen 127.0.0.1:0] [--pods 100000] [--namespaces 50]
 *
 * stdout: "listening on http://ADDR:PORT" once every pod is in (the line the
 * CLI prints, so scripts treat both alike). stderr: how long filling took
 * and the memory it took. */
#include "bench_util.h"
#include "lwc_mockserver.h"
#include "pod_gen.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct pod_ref {
    char key[128]; /* "namespace/name": the store's key order */
    int ns;
    long idx;
} pod_ref;

static int cmp_ref(const void *a, const void *b)
{
    return strcmp(((const pod_ref *)a)->key, ((const pod_ref *)b)->key);
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_populate [--listen ADDR:PORT] [--pods N] [--namespaces K]\n");
}

int main(int argc, char **argv)
{
    char addr[64] = "127.0.0.1";
    long port = 0, npods = 100000, nns = 50;
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "--listen") && v) {
            const char *colon = strrchr(v, ':');
            if (!colon || (size_t)(colon - v) >= sizeof addr) {
                usage();
                return 2;
            }
            memcpy(addr, v, (size_t)(colon - v));
            addr[colon - v] = '\0';
            port = strtol(colon + 1, NULL, 10);
            i++;
        } else if (!strcmp(argv[i], "--pods") && v) {
            npods = strtol(v, NULL, 10);
            i++;
        } else if (!strcmp(argv[i], "--namespaces") && v) {
            nns = strtol(v, NULL, 10);
            i++;
        } else {
            usage();
            return 2;
        }
    }
    if (npods < 0 || nns < 1 || nns > 9999 || port < 0 || port > 65535) {
        usage();
        return 2;
    }
    bench_raise_nofile();

    /* As the CLI does: the stop signals are blocked in every thread (the
     * server's threads inherit the mask) and main waits for them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    lwc_mock_config cfg;
    lwc_mock_config_init(&cfg);
    cfg.listen_addr = addr;
    cfg.port = (unsigned short)port;
    cfg.demo_world = 0;
    cfg.seed = 42; /* reproducible uids */
    lwc_mock *srv = NULL;
    char err[512];
    if (lwc_mock_start(&cfg, &srv, err, sizeof err) != LWC_MOCK_OK) {
        fprintf(stderr, "bench_populate: %s\n", err);
        return 1;
    }

    /* The store keeps a sorted array and inserts with memmove: creating in
     * key order makes every insert an append, so filling measures the create
     * path rather than 100,000 shifts of a growing array. */
    pod_ref *refs = calloc((size_t)npods ? (size_t)npods : 1, sizeof *refs);
    if (!refs) {
        fprintf(stderr, "bench_populate: out of memory\n");
        lwc_mock_stop(srv);
        return 1;
    }
    for (long i = 0; i < npods; i++) {
        char name[96];
        refs[i].ns = (int)(i % nns);
        refs[i].idx = i / nns;
        pod_gen_name(name, sizeof name, refs[i].idx);
        snprintf(refs[i].key, sizeof refs[i].key, "bench-%04d/%s", refs[i].ns, name);
    }
    qsort(refs, (size_t)npods, sizeof *refs, cmp_ref);

    double t0 = bench_now();
    size_t json_bytes = 0;
    for (long i = 0; i < npods; i++) {
        char ns[32], json[4096];
        snprintf(ns, sizeof ns, "bench-%04d", refs[i].ns);
        int n = pod_gen_json(json, sizeof json, ns, refs[i].idx, -1);
        if (n < 0) {
            fprintf(stderr, "bench_populate: pod %ld does not fit the buffer\n", i);
            free(refs);
            lwc_mock_stop(srv);
            return 1;
        }
        json_bytes += (size_t)n;
        if (lwc_mock_create(srv, "/api/v1", "pods", json, NULL, err, sizeof err) != LWC_MOCK_OK) {
            fprintf(stderr, "bench_populate: creating %s: %s\n", refs[i].key, err);
            free(refs);
            lwc_mock_stop(srv);
            return 1;
        }
    }
    double t1 = bench_now();
    free(refs);
    fprintf(stderr,
            "bench_populate: %ld pods in %ld namespaces in %.2f s (%.0f creates/s), %.0f bytes/pod as sent, "
            "rv %llu, VmRSS %ld kB\n",
            npods, nns, t1 - t0, npods / (t1 - t0 > 0 ? t1 - t0 : 1e-9),
            npods ? (double)json_bytes / (double)npods : 0.0, (unsigned long long)lwc_mock_current_rv(srv),
            bench_proc_status(0, "VmRSS"));
    printf("listening on %s\n", lwc_mock_url(srv));
    fflush(stdout);

    int sig = 0;
    while (sigwait(&stop, &sig) != 0)
        ;
    lwc_mock_stop(srv);
    return 0;
}
