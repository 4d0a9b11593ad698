/* What a handler answers: a status, a body and the headers that matter to
 * clients, or a watch stream to be served chunk by chunk. Error replies are
 * always full metav1.Status objects (apimachinery pkg/api/errors). */
#ifndef LWC_REPLY_H
#define LWC_REPLY_H

#include <cjson/cJSON.h>
#include <stddef.h>

struct watch_stream;

typedef struct reply {
    int status;
    char *body; /* malloc'd; owned by the reply */
    size_t len;
    const char *content_type;
    int retry_after; /* seconds; 0: no Retry-After header */
    struct watch_stream *watch; /* set instead of body for a watch */
} reply;

void lwcm_reply_init(reply *r);
void lwcm_reply_clear(reply *r);

/* Takes ownership of body (a malloc'd JSON string). */
void lwcm_reply_json(reply *r, int status, char *body, size_t len);
/* Serializes and frees doc. */
void lwcm_reply_cjson(reply *r, int status, cJSON *doc);

/* A Status reply. details (owned, may be NULL) is added as "details";
 * meta_continue, if given, goes into metadata.continue. A detail's
 * retryAfterSeconds also sets the Retry-After header, as the apiserver does. */
void lwcm_reply_status(reply *r, int code, const char *reason, const char *message, cJSON *details,
                  const char *meta_continue);

/* The Status object itself, for ERROR watch events. */
cJSON *lwcm_status_object(int code, const char *reason, const char *message, cJSON *details,
                     const char *meta_continue);

/* Shorthands for the common reasons. */
void lwcm_reply_bad_request(reply *r, const char *message);
void lwcm_reply_not_found(reply *r, const char *kind_plural, const char *group, const char *name);
void lwcm_reply_internal(reply *r, const char *message);
/* 413 for a body over limit bytes, whichever limit the endpoint has. */
void lwcm_reply_body_too_large(reply *r, size_t limit);
/* 422 Invalid: "<Kind>.<group> "<name>" is invalid: <field>: <detail>". */
void lwcm_reply_invalid(reply *r, const char *kind, const char *group, const char *name, const char *field,
                   const char *cause_reason, const char *detail);
void lwcm_reply_too_large_rv(reply *r, unsigned long long want, unsigned long long current);
/* The 504 Timeout Status with the ResourceVersionTooLarge cause and retryAfterSeconds 1
 * (apiserver storage.NewTooLargeResourceVersionError via the watch cache). */
cJSON *lwcm_status_too_large_rv(unsigned long long want, unsigned long long current);

/* The apiserver's 410 messages for an expired continue token, with and
 * without the inconsistent rv:-1 token (etcd3 handleCompactedErrorForPaging). */
extern const char lwcm_status_msg_expired_continue[];
extern const char lwcm_status_msg_expired_continue_no_token[];

#endif
