/* Parses and matches label selectors with the apiserver's grammar (apimachinery pkg/labels/selector.go). */
#include "selector.h"
#include "lwc_fail.h"
#include "validation.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Characters that may appear in a key or value token; everything else is
 * an operator, a separator or whitespace. */
static int is_ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '-' || c == '_' || c == '.' || c == '/';
}

typedef struct lexer {
    const char *s;
    size_t pos;
} lexer;

static void skip_space(lexer *lx)
{
    while (lx->s[lx->pos] == ' ' || lx->s[lx->pos] == '\t')
        lx->pos++;
}

static char *read_ident(lexer *lx)
{
    skip_space(lx);
    size_t start = lx->pos;
    while (is_ident_char(lx->s[lx->pos]))
        lx->pos++;
    size_t len = lx->pos - start;
    char *out = malloc(len + 1);
    if (!out)
        return NULL;
    memcpy(out, lx->s + start, len);
    out[len] = '\0';
    return out;
}

static void free_requirement(sel_requirement *r)
{
    free(r->key);
    for (size_t i = 0; i < r->nvalues; i++)
        free(r->values[i]);
    free(r->values);
}

void lwcm_label_selector_free(label_selector *sel)
{
    for (size_t i = 0; i < sel->n; i++)
        free_requirement(&sel->reqs[i]);
    free(sel->reqs);
    sel->reqs = NULL;
    sel->n = 0;
}

static int push_value(sel_requirement *r, char *v)
{
    char **nv = realloc(r->values, (r->nvalues + 1) * sizeof *nv);
    if (!nv) {
        free(v);
        return -1;
    }
    r->values = nv;
    r->values[r->nvalues++] = v;
    return 0;
}

static int starts_word(const char *p, const char *word)
{
    size_t n = strlen(word);
    return strncmp(p, word, n) == 0 && !is_ident_char(p[n]);
}

static int parse_requirement(lexer *lx, sel_requirement *r, char *err, size_t errlen)
{
    char why[160];
    memset(r, 0, sizeof *r);
    skip_space(lx);
    int negated_exists = 0;
    if (lx->s[lx->pos] == '!') {
        negated_exists = 1;
        lx->pos++;
    }
    r->key = read_ident(lx);
    if (!r->key)
        return lwc_fail(err, errlen, -1, "out of memory");
    if (r->key[0] == '\0')
        return lwc_fail(err, errlen, -1, "unable to parse requirement: found '%c' at offset %zu, expected: identifier",
                        lx->s[lx->pos] ? lx->s[lx->pos] : ' ', lx->pos);
    if (!lwcm_valid_label_key(r->key, why, sizeof why))
        return lwc_fail(err, errlen, -1, "unable to parse requirement: key: Invalid value: \"%.80s\": %s", r->key, why);
    skip_space(lx);
    const char *p = lx->s + lx->pos;
    if (negated_exists) {
        r->op = SEL_NOT_EXISTS;
        return 0;
    }
    if (*p == '\0' || *p == ',') {
        r->op = SEL_EXISTS;
        return 0;
    }
    int set_op = 0;
    if (p[0] == '=' && p[1] == '=') {
        r->op = SEL_IN;
        lx->pos += 2;
    } else if (p[0] == '=') {
        r->op = SEL_IN;
        lx->pos += 1;
    } else if (p[0] == '!' && p[1] == '=') {
        r->op = SEL_NOT_IN;
        lx->pos += 2;
    } else if (p[0] == '>') {
        r->op = SEL_GT;
        lx->pos += 1;
    } else if (p[0] == '<') {
        r->op = SEL_LT;
        lx->pos += 1;
    } else if (starts_word(p, "in")) {
        r->op = SEL_IN;
        lx->pos += 2;
        set_op = 1;
    } else if (starts_word(p, "notin")) {
        r->op = SEL_NOT_IN;
        lx->pos += 5;
        set_op = 1;
    } else {
        return lwc_fail(err, errlen, -1,
                        "unable to parse requirement: found '%.20s' at offset %zu, expected: in, notin, =, ==, !=, gt, lt",
                        p, lx->pos);
    }
    if (!set_op) {
        char *v = read_ident(lx);
        if (!v || push_value(r, v) != 0)
            return lwc_fail(err, errlen, -1, "out of memory");
        if ((r->op == SEL_GT || r->op == SEL_LT)) {
            char *end = NULL;
            errno = 0;
            (void)strtoll(r->values[0], &end, 10);
            if (r->values[0][0] == '\0' || *end != '\0' || errno)
                return lwc_fail(err, errlen, -1,
                                "unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer, not \"%.60s\"",
                                r->values[0]);
        } else if (!lwcm_valid_label_value(r->values[0], why, sizeof why)) {
            return lwc_fail(err, errlen, -1,
                            "unable to parse requirement: values[0][%.80s]: Invalid value: \"%.80s\": %s", r->key,
                            r->values[0], why);
        }
        return 0;
    }
    skip_space(lx);
    if (lx->s[lx->pos] != '(')
        return lwc_fail(err, errlen, -1, "unable to parse requirement: found '%.20s' at offset %zu, expected: '('",
                        lx->s + lx->pos, lx->pos);
    lx->pos++;
    skip_space(lx);
    if (lx->s[lx->pos] == ')')
        return lwc_fail(err, errlen, -1,
                        "unable to parse requirement: for 'in', 'notin' operators, values set can't be empty");
    for (;;) {
        char *v = read_ident(lx);
        if (!v || push_value(r, v) != 0)
            return lwc_fail(err, errlen, -1, "out of memory");
        if (!lwcm_valid_label_value(r->values[r->nvalues - 1], why, sizeof why))
            return lwc_fail(err, errlen, -1,
                            "unable to parse requirement: values[%zu][%.80s]: Invalid value: \"%.80s\": %s",
                            r->nvalues - 1, r->key, r->values[r->nvalues - 1], why);
        skip_space(lx);
        char c = lx->s[lx->pos];
        if (c == ',') {
            lx->pos++;
            continue;
        }
        if (c == ')') {
            lx->pos++;
            break;
        }
        return lwc_fail(err, errlen, -1, "unable to parse requirement: found '%c' at offset %zu, expected: ',' or ')'",
                        c ? c : ' ', lx->pos);
    }
    return 0;
}

