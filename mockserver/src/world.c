/* The server's world through the public API: resources, objects, compaction and watches. */
#include "mock_internal.h"
#include "lwc_fail.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int map_store_rc(int rc)
{
    switch (rc) {
    case STORE_OK: return LWC_MOCK_OK;
    case STORE_ENOENT: return LWC_MOCK_ENOENT;
    case STORE_EEXIST: return LWC_MOCK_EEXIST;
    case STORE_ECONFLICT: return LWC_MOCK_ECONFLICT;
    case STORE_ENOMEM: return LWC_MOCK_ENOMEM;
    case STORE_ENOSPACE: return LWC_MOCK_ENOSPACE;
    default: return LWC_MOCK_EINVAL;
    }
}

/* A store write's outcome for the public API: its RV in *rv_out (may be NULL), v released. */
static int write_result(int rc, obj_version *v, uint64_t *rv_out)
{
    if (rc == STORE_OK && rv_out)
        *rv_out = v->rv;
    lwcm_obj_version_unref(v);
    return map_store_rc(rc);
}

int lwc_mock_add_resource(lwc_mock *srv, const char *group, const char *version, const char *plural,
                          const char *singular, const char *kind, int namespaced, char *err, size_t errlen)
{
    resource_def def;
    if (!group || !version || !plural || !singular || !kind || !*version || !*plural || !*kind ||
        lwcm_resource_def_init(&def, group, version, plural, singular, kind, "", namespaced) != 0) {
        return lwc_fail(err, errlen, LWC_MOCK_EINVAL, "resource %s/%s %s: a name is missing or too long",
                        group ? group : "", version ? version : "", plural ? plural : "");
    }
    int rc = lwcm_store_add_resource(srv->st, &def);
    if (rc == STORE_EEXIST)
        return lwc_fail(err, errlen, LWC_MOCK_EEXIST, "resource %s %s is already registered", def.api_path, plural);
    if (rc < 0)
        return lwc_fail(err, errlen, LWC_MOCK_ENOMEM, "out of memory");
    return LWC_MOCK_OK;
}

static int find_res(lwc_mock *srv, const char *api_path, const char *resource, char *err, size_t errlen)
{
    int res = api_path && resource ? lwcm_store_find_resource(srv->st, api_path, resource) : -1;
    if (res < 0)
        snprintf(err, errlen, "no resource \"%s\" under %s", resource ? resource : "(null)",
                 api_path ? api_path : "(null)");
    return res;
}

static cJSON *parse_object(const resource_def *def, const char *json, char *err, size_t errlen)
{
    cJSON *doc = json ? cJSON_Parse(json) : NULL;
    if (!doc || !cJSON_IsObject(doc)) {
        cJSON_Delete(doc);
        snprintf(err, errlen, "%s: the object is not a JSON object", def->kind);
        return NULL;
    }
    char field[64], detail[400];
    if (lwcm_object_validate(def, doc, field, sizeof field, detail, sizeof detail) != 0) {
        cJSON_Delete(doc);
        snprintf(err, errlen, "%s is invalid: %s: %s", def->kind, field, detail);
        return NULL;
    }
    cJSON *norm = lwcm_object_normalize(def, doc);
    cJSON_Delete(doc);
    if (!norm)
        snprintf(err, errlen, "out of memory");
    return norm;
}

static const char *namespace_of(const cJSON *obj)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
    const cJSON *ns = cJSON_GetObjectItemCaseSensitive(m, "namespace");
    return cJSON_IsString(ns) ? ns->valuestring : "";
}

static int ensure_namespace(lwc_mock *srv, const char *ns, char *err, size_t errlen)
{
    int nsres = lwcm_store_find_resource(srv->st, "/api/v1", "namespaces");
    obj_version *v = lwcm_store_get(srv->st, nsres, NULL, ns);
    if (v) {
        lwcm_obj_version_unref(v);
        return LWC_MOCK_OK;
    }
    char json[400];
    snprintf(json, sizeof json, "{\"metadata\":{\"name\":\"%.250s\"},\"spec\":{\"finalizers\":[\"kubernetes\"]},"
             "\"status\":{\"phase\":\"Active\"}}", ns);
    int rc = lwc_mock_create(srv, "/api/v1", "namespaces", json, NULL, err, errlen);
    return rc == LWC_MOCK_EEXIST ? LWC_MOCK_OK : rc;
}

