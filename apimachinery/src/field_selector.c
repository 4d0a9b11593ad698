/* Parses and matches field selectors with the apiserver's grammar (apimachinery pkg/fields/selector.go). */
#include "selector.h"
#include "lwc_fail.h"

#include <stdlib.h>
#include <string.h>

void lwcm_field_selector_free(field_selector *sel)
{
    for (size_t i = 0; i < sel->n; i++) {
        free(sel->reqs[i].value);
        free(sel->reqs[i].path);
    }
    free(sel->reqs);
    sel->reqs = NULL;
    sel->n = 0;
}

/* Field selector terms are split on unescaped commas; a backslash escapes
 * ',', '=', '!' and itself (apimachinery fields.UnescapeValue). */
static int unescape(const char *in, size_t len, char **out)
{
    char *buf = malloc(len + 1);
    if (!buf)
        return -1;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (in[i] == '\\') {
            if (i + 1 >= len || !strchr("\\,=!", in[i + 1])) {
                free(buf);
                return -2;
            }
            i++;
        }
        buf[o++] = in[i];
    }
    buf[o] = '\0';
    *out = buf;
    return 0;
}

static int parse_term(const char *t, size_t len, field_requirement *r, char *err, size_t errlen)
{
    size_t op = 0;
    size_t oplen = 0;
    for (size_t i = 0; i < len; i++) {
        if (t[i] == '\\') {
            i++;
            continue;
        }
        if (t[i] == '!' && i + 1 < len && t[i + 1] == '=') {
            op = i, oplen = 2, r->negate = 1;
            break;
        }
        if (t[i] == '=') {
            op = i, oplen = (i + 1 < len && t[i + 1] == '=') ? 2 : 1, r->negate = 0;
            break;
        }
    }
    if (oplen == 0)
        return lwc_fail(err, errlen, -1, "invalid selector: '%.*s'; can't understand '%.*s'", (int)len, t, (int)len, t);
    if (op == 7 + 6 && strncmp(t, "metadata.name", op) == 0) {
        r->field = FIELD_NAME;
    } else if (op == 18 && strncmp(t, "metadata.namespace", op) == 0) {
        r->field = FIELD_NAMESPACE;
    } else {
        /* Whether the resource supports it is the caller's check (it knows the resource). */
        for (size_t i = 0; i < op; i++) {
            char c = t[i];
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.'))
                return lwc_fail(err, errlen, -1, "invalid field selector: '%.*s': the field must be a dotted path",
                                (int)len, t);
        }
        if (op == 0)
            return lwc_fail(err, errlen, -1, "invalid selector: '%.*s'; can't understand '%.*s'", (int)len, t,
                            (int)len, t);
        r->field = FIELD_OTHER;
        r->path = malloc(op + 1);
        if (!r->path)
            return lwc_fail(err, errlen, -1, "out of memory");
        memcpy(r->path, t, op);
        r->path[op] = '\0';
    }
    int rc = unescape(t + op + oplen, len - op - oplen, &r->value);
    if (rc == -1)
        return lwc_fail(err, errlen, -1, "out of memory");
    if (rc == -2)
        return lwc_fail(err, errlen, -1, "invalid field selector value: '%.*s': invalid escape sequence",
                        (int)(len - op - oplen), t + op + oplen);
    return 0;
}

int lwcm_field_selector_parse(const char *text, field_selector *out, char *err, size_t errlen)
{
    out->reqs = NULL;
    out->n = 0;
    if (!text || !*text)
        return 0;
    const char *p = text;
    for (;;) {
        const char *end = p;
        while (*end && *end != ',') {
            if (*end == '\\' && end[1])
                end++;
            end++;
        }
        size_t len = (size_t)(end - p);
        if (len > 0) {
            field_requirement *nr = realloc(out->reqs, (out->n + 1) * sizeof *nr);
            if (!nr) {
                lwcm_field_selector_free(out);
                return lwc_fail(err, errlen, -1, "out of memory");
            }
            out->reqs = nr;
            memset(&out->reqs[out->n], 0, sizeof out->reqs[out->n]);
            if (parse_term(p, len, &out->reqs[out->n], err, errlen) != 0) {
                out->n++;
                lwcm_field_selector_free(out);
                return -1;
            }
            out->n++;
        }
        if (!*end)
            return 0;
        p = end + 1;
    }
}

int lwcm_field_selector_matches(const field_selector *sel, const char *ns, const char *name, const label_pair *fields,
                           size_t nfields)
{
    for (size_t i = 0; i < sel->n; i++) {
        const field_requirement *r = &sel->reqs[i];
        const char *have = "";
        if (r->field == FIELD_NAME) {
            have = name;
        } else if (r->field == FIELD_NAMESPACE) {
            have = ns ? ns : "";
        } else {
            for (size_t k = 0; k < nfields; k++)
                if (!strcmp(fields[k].key, r->path))
                    have = fields[k].value;
        }
        int eq = strcmp(have, r->value) == 0;
        if (eq == r->negate)
            return 0;
    }
    return 1;
}
