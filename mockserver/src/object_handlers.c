/* GET, POST, PUT, PATCH and DELETE of single objects, with the apiserver's
 * status codes and Status bodies (404 NotFound, 409 AlreadyExists and
 * Conflict, 422 Invalid, 415 for patch types it does not take). */
#include "handlers.h"
#include "merge_patch.h"
#include "mock_internal.h"
#include "table.h"
#include "utf8.h"
#include "validation.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void reply_object(reply *r, int status, const request *req, const resource_def *def, const obj_version *v)
{
    strbuf sb;
    lwcc_strbuf_init(&sb);
    if (lwcm_wants_table(req))
        lwcm_table_write_single(&sb, def, v, 1);
    else
        lwcc_strbuf_append(&sb, v->json, v->json_len);
    size_t len = 0;
    char *body = lwcc_strbuf_take(&sb, &len);
    lwcm_reply_json(r, status, body, len);
}

static void reply_conflict_status(reply *r, int code, const char *reason, const resource_def *def,
                                  const char *name, const char *message)
{
    cJSON *d = cJSON_CreateObject();
    if (d) {
        cJSON_AddStringToObject(d, "name", name);
        if (def->group[0])
            cJSON_AddStringToObject(d, "group", def->group);
        cJSON_AddStringToObject(d, "kind", def->plural);
    }
    lwcm_reply_status(r, code, reason, message, d, NULL);
}

/* 1 when the JSON text holds the escape \u0000 in a string: cJSON would
 * cut the string there (a name "a\u0000b" stored as "a"). */
static int has_escaped_nul(const char *s, size_t n)
{
    for (size_t i = 0; i + 6 <= n; i++) {
        if (s[i] != '\\')
            continue;
        if (s[i + 1] == 'u' && !memcmp(s + i + 2, "0000", 4))
            return 1;
        i++; /* skip the escaped character, so "\\\\u0000" is not one */
    }
    return 0;
}

/* metadata members the apiserver decodes as strings: a number there is a
 * decode error (400), not a value to store or drop. */
static int meta_types_ok(const cJSON *obj, char *msg, size_t msglen)
{
    static const char *const strings[] = {"name", "generateName", "namespace", "uid", "resourceVersion",
                                          "creationTimestamp", "deletionTimestamp", "selfLink", NULL};
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
    if (!cJSON_IsObject(meta))
        return 1;
    for (int i = 0; strings[i]; i++) {
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(meta, strings[i]);
        if (f && !cJSON_IsString(f) && !cJSON_IsNull(f)) {
            const char *t = cJSON_IsNumber(f) ? "number" : cJSON_IsBool(f) ? "bool" : cJSON_IsArray(f) ? "array" : "object";
            snprintf(msg, msglen,
                     "json: cannot unmarshal %s into Go struct field ObjectMeta.metadata.%s of type string", t,
                     strings[i]);
            return 0;
        }
    }
    return 1;
}

/* Parses a request body, answering 400 for anything that is not one JSON
 * object. Ill-formed UTF-8 in it becomes U+FFFD, as Go's encoding/json
 * decodes it in the apiserver, so nothing stored breaks a strict reader. */
