/* One immutable version of a stored object: its identity, its labels for
 * selectors, and its JSON serialized once, so that lists and watch events
 * are copies of bytes rather than fresh encodings. */
#ifndef LWC_OBJECT_CODEC_H
#define LWC_OBJECT_CODEC_H

#include "resources.h"
#include "selector.h"
#include "strbuf.h"

#include <cjson/cJSON.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

typedef struct obj_version {
    atomic_int refs;
    char *key;  /* "namespace/name", or "name" when cluster-scoped: the storage key order */
    char *ns;   /* "" when cluster-scoped */
    char *name;
    char *uid;
    char *created; /* creationTimestamp, RFC3339 */
    uint64_t rv;
    label_pair *labels;
    size_t nlabels;
    label_pair *fields; /* selectable fields of its resource, e.g. status.phase */
    size_t nfields;
    char *json; /* compact, kind and apiVersion first, as Go encodes the struct */
    size_t json_len;
    /* Offset of the members after kind and apiVersion: a typed list item is
     * "{" followed by json + item_off. 0 when the prefix was not found. */
    size_t item_off;
} obj_version;

/* Rebuilds obj with Go's member order: kind, apiVersion, metadata (ObjectMeta
 * field order), then the rest as given. kind and apiVersion are the
 * resource's. Returns NULL when out of memory. */
cJSON *lwcm_object_normalize(const resource_def *def, const cJSON *obj);

/* Checks what the apiserver would refuse with 422 before storing: metadata an
 * object, a valid name (unless generateName), string labels and annotations.
 * Fills field and detail for the Status cause. */
int lwcm_object_validate(const resource_def *def, const cJSON *obj, char *field, size_t fieldlen,
                    char *detail, size_t detaillen);

/* What the apiserver's defaulting and the kubelet fill in on a write
 * (object_defaults.c): pod spec defaults, status.phase Pending, qosClass and
 * complete containerStatuses (imageID, containerID, ...); a namespace's
 * Active phase, kubernetes finalizer and name label; a custom resource's
 * generation. old is the stored object on an update, NULL on create.
 * Returns -1 on OOM. */
int lwcm_object_apply_defaults(const resource_def *def, cJSON *obj, const cJSON *old);

/* Makes a version from a normalized object whose metadata is final. */
obj_version *lwcm_obj_version_new(const resource_def *def, const cJSON *obj);
/* The same content with another resourceVersion (a deletion's tombstone). */
obj_version *lwcm_obj_version_with_rv(const resource_def *def, const obj_version *old, uint64_t rv);
void lwcm_obj_version_ref(obj_version *v);
void lwcm_obj_version_unref(obj_version *v);

/* Appends the object as a list item of its resource (typed lists drop kind/apiVersion). */
void lwcm_obj_write_list_item(strbuf *sb, const resource_def *def, const obj_version *v);

/* Parses the stored JSON back into a tree (for patches, tables, tombstones). */
cJSON *lwcm_obj_version_parse(const obj_version *v);

#endif
