/* The built-in resources (their names, scope, selectable fields) and resource_def for custom ones. */
#include "resources.h"

#include <stdio.h>
#include <string.h>

static int copy(char *dst, size_t cap, const char *src)
{
    int n = snprintf(dst, cap, "%s", src ? src : "");
    return (n < 0 || (size_t)n >= cap) ? -1 : 0;
}

int lwcm_resource_def_init(resource_def *def, const char *group, const char *version,
                      const char *plural, const char *singular, const char *kind,
                      const char *short_name, int namespaced)
{
    memset(def, 0, sizeof *def);
    if (copy(def->group, sizeof def->group, group) || copy(def->version, sizeof def->version, version) ||
        copy(def->plural, sizeof def->plural, plural) || copy(def->singular, sizeof def->singular, singular) ||
        copy(def->kind, sizeof def->kind, kind) || copy(def->short_name, sizeof def->short_name, short_name))
        return -1;
    int n = snprintf(def->list_kind, sizeof def->list_kind, "%sList", kind);
    if (n < 0 || (size_t)n >= sizeof def->list_kind)
        return -1;
    if (def->group[0]) {
        n = snprintf(def->api_version, sizeof def->api_version, "%s/%s", group, version);
        if (n < 0 || (size_t)n >= sizeof def->api_version)
            return -1;
        n = snprintf(def->api_path, sizeof def->api_path, "/apis/%s/%s", group, version);
    } else {
        n = snprintf(def->api_version, sizeof def->api_version, "%s", version);
        if (n < 0 || (size_t)n >= sizeof def->api_version)
            return -1;
        n = snprintf(def->api_path, sizeof def->api_path, "/api/%s", version);
    }
    if (n < 0 || (size_t)n >= sizeof def->api_path)
        return -1;
    def->namespaced = namespaced;
    def->typed_list = def->group[0] == '\0';
    def->table = TABLE_DEFAULT;
    return 0;
}

static const char *const pod_fields[] = {"spec.nodeName", "spec.restartPolicy", "spec.schedulerName",
                                         "spec.serviceAccountName", "status.phase", "status.podIP",
                                         "status.nominatedNodeName", NULL};
static const char *const namespace_fields[] = {"status.phase", NULL};
static const char *const no_fields[] = {NULL};

const char *const *lwcm_resource_selectable_fields(const resource_def *def)
{
    if (def->group[0] == '\0' && !strcmp(def->plural, "pods"))
        return pod_fields;
    if (def->group[0] == '\0' && !strcmp(def->plural, "namespaces"))
        return namespace_fields;
    return no_fields;
}

const int lwcm_builtin_resource_count = 4;

int lwcm_builtin_resource(int index, resource_def *out)
{
    switch (index) {
    case 0:
        if (lwcm_resource_def_init(out, "", "v1", "pods", "pod", "Pod", "po", 1))
            return -1;
        out->table = TABLE_POD;
        return 0;
    case 1:
        if (lwcm_resource_def_init(out, "", "v1", "configmaps", "configmap", "ConfigMap", "cm", 1))
            return -1;
        out->table = TABLE_CONFIGMAP;
        return 0;
    case 2:
        if (lwcm_resource_def_init(out, "", "v1", "namespaces", "namespace", "Namespace", "ns", 0))
            return -1;
        out->table = TABLE_NAMESPACE;
        return 0;
    case 3:
        return lwcm_resource_def_init(out, "example.com", "v1", "widgets", "widget", "Widget", "wg", 1);
    default:
        return -1;
    }
}
