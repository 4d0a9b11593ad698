/* Object versions: validating, normalizing and serializing an object once, refcounted, for lists and events. */
#include "object_codec.h"
#include "lwc_fail.h"
#include "validation.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const meta_order[] = {
    "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
    "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels",
    "annotations", "ownerReferences", "finalizers", "managedFields",
};

static int in_meta_order(const char *k)
{
    for (size_t i = 0; i < sizeof meta_order / sizeof meta_order[0]; i++)
        if (strcmp(meta_order[i], k) == 0)
            return 1;
    return 0;
}

static int add_copy(cJSON *dst, const char *name, const cJSON *src)
{
    cJSON *dup = cJSON_Duplicate(src, 1);
    if (!dup)
        return -1;
    if (!cJSON_AddItemToObject(dst, name, dup)) {
        cJSON_Delete(dup);
        return -1;
    }
    return 0;
}

cJSON *lwcm_object_normalize(const resource_def *def, const cJSON *obj)
{
    cJSON *out = cJSON_CreateObject();
    if (!out)
        return NULL;
    if (!cJSON_AddStringToObject(out, "kind", def->kind) ||
        !cJSON_AddStringToObject(out, "apiVersion", def->api_version))
        goto fail;
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
    cJSON *nmeta = cJSON_AddObjectToObject(out, "metadata");
    if (!nmeta)
        goto fail;
    if (cJSON_IsObject(meta)) {
        for (size_t i = 0; i < sizeof meta_order / sizeof meta_order[0]; i++) {
            const cJSON *f = cJSON_GetObjectItemCaseSensitive(meta, meta_order[i]);
            if (f && add_copy(nmeta, meta_order[i], f) != 0)
                goto fail;
        }
        const cJSON *f;
        cJSON_ArrayForEach(f, meta) {
            if (f->string && !in_meta_order(f->string) && add_copy(nmeta, f->string, f) != 0)
                goto fail;
        }
    }
    const cJSON *f;
    cJSON_ArrayForEach(f, obj) {
        if (!f->string || !strcmp(f->string, "kind") || !strcmp(f->string, "apiVersion") ||
            !strcmp(f->string, "metadata"))
            continue;
        if (add_copy(out, f->string, f) != 0)
            goto fail;
    }
    return out;
fail:
    cJSON_Delete(out);
    return NULL;
}

static int string_map(const cJSON *m)
{
    if (!m || cJSON_IsNull(m))
        return 1;
    if (!cJSON_IsObject(m))
        return 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, m) {
        if (!cJSON_IsString(e))
            return 0;
    }
    return 1;
}

int lwcm_object_validate(const resource_def *def, const cJSON *obj, char *field, size_t fieldlen,
                    char *detail, size_t detaillen)
{
    if (!cJSON_IsObject(obj)) {
        snprintf(field, fieldlen, "<root>");
        return lwc_fail(detail, detaillen, -1, "Invalid value: the body must be a JSON object");
    }
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
    if (meta && !cJSON_IsObject(meta)) {
        snprintf(field, fieldlen, "metadata");
        return lwc_fail(detail, detaillen, -1, "Invalid value: must be an object");
    }
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(meta, "name");
    const cJSON *gen = cJSON_GetObjectItemCaseSensitive(meta, "generateName");
    if (name && !cJSON_IsString(name)) {
        snprintf(field, fieldlen, "metadata.name");
        return lwc_fail(detail, detaillen, -1, "Invalid value: must be a string");
    }
    if ((!name || !name->valuestring[0]) && !(cJSON_IsString(gen) && gen->valuestring[0])) {
        snprintf(field, fieldlen, "metadata.name");
        return lwc_fail(detail, detaillen, -1, "Required value: name or generateName is required");
    }
    char why[512];
    /* Namespaces are DNS-1123 labels (ValidateNamespaceName), the rest
     * subdomains (NameIsDNSSubdomain). */
    int is_ns = !def->namespaced && !strcmp(def->plural, "namespaces") && !def->group[0];
    if (name && name->valuestring[0] &&
        !(is_ns ? lwcm_valid_dns1123_label(name->valuestring, why, sizeof why)
                : lwcm_valid_dns1123_subdomain(name->valuestring, why, sizeof why))) {
        snprintf(field, fieldlen, "metadata.name");
        return lwc_fail(detail, detaillen, -1, "Invalid value: \"%.200s\": %s", name->valuestring, why);
    }
    const cJSON *labels = cJSON_GetObjectItemCaseSensitive(meta, "labels");
    if (!string_map(labels)) {
        snprintf(field, fieldlen, "metadata.labels");
        return lwc_fail(detail, detaillen, -1, "Invalid value: labels must map strings to strings");
    }
    /* ValidateLabels: each key a qualified name, each value a label value. */
    const cJSON *l;
    cJSON_ArrayForEach(l, labels) {
        const char *bad = NULL;
        if (!lwcm_valid_label_key(l->string, why, sizeof why))
            bad = l->string;
        else if (!lwcm_valid_label_value(l->valuestring, why, sizeof why))
            bad = l->valuestring;
        if (bad) {
            snprintf(field, fieldlen, "metadata.labels");
            return lwc_fail(detail, detaillen, -1, "Invalid value: \"%.200s\": %s", bad, why);
        }
    }
    if (!string_map(cJSON_GetObjectItemCaseSensitive(meta, "annotations"))) {
        snprintf(field, fieldlen, "metadata.annotations");
        return lwc_fail(detail, detaillen, -1, "Invalid value: annotations must map strings to strings");
    }
    return 0;
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s);
    char *p = malloc(n + 1);
    if (p)
        memcpy(p, s, n + 1);
    return p;
}

