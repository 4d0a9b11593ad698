/* A request's parameters: query values, booleans and integers as apimachinery reads them, the Table ask in Accept. */
#include "request.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *lwcm_request_param(const request *req, const char *key)
{
    for (size_t i = 0; i < req->nparams; i++)
        if (!strcmp(req->params[i].key, key))
            return req->params[i].value;
    return NULL;
}

int lwcm_parse_query_bool(const char *s)
{
    if (!s)
        return 0;
    return !(strcmp(s, "0") == 0 || strcasecmp(s, "false") == 0);
}

int lwcm_parse_query_int64(const char *s, long long *out)
{
    if (!s || !*s)
        return -1;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end != '\0' || isspace((unsigned char)*s))
        return -1;
    *out = v;
    return 0;
}

int lwcm_wants_table(const request *req)
{
    /* kubectl's Accept: application/json;as=Table;v=v1;g=meta.k8s.io,... */
    return req->accept && strstr(req->accept, "as=Table") && strstr(req->accept, "g=meta.k8s.io");
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static char *url_decode(const char *s, size_t n)
{
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '+') {
            out[o++] = ' ';
        } else if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            out[o++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return out;
}

char *lwc_mock_query_param(const char *query, const char *key)
{
    if (!query || !key)
        return NULL;
    size_t klen = strlen(key);
    const char *p = query;
    while (*p) {
        const char *end = strchr(p, '&');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        size_t nlen = eq ? (size_t)(eq - p) : len;
        char *name = url_decode(p, nlen);
        if (!name)
            return NULL;
        int hit = strlen(name) == klen && memcmp(name, key, klen) == 0;
        free(name);
        if (hit)
            return eq ? url_decode(eq + 1, len - nlen - 1) : url_decode("", 0);
        if (!end)
            break;
        p = end + 1;
    }
    return NULL;
}
