/* The control endpoints under /lwc/v1/ (state, requests, faults, steps, ...), reached through the router's hook. */
#include "control.h"

#include "mock_internal.h"
#include "scenario_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void reply_error(reply *r, int code, const char *msg)
{
    lwcm_reply_status(r, code, code == 404 ? "NotFound" : code == 405 ? "MethodNotAllowed" : "BadRequest", msg, NULL, NULL);
}

static char *body_string(const request *req)
{
    char *s = malloc(req->body_len + 1);
    if (!s)
        return NULL;
    if (req->body_len)
        memcpy(s, req->body, req->body_len);
    s[req->body_len] = '\0';
    return s;
}

/* Per-request bounds of the control API (README "Limits"). */
#define CONTROL_REQUESTS_PAGE 1000
#define CONTROL_REQUESTS_PAGE_MAX 10000
#define CONTROL_MAX_STEP_COUNT 10000
/* A fault or step body: with LWC_MOCK_MAX_FAULTS installed at once, what
 * the control API can make the server hold stays near 64 MB. */
#define CONTROL_MAX_BODY (64 * 1024)

/* 413 as the server answers any oversized body (http_server.c), with this
 * endpoint's smaller limit. */
static int body_too_large(const request *req, reply *r)
{
    if (req->body_len <= CONTROL_MAX_BODY)
        return 0;
    lwcm_reply_body_too_large(r, CONTROL_MAX_BODY);
    return 1;
}

/* A full fault table is the apiserver's exceeded quota: 403 Forbidden. A
 * full store is etcd's error, which the apiserver passes on as a 500 with no
 * reason: a step's write gets what the same write through the API gets. */
static int quota_exceeded(reply *r, int rc, const char *err)
{
    if (rc == LWC_MOCK_ELIMIT)
        lwcm_reply_status(r, 403, "Forbidden", err, NULL, NULL);
    else if (rc == LWC_MOCK_ENOSPACE)
        lwcm_reply_status(r, 500, NULL, err, NULL, NULL);
    else
        return 0;
    return 1;
}

static void state(lwc_mock *srv, reply *r)
{
    cJSON *o = cJSON_CreateObject();
    if (o) {
        cJSON_AddNumberToObject(o, "resourceVersion", (double)lwc_mock_current_rv(srv));
        cJSON_AddNumberToObject(o, "compacted", (double)lwcm_store_compacted_rv(srv->st));
        cJSON_AddNumberToObject(o, "watches", (double)lwc_mock_watch_count(srv));
        cJSON_AddNumberToObject(o, "requests", (double)lwc_mock_log_count(srv));
        /* What the store quota counts, and the quota (0: none): a client
         * refused "database space exceeded" can be told why. */
        size_t live, hist, quota;
        lwcm_store_usage(srv->st, &live, &hist, &quota);
        cJSON_AddNumberToObject(o, "storeBytes", (double)(live + hist));
        cJSON_AddNumberToObject(o, "storeQuotaBytes", (double)quota);
    }
    lwcm_reply_cjson(r, 200, o);
}

/* The router's classification of a logged request, in the words and members
 * of a scenario's "match", so that a reader outside the process matches what
 * the faults and expectations matched without parsing paths again. Absent for
 * requests no matcher can match (discovery, control, unserved paths). */
static void add_match(cJSON *o, const lwc_mock_request_class *c)
{
    if (!c->resolved)
        return;
    cJSON *m = cJSON_AddObjectToObject(o, "match");
    if (!m)
        return;
    cJSON_AddStringToObject(m, "verb", lwcm_scenario_verb_names[c->verb]);
    cJSON_AddStringToObject(m, "resource", c->resource ? c->resource : "");
    cJSON_AddStringToObject(m, "namespace", c->ns ? c->ns : "");
    cJSON_AddBoolToObject(m, "continue", c->has_continue);
    cJSON_AddStringToObject(m, "resourceVersion", lwcm_scenario_rv_names[c->rv]);
    cJSON_AddBoolToObject(m, "watchList", c->watch_list);
    cJSON_AddNumberToObject(m, "limit", (double)c->limit);
}

static void requests(lwc_mock *srv, const request *req, reply *r)
{
    const char *since = lwcm_request_param(req, "since");
    const char *lim = lwcm_request_param(req, "limit");
    size_t from = since ? (size_t)strtoull(since, NULL, 10) : 0;
    /* One page of the log, so that one request costs a bounded amount
     * (about 1 KB an entry); page on with since=last index + 1. */
    size_t max = lim ? (size_t)strtoull(lim, NULL, 10) : CONTROL_REQUESTS_PAGE;
    if (max == 0 || max > CONTROL_REQUESTS_PAGE_MAX)
        max = CONTROL_REQUESTS_PAGE_MAX;
    cJSON *arr = cJSON_CreateArray();
    size_t n = lwc_mock_log_count(srv);
    if (n - from > max && from < n)
        n = from + max;
    for (size_t i = from; arr && i < n; i++) {
        lwc_mock_request e;
        if (lwc_mock_log_get(srv, i, &e) != LWC_MOCK_OK)
            continue;
        cJSON *o = cJSON_CreateObject();
        if (o && cJSON_AddItemToArray(arr, o)) {
            cJSON_AddNumberToObject(o, "index", (double)i);
            cJSON_AddStringToObject(o, "method", e.method);
            cJSON_AddStringToObject(o, "path", e.path);
            cJSON_AddStringToObject(o, "query", e.query);
            cJSON_AddNumberToObject(o, "status", e.status);
            cJSON_AddBoolToObject(o, "watch", e.is_watch);
            cJSON_AddBoolToObject(o, "done", e.done);
            cJSON_AddBoolToObject(o, "fault", e.fault);
            cJSON_AddNumberToObject(o, "page", e.page);
            cJSON_AddNumberToObject(o, "servedRv", (double)e.served_rv);
            cJSON_AddBoolToObject(o, "more", e.more);
            cJSON_AddNumberToObject(o, "bytes", (double)e.bytes);
            cJSON_AddNumberToObject(o, "startMs", e.start_ms);
            cJSON_AddNumberToObject(o, "durationMs", e.duration_ms);
            add_match(o, &e.cls);
        } else {
            cJSON_Delete(o);
        }
        lwc_mock_request_free(&e);
    }
    lwcm_reply_cjson(r, 200, arr);
}