static const char *meta_string(const cJSON *meta, const char *name)
{
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(meta, name);
    return cJSON_IsString(f) ? f->valuestring : "";
}

static void free_version(obj_version *v)
{
    free(v->key);
    free(v->ns);
    free(v->name);
    free(v->uid);
    free(v->created);
    for (size_t i = 0; i < v->nlabels; i++) {
        free(v->labels[i].key);
        free(v->labels[i].value);
    }
    free(v->labels);
    for (size_t i = 0; i < v->nfields; i++) {
        free(v->fields[i].key);
        free(v->fields[i].value);
    }
    free(v->fields);
    free(v->json);
    free(v);
}

static size_t find_item_offset(const resource_def *def, const char *json)
{
    strbuf sb;
    lwcc_strbuf_init(&sb);
    lwcc_strbuf_puts(&sb, "{\"kind\":");
    lwcc_strbuf_put_json_string(&sb, def->kind);
    lwcc_strbuf_puts(&sb, ",\"apiVersion\":");
    lwcc_strbuf_put_json_string(&sb, def->api_version);
    lwcc_strbuf_putc(&sb, ',');
    size_t off = 0;
    if (!sb.failed && strncmp(json, sb.data, sb.len) == 0)
        off = sb.len;
    lwcc_strbuf_free(&sb);
    return off;
}

obj_version *lwcm_obj_version_new(const resource_def *def, const cJSON *obj)
{
    obj_version *v = calloc(1, sizeof *v);
    if (!v)
        return NULL;
    atomic_init(&v->refs, 1);
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
    const char *ns = def->namespaced ? meta_string(meta, "namespace") : "";
    const char *name = meta_string(meta, "name");
    const char *rv = meta_string(meta, "resourceVersion");
    v->rv = strtoull(rv, NULL, 10);
    v->ns = dup_str(ns);
    v->name = dup_str(name);
    v->uid = dup_str(meta_string(meta, "uid"));
    v->created = dup_str(meta_string(meta, "creationTimestamp"));
    size_t klen = strlen(ns) + strlen(name) + 2;
    v->key = malloc(klen);
    if (!v->ns || !v->name || !v->uid || !v->created || !v->key)
        goto fail;
    if (def->namespaced)
        snprintf(v->key, klen, "%s/%s", ns, name);
    else
        snprintf(v->key, klen, "%s", name);

    const cJSON *labels = cJSON_GetObjectItemCaseSensitive(meta, "labels");
    if (cJSON_IsObject(labels)) {
        size_t n = (size_t)cJSON_GetArraySize(labels);
        if (n) {
            v->labels = calloc(n, sizeof *v->labels);
            if (!v->labels)
                goto fail;
        }
        const cJSON *l;
        cJSON_ArrayForEach(l, labels) {
            if (!cJSON_IsString(l) || !l->string)
                continue;
            label_pair *p = &v->labels[v->nlabels];
            p->key = dup_str(l->string);
            p->value = dup_str(l->valuestring);
            v->nlabels++;
            if (!p->key || !p->value)
                goto fail;
        }
    }
    const char *const *paths = lwcm_resource_selectable_fields(def);
    size_t np = 0;
    while (paths[np])
        np++;
    if (np) {
        v->fields = calloc(np, sizeof *v->fields);
        if (!v->fields)
            goto fail;
        for (size_t i = 0; i < np; i++) {
            /* Two-level paths are all the built-in resources need. */
            char top[64];
            const char *dot = strchr(paths[i], '.');
            snprintf(top, sizeof top, "%.*s", (int)(dot - paths[i]), paths[i]);
            const cJSON *leaf = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(obj, top), dot + 1);
            label_pair *f = &v->fields[v->nfields++];
            f->key = dup_str(paths[i]);
            f->value = dup_str(cJSON_IsString(leaf) ? leaf->valuestring : "");
            if (!f->key || !f->value)
                goto fail;
        }
    }
    v->json = cJSON_PrintUnformatted(obj);
    if (!v->json)
        goto fail;
    v->json_len = strlen(v->json);
    v->item_off = find_item_offset(def, v->json);
    return v;
fail:
    free_version(v);
    return NULL;
}

obj_version *lwcm_obj_version_with_rv(const resource_def *def, const obj_version *old, uint64_t rv)
{
    cJSON *obj = lwcm_obj_version_parse(old);
    if (!obj)
        return NULL;
    cJSON *meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
    char buf[32];
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)rv);
    obj_version *v = NULL;
    cJSON *s = cJSON_CreateString(buf);
    if (s && meta && cJSON_ReplaceItemInObjectCaseSensitive(meta, "resourceVersion", s))
        v = lwcm_obj_version_new(def, obj);
    else
        cJSON_Delete(s);
    cJSON_Delete(obj);
    return v;
}

void lwcm_obj_version_ref(obj_version *v)
{
    atomic_fetch_add_explicit(&v->refs, 1, memory_order_relaxed);
}

void lwcm_obj_version_unref(obj_version *v)
{
    if (v && atomic_fetch_sub_explicit(&v->refs, 1, memory_order_acq_rel) == 1)
        free_version(v);
}

void lwcm_obj_write_list_item(strbuf *sb, const resource_def *def, const obj_version *v)
{
    if (def->typed_list && v->item_off) {
        lwcc_strbuf_putc(sb, '{');
        lwcc_strbuf_append(sb, v->json + v->item_off, v->json_len - v->item_off);
    } else {
        lwcc_strbuf_append(sb, v->json, v->json_len);
    }
}

cJSON *lwcm_obj_version_parse(const obj_version *v)
{
    return cJSON_ParseWithLength(v->json, v->json_len);
}