static cJSON *parse_body(const request *req, reply *r)
{
    if (!req->body || req->body_len == 0) {
        lwcm_reply_bad_request(r, "the body of the request was empty: a JSON object is required");
        return NULL;
    }
    if (has_escaped_nul(req->body, req->body_len)) {
        lwcm_reply_bad_request(r, "couldn't get version/kind; json parse error: strings with NUL (\\u0000) cannot be "
                             "stored by this mock server");
        return NULL;
    }
    size_t blen = req->body_len;
    char *fixed = NULL;
    const char *body = req->body;
    if (!lwcm_utf8_valid(body, blen)) {
        fixed = lwcc_utf8_sanitize(body, blen, 0, &blen);
        if (!fixed) {
            lwcm_reply_internal(r, "out of memory");
            return NULL;
        }
        body = fixed;
    }
    const char *end = NULL;
    cJSON *doc = cJSON_ParseWithLengthOpts(body, blen, &end, 0);
    size_t at = end && end >= body ? (size_t)(end - body) : 0;
    if (!doc) {
        char msg[256];
        snprintf(msg, sizeof msg, "couldn't get version/kind; json parse error: invalid JSON at byte %zu of %zu",
                 at, blen);
        free(fixed);
        lwcm_reply_bad_request(r, msg);
        return NULL;
    }
    /* One value only: "{...}x" is "invalid character 'x' after top-level value". */
    while (at < blen && (body[at] == ' ' || body[at] == '\t' || body[at] == '\n' || body[at] == '\r'))
        at++;
    if (at < blen) {
        char msg[256];
        unsigned char c = (unsigned char)body[at];
        if (c >= 0x20 && c < 0x7f)
            snprintf(msg, sizeof msg, "couldn't get version/kind; json parse error: invalid character '%c' after "
                                      "top-level value", c);
        else
            snprintf(msg, sizeof msg, "couldn't get version/kind; json parse error: invalid character '\\x%02x' "
                                      "after top-level value", c);
        free(fixed);
        cJSON_Delete(doc);
        lwcm_reply_bad_request(r, msg);
        return NULL;
    }
    free(fixed);
    if (lwcm_json_dedupe_keys(doc) != 0) {
        cJSON_Delete(doc);
        lwcm_reply_internal(r, "out of memory");
        return NULL;
    }
    if (!cJSON_IsObject(doc)) {
        cJSON_Delete(doc);
        lwcm_reply_bad_request(r, "couldn't get version/kind; json parse error: the body must be a JSON object");
        return NULL;
    }
    char msg[256];
    if (!meta_types_ok(doc, msg, sizeof msg)) {
        cJSON_Delete(doc);
        lwcm_reply_bad_request(r, msg);
        return NULL;
    }
    return doc;
}

static const char *meta_str(const cJSON *obj, const char *field)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(m, field);
    return cJSON_IsString(f) ? f->valuestring : NULL;
}

static int set_meta(cJSON *obj, const char *field, const char *value)
{
    cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
    if (!m) {
        m = cJSON_AddObjectToObject(obj, "metadata");
        if (!m)
            return -1;
    }
    cJSON *s = cJSON_CreateString(value);
    if (!s)
        return -1;
    if (cJSON_GetObjectItemCaseSensitive(m, field))
        return cJSON_ReplaceItemInObjectCaseSensitive(m, field, s) ? 0 : (cJSON_Delete(s), -1);
    return cJSON_AddItemToObject(m, field, s) ? 0 : (cJSON_Delete(s), -1);
}

/* Checks kind, apiVersion and namespace against the URL; fills the namespace. */
static int check_identity(const resource_def *def, cJSON *obj, const char *ns, reply *r)
{
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(obj, "kind");
    const cJSON *apiv = cJSON_GetObjectItemCaseSensitive(obj, "apiVersion");
    char msg[512];
    if (cJSON_IsString(apiv) && apiv->valuestring[0] && strcmp(apiv->valuestring, def->api_version) != 0) {
        snprintf(msg, sizeof msg, "the API version in the data (%.100s) does not match the expected API version (%s)",
                 apiv->valuestring, def->api_version);
        lwcm_reply_bad_request(r, msg);
        return -1;
    }
    if (cJSON_IsString(kind) && kind->valuestring[0] && strcmp(kind->valuestring, def->kind) != 0) {
        snprintf(msg, sizeof msg, "the kind in the data (%.100s) does not match the expected kind (%s)",
                 kind->valuestring, def->kind);
        lwcm_reply_bad_request(r, msg);
        return -1;
    }
    if (!def->namespaced)
        return 0;
    const char *body_ns = meta_str(obj, "namespace");
    if (body_ns && body_ns[0] && strcmp(body_ns, ns) != 0) {
        lwcm_reply_bad_request(r, "the namespace of the provided object does not match the namespace sent on the request");
        return -1;
    }
    if (set_meta(obj, "namespace", ns) != 0) {
        lwcm_reply_internal(r, "out of memory");
        return -1;
    }
    return 0;
}

static int namespace_exists(lwc_mock *srv, const char *ns)
{
    int nsres = lwcm_store_find_resource(srv->st, "/api/v1", "namespaces");
    if (nsres < 0)
        return 1;
    obj_version *v = lwcm_store_get(srv->st, nsres, NULL, ns);
    if (!v)
        return 0;
    lwcm_obj_version_unref(v);
    return 1;
}

