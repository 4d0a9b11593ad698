/* A server's state (struct lwc_mock): what every file above the model
 * shares. Only the state; each layer's functions have their own header. */
#ifndef LWC_MOCK_INTERNAL_H
#define LWC_MOCK_INTERNAL_H

#include "lwc_mockserver.h"
#include "faults.h"
#include "reply.h"
#include "request.h"
#include "request_log.h"
#include "store.h"

#include <pthread.h>
#include <stdatomic.h>

struct MHD_Daemon;
struct http_guard;

/* Serves the control endpoints (/lwc/...): installed by the layer above
 * the router (lwc_mock_start installs control.c's lwcm_handle_control unless
 * control_disabled), so that the router never calls up into it. */
typedef void (*mock_route_hook)(lwc_mock *srv, const request *req, reply *r);

struct lwc_mock {
    lwc_mock_config cfg;
    char listen_addr[64];
    store *st;
    struct MHD_Daemon *daemon;
    struct http_guard *guard; /* open connections and their header deadlines (http_server.c) */
    unsigned short port;
    char url[96];
    atomic_int shutting_down;    /* set by lwcm_runtime_begin_stop under stop_mu */
    pthread_mutex_t stop_mu;     /* with stop_cond: lwcm_sleep_ms wakes the moment the server stops */
    pthread_cond_t stop_cond;
    atomic_size_t live_requests; /* request contexts not yet freed (http_server.c) */
    request_log log;
    pthread_mutex_t rng_mu;
    uint64_t rng;
    long long started_at; /* unix seconds */
    fault_table faults;
    atomic_ullong churn_serial; /* the next "churn-N" name: per server, so a scenario's writes do not depend on what ran before it in the process */
    mock_route_hook control; /* NULL: no control endpoints */
};

#endif
