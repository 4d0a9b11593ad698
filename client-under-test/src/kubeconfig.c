/* Reading a kubeconfig: the current context's server, namespace and bearer
 * token. A kubeconfig is YAML; this reads the block-style subset that
 * kubectl, kind, k3d and the mock server write (mappings, sequences of
 * mappings, plain and quoted scalars, comments, empty flow collections) and
 * nothing more: anchors, multi-line scalars and non-empty flow collections
 * are not supported, and a field written with them reads as absent. */
#include "lwc_reflector.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILE ((size_t)4 << 20)
#define MAX_DEPTH 32

typedef enum ykind { Y_SCALAR, Y_MAP, Y_SEQ } ykind;

typedef struct ynode {
    ykind kind;
    char *text;           /* Y_SCALAR */
    char **keys;          /* Y_MAP */
    struct ynode **items; /* Y_MAP values, Y_SEQ items */
    size_t n;
} ynode;

typedef struct yline {
    int indent;
    char *text; /* points into the copy of the file, comment and trailing space removed */
} yline;

typedef struct yparser {
    yline *lines;
    size_t n, i;
    int failed;
} yparser;

static void ynode_free(ynode *y)
{
    if (!y)
        return;
    free(y->text);
    for (size_t i = 0; i < y->n; i++) {
        if (y->keys)
            free(y->keys[i]);
        ynode_free(y->items[i]);
    }
    free(y->keys);
    free(y->items);
    free(y);
}

static ynode *ynode_new(ykind kind)
{
    ynode *y = calloc(1, sizeof *y);
    if (y)
        y->kind = kind;
    return y;
}

static int ynode_add(ynode *y, char *key, ynode *child)
{
    ynode **items = realloc(y->items, (y->n + 1) * sizeof *items);
    if (!items)
        return -1;
    y->items = items;
    if (y->kind == Y_MAP) {
        char **keys = realloc(y->keys, (y->n + 1) * sizeof *keys);
        if (!keys)
            return -1;
        y->keys = keys;
        y->keys[y->n] = key;
    }
    y->items[y->n++] = child;
    return 0;
}