static void reply_store_error(reply *r, int rc, const resource_def *def, const char *name, const char *err)
{
    switch (rc) {
    case STORE_ENOENT:
        lwcm_reply_not_found(r, def->plural, def->group, name);
        break;
    case STORE_EEXIST:
        reply_conflict_status(r, 409, "AlreadyExists", def, name, err);
        break;
    case STORE_ECONFLICT:
        reply_conflict_status(r, 409, "Conflict", def, name, err);
        break;
    case STORE_EINVAL:
        lwcm_reply_invalid(r, def->kind, def->group, name, "metadata.name", "FieldValueInvalid", err);
        break;
    case STORE_ENOSPACE: /* etcd's error, not an API status: passed on as a 500 with no reason */
        lwcm_reply_status(r, 500, NULL, err, NULL, NULL);
        break;
    default:
        lwcm_reply_internal(r, err);
    }
}

void lwcm_handle_get(lwc_mock *srv, const request *req, int res, const char *ns, const char *name, reply *r)
{
    const resource_def *def = lwcm_store_resource(srv->st, res);
    obj_version *v = lwcm_store_get(srv->st, res, ns, name);
    if (!v) {
        lwcm_reply_not_found(r, def->plural, def->group, name);
        return;
    }
    reply_object(r, 200, req, def, v);
    lwcm_obj_version_unref(v);
}

static int validate_or_reply(const resource_def *def, const cJSON *obj, reply *r)
{
    char field[64], detail[1024];
    if (lwcm_object_validate(def, obj, field, sizeof field, detail, sizeof detail) == 0)
        return 0;
    const char *name = meta_str(obj, "name");
    const char *reason = strstr(detail, "Required") == detail ? "FieldValueRequired" : "FieldValueInvalid";
    lwcm_reply_invalid(r, def->kind, def->group, name ? name : "", field, reason, detail);
    return -1;
}

void lwcm_handle_create(lwc_mock *srv, const request *req, int res, const char *ns, reply *r)
{
    const resource_def *def = lwcm_store_resource(srv->st, res);
    cJSON *obj = parse_body(req, r);
    if (!obj)
        return;
    if (check_identity(def, obj, ns, r) != 0 || validate_or_reply(def, obj, r) != 0) {
        cJSON_Delete(obj);
        return;
    }
    if (def->namespaced && !namespace_exists(srv, ns)) {
        lwcm_reply_not_found(r, "namespaces", "", ns);
        cJSON_Delete(obj);
        return;
    }
    cJSON *norm = lwcm_object_normalize(def, obj);
    cJSON_Delete(obj);
    if (!norm) {
        lwcm_reply_internal(r, "out of memory");
        return;
    }
    /* The server owns these; a client's values are dropped, as on create in the apiserver. */
    cJSON *meta = cJSON_GetObjectItemCaseSensitive(norm, "metadata");
    cJSON_DeleteItemFromObjectCaseSensitive(meta, "resourceVersion");
    cJSON_DeleteItemFromObjectCaseSensitive(meta, "uid");
    cJSON_DeleteItemFromObjectCaseSensitive(meta, "creationTimestamp");
    obj_version *v = NULL;
    char err[512];
    int rc = lwcm_store_create(srv->st, res, norm, 0, &v, err, sizeof err);
    const char *name = meta_str(norm, "name");
    if (rc != STORE_OK)
        reply_store_error(r, rc, def, name ? name : "", err);
    else
        reply_object(r, 201, req, def, v);
    lwcm_obj_version_unref(v);
    cJSON_Delete(norm);
}

static void update_object(lwc_mock *srv, const request *req, int res, const char *ns, const char *name,
                          cJSON *obj, reply *r)
{
    const resource_def *def = lwcm_store_resource(srv->st, res);
    const char *body_name = meta_str(obj, "name");
    if (body_name && strcmp(body_name, name) != 0) {
        char msg[600];
        snprintf(msg, sizeof msg, "the name of the object (%.250s) does not match the name on the URL (%.250s)",
                 body_name, name);
        lwcm_reply_bad_request(r, msg);
        return;
    }
    if (set_meta(obj, "name", name) != 0) {
        lwcm_reply_internal(r, "out of memory");
        return;
    }
    if (check_identity(def, obj, ns, r) != 0 || validate_or_reply(def, obj, r) != 0)
        return;
    cJSON *norm = lwcm_object_normalize(def, obj);
    if (!norm) {
        lwcm_reply_internal(r, "out of memory");
        return;
    }
    obj_version *v = NULL;
    char err[512];
    int rc = lwcm_store_update(srv->st, res, norm, &v, err, sizeof err);
    if (rc != STORE_OK)
        reply_store_error(r, rc, def, name, err);
    else
        reply_object(r, 200, req, def, v);
    lwcm_obj_version_unref(v);
    cJSON_Delete(norm);
}