static void faults(lwc_mock *srv, const request *req, const char *name, reply *r)
{
    char err[512];
    if (!strcmp(req->method, "GET") && !name) {
        char *s = lwcm_fault_table_json(&srv->faults);
        lwcm_reply_json(r, 200, s, s ? strlen(s) : 0);
    } else if (!strcmp(req->method, "POST") && !name) {
        if (body_too_large(req, r))
            return;
        char *body = body_string(req);
        lwc_fault *f = body ? lwc_fault_parse(body, err, sizeof err) : NULL;
        free(body);
        if (!f) {
            reply_error(r, 400, body ? err : "out of memory");
            return;
        }
        int rc = lwc_mock_add_fault(srv, f, err, sizeof err);
        lwc_fault_free(f);
        if (rc != LWC_MOCK_OK) {
            if (!quota_exceeded(r, rc, err))
                lwcm_reply_internal(r, err);
            return;
        }
        char *s = lwcm_fault_table_json(&srv->faults);
        lwcm_reply_json(r, 201, s, s ? strlen(s) : 0);
    } else if (!strcmp(req->method, "DELETE")) {
        if (name) {
            if (lwc_mock_remove_fault(srv, name) != LWC_MOCK_OK) {
                snprintf(err, sizeof err, "no fault named \"%s\"", name);
                reply_error(r, 404, err);
                return;
            }
        } else {
            lwc_mock_clear_faults(srv);
        }
        char *s = lwcm_fault_table_json(&srv->faults);
        lwcm_reply_json(r, 200, s, s ? strlen(s) : 0);
    } else {
        reply_error(r, 405, "faults: GET or POST /lwc/v1/faults, DELETE /lwc/v1/faults[/NAME]");
    }
}

static void steps(lwc_mock *srv, const request *req, reply *r)
{
    char err[512];
    if (body_too_large(req, r))
        return;
    char *body = body_string(req);
    lwc_step *st = body ? lwcm_scenario_step_parse(body, err, sizeof err) : NULL;
    free(body);
    if (!st) {
        reply_error(r, 400, body ? err : "out of memory");
        return;
    }
    /* A scenario file may churn a million writes; one control request may
     * not (a million objects is gigabytes). */
    if (st->count_objects > CONTROL_MAX_STEP_COUNT) {
        snprintf(err, sizeof err, "count %d is more than the %d writes one control request may make",
                 st->count_objects, CONTROL_MAX_STEP_COUNT);
        lwcm_scenario_step_free(st);
        reply_error(r, 400, err);
        return;
    }
    /* The step acts on ?apiPath=&resource= (default /api/v1 pods). */
    lwc_scenario sc;
    memset(&sc, 0, sizeof sc);
    const char *api = lwcm_request_param(req, "apiPath");
    const char *plural = lwcm_request_param(req, "resource");
    snprintf(sc.api_path, sizeof sc.api_path, "%s", api && *api ? api : "/api/v1");
    sc.plural = (char *)(plural && *plural ? plural : "pods");
    sc.path = (char *)"control";
    int rc = lwc_scenario_do_step(srv, &sc, st, err, sizeof err);
    lwcm_scenario_step_free(st);
    if (rc != LWC_MOCK_OK) {
        if (!quota_exceeded(r, rc, err))
            reply_error(r, rc == LWC_MOCK_ENOENT ? 404 : 400, err);
        return;
    }
    state(srv, r);
}

void lwcm_handle_control(lwc_mock *srv, const request *req, reply *r)
{
    const char *p = req->path + strlen("/lwc/");
    if (strncmp(p, "v1/", 3) != 0) {
        reply_error(r, 404, "control endpoints live under /lwc/v1/: state, requests, faults, compact, close-watches, steps");
        return;
    }
    p += 3;
    int get = !strcmp(req->method, "GET"), post = !strcmp(req->method, "POST");
    if (!strcmp(p, "state") && get) {
        state(srv, r);
    } else if (!strcmp(p, "requests") && get) {
        requests(srv, req, r);
    } else if (!strcmp(p, "faults")) {
        faults(srv, req, NULL, r);
    } else if (!strncmp(p, "faults/", 7) && p[7]) {
        faults(srv, req, p + 7, r);
    } else if (!strcmp(p, "compact") && post) {
        const char *rv = lwcm_request_param(req, "resourceVersion");
        lwc_mock_compact(srv, rv ? strtoull(rv, NULL, 10) : 0);
        state(srv, r);
    } else if (!strcmp(p, "close-watches") && post) {
        lwc_mock_close_watches(srv);
        state(srv, r);
    } else if (!strcmp(p, "steps") && post) {
        steps(srv, req, r);
    } else {
        reply_error(r, 404, "unknown control endpoint; see GET /lwc/v1/state, /lwc/v1/requests, /lwc/v1/faults; "
                            "POST /lwc/v1/faults, /lwc/v1/compact, /lwc/v1/close-watches, /lwc/v1/steps");
    }
}
