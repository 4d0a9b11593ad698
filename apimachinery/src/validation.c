/* Names, label keys and values as apimachinery validates them
 * (k8s.io/apimachinery/pkg/util/validation/validation.go and
 * pkg/api/validate/content: IsDNS1123Subdomain, IsDNS1123Label,
 * IsQualifiedName, IsValidLabelValue, MaxLenError, RegexError), and UTF-8. */
#include "validation.h"
#include "lwc_fail.h"
#include "utf8.h"

#include <stdlib.h>
#include <string.h>

#define DNS1123_LABEL_FMT "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
#define DNS1123_SUBDOMAIN_FMT DNS1123_LABEL_FMT "(\\." DNS1123_LABEL_FMT ")*"
#define QUALIFIED_NAME_FMT "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
#define QUALIFIED_NAME_MSG                                                                                     \
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "     \
    "character"

static int is_lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int is_alnum(char c)
{
    return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

/* An alphanumeric (by edge) at both ends, and inner characters only from
 * edge or the punctuation in extra: both regexes below are of this form. */
static int match_run(const char *s, size_t n, int (*edge)(char), const char *extra)
{
    if (n == 0 || !edge(s[0]) || !edge(s[n - 1]))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!edge(s[i]) && (s[i] == '\0' || !strchr(extra, s[i])))
            return 0;
    return 1;
}

/* [a-z0-9]([-a-z0-9]*[a-z0-9])? over s[0..n) */
static int match_label(const char *s, size_t n)
{
    return match_run(s, n, is_lower_alnum, "-");
}

static int match_subdomain(const char *s)
{
    const char *p = s;
    for (;;) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (!match_label(p, n))
            return 0;
        if (!dot)
            return 1;
        p = dot + 1;
    }
}

/* ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9] over s[0..n) */
static int match_qualified(const char *s, size_t n)
{
    return match_run(s, n, is_alnum, "-_.");
}

int lwcm_valid_dns1123_subdomain(const char *s, char *why, size_t whylen)
{
    if (strlen(s) > 253)
        return lwc_fail(why, whylen, 0, "must be no more than 253 characters");
    if (!match_subdomain(s))
        return lwc_fail(why, whylen, 0,
                        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
                        "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
                        "validation is '" DNS1123_SUBDOMAIN_FMT "')");
    return 1;
}

int lwcm_valid_dns1123_label(const char *s, char *why, size_t whylen)
{
    if (strlen(s) > 63)
        return lwc_fail(why, whylen, 0, "must be no more than 63 characters");
    if (match_label(s, strlen(s)))
        return 1;
    if (match_subdomain(s))
        return lwc_fail(why, whylen, 0, "must not contain dots");
    return lwc_fail(why, whylen, 0,
                    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
                    "start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
                    "validation is '" DNS1123_LABEL_FMT "')");
}

int lwcm_valid_label_key(const char *s, char *why, size_t whylen)
{
    const char *slash = strchr(s, '/');
    const char *name = s;
    if (slash) {
        if (strchr(slash + 1, '/'))
            return lwc_fail(why, whylen, 0,
                            "a qualified name " QUALIFIED_NAME_MSG " (e.g. 'MyName',  or 'my.name',  or '123-abc', regex "
                            "used for validation is '" QUALIFIED_NAME_FMT "')");
        size_t plen = (size_t)(slash - s);
        char prefix[300];
        if (plen == 0)
            return lwc_fail(why, whylen, 0, "prefix part must be non-empty");
        if (plen >= sizeof prefix)
            return lwc_fail(why, whylen, 0, "prefix part must be no more than 253 characters");
        memcpy(prefix, s, plen);
        prefix[plen] = '\0';
        char sub[512];
        if (!lwcm_valid_dns1123_subdomain(prefix, sub, sizeof sub))
            return lwc_fail(why, whylen, 0, "prefix part %s", sub);
        name = slash + 1;
    }
    size_t n = strlen(name);
    if (n == 0)
        return lwc_fail(why, whylen, 0, "name part must be non-empty");
    if (n > 63)
        return lwc_fail(why, whylen, 0, "name part must be no more than 63 characters");
    if (!match_qualified(name, n))
        return lwc_fail(why, whylen, 0,
                        "name part " QUALIFIED_NAME_MSG " (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
                        "validation is '" QUALIFIED_NAME_FMT "')");
    return 1;
}

int lwcm_valid_label_value(const char *s, char *why, size_t whylen)
{
    size_t n = strlen(s);
    if (n > 63)
        return lwc_fail(why, whylen, 0, "must be no more than 63 characters");
    if (n && !match_qualified(s, n))
        return lwc_fail(why, whylen, 0,
                        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
                        "and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or "
                        "'12345', regex used for validation is '(" QUALIFIED_NAME_FMT ")?')");
    return 1;
}

int lwcm_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        size_t l = lwcc_utf8_seq(p + i, n - i);
        if (!l)
            return 0;
        i += l;
    }
    return 1;
}

static int fix_string(char **sp)
{
    if (!*sp || lwcm_utf8_valid(*sp, strlen(*sp)))
        return 0;
    char *fixed = lwcc_utf8_sanitize(*sp, strlen(*sp), 0, NULL);
    if (!fixed)
        return -1;
    /* cJSON's strings come from its allocator, which is malloc here. */
    cJSON_free(*sp);
    *sp = fixed;
    return 0;
}

int lwcm_utf8_sanitize_tree(cJSON *node)
{
    for (; node; node = node->next) {
        if (!(node->type & cJSON_StringIsConst) && fix_string(&node->string) != 0)
            return -1;
        if (cJSON_IsString(node) && !(node->type & cJSON_IsReference) && fix_string(&node->valuestring) != 0)
            return -1;
        if (node->child && lwcm_utf8_sanitize_tree(node->child) != 0)
            return -1;
    }
    return 0;
}

typedef struct member_ref {
    cJSON *item;
    size_t pos;
} member_ref;

static int member_cmp(const void *a, const void *b)
{
    const member_ref *x = a, *y = b;
    int c = strcmp(x->item->string ? x->item->string : "", y->item->string ? y->item->string : "");
    return c ? c : (x->pos < y->pos ? -1 : x->pos > y->pos);
}

int lwcm_json_dedupe_keys(cJSON *node)
{
    if (!node)
        return 0;
    for (cJSON *c = node->child; c; c = c->next)
        if (lwcm_json_dedupe_keys(c) != 0)
            return -1;
    if (!cJSON_IsObject(node))
        return 0;
    size_t n = 0;
    for (cJSON *c = node->child; c; c = c->next)
        n++;
    if (n < 2)
        return 0;
    member_ref *refs = malloc(n * sizeof *refs);
    if (!refs)
        return -1;
    size_t i = 0;
    for (cJSON *c = node->child; c; c = c->next, i++) {
        refs[i].item = c;
        refs[i].pos = i;
    }
    qsort(refs, n, sizeof *refs, member_cmp);
    /* In each run of equal names, every member but the last goes. */
    for (i = 0; i + 1 < n; i++)
        if (!member_cmp(&(member_ref){refs[i].item, 0}, &(member_ref){refs[i + 1].item, 0}))
            cJSON_Delete(cJSON_DetachItemViaPointer(node, refs[i].item));
    free(refs);
    return 0;
}