void lwcm_handle_update(lwc_mock *srv, const request *req, int res, const char *ns, const char *name, reply *r)
{
    cJSON *obj = parse_body(req, r);
    if (!obj)
        return;
    update_object(srv, req, res, ns, name, obj, r);
    cJSON_Delete(obj);
}

void lwcm_handle_patch(lwc_mock *srv, const request *req, int res, const char *ns, const char *name, reply *r)
{
    const resource_def *def = lwcm_store_resource(srv->st, res);
    const char *ct = req->content_type ? req->content_type : "";
    /* Strategic merge patch is taken as a merge patch: for metadata, labels and
     * scalar fields the two agree; list merging by key is not modelled. */
    if (strncmp(ct, "application/merge-patch+json", 28) != 0 &&
        strncmp(ct, "application/strategic-merge-patch+json", 38) != 0) {
        char msg[400];
        snprintf(msg, sizeof msg,
                 "the body of the request was in an unknown format - accepted media types include: "
                 "application/merge-patch+json, application/strategic-merge-patch+json (got \"%.100s\")", ct);
        lwcm_reply_status(r, 415, "UnsupportedMediaType", msg, NULL, NULL);
        return;
    }
    cJSON *patch = parse_body(req, r);
    if (!patch)
        return;
    obj_version *cur = lwcm_store_get(srv->st, res, ns, name);
    if (!cur) {
        cJSON_Delete(patch);
        lwcm_reply_not_found(r, def->plural, def->group, name);
        return;
    }
    cJSON *obj = lwcm_obj_version_parse(cur);
    lwcm_obj_version_unref(cur);
    if (!obj) {
        cJSON_Delete(patch);
        lwcm_reply_internal(r, "out of memory");
        return;
    }
    /* The patched object carries no resourceVersion unless the patch sets one,
     * so a plain patch never conflicts (a precondition only when asked). */
    cJSON *meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
    cJSON_DeleteItemFromObjectCaseSensitive(meta, "resourceVersion");
    if (lwcm_merge_patch_apply(obj, patch) != 0) {
        lwcm_reply_internal(r, "out of memory");
    } else {
        const char *pname = meta_str(obj, "name");
        if (pname && strcmp(pname, name) != 0)
            lwcm_reply_bad_request(r, "metadata.name: Invalid value: the name of an object cannot be changed by a patch");
        else
            update_object(srv, req, res, ns, name, obj, r);
    }
    cJSON_Delete(obj);
    cJSON_Delete(patch);
}

/* DeleteOptions.preconditions (uid, resourceVersion): a mismatch is the
 * apiserver's 409 Conflict, "Precondition failed: UID in precondition: A,
 * UID in object meta: B" (apiserver storage Preconditions.Check). A body
 * that is not DeleteOptions JSON is a 400; no body means no preconditions.
 * Returns 0 with r filled when the delete must not happen. */
static int preconditions_hold(lwc_mock *srv, const request *req, int res, const resource_def *def, const char *ns,
                              const char *name, reply *r)
{
    if (!req->body || req->body_len == 0)
        return 1;
    cJSON *opts = parse_body(req, r);
    if (!opts)
        return 0;
    const cJSON *pre = cJSON_GetObjectItemCaseSensitive(opts, "preconditions");
    const cJSON *uid = cJSON_GetObjectItemCaseSensitive(pre, "uid");
    const cJSON *rv = cJSON_GetObjectItemCaseSensitive(pre, "resourceVersion");
    int ok = 1;
    if ((uid && !cJSON_IsString(uid) && !cJSON_IsNull(uid)) || (rv && !cJSON_IsString(rv) && !cJSON_IsNull(rv))) {
        lwcm_reply_bad_request(r, "json: cannot unmarshal preconditions: uid and resourceVersion must be strings");
        ok = 0;
    } else if (cJSON_IsString(uid) || cJSON_IsString(rv)) {
        obj_version *v = lwcm_store_get(srv->st, res, ns, name);
        if (!v) {
            lwcm_reply_not_found(r, def->plural, def->group, name);
            ok = 0;
        } else {
            char have_rv[32], msg[1024];
            snprintf(have_rv, sizeof have_rv, "%llu", (unsigned long long)v->rv);
            msg[0] = '\0';
            if (cJSON_IsString(uid) && strcmp(uid->valuestring, v->uid) != 0)
                snprintf(msg, sizeof msg,
                         "Operation cannot be fulfilled on %s%s%s \"%s\": Precondition failed: UID in precondition: "
                         "%.100s, UID in object meta: %s",
                         def->plural, def->group[0] ? "." : "", def->group, name, uid->valuestring, v->uid);
            else if (cJSON_IsString(rv) && strcmp(rv->valuestring, have_rv) != 0)
                snprintf(msg, sizeof msg,
                         "Operation cannot be fulfilled on %s%s%s \"%s\": Precondition failed: ResourceVersion in "
                         "precondition: %.100s, ResourceVersion in object meta: %s",
                         def->plural, def->group[0] ? "." : "", def->group, name, rv->valuestring, have_rv);
            lwcm_obj_version_unref(v);
            if (msg[0]) {
                reply_conflict_status(r, 409, "Conflict", def, name, msg);
                ok = 0;
            }
        }
    }
    cJSON_Delete(opts);
    return ok;
}

