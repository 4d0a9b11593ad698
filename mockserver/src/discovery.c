/* Legacy discovery (/api, /apis, /api/v1, /apis/GROUP[/VERSION]) and
 * /version. Aggregated discovery is not served: its Accept header gets plain
 * JSON with Content-Type application/json, on which client-go falls back to
 * the legacy documents (client-go discovery_client.go). */
#include "handlers.h"
#include "mock_internal.h"

#include <stdio.h>
#include <string.h>

static void add_strings(cJSON *obj, const char *name, const char *const *vals, size_t n)
{
    cJSON *arr = cJSON_AddArrayToObject(obj, name);
    for (size_t i = 0; arr && i < n; i++) {
        cJSON *s = cJSON_CreateString(vals[i]);
        if (s && !cJSON_AddItemToArray(arr, s))
            cJSON_Delete(s);
    }
}

static cJSON *resource_list(lwc_mock *srv, const char *api_path, const char *group_version)
{
    static const char *const verbs[] = {"create", "delete", "get", "list", "patch", "update", "watch"};
    cJSON *doc = cJSON_CreateObject();
    if (!doc)
        return NULL;
    cJSON_AddStringToObject(doc, "kind", "APIResourceList");
    cJSON_AddStringToObject(doc, "apiVersion", "v1");
    cJSON_AddStringToObject(doc, "groupVersion", group_version);
    cJSON *arr = cJSON_AddArrayToObject(doc, "resources");
    int n = lwcm_store_resource_count(srv->st);
    int found = 0;
    for (int i = 0; arr && i < n; i++) {
        const resource_def *d = lwcm_store_resource(srv->st, i);
        if (strcmp(d->api_path, api_path) != 0)
            continue;
        found = 1;
        cJSON *r = cJSON_CreateObject();
        if (!r || !cJSON_AddItemToArray(arr, r)) {
            cJSON_Delete(r);
            break;
        }
        cJSON_AddStringToObject(r, "name", d->plural);
        cJSON_AddStringToObject(r, "singularName", d->singular);
        cJSON_AddBoolToObject(r, "namespaced", d->namespaced);
        cJSON_AddStringToObject(r, "kind", d->kind);
        add_strings(r, "verbs", verbs, sizeof verbs / sizeof verbs[0]);
        if (d->short_name[0]) {
            const char *sn = d->short_name;
            add_strings(r, "shortNames", &sn, 1);
        }
        if (d->namespaced && strcmp(d->plural, "pods") == 0) {
            const char *all = "all";
            add_strings(r, "categories", &all, 1);
        }
    }
    if (!found) {
        cJSON_Delete(doc);
        return NULL;
    }
    return doc;
}

static cJSON *group_object(const resource_def *d)
{
    cJSON *g = cJSON_CreateObject();
    if (!g)
        return NULL;
    cJSON_AddStringToObject(g, "name", d->group);
    cJSON *vs = cJSON_AddArrayToObject(g, "versions");
    cJSON *v = cJSON_CreateObject();
    if (v && vs && cJSON_AddItemToArray(vs, v)) {
        cJSON_AddStringToObject(v, "groupVersion", d->api_version);
        cJSON_AddStringToObject(v, "version", d->version);
    } else {
        cJSON_Delete(v);
    }
    cJSON *pv = cJSON_AddObjectToObject(g, "preferredVersion");
    if (pv) {
        cJSON_AddStringToObject(pv, "groupVersion", d->api_version);
        cJSON_AddStringToObject(pv, "version", d->version);
    }
    return g;
}

static cJSON *group_list(lwc_mock *srv)
{
    cJSON *doc = cJSON_CreateObject();
    if (!doc)
        return NULL;
    cJSON_AddStringToObject(doc, "kind", "APIGroupList");
    cJSON_AddStringToObject(doc, "apiVersion", "v1");
    cJSON *groups = cJSON_AddArrayToObject(doc, "groups");
    int n = lwcm_store_resource_count(srv->st);
    for (int i = 0; groups && i < n; i++) {
        const resource_def *d = lwcm_store_resource(srv->st, i);
        if (!d->group[0])
            continue;
        int seen = 0;
        for (int j = 0; j < i; j++)
            if (!strcmp(lwcm_store_resource(srv->st, j)->api_version, d->api_version))
                seen = 1;
        if (seen)
            continue;
        cJSON *g = group_object(d);
        if (g && !cJSON_AddItemToArray(groups, g))
            cJSON_Delete(g);
    }
    return doc;
}