/* A scalar's value: quotes removed, escapes of double quotes resolved. */
static char *scalar(const char *s)
{
    size_t len = strlen(s);
    char *out = malloc(len + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    if (s[0] == '"') {
        for (size_t i = 1; i < len && s[i] != '"'; i++) {
            char c = s[i];
            if (c == '\\' && i + 1 < len) {
                c = s[++i];
                c = c == 'n' ? '\n' : c == 't' ? '\t' : c;
            }
            out[o++] = c;
        }
    } else if (s[0] == '\'') {
        for (size_t i = 1; i < len; i++) {
            if (s[i] == '\'') {
                if (i + 1 < len && s[i + 1] == '\'')
                    i++;
                else
                    break;
            }
            out[o++] = s[i];
        }
    } else {
        memcpy(out, s, len);
        o = len;
    }
    out[o] = '\0';
    return out;
}

/* Where "key: value" splits: the ':' followed by a space or the end, outside
 * quotes; NULL when the line is not a mapping entry. */
static char *key_colon(char *s)
{
    char quote = 0;
    for (char *p = s; *p; p++) {
        if (quote) {
            if (*p == quote)
                quote = 0;
        } else if (*p == '"' || *p == '\'') {
            quote = *p;
        } else if (*p == ':' && (p[1] == ' ' || p[1] == '\0')) {
            return p;
        }
    }
    return NULL;
}

static ynode *parse_block(yparser *p, int indent, int depth);

static ynode *value_node(yparser *p, const char *text, int indent, int depth)
{
    if (*text) {
        ynode *y = ynode_new(Y_SCALAR);
        if (!y || !(y->text = scalar(text))) {
            ynode_free(y);
            p->failed = 1;
            return NULL;
        }
        return y;
    }
    /* "key:" then a deeper block, or a sequence at the same indent. */
    if (p->i < p->n && (p->lines[p->i].indent > indent ||
                        (p->lines[p->i].indent == indent && p->lines[p->i].text[0] == '-')))
        return parse_block(p, p->lines[p->i].indent, depth + 1);
    ynode *y = ynode_new(Y_SCALAR);
    if (!y || !(y->text = lwcr_strdup(""))) {
        ynode_free(y);
        p->failed = 1;
        return NULL;
    }
    return y;
}

static int is_item(const char *t)
{
    return t[0] == '-' && (t[1] == ' ' || t[1] == '\0');
}

static ynode *parse_block(yparser *p, int indent, int depth)
{
    if (depth > MAX_DEPTH || p->i >= p->n) {
        p->failed = 1;
        return NULL;
    }
    int seq = is_item(p->lines[p->i].text);
    ynode *y = ynode_new(seq ? Y_SEQ : Y_MAP);
    if (!y) {
        p->failed = 1;
        return NULL;
    }
    while (!p->failed && p->i < p->n && p->lines[p->i].indent == indent) {
        yline *l = &p->lines[p->i];
        if (seq) {
            if (!is_item(l->text))
                break;
            char *rest = l->text + 1;
            int col = indent + 1;
            while (*rest == ' ') {
                rest++;
                col++;
            }
            ynode *child;
            if (!*rest) {
                p->i++;
                child = value_node(p, "", indent, depth);
            } else if (key_colon(rest)) {
                /* "- key: value": a mapping whose first entry shares the line. */
                l->indent = col;
                l->text = rest;
                child = parse_block(p, col, depth + 1);
            } else {
                p->i++;
                child = value_node(p, rest, indent, depth);
            }
            if (!child || ynode_add(y, NULL, child) != 0) {
                ynode_free(child);
                p->failed = 1;
            }
            continue;
        }
        if (is_item(l->text))
            break;
        char *colon = key_colon(l->text);
        if (!colon) {
            p->failed = 1;
            break;
        }
        *colon = '\0';
        char *key = scalar(l->text);
        char *val = colon + 1;
        while (*val == ' ')
            val++;
        p->i++;
        ynode *child = key ? value_node(p, val, indent, depth) : NULL;
        if (!child || ynode_add(y, key, child) != 0) {
            free(key);
            ynode_free(child);
            p->failed = 1;
        }
    }
    if (p->failed) {
        ynode_free(y);
        return NULL;
    }
    return y;
}

static const ynode *get(const ynode *map, const char *key)
{
    if (!map || map->kind != Y_MAP)
        return NULL;
    for (size_t i = 0; i < map->n; i++)
        if (strcmp(map->keys[i], key) == 0)
            return map->items[i];
    return NULL;
}

static const char *get_str(const ynode *map, const char *key)
{
    const ynode *v = get(map, key);
    return v && v->kind == Y_SCALAR ? v->text : NULL;
}

/* The entry named name of a "clusters:"-style list, its inner key's map. */
static const ynode *named(const ynode *root, const char *list, const char *name, const char *inner)
{
    const ynode *seq = get(root, list);
    if (!seq || seq->kind != Y_SEQ || !name)
        return NULL;
    for (size_t i = 0; i < seq->n; i++) {
        const char *n = get_str(seq->items[i], "name");
        if (n && strcmp(n, name) == 0)
            return get(seq->items[i], inner);
    }
    return NULL;
}

/* Splits the text into lines with their indents, dropping blank lines,
 * comments and document markers. */
static int split_lines(char *text, yparser *p)
{
    size_t cap = 64;
    p->lines = malloc(cap * sizeof *p->lines);
    if (!p->lines)
        return -1;
    for (char *line = text; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        int indent = 0;
        while (line[indent] == ' ')
            indent++;
        char *t = line + indent;
        char quote = 0;
        for (char *c = t; *c; c++) {
            if (quote) {
                if (*c == quote)
                    quote = 0;
            } else if (*c == '"' || *c == '\'') {
                quote = *c;
            } else if (*c == '#' && (c == t || c[-1] == ' ' || c[-1] == '\t')) {
                *c = '\0';
                break;
            }
        }
        size_t len = strlen(t);
        while (len && (t[len - 1] == ' ' || t[len - 1] == '\t' || t[len - 1] == '\r'))
            t[--len] = '\0';
        if (len && strcmp(t, "---") != 0 && strcmp(t, "...") != 0) {
            if (p->n == cap) {
                yline *nlines = realloc(p->lines, cap * 2 * sizeof *nlines);
                if (!nlines)
                    return -1;
                p->lines = nlines;
                cap *= 2;
            }
            p->lines[p->n].indent = indent;
            p->lines[p->n].text = t;
            p->n++;
        }
        line = nl ? nl + 1 : NULL;
    }
    return 0;
}

static char *read_token_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
        buf[--n] = '\0';
    return lwcr_strdup(buf);
}

