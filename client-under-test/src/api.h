/* The Kubernetes API's shapes as the reflector reads and writes them: the
 * request URLs, the metav1.Status of an error, and the object metadata the
 * store keeps. */
#ifndef LWCR_API_H
#define LWCR_API_H

#include "table.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <stdint.h>

/* server + api_path [+ "/namespaces/" ns] + "/" resource. */
int lwcr_url_collection(lwcr_buf *url, const char *server, const char *api_path, const char *ns,
                        const char *resource);
/* Appends "?key=value" or "&key=value", value percent-encoded. */
int lwcr_url_param(lwcr_buf *url, const char *key, const char *value);

typedef struct lwcr_status {
    long code;              /* 0: not a Status */
    char reason[64];        /* "Expired", "TooManyRequests", ... */
    char message[512];
    int64_t retry_after_ms; /* details.retryAfterSeconds, -1 when absent */
    int too_large_rv;       /* cause ResourceVersionTooLarge (kubernetes PR #92537) */
} lwcr_status;

/* From a Status object (a watch ERROR event's object); fields left empty
 * when absent. */
void lwcr_status_from_json(const cJSON *obj, lwcr_status *st);
/* From an error response body, which may not be JSON at all. */
void lwcr_status_parse(const char *body, size_t len, lwcr_status *st);

/* A string member, or NULL. */
const char *lwcr_json_str(const cJSON *obj, const char *key);

/* The store's view of an object: metadata.namespace, name, uid and
 * resourceVersion. NULL with *why set when it has no name (or no memory). */
lwcr_obj *lwcr_obj_from_json(const cJSON *obj, const char **why);

#endif