static cJSON *version_doc(void)
{
    cJSON *doc = cJSON_CreateObject();
    if (!doc)
        return NULL;
    /* The minor picks which kubectl the gcloud dispatcher runs (real-clients.md §1.5). */
    cJSON_AddStringToObject(doc, "major", "1");
    cJSON_AddStringToObject(doc, "minor", "33");
    cJSON_AddStringToObject(doc, "gitVersion", "v1.33.0-lwc");
    cJSON_AddStringToObject(doc, "gitCommit", "0000000000000000000000000000000000000000");
    cJSON_AddStringToObject(doc, "gitTreeState", "clean");
    cJSON_AddStringToObject(doc, "buildDate", "2025-04-23T00:00:00Z");
    cJSON_AddStringToObject(doc, "goVersion", "go1.24.2");
    cJSON_AddStringToObject(doc, "compiler", "gc");
    cJSON_AddStringToObject(doc, "platform", "linux/amd64");
    return doc;
}

int lwcm_handle_discovery(lwc_mock *srv, const request *req, reply *r)
{
    const char *p = req->path;
    size_t len = strlen(p);
    while (len > 1 && p[len - 1] == '/')
        len--;
    char path[256];
    if (len >= sizeof path)
        return 0;
    memcpy(path, p, len);
    path[len] = '\0';

    if (!strcmp(path, "/version")) {
        lwcm_reply_cjson(r, 200, version_doc());
        return 1;
    }
    if (!strcmp(path, "/api")) {
        cJSON *doc = cJSON_CreateObject();
        if (doc) {
            cJSON_AddStringToObject(doc, "kind", "APIVersions");
            const char *v1 = "v1";
            add_strings(doc, "versions", &v1, 1);
            cJSON *cidrs = cJSON_AddArrayToObject(doc, "serverAddressByClientCIDRs");
            cJSON *c = cJSON_CreateObject();
            if (c && cidrs && cJSON_AddItemToArray(cidrs, c)) {
                char addr[96];
                snprintf(addr, sizeof addr, "%s:%u", srv->listen_addr, srv->port);
                cJSON_AddStringToObject(c, "clientCIDR", "0.0.0.0/0");
                cJSON_AddStringToObject(c, "serverAddress", addr);
            } else {
                cJSON_Delete(c);
            }
        }
        lwcm_reply_cjson(r, 200, doc);
        return 1;
    }
    if (!strcmp(path, "/apis")) {
        lwcm_reply_cjson(r, 200, group_list(srv));
        return 1;
    }
    if (!strcmp(path, "/api/v1")) {
        cJSON *doc = resource_list(srv, "/api/v1", "v1");
        if (!doc)
            return 0;
        lwcm_reply_cjson(r, 200, doc);
        return 1;
    }
    if (strncmp(path, "/apis/", 6) == 0) {
        const char *rest = path + 6;
        const char *slash = strchr(rest, '/');
        if (!slash) {
            int n = lwcm_store_resource_count(srv->st);
            for (int i = 0; i < n; i++) {
                const resource_def *d = lwcm_store_resource(srv->st, i);
                if (d->group[0] && !strcmp(d->group, rest)) {
                    cJSON *g = group_object(d);
                    if (g) {
                        cJSON *doc = cJSON_CreateObject();
                        if (doc) {
                            cJSON_AddStringToObject(doc, "kind", "APIGroup");
                            cJSON_AddStringToObject(doc, "apiVersion", "v1");
                            cJSON *it;
                            cJSON_ArrayForEach(it, g) {
                                cJSON *dup = cJSON_Duplicate(it, 1);
                                if (dup && !cJSON_AddItemToObject(doc, it->string, dup))
                                    cJSON_Delete(dup);
                            }
                        }
                        cJSON_Delete(g);
                        lwcm_reply_cjson(r, 200, doc);
                        return 1;
                    }
                }
            }
            return 0;
        }
        if (strchr(slash + 1, '/'))
            return 0;
        cJSON *doc = resource_list(srv, path, rest);
        if (!doc)
            return 0;
        lwcm_reply_cjson(r, 200, doc);
        return 1;
    }
    return 0;
}
