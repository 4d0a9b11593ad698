/* Encodes and decodes continue tokens in the apiserver's own form (pkg/storage/continue.go). */
#include "continue_token.h"
#include "lwc_fail.h"

#include "base64url.h"
#include "strbuf.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char token_version[] = "meta.k8s.io/v1";

char *lwcm_continue_token_encode(int64_t rv, const char *last_key)
{
    strbuf sb;
    lwcc_strbuf_init(&sb);
    lwcc_strbuf_printf(&sb, "{\"v\":\"%s\",\"rv\":%lld,\"start\":", token_version, (long long)rv);
    /* The key plus "\x00" is the first key after last_key; JSON writes it as \u0000. */
    lwcc_strbuf_put_json_string(&sb, last_key);
    if (sb.len)
        sb.len--; /* reopen the string literal to add the NUL escape */
    lwcc_strbuf_puts(&sb, "\\u0000\"}");
    size_t len = 0;
    char *json = lwcc_strbuf_take(&sb, &len);
    if (!json)
        return NULL;
    char *tok = lwcm_base64url_encode((const unsigned char *)json, len);
    free(json);
    return tok;
}

/* Go's path.Clean leaves a clean absolute path unchanged; anything it would
 * rewrite ("//", "/./", "/../", a trailing "/") is a traversal attempt. */
static int path_is_clean(const char *p)
{
    size_t n = strlen(p);
    if (n == 0 || p[0] != '/')
        return 0;
    if (n > 1 && p[n - 1] == '/')
        return 0;
    const char *seg = p + 1;
    for (;;) {
        const char *end = strchr(seg, '/');
        size_t len = end ? (size_t)(end - seg) : strlen(seg);
        if (len == 0 && (end || n > 1))
            return 0;
        if (len == 1 && seg[0] == '.')
            return 0;
        if (len == 2 && seg[0] == '.' && seg[1] == '.')
            return 0;
        if (!end)
            return 1;
        seg = end + 1;
    }
}

int lwcm_continue_token_decode(const char *token, continue_token *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    unsigned char *raw = NULL;
    size_t raw_len = 0;
    size_t bad = 0;
    int rc = lwcm_base64url_decode(token, strlen(token), &raw, &raw_len, &bad);
    if (rc == -2)
        return lwc_fail(err, errlen, -1, "continue key is not valid: out of memory");
    if (rc != 0)
        return lwc_fail(err, errlen, -1, "continue key is not valid: illegal base64 data at input byte %zu", bad);
    if (memchr(raw, '\0', raw_len)) {
        free(raw);
        return lwc_fail(err, errlen, -1, "continue key is not valid: invalid character '\\x00' in JSON");
    }
    cJSON *doc = cJSON_ParseWithLength((const char *)raw, raw_len);
    if (!doc || !cJSON_IsObject(doc)) {
        cJSON_Delete(doc);
        /* Go's json.Unmarshal names the first byte that cannot start a value. */
        size_t i = 0;
        while (i < raw_len && strchr(" \t\r\n", raw[i]))
            i++;
        if (i < raw_len && !strchr("{[\"-0123456789tfn", raw[i]) && raw[i] >= 0x20 && raw[i] < 0x7f)
            snprintf(err, errlen, "continue key is not valid: invalid character '%c' looking for beginning of value", raw[i]);
        else
            snprintf(err, errlen, "continue key is not valid: the token does not decode to a JSON object");
        free(raw);
        return -1;
    }
    /* cJSON stops a string at an escaped NUL; whether the key carried the
     * canonical "\u0000" suffix is read from the raw text instead. */
    int exclusive = strstr((const char *)raw, "\\u0000") != NULL;
    free(raw);

    const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, "v");
    const cJSON *rvj = cJSON_GetObjectItemCaseSensitive(doc, "rv");
    const cJSON *start = cJSON_GetObjectItemCaseSensitive(doc, "start");
    const char *vs = cJSON_IsString(v) ? v->valuestring : "";
    if (strcmp(vs, token_version) != 0) {
        snprintf(err, errlen, "continue key is not valid: server does not recognize this encoded version %.64s", vs);
        cJSON_Delete(doc);
        return -1;
    }
    if (rvj && !cJSON_IsNumber(rvj)) {
        cJSON_Delete(doc);
        return lwc_fail(err, errlen, -1,
                        "continue key is not valid: json: cannot unmarshal rv into Go struct field continueToken.rv of type int64");
    }
    double rvd = rvj ? rvj->valuedouble : 0;
    if (rvd != floor(rvd) || rvd > 9007199254740992.0 || rvd < -9007199254740992.0) {
        cJSON_Delete(doc);
        return lwc_fail(err, errlen, -1,
                        "continue key is not valid: json: cannot unmarshal number into Go struct field continueToken.rv of type int64");
    }
    if (rvd == 0) {
        cJSON_Delete(doc);
        return lwc_fail(err, errlen, -1,
                        "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
    }
    const char *key = cJSON_IsString(start) ? start->valuestring : "";
    if (key[0] == '\0' && !exclusive) {
        cJSON_Delete(doc);
        return lwc_fail(err, errlen, -1, "continue key is not valid: encoded start key empty (version meta.k8s.io/v1)");
    }
    /* Tokens built by the watch cache start with "/"; etcd's do not. */
    const char *rel = key[0] == '/' ? key + 1 : key;
    size_t rel_len = strlen(rel);
    char *abs = malloc(rel_len + 2);
    if (!abs) {
        cJSON_Delete(doc);
        return lwc_fail(err, errlen, -1, "continue key is not valid: out of memory");
    }
    abs[0] = '/';
    memcpy(abs + 1, rel, rel_len + 1);
    if (!path_is_clean(abs) && !(rel_len == 0 && exclusive)) {
        snprintf(err, errlen, "continue key is not valid: %.200s", key);
        free(abs);
        cJSON_Delete(doc);
        return -1;
    }
    memmove(abs, abs + 1, rel_len + 1);
    out->rv = (int64_t)rvd;
    out->start = abs;
    out->exclusive = exclusive;
    cJSON_Delete(doc);
    return 0;
}

void lwcm_continue_token_free(continue_token *t)
{
    free(t->start);
    t->start = NULL;
}
