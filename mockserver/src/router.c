/* Maps a request's method and path to a handler, classifies it once and fires faults before dispatch. */
#include "router.h"

#include "continue_token.h"
#include "handlers.h"
#include "list_options.h"
#include "mock_internal.h"
#include "mock_runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_SEGMENTS 10

static void reply_unknown_path(reply *r)
{
    cJSON *d = cJSON_CreateObject();
    lwcm_reply_status(r, 404, "NotFound", "the server could not find the requested resource", d, NULL);
}

static void reply_method_not_allowed(reply *r)
{
    cJSON *d = cJSON_CreateObject();
    lwcm_reply_status(r, 405, "MethodNotAllowed", "the server does not allow this method on the requested resource", d, NULL);
}

/* The group-version a path's segments begin with, as a resource's api_path
 * ("/api/v1", "/apis/G/V"); returns the number of segments it took, 0 when
 * the path is under neither /api nor /apis. */
static int group_version_path(char **seg, int n, char *api_path, size_t len)
{
    if (n >= 2 && !strcmp(seg[0], "api")) {
        snprintf(api_path, len, "/api/%s", seg[1]);
        return 2;
    }
    if (n >= 3 && !strcmp(seg[0], "apis")) {
        snprintf(api_path, len, "/apis/%.120s/%.120s", seg[1], seg[2]);
        return 3;
    }
    return 0;
}

/* A path under no group-version the server serves never reaches an API handler: the
 * apiserver's mux answers its own plain-text 404 (measured on 1.33, fidelity/results.md). */
static int serves_group_version(lwc_mock *srv, char **seg, int n)
{
    char api_path[300];
    if (!group_version_path(seg, n, api_path, sizeof api_path))
        return 0;
    int count = lwcm_store_resource_count(srv->st);
    for (int i = 0; i < count; i++)
        if (!strcmp(lwcm_store_resource(srv->st, i)->api_path, api_path))
            return 1;
    return 0;
}

static void reply_page_not_found(reply *r)
{
    static const char text[] = "404 page not found\n";
    char *body = malloc(sizeof text);
    if (!body) {
        lwcm_reply_internal(r, "out of memory");
        return;
    }
    memcpy(body, text, sizeof text);
    lwcm_reply_json(r, 404, body, sizeof text - 1);
    r->content_type = "text/plain; charset=utf-8";
}

/* Splits "/a/b/c" into its non-empty segments, in place. Returns the count,
 * or -1 when there are too many. */
