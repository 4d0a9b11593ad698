/* The kinds of object the mock server knows: their names in the API, their
 * scope, and how lists and tables of them are shaped. */
#ifndef LWC_RESOURCES_H
#define LWC_RESOURCES_H

typedef enum { TABLE_DEFAULT, TABLE_POD, TABLE_CONFIGMAP, TABLE_NAMESPACE } table_style;

typedef struct resource_def {
    char group[64];       /* "" for the core group */
    char version[16];
    char plural[64];
    char singular[64];
    char kind[64];
    char list_kind[72];
    char api_version[96]; /* "v1" or "GROUP/VERSION" */
    char api_path[128];   /* "/api/v1" or "/apis/GROUP/VERSION" */
    char short_name[16];
    int namespaced;
    /* Built-in kinds are served as typed lists whose items omit kind and
     * apiVersion (apimachinery unstructured/helpers.go); custom resources
     * keep them. */
    int typed_list;
    table_style table;
} resource_def;

/* Fills a definition; returns -1 when a name does not fit. */
int lwcm_resource_def_init(resource_def *def, const char *group, const char *version,
                      const char *plural, const char *singular, const char *kind,
                      const char *short_name, int namespaced);

/* Field selector paths beyond metadata.name and metadata.namespace that the
 * resource supports (apiserver registry GetAttrs / field label conversion);
 * NULL-terminated. */
const char *const *lwcm_resource_selectable_fields(const resource_def *def);

/* The built-in resources: pods, configmaps, namespaces, widgets.example.com/v1. */
extern const int lwcm_builtin_resource_count;
int lwcm_builtin_resource(int index, resource_def *out);

#endif