int lwc_mock_create(lwc_mock *srv, const char *api_path, const char *resource, const char *json,
                    uint64_t *rv_out, char *err, size_t errlen)
{
    int res = find_res(srv, api_path, resource, err, errlen);
    if (res < 0)
        return LWC_MOCK_ENOENT;
    const resource_def *def = lwcm_store_resource(srv->st, res);
    cJSON *obj = parse_object(def, json, err, errlen);
    if (!obj)
        return LWC_MOCK_EINVAL;
    if (def->namespaced) {
        const char *ns = namespace_of(obj);
        if (!*ns) {
            cJSON_Delete(obj);
            return lwc_fail(err, errlen, LWC_MOCK_EINVAL,
                            "%s: metadata.namespace is required for a namespaced resource", def->kind);
        }
        int rc = ensure_namespace(srv, ns, err, errlen);
        if (rc != LWC_MOCK_OK) {
            cJSON_Delete(obj);
            return rc;
        }
    } else {
        cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(obj, "metadata"), "namespace");
    }
    obj_version *v = NULL;
    int rc = lwcm_store_create(srv->st, res, obj, 1, &v, err, errlen);
    cJSON_Delete(obj);
    return write_result(rc, v, rv_out);
}

int lwc_mock_update(lwc_mock *srv, const char *api_path, const char *resource, const char *json,
                    uint64_t *rv_out, char *err, size_t errlen)
{
    int res = find_res(srv, api_path, resource, err, errlen);
    if (res < 0)
        return LWC_MOCK_ENOENT;
    cJSON *obj = parse_object(lwcm_store_resource(srv->st, res), json, err, errlen);
    if (!obj)
        return LWC_MOCK_EINVAL;
    obj_version *v = NULL;
    int rc = lwcm_store_update(srv->st, res, obj, &v, err, errlen);
    cJSON_Delete(obj);
    return write_result(rc, v, rv_out);
}

int lwc_mock_delete(lwc_mock *srv, const char *api_path, const char *resource, const char *ns,
                    const char *name, uint64_t *rv_out, char *err, size_t errlen)
{
    int res = find_res(srv, api_path, resource, err, errlen);
    if (res < 0)
        return LWC_MOCK_ENOENT;
    if (!name)
        return lwc_fail(err, errlen, LWC_MOCK_EINVAL, "a name is required");
    obj_version *v = NULL;
    int rc = lwcm_store_delete(srv->st, res, ns, name, &v, err, errlen);
    return write_result(rc, v, rv_out);
}

uint64_t lwc_mock_current_rv(lwc_mock *srv)
{
    return lwcm_store_current_rv(srv->st);
}

uint64_t lwc_mock_compact(lwc_mock *srv, uint64_t rv)
{
    return lwcm_store_compact(srv->st, rv);
}

void lwc_mock_close_watches(lwc_mock *srv)
{
    lwcm_store_close_watches(srv->st);
}

size_t lwc_mock_watch_count(lwc_mock *srv)
{
    return lwcm_store_watch_count(srv->st);
}

char *lwc_mock_list_json(lwc_mock *srv, const char *api_path, const char *resource, const char *ns,
                         const char *selector, uint64_t rv, char *err, size_t errlen)
{
    int res = find_res(srv, api_path, resource, err, errlen);
    if (res < 0)
        return NULL;
    label_selector sel;
    if (lwcm_label_selector_parse(selector, &sel, err, errlen) != 0)
        return NULL;
    list_query q;
    memset(&q, 0, sizeof q);
    q.res = res;
    q.ns = ns && *ns ? ns : NULL;
    q.at_current = rv == 0;
    q.at_rv = rv;
    q.labels = sel.n ? &sel : NULL;
    list_page page;
    int rc = lwcm_store_list(srv->st, &q, &page, NULL);
    lwcm_label_selector_free(&sel);
    if (rc != STORE_OK) {
        snprintf(err, errlen, "%s", rc == STORE_EXPIRED ? "resourceVersion compacted" :
                                    rc == STORE_TOO_LARGE ? "resourceVersion in the future" : "list failed");
        return NULL;
    }
    const resource_def *def = lwcm_store_resource(srv->st, res);
    strbuf sb;
    lwcc_strbuf_init(&sb);
    lwcc_strbuf_puts(&sb, "{\"kind\":");
    lwcc_strbuf_put_json_string(&sb, def->list_kind);
    lwcc_strbuf_puts(&sb, ",\"apiVersion\":");
    lwcc_strbuf_put_json_string(&sb, def->api_version);
    lwcc_strbuf_printf(&sb, ",\"metadata\":{\"resourceVersion\":\"%llu\"},\"items\":[", (unsigned long long)page.rv);
    for (size_t i = 0; i < page.n; i++) {
        if (i)
            lwcc_strbuf_putc(&sb, ',');
        /* Whole objects, kind and apiVersion included: what a client's store should hold. */
        lwcc_strbuf_append(&sb, page.items[i]->json, page.items[i]->json_len);
    }
    lwcc_strbuf_puts(&sb, "]}");
    lwcm_list_page_free(&page);
    char *out = lwcc_strbuf_take(&sb, NULL);
    if (!out)
        snprintf(err, errlen, "out of memory");
    return out;
}