static int split_path(char *path, char **seg)
{
    int n = 0;
    char *save = NULL;
    for (char *t = strtok_r(path, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
        if (n == MAX_SEGMENTS)
            return -1;
        seg[n++] = t;
    }
    return n;
}

/* Where a path leads: a collection (name NULL) or an object of a resource. */
typedef struct target {
    int res;
    const char *ns;
    const char *name;
    int force_watch;
} target;

static int resolve(lwc_mock *srv, char **seg, int n, target *t)
{
    char api_path[300];
    memset(t, 0, sizeof *t);
    int i = group_version_path(seg, n, api_path, sizeof api_path);
    if (!i)
        return -1;
    if (i < n && !strcmp(seg[i], "watch")) {
        /* The deprecated /watch/ prefix still works on real servers. */
        t->force_watch = 1;
        i++;
    }
    int rest = n - i;
    if (rest >= 3 && !strcmp(seg[i], "namespaces")) {
        int res = lwcm_store_find_resource(srv->st, api_path, seg[i + 2]);
        if (res >= 0 && lwcm_store_resource(srv->st, res)->namespaced) {
            if (rest > 4)
                return -1;
            t->res = res;
            t->ns = seg[i + 1];
            t->name = rest == 4 ? seg[i + 3] : NULL;
            return 0;
        }
    }
    if (rest == 1 || rest == 2) {
        int res = lwcm_store_find_resource(srv->st, api_path, seg[i]);
        if (res < 0)
            return -1;
        if (rest == 2 && lwcm_store_resource(srv->st, res)->namespaced)
            return -1;
        t->res = res;
        t->name = rest == 2 ? seg[i + 1] : NULL;
        return 0;
    }
    return -1;
}

/* The one classification of a request (lwc_mock_request_class): faults
 * match on it here, and it goes into the log for the harness. Strings
 * point into the store and the path copy. Returns the list page number
 * (1 without continue, N for the token of page N, 0 unknown or not a list). */
static int classify(lwc_mock *srv, const request *req, const target *t, lwc_mock_request_class *c)
{
    memset(c, 0, sizeof *c);
    c->resolved = 1;
    c->resource = lwcm_store_resource(srv->st, t->res)->plural;
    c->ns = t->ns;
    int is_get = !strcmp(req->method, "GET");
    if (!is_get)
        c->verb = LWC_VERB_WRITE;
    else if (t->name)
        c->verb = LWC_VERB_GET;
    else if (t->force_watch || lwcm_parse_query_bool(lwcm_request_param(req, "watch")))
        c->verb = LWC_VERB_WATCH;
    else
        c->verb = LWC_VERB_LIST;
    const char *cont = lwcm_request_param(req, "continue");
    c->has_continue = cont && *cont;
    const char *rv = lwcm_request_param(req, "resourceVersion");
    c->rv = !rv || !*rv ? LWC_RV_UNSET : !strcmp(rv, "0") ? LWC_RV_ZERO : LWC_RV_SET;
    c->watch_list = c->verb == LWC_VERB_WATCH && lwcm_parse_query_bool(lwcm_request_param(req, "sendInitialEvents"));
    const char *limit = lwcm_request_param(req, "limit");
    if (limit && *limit && lwcm_parse_query_int64(limit, &c->limit) != 0)
        c->limit = -1;
    if (c->verb != LWC_VERB_LIST)
        return 0;
    return c->has_continue ? lwcm_fault_table_page_of(&srv->faults, cont) : 1;
}

/* The RV a request names: its continue token's, else its resourceVersion; 0 for none. */
static uint64_t request_rv(const request *req, const lwc_mock_request_class *c)
{
    if (c->has_continue) {
        continue_token tok;
        char why[256];
        if (lwcm_continue_token_decode(lwcm_request_param(req, "continue"), &tok, why, sizeof why) != 0)
            return 0;
        uint64_t rv = tok.rv > 0 ? (uint64_t)tok.rv : 0;
        lwcm_continue_token_free(&tok);
        return rv;
    }
    const char *rv = lwcm_request_param(req, "resourceVersion");
    return rv && *rv ? strtoull(rv, NULL, 10) : 0;
}

static void dispatch(lwc_mock *srv, const request *req, const target *t, const lwc_mock_request_class *c, reply *r)
{
    const resource_def *def = lwcm_store_resource(srv->st, t->res);
    if (t->name) {
        if (t->force_watch)
            reply_method_not_allowed(r);
        else if (!strcmp(req->method, "GET"))
            lwcm_handle_get(srv, req, t->res, t->ns, t->name, r);
        else if (!strcmp(req->method, "PUT"))
            lwcm_handle_update(srv, req, t->res, t->ns, t->name, r);
        else if (!strcmp(req->method, "PATCH"))
            lwcm_handle_patch(srv, req, t->res, t->ns, t->name, r);
        else if (!strcmp(req->method, "DELETE"))
            lwcm_handle_delete(srv, req, t->res, t->ns, t->name, r);
        else
            reply_method_not_allowed(r);
        return;
    }
    if (c->verb == LWC_VERB_WATCH)
        lwcm_handle_watch(srv, req, t->res, t->ns, r);
    else if (c->verb == LWC_VERB_LIST)
        lwcm_handle_list(srv, req, t->res, t->ns, r);
    else if (!strcmp(req->method, "POST") && !t->force_watch && (t->ns || !def->namespaced))
        lwcm_handle_create(srv, req, t->res, t->ns, r);
    else
        reply_method_not_allowed(r);
}

void lwcm_route_request(lwc_mock *srv, const request *req_in, reply *r)
{
    request req = *req_in;
    if (srv->control && strncmp(req.path, "/lwc/", 5) == 0) {
        /* No credentials guard them: from another host only when asked. */
        if (!req.peer_loopback && !srv->cfg.control_remote) {
            lwcm_reply_status(r, 403, "Forbidden",
                         "control endpoints answer loopback clients only; start lwc-mockserver with "
                         "--control-remote to allow other addresses",
                         NULL, NULL);
            return;
        }
        srv->control(srv, &req, r);
        return;
    }
    if (!strcmp(req.method, "GET") && lwcm_handle_discovery(srv, &req, r))
        return;
    size_t plen = strlen(req.path);
    char *copy = malloc(plen + 1);
    if (!copy) {
        lwcm_reply_internal(r, "out of memory");
        return;
    }
    memcpy(copy, req.path, plen + 1);
    char *seg[MAX_SEGMENTS];
    int n = split_path(copy, seg);
    target t;
    if (n < 0 || resolve(srv, seg, n, &t) != 0) {
        if (n >= 0 && !serves_group_version(srv, seg, n))
            reply_page_not_found(r);
        else
            reply_unknown_path(r);
        free(copy);
        return;
    }
    lwc_mock_request_class c;
    req.page = classify(srv, &req, &t, &c);
    if (lwcm_request_log_classify(&srv->log, req.log_idx, &c, req.page) != 0) {
        lwcm_reply_internal(r, "out of memory");
        free(copy);
        return;
    }
    lwc_action act;
    memset(&act, 0, sizeof act);
    int fired = lwcm_fault_table_fire(&srv->faults, &c, req.page, &act);
    if (fired) {
        lwcm_request_log_fault(&srv->log, req.log_idx);
        if (act.kind == LWC_ACT_STATUS) {
            uint64_t rv = lwcm_store_current_rv(srv->st);
            if (act.status == 410 && !act.untrue) {
                /* Make the 410 true: the RV the request names falls below the compaction point. */
                uint64_t asked = request_rv(&req, &c);
                if (asked) {
                    lwcm_store_expire(srv->st, asked);
                    rv = asked;
                }
            }
            lwcm_fault_reply(r, &act, &c, lwcm_request_param(&req, "continue"), rv, lwcm_store_compacted_rv(srv->st));
            lwcm_fault_action_clear(&act);
            free(copy);
            return;
        }
        if (act.kind == LWC_ACT_DELAY) {
            if (lwcm_sleep_ms(srv, act.delay_ms) != 0) {
                lwcm_reply_status(r, 503, "ServiceUnavailable", "the server is shutting down", NULL, NULL);
                lwcm_fault_action_clear(&act);
                free(copy);
                return;
            }
        } else if (c.verb == LWC_VERB_WATCH) {
            req.watch_fault = &act;
        }
    }
    dispatch(srv, &req, &t, &c, r);
    lwcm_fault_action_clear(&act);
    free(copy);
}