void lwcm_handle_delete(lwc_mock *srv, const request *req, int res, const char *ns, const char *name, reply *r)
{
    const resource_def *def = lwcm_store_resource(srv->st, res);
    char err[512];
    if (!preconditions_hold(srv, req, res, def, ns, name, r))
        return;
    if (!def->namespaced && strcmp(def->plural, "namespaces") == 0 && def->group[0] == '\0') {
        /* A namespace takes its contents with it. The real one passes through
         * Terminating first; here the contents go at once, each a DELETED event. */
        obj_version *nsobj = lwcm_store_get(srv->st, res, NULL, name);
        if (nsobj) {
            lwcm_obj_version_unref(nsobj);
            int n = lwcm_store_resource_count(srv->st);
            for (int i = 0; i < n; i++) {
                if (!lwcm_store_resource(srv->st, i)->namespaced)
                    continue;
                list_query q;
                memset(&q, 0, sizeof q);
                q.res = i;
                q.ns = name;
                q.at_current = 1;
                list_page page;
                if (lwcm_store_list(srv->st, &q, &page, NULL) != STORE_OK)
                    continue;
                for (size_t k = 0; k < page.n; k++) {
                    obj_version *gone = NULL;
                    if (lwcm_store_delete(srv->st, i, name, page.items[k]->name, &gone, err, sizeof err) == STORE_OK)
                        lwcm_obj_version_unref(gone);
                }
                lwcm_list_page_free(&page);
            }
        }
    }
    obj_version *tomb = NULL;
    int rc = lwcm_store_delete(srv->st, res, ns, name, &tomb, err, sizeof err);
    if (rc != STORE_OK) {
        reply_store_error(r, rc, def, name, err);
        return;
    }
    if (def->group[0] == '\0' && (!strcmp(def->plural, "pods") || !strcmp(def->plural, "namespaces"))) {
        /* Pods (graceful deletion) and namespaces (finalizers) answer with the object. */
        reply_object(r, 200, req, def, tomb);
    } else {
        /* Every other store answers a Success Status naming what went (genericregistry.Store
         * without ReturnDeletedObject; measured for configmaps on 1.33, fidelity/results.md). */
        cJSON *st = cJSON_CreateObject();
        cJSON *d = cJSON_CreateObject();
        int ok = st && d && cJSON_AddStringToObject(st, "kind", "Status") &&
                 cJSON_AddStringToObject(st, "apiVersion", "v1") && cJSON_AddObjectToObject(st, "metadata") &&
                 cJSON_AddStringToObject(st, "status", "Success") && cJSON_AddStringToObject(d, "name", tomb->name) &&
                 (!def->group[0] || cJSON_AddStringToObject(d, "group", def->group)) &&
                 cJSON_AddStringToObject(d, "kind", def->plural) && cJSON_AddStringToObject(d, "uid", tomb->uid);
        if (!ok || !cJSON_AddItemToObject(st, "details", d)) {
            cJSON_Delete(d);
            cJSON_Delete(st);
            lwcm_reply_internal(r, "out of memory");
        } else {
            lwcm_reply_cjson(r, 200, st);
        }
    }
    lwcm_obj_version_unref(tomb);
}
