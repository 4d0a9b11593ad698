/* A request as the handlers see it (decoded path, query parameters, the
 * headers that matter), and reading its parameters. */
#ifndef LWC_REQUEST_H
#define LWC_REQUEST_H

#include "lwc_scenario.h"

#include <stddef.h>

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
const char *lwcm_request_param(const request *req, const char *key);

/* Booleans as apimachinery converts them: false only for "0" and "false"
 * in any case; anything else, the empty string included, is true. */
int lwcm_parse_query_bool(const char *s);
/* An integer as strconv.ParseInt reads it (no sign-less junk, no spaces); -1 when it is not one. */
int lwcm_parse_query_int64(const char *s, long long *out);

/* 1 when the client asked for meta.k8s.io Table output. */
int lwcm_wants_table(const request *req);

#endif
