/* Builds replies: JSON bodies and metav1.Status errors with the apiserver's reasons and messages. */
#include "reply.h"
#include "validation.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char fallback_500[] =
    "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
    "\"message\":\"out of memory\",\"reason\":\"InternalError\",\"code\":500}";

void lwcm_reply_init(reply *r)
{
    memset(r, 0, sizeof *r);
}

void lwcm_reply_clear(reply *r)
{
    free(r->body);
    lwcm_reply_init(r);
}

static void reply_oom(reply *r)
{
    free(r->body);
    r->status = 500;
    r->len = sizeof fallback_500 - 1;
    r->body = malloc(r->len + 1);
    if (r->body)
        memcpy(r->body, fallback_500, r->len + 1);
    else
        r->len = 0; /* the HTTP layer sends its static copy when body is NULL */
    r->content_type = "application/json";
    r->retry_after = 0;
}

void lwcm_reply_json(reply *r, int status, char *body, size_t len)
{
    if (!body) {
        reply_oom(r);
        return;
    }
    free(r->body);
    r->status = status;
    r->body = body;
    r->len = len;
    r->content_type = "application/json";
}

void lwcm_reply_cjson(reply *r, int status, cJSON *doc)
{
    char *s = doc ? cJSON_PrintUnformatted(doc) : NULL;
    cJSON_Delete(doc);
    lwcm_reply_json(r, status, s, s ? strlen(s) : 0);
}

cJSON *lwcm_status_object(int code, const char *reason, const char *message, cJSON *details,
                     const char *meta_continue)
{
    cJSON *st = cJSON_CreateObject();
    if (!st) {
        cJSON_Delete(details);
        return NULL;
    }
    /* Member order follows the Go struct: clients diff these byte for byte in logs. */
    cJSON_AddStringToObject(st, "kind", "Status");
    cJSON_AddStringToObject(st, "apiVersion", "v1");
    cJSON *meta = cJSON_AddObjectToObject(st, "metadata");
    if (meta && meta_continue)
        cJSON_AddStringToObject(meta, "continue", meta_continue);
    cJSON_AddStringToObject(st, "status", "Failure");
    cJSON_AddStringToObject(st, "message", message);
    if (reason && *reason)
        cJSON_AddStringToObject(st, "reason", reason);
    if (details && !cJSON_AddItemToObject(st, "details", details))
        cJSON_Delete(details);
    cJSON_AddNumberToObject(st, "code", code);
    return st;
}

void lwcm_reply_status(reply *r, int code, const char *reason, const char *message, cJSON *details,
                  const char *meta_continue)
{
    int retry = 0;
    const cJSON *ra = details ? cJSON_GetObjectItemCaseSensitive(details, "retryAfterSeconds") : NULL;
    if (cJSON_IsNumber(ra) && ra->valueint > 0)
        retry = ra->valueint;
    cJSON *st = lwcm_status_object(code, reason, message, details, meta_continue);
    /* Messages echo names and bytes from the request: a Status must stay
     * valid UTF-8 for strict JSON parsers whatever the client sent. */
    if (st && lwcm_utf8_sanitize_tree(st) != 0) {
        cJSON_Delete(st);
        st = NULL;
    }
    if (!st) {
        reply_oom(r);
        return;
    }
    lwcm_reply_cjson(r, code, st);
    if (r->status == code)
        r->retry_after = retry;
}

void lwcm_reply_bad_request(reply *r, const char *message)
{
    lwcm_reply_status(r, 400, "BadRequest", message, NULL, NULL);
}

void lwcm_reply_body_too_large(reply *r, size_t limit)
{
    char msg[96];
    snprintf(msg, sizeof msg, "Request entity too large: limit is %zu", limit);
    lwcm_reply_status(r, 413, "RequestEntityTooLarge", msg, NULL, NULL);
}

