/* The server's internal state and the request every handler receives. */
#ifndef LWC_MOCK_INTERNAL_H
#define LWC_MOCK_INTERNAL_H

#include "lwc_mockserver.h"
#include "faults.h"
#include "reply.h"
#include "request_log.h"
#include "store.h"

#include <pthread.h>
#include <stdatomic.h>

struct MHD_Daemon;

struct lwc_mock {
    lwc_mock_config cfg;
    char listen_addr[64];
    store *st;
    struct MHD_Daemon *daemon;
    unsigned short port;
    char url[96];
    atomic_int shutting_down;
    atomic_size_t live_requests; /* request contexts not yet freed (http_server.c) */
    request_log log;
    pthread_mutex_t rng_mu;
    uint64_t rng;
    long long started_at; /* unix seconds */
    fault_table faults;
    atomic_ullong churn_serial; /* the next "churn-N" name: per server, so a scenario's writes do not depend on what ran before it in the process */
};

typedef struct query_param {
    char *key;
    char *value;
} query_param;

typedef struct request {
    const char *method;
    const char *path; /* decoded path, without the query */
    const query_param *params;
    size_t nparams;
    const char *accept;
    const char *content_type;
    const char *body;
    size_t body_len;
    int client_fd; /* for noticing a vanished watch client */
    int peer_loopback; /* 1: the client connected from a loopback address */
    size_t log_idx;
    int page;                  /* list page number (1: no continue; 0: unknown token) */
    const lwc_action *watch_fault; /* a stream fault for this watch, or NULL */
} request;

/* The first value of a query parameter, or NULL. */
const char *request_param(const request *req, const char *key);

/* Sleeps in slices, returning early (-1) once the server is stopping, so
 * that no delay fault or churn step holds up lwc_mock_stop. */
int mock_sleep_ms(lwc_mock *srv, int ms);

/* A random number for jittered timeouts. */
uint64_t mock_random(lwc_mock *srv);

/* Handlers. res is a store resource index; ns is NULL for all namespaces
 * (or a cluster-scoped resource). */
void handle_list(lwc_mock *srv, const request *req, int res, const char *ns, reply *r);
void handle_watch(lwc_mock *srv, const request *req, int res, const char *ns, reply *r);
void handle_get(lwc_mock *srv, const request *req, int res, const char *ns, const char *name, reply *r);
void handle_create(lwc_mock *srv, const request *req, int res, const char *ns, reply *r);
void handle_update(lwc_mock *srv, const request *req, int res, const char *ns, const char *name, reply *r);
void handle_patch(lwc_mock *srv, const request *req, int res, const char *ns, const char *name, reply *r);
void handle_delete(lwc_mock *srv, const request *req, int res, const char *ns, const char *name, reply *r);
/* Discovery and /version; returns 0 when path is not a discovery path. */
int handle_discovery(lwc_mock *srv, const request *req, reply *r);

/* 1 when the client asked for meta.k8s.io Table output. */
int wants_table(const request *req);

#endif
