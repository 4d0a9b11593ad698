/* The Kubernetes API's shapes as the watcher reads them: collection URLs, Status objects, object metadata. */
#include "api.h"

#include "lwc_reflector.h"

#include <stdio.h>
#include <string.h>

static int unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_' || c == '~';
}

static int append_escaped(lwcr_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char enc[3] = {(char)*p, 0, 0};
        size_t n = 1;
        if (!unreserved(*p)) {
            enc[0] = '%';
            enc[1] = hex[*p >> 4];
            enc[2] = hex[*p & 15];
            n = 3;
        }
        if (lwcr_buf_append(b, enc, n) != LWC_OK)
            return LWC_ENOMEM;
    }
    return LWC_OK;
}

int lwcr_url_collection(lwcr_buf *url, const char *server, const char *api_path, const char *ns,
                        const char *resource)
{
    lwcr_buf_reset(url);
    size_t slen = strlen(server);
    while (slen && server[slen - 1] == '/')
        slen--;
    if (lwcr_buf_append(url, server, slen) != LWC_OK)
        return LWC_ENOMEM;
    if (api_path[0] != '/' && lwcr_buf_puts(url, "/") != LWC_OK)
        return LWC_ENOMEM;
    size_t plen = strlen(api_path);
    while (plen && api_path[plen - 1] == '/')
        plen--;
    if (lwcr_buf_append(url, api_path, plen) != LWC_OK)
        return LWC_ENOMEM;
    if (ns && *ns) {
        if (lwcr_buf_puts(url, "/namespaces/") != LWC_OK || append_escaped(url, ns) != LWC_OK)
            return LWC_ENOMEM;
    }
    if (lwcr_buf_puts(url, "/") != LWC_OK || append_escaped(url, resource) != LWC_OK)
        return LWC_ENOMEM;
    return LWC_OK;
}

int lwcr_url_param(lwcr_buf *url, const char *key, const char *value)
{
    const char *sep = url->data && strchr(url->data, '?') ? "&" : "?";
    if (lwcr_buf_puts(url, sep) != LWC_OK || append_escaped(url, key) != LWC_OK || lwcr_buf_puts(url, "=") != LWC_OK ||
        append_escaped(url, value) != LWC_OK)
        return LWC_ENOMEM;
    return LWC_OK;
}

const char *lwcr_json_str(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

void lwcr_status_from_json(const cJSON *obj, lwcr_status *st)
{
    memset(st, 0, sizeof *st);
    st->retry_after_ms = -1;
    if (!cJSON_IsObject(obj))
        return;
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(obj, "code");
    /* Bounded before the cast: a double outside long's range is undefined
     * behaviour to convert (found by fuzz_watch_decode). */
    if (cJSON_IsNumber(code) && code->valuedouble >= 0 && code->valuedouble < 1000)
        st->code = (long)code->valuedouble;
    const char *reason = lwcr_json_str(obj, "reason");
    const char *message = lwcr_json_str(obj, "message");
    snprintf(st->reason, sizeof st->reason, "%s", reason ? reason : "");
    snprintf(st->message, sizeof st->message, "%s", message ? message : "");
    const cJSON *details = cJSON_GetObjectItemCaseSensitive(obj, "details");
    const cJSON *ras = cJSON_GetObjectItemCaseSensitive(details, "retryAfterSeconds");
    if (cJSON_IsNumber(ras) && ras->valuedouble > 0)
        st->retry_after_ms = ras->valuedouble > 1e7 ? (int64_t)1e10 : (int64_t)(ras->valuedouble * 1000);
    const cJSON *causes = cJSON_GetObjectItemCaseSensitive(details, "causes");
    const cJSON *c;
    cJSON_ArrayForEach(c, causes)
    {
        const char *r = lwcr_json_str(c, "reason");
        if (r && strcmp(r, "ResourceVersionTooLarge") == 0)
            st->too_large_rv = 1;
    }
    if (strstr(st->message, "Too large resource version"))
        st->too_large_rv = 1;
}

void lwcr_status_parse(const char *body, size_t len, lwcr_status *st)
{
    cJSON *doc = body && len ? cJSON_ParseWithLength(body, len) : NULL;
    lwcr_status_from_json(doc, st);
    if (!doc && body && len) {
        /* Not JSON (a proxy's HTML page, a plain-text 429): keep its start. */
        size_t n = len < sizeof st->message - 1 ? len : sizeof st->message - 1;
        memcpy(st->message, body, n);
        st->message[n] = '\0';
        for (size_t i = 0; i < n; i++)
            if (st->message[i] == '\n' || st->message[i] == '\r')
                st->message[i] = ' ';
    }
    cJSON_Delete(doc);
}

lwcr_obj *lwcr_obj_from_json(const cJSON *obj, const char **why)
{
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
    if (!cJSON_IsObject(meta)) {
        *why = "object without metadata";
        return NULL;
    }
    const char *name = lwcr_json_str(meta, "name");
    if (!name || !*name) {
        *why = "object without metadata.name";
        return NULL;
    }
    lwcr_obj *o = lwcr_obj_new(lwcr_json_str(meta, "namespace"), name, lwcr_json_str(meta, "uid"),
                               lwcr_json_str(meta, "resourceVersion"));
    if (!o)
        *why = "out of memory";
    return o;
}