int lwc_kubeconfig_parse(const char *text, size_t len, lwc_kubeconfig *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    char *copy = malloc(len + 1);
    if (!copy)
        return lwcr_fail(LWC_ENOMEM, err, errlen, "kubeconfig: out of memory");
    memcpy(copy, text, len);
    copy[len] = '\0';
    yparser p = {0};
    ynode *root = NULL;
    int rc = LWC_OK;
    if (split_lines(copy, &p) != 0) {
        rc = lwcr_fail(LWC_ENOMEM, err, errlen, "kubeconfig: out of memory");
        goto done;
    }
    if (p.n == 0) {
        rc = lwcr_fail(LWC_EINVAL, err, errlen, "kubeconfig: empty");
        goto done;
    }
    root = parse_block(&p, p.lines[0].indent, 0);
    if (!root || root->kind != Y_MAP || p.i != p.n) {
        size_t at = p.i < p.n ? p.i : p.n - 1;
        rc = lwcr_fail(LWC_EINVAL, err, errlen, "kubeconfig: cannot read the line \"%.60s\"", p.lines[at].text);
        goto done;
    }
    const char *current = get_str(root, "current-context");
    const ynode *ctx = named(root, "contexts", current, "context");
    if (!current || !*current || !ctx) {
        rc = lwcr_fail(LWC_EINVAL, err, errlen, "kubeconfig: no current context%s%s", current ? " named " : "",
                       current ? current : "");
        goto done;
    }
    const ynode *cluster = named(root, "clusters", get_str(ctx, "cluster"), "cluster");
    const ynode *user = named(root, "users", get_str(ctx, "user"), "user");
    const char *server = get_str(cluster, "server");
    const char *ns = get_str(ctx, "namespace");
    const char *token = get_str(user, "token");
    const char *token_file = get_str(user, "tokenFile");
    out->server = lwcr_strdup(server ? server : "");
    out->ns = lwcr_strdup(ns ? ns : "");
    if (token && *token)
        out->token = lwcr_strdup(token);
    else if (token_file && *token_file)
        out->token = read_token_file(token_file);
    if (!out->server || !out->ns) {
        lwc_kubeconfig_free(out);
        rc = lwcr_fail(LWC_ENOMEM, err, errlen, "kubeconfig: out of memory");
    }
done:
    ynode_free(root);
    free(p.lines);
    free(copy);
    return rc;
}

int lwc_kubeconfig_load(const char *path, lwc_kubeconfig *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f)
        return lwcr_fail(LWC_EIO, err, errlen, "kubeconfig %s: %s", path, strerror(errno));
    lwcr_buf b = {0};
    char chunk[8192];
    size_t n;
    int rc = LWC_OK;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (b.len + n > MAX_FILE) {
            rc = lwcr_fail(LWC_EINVAL, err, errlen, "kubeconfig %s: larger than %zu bytes", path, MAX_FILE);
            break;
        }
        if (lwcr_buf_append(&b, chunk, n) != LWC_OK) {
            rc = lwcr_fail(LWC_ENOMEM, err, errlen, "kubeconfig %s: out of memory", path);
            break;
        }
    }
    if (rc == LWC_OK && ferror(f))
        rc = lwcr_fail(LWC_EIO, err, errlen, "kubeconfig %s: read error", path);
    fclose(f);
    if (rc == LWC_OK)
        rc = lwc_kubeconfig_parse(b.data ? b.data : "", b.len, out, err, errlen);
    lwcr_buf_free(&b);
    return rc;
}

void lwc_kubeconfig_free(lwc_kubeconfig *kc)
{
    if (!kc)
        return;
    free(kc->server);
    free(kc->ns);
    free(kc->token);
    memset(kc, 0, sizeof *kc);
}