void lwcm_reply_not_found(reply *r, const char *kind_plural, const char *group, const char *name)
{
    char msg[512];
    snprintf(msg, sizeof msg, "%s%s%s \"%s\" not found", kind_plural, group && *group ? "." : "",
             group ? group : "", name);
    cJSON *d = cJSON_CreateObject();
    if (d) {
        cJSON_AddStringToObject(d, "name", name);
        if (group && *group)
            cJSON_AddStringToObject(d, "group", group);
        cJSON_AddStringToObject(d, "kind", kind_plural);
    }
    lwcm_reply_status(r, 404, "NotFound", msg, d, NULL);
}

void lwcm_reply_internal(reply *r, const char *message)
{
    char msg[1024];
    snprintf(msg, sizeof msg, "Internal error occurred: %s", message);
    cJSON *d = cJSON_CreateObject();
    cJSON *causes = d ? cJSON_AddArrayToObject(d, "causes") : NULL;
    cJSON *c = causes ? cJSON_CreateObject() : NULL;
    if (c) {
        cJSON_AddStringToObject(c, "message", message);
        if (!cJSON_AddItemToArray(causes, c))
            cJSON_Delete(c);
    }
    lwcm_reply_status(r, 500, "InternalError", msg, d, NULL);
}

void lwcm_reply_invalid(reply *r, const char *kind, const char *group, const char *name, const char *field,
                   const char *cause_reason, const char *detail)
{
    char msg[2048];
    snprintf(msg, sizeof msg, "%s%s%s \"%s\" is invalid: %s: %s", kind, group && *group ? "." : "",
             group ? group : "", name, field, detail);
    cJSON *d = cJSON_CreateObject();
    if (d) {
        if (*name)
            cJSON_AddStringToObject(d, "name", name);
        if (group && *group) /* omitempty: the core group is left out */
            cJSON_AddStringToObject(d, "group", group);
        cJSON_AddStringToObject(d, "kind", kind);
        cJSON *causes = cJSON_AddArrayToObject(d, "causes");
        cJSON *c = causes ? cJSON_CreateObject() : NULL;
        if (c) {
            cJSON_AddStringToObject(c, "reason", cause_reason);
            cJSON_AddStringToObject(c, "message", detail);
            cJSON_AddStringToObject(c, "field", field);
            if (!cJSON_AddItemToArray(causes, c))
                cJSON_Delete(c);
        }
    }
    lwcm_reply_status(r, 422, "Invalid", msg, d, NULL);
}

const char lwcm_status_msg_expired_continue[] =
    "The provided continue parameter is too old to display a consistent list result. You can start a new "
    "list without the continue parameter, or use the continue token in this response to retrieve the "
    "remainder of the results. Continuing with the provided token results in an inconsistent list - objects "
    "that were created, modified, or deleted between the time the first chunk was returned and now may show "
    "up in the list.";

const char lwcm_status_msg_expired_continue_no_token[] =
    "The provided continue parameter is too old to display a consistent list result. You can start a new "
    "list without the continue parameter.";

cJSON *lwcm_status_too_large_rv(unsigned long long want, unsigned long long current)
{
    char msg[256];
    snprintf(msg, sizeof msg, "Timeout: Too large resource version: %llu, current: %llu", want, current);
    cJSON *d = cJSON_CreateObject();
    if (d) {
        cJSON *causes = cJSON_AddArrayToObject(d, "causes");
        cJSON *c = causes ? cJSON_CreateObject() : NULL;
        if (c) {
            cJSON_AddStringToObject(c, "reason", "ResourceVersionTooLarge");
            cJSON_AddStringToObject(c, "message", "Too large resource version");
            if (!cJSON_AddItemToArray(causes, c))
                cJSON_Delete(c);
        }
        cJSON_AddNumberToObject(d, "retryAfterSeconds", 1);
    }
    return lwcm_status_object(504, "Timeout", msg, d, NULL);
}

void lwcm_reply_too_large_rv(reply *r, unsigned long long want, unsigned long long current)
{
    cJSON *st = lwcm_status_too_large_rv(want, current);
    if (!st) {
        lwcm_reply_internal(r, "out of memory");
        return;
    }
    lwcm_reply_cjson(r, 504, st);
    if (r->status == 504)
        r->retry_after = 1;
}