int lwcm_label_selector_parse(const char *text, label_selector *out, char *err, size_t errlen)
{
    out->reqs = NULL;
    out->n = 0;
    if (!text)
        return 0;
    lexer lx = {text, 0};
    skip_space(&lx);
    if (text[lx.pos] == '\0')
        return 0;
    for (;;) {
        sel_requirement *nr = realloc(out->reqs, (out->n + 1) * sizeof *nr);
        if (!nr) {
            lwcm_label_selector_free(out);
            return lwc_fail(err, errlen, -1, "out of memory");
        }
        out->reqs = nr;
        if (parse_requirement(&lx, &out->reqs[out->n], err, errlen) != 0) {
            out->n++;
            lwcm_label_selector_free(out);
            return -1;
        }
        out->n++;
        skip_space(&lx);
        char c = text[lx.pos];
        if (c == '\0')
            return 0;
        if (c != ',') {
            lwcm_label_selector_free(out);
            return lwc_fail(err, errlen, -1, "found '%c' at offset %zu, expected: ',' or 'end of string'", c, lx.pos);
        }
        lx.pos++;
    }
}

static const char *lookup(const label_pair *labels, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(labels[i].key, key) == 0)
            return labels[i].value;
    return NULL;
}

static int requirement_matches(const sel_requirement *r, const label_pair *labels, size_t n)
{
    const char *v = lookup(labels, n, r->key);
    switch (r->op) {
    case SEL_EXISTS:
        return v != NULL;
    case SEL_NOT_EXISTS:
        return v == NULL;
    case SEL_IN:
    case SEL_NOT_IN: {
        /* A missing label is in no set, so "notin" matches it. */
        int found = 0;
        for (size_t i = 0; v && !found && i < r->nvalues; i++)
            found = strcmp(v, r->values[i]) == 0;
        return r->op == SEL_IN ? found : !found;
    }
    case SEL_GT:
    case SEL_LT: {
        if (!v)
            return 0;
        char *end = NULL;
        errno = 0;
        long long have = strtoll(v, &end, 10);
        if (*v == '\0' || *end != '\0' || errno)
            return 0;
        long long want = strtoll(r->values[0], NULL, 10);
        return r->op == SEL_GT ? have > want : have < want;
    }
    }
    return 0;
}

int lwcm_label_selector_matches(const label_selector *sel, const label_pair *labels, size_t nlabels)
{
    for (size_t i = 0; i < sel->n; i++)
        if (!requirement_matches(&sel->reqs[i], labels, nlabels))
            return 0;
    return 1;
}
