#include "router.h"

#include "list_options.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SEGMENTS 10

static void reply_unknown_path(reply *r)
{
    cJSON *d = cJSON_CreateObject();
    reply_status(r, 404, "NotFound", "the server could not find the requested resource", d, NULL);
}

static void reply_method_not_allowed(reply *r, const char *method)
{
    char msg[160];
    snprintf(msg, sizeof msg, "the server does not allow this method on the requested resource (%.20s)", method);
    cJSON *d = cJSON_CreateObject();
    reply_status(r, 405, "MethodNotAllowed", msg, d, NULL);
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

static void collection(lwc_mock *srv, const request *req, int res, const char *ns, int force_watch, reply *r)
{
    const resource_def *def = store_resource(srv->st, res);
    if (!strcmp(req->method, "GET")) {
        if (force_watch || parse_query_bool(request_param(req, "watch")))
            handle_watch(srv, req, res, ns, r);
        else
            handle_list(srv, req, res, ns, r);
        return;
    }
    if (force_watch) {
        reply_method_not_allowed(r, req->method);
        return;
    }
    if (!strcmp(req->method, "POST") && (ns || !def->namespaced)) {
        handle_create(srv, req, res, ns, r);
        return;
    }
    reply_method_not_allowed(r, req->method);
}

static void object(lwc_mock *srv, const request *req, int res, const char *ns, const char *name, int force_watch,
                   reply *r)
{
    if (force_watch) {
        reply_method_not_allowed(r, req->method);
        return;
    }
    if (!strcmp(req->method, "GET"))
        handle_get(srv, req, res, ns, name, r);
    else if (!strcmp(req->method, "PUT"))
        handle_update(srv, req, res, ns, name, r);
    else if (!strcmp(req->method, "PATCH"))
        handle_patch(srv, req, res, ns, name, r);
    else if (!strcmp(req->method, "DELETE"))
        handle_delete(srv, req, res, ns, name, r);
    else
        reply_method_not_allowed(r, req->method);
}

void route_request(lwc_mock *srv, const request *req, reply *r)
{
    if (!strcmp(req->method, "GET") && handle_discovery(srv, req, r))
        return;
    size_t plen = strlen(req->path);
    char *copy = malloc(plen + 1);
    if (!copy) {
        reply_internal(r, "out of memory");
        return;
    }
    memcpy(copy, req->path, plen + 1);
    char *seg[MAX_SEGMENTS];
    int n = split_path(copy, seg);
    char api_path[300];
    int i = 0;
    if (n >= 2 && !strcmp(seg[0], "api")) {
        snprintf(api_path, sizeof api_path, "/api/%s", seg[1]);
        i = 2;
    } else if (n >= 3 && !strcmp(seg[0], "apis")) {
        snprintf(api_path, sizeof api_path, "/apis/%.120s/%.120s", seg[1], seg[2]);
        i = 3;
    } else {
        reply_unknown_path(r);
        free(copy);
        return;
    }
    int force_watch = 0;
    if (i < n && !strcmp(seg[i], "watch")) {
        /* The deprecated /watch/ prefix still works on real servers. */
        force_watch = 1;
        i++;
    }
    int rest = n - i;
    const char *ns = NULL;
    if (rest >= 3 && !strcmp(seg[i], "namespaces")) {
        int res = store_find_resource(srv->st, api_path, seg[i + 2]);
        if (res >= 0 && store_resource(srv->st, res)->namespaced) {
            ns = seg[i + 1];
            if (rest == 3)
                collection(srv, req, res, ns, force_watch, r);
            else if (rest == 4)
                object(srv, req, res, ns, seg[i + 3], force_watch, r);
            else
                reply_unknown_path(r);
            free(copy);
            return;
        }
    }
    if (rest == 1 || rest == 2) {
        int res = store_find_resource(srv->st, api_path, seg[i]);
        if (res >= 0) {
            if (rest == 1)
                collection(srv, req, res, NULL, force_watch, r);
            else if (!store_resource(srv->st, res)->namespaced)
                object(srv, req, res, NULL, seg[i + 1], force_watch, r);
            else
                reply_unknown_path(r);
            free(copy);
            return;
        }
    }
    reply_unknown_path(r);
    free(copy);
}
