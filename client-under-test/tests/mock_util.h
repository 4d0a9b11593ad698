/* What the integration tests share: a mock server in this process (through
 * its public API), its world, lwc-watch started against it, and the check
 * that a SNAPSHOT equals the server's state. */
#ifndef CUT_MOCK_UTIL_H
#define CUT_MOCK_UTIL_H

#include "child.h"
#include "lwc_mockserver.h"

#include <cjson/cJSON.h>
#include <stdint.h>

typedef struct watch_setup {
    const char *ns;       /* LWC_NAMESPACE */
    const char *selector; /* LWC_LABEL_SELECTOR */
    int page_size;
    int watch_list;
    const char *kubeconfig_ns; /* the context's namespace ("default" when NULL) */
    const char *args[8];       /* extra lwc-watch arguments, NULL-terminated */
    const char *resource;      /* default "pods" */
} watch_setup;

lwc_mock *mock_start_cfg(const lwc_mock_config *cfg);
lwc_mock *mock_start(int watch_list, unsigned bookmark_ms);
uint64_t put_pod(lwc_mock *srv, const char *ns, const char *name, const char *app, int update);
uint64_t del_pod(lwc_mock *srv, const char *ns, const char *name);
/* nns namespaces "ns-NN" of per pods "pod-NNN"; app label "web" on even pods, "db" on odd. */
void populate(lwc_mock *srv, int nns, int per);

child *start_watch(lwc_mock *srv, const watch_setup *ws);
/* READY within timeout_ms, and no protocol error so far. */
void expect_ready(child *c, int timeout_ms);

/* 1 when the snapshot holds exactly the server's objects (namespace,
 * name, uid, resourceVersion); else 0 and a description in diff. */
int snapshot_matches(const cJSON *snap, lwc_mock *srv, const char *ns, const char *sel, char *diff, size_t len);
/* DUMPs until the snapshot matches or timeout_ms passes. */
int wait_converged(child *c, lwc_mock *srv, const char *ns, const char *sel, int timeout_ms, char *diff,
                   size_t len);
size_t snapshot_size(const cJSON *snap);
/* The per-key event rules of client-protocol.md ("What the harness checks"
 * 3) over every EVENT line so far; NULL when they hold, else a message
 * (static storage). */
const char *check_events(child *c);
/* Waits for an EVENT line of this type (NULL: any) for this name. */
const cJSON *wait_event(child *c, const char *type, const char *name, int timeout_ms);
/* Waits for a LOG line whose message is exactly message (each line within
 * timeout_ms of the last). */
const cJSON *wait_log(child *c, const char *message, int timeout_ms);
/* Counts EVENT lines of this type for this name (NULL: any name). */
int count_events(child *c, const char *type, const char *name);

/* Requests in the mock's log from index from on: how many match. */
typedef struct req_filter {
    int watch;             /* 1 watches, 0 lists, -1 both */
    const char *param;     /* a query parameter that must be present (NULL: none) */
    const char *value;     /* ...with this value (NULL: any) */
    int absent;            /* 1: param must be absent instead */
    int status;            /* 0: any */
} req_filter;
size_t count_requests(lwc_mock *srv, size_t from, const req_filter *f);
/* Waits until the log holds a matching request at index >= from; returns
 * its index, or -1. */
long wait_request(lwc_mock *srv, size_t from, const req_filter *f, int timeout_ms);
/* The value of a query parameter of log entry i (malloc'd, or NULL). */
char *log_param(lwc_mock *srv, size_t i, const char *key);
/* Waits until no watch is open on the server. */
int wait_no_watches(lwc_mock *srv, int timeout_ms);

#endif
