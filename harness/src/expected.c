/* Expected-verdict files: one scenario a line, "NAME pass", "NAME n/a" or
 * "NAME fail CHECK[,CHECK...]", evidence after '#'. A maintainer's record
 * of what the client does, so that a change on either side shows. */
#include "expected.h"
#include "lwc_fail.h"
#include "strbuf.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t l = strlen(s);
    while (l && isspace((unsigned char)s[l - 1]))
        s[--l] = '\0';
    return s;
}

static int add_entry(expected_set *s, size_t *cap, const char *name, expect_kind k, const char *checks,
                     const char *evidence, int line)
{
    if (s->n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 64;
        expected_entry *nv = realloc(s->v, ncap * sizeof *nv);
        if (!nv)
            return -1;
        s->v = nv;
        *cap = ncap;
    }
    expected_entry *e = &s->v[s->n];
    e->scenario = strdup(name);
    e->checks = strdup(checks);
    e->evidence = strdup(evidence);
    e->kind = k;
    e->line = line;
    if (!e->scenario || !e->checks || !e->evidence) {
        free(e->scenario);
        free(e->checks);
        free(e->evidence);
        return -1;
    }
    s->n++;
    return 0;
}

/* One line, already without its newline. Returns 0 or -1 with err set. */
static int parse_line(expected_set *s, size_t *cap, char *text, int lineno, char *err, size_t errlen)
{
    char *hash = strchr(text, '#');
    const char *evidence = "";
    if (hash) {
        *hash = '\0';
        evidence = trim(hash + 1);
    }
    char *body = trim(text);
    if (!*body)
        return 0;
    char *save = NULL;
    char *name = strtok_r(body, " \t", &save);
    char *word = strtok_r(NULL, " \t", &save);
    char *checks = strtok_r(NULL, " \t", &save);
    char *extra = strtok_r(NULL, " \t", &save);
    if (!word)
        return lwc_fail(err, errlen, -1, "%s:%d: expected \"SCENARIO pass|n/a|fail [CHECKS]\", got only \"%.80s\"",
                        s->path, lineno, name);
    expect_kind k;
    if (!strcmp(word, "pass"))
        k = EXPECT_PASS;
    else if (!strcmp(word, "n/a"))
        k = EXPECT_NA;
    else if (!strcmp(word, "fail"))
        k = EXPECT_FAIL;
    else
        return lwc_fail(err, errlen, -1, "%s:%d: %s: expected the verdict pass, n/a or fail, got \"%.40s\"", s->path,
                        lineno, name, word);
    if ((checks && k != EXPECT_FAIL) || extra)
        return lwc_fail(err, errlen, -1,
                        "%s:%d: %s: unexpected \"%.40s\" (checks follow \"fail\" only, comma-separated, no spaces; "
                        "evidence goes after '#')", s->path, lineno, name, extra ? extra : checks);
    for (const char *c = checks; c && *c;) {
        const char *comma = strchr(c, ',');
        size_t l = comma ? (size_t)(comma - c) : strlen(c);
        if (lwch_check_index(c, l) < 0)
            return lwc_fail(err, errlen, -1,
                            "%s:%d: %s: \"%.*s\" is not a check (protocol, initial-state, convergence, events, "
                            "requests, exit, timeline, watch)", s->path, lineno, name, (int)(l > 40 ? 40 : l), c);
        c += l + (comma ? 1 : 0);
    }
    if (lwch_expected_find(s, name))
        return lwc_fail(err, errlen, -1, "%s:%d: %s: a second line for the same scenario (first on line %d)", s->path,
                        lineno, name, lwch_expected_find(s, name)->line);
    if (add_entry(s, cap, name, k, checks ? checks : "", evidence, lineno) != 0)
        return lwc_fail(err, errlen, -1, "%s: out of memory", s->path);
    return 0;
}

int lwch_expected_load(const char *path, expected_set *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->path = strdup(path);
    FILE *f = fopen(path, "r");
    if (!out->path || !f) {
        snprintf(err, errlen, "%s: %s", path, f ? "out of memory" : strerror(errno));
        if (f)
            fclose(f);
        lwch_expected_free(out);
        return -1;
    }
    size_t cap = 0;
    char *line = NULL;
    size_t linecap = 0;
    ssize_t n;
    int lineno = 0, rc = 0;
    while (rc == 0 && (n = getline(&line, &linecap, f)) >= 0) {
        lineno++;
        if ((size_t)n != strlen(line)) {
            rc = lwc_fail(err, errlen, -1, "%s:%d: a NUL byte in the line", path, lineno);
            break;
        }
        rc = parse_line(out, &cap, line, lineno, err, errlen);
    }
    if (rc == 0 && ferror(f)) {
        rc = lwc_fail(err, errlen, -1, "%s: read error: %s", path, strerror(errno));
    }
    free(line);
    fclose(f);
    if (rc != 0)
        lwch_expected_free(out);
    return rc;
}

void lwch_expected_free(expected_set *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->v[i].scenario);
        free(s->v[i].checks);
        free(s->v[i].evidence);
    }
    free(s->v);
    free(s->path);
    memset(s, 0, sizeof *s);
}

const expected_entry *lwch_expected_find(const expected_set *s, const char *scenario)
{
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->v[i].scenario, scenario))
            return &s->v[i];
    return NULL;
}

static int failed_check(const scenario_result *r, const char *check, size_t len)
{
    for (size_t i = 0; i < r->nfailures; i++)
        if (strlen(r->failures[i].check) == len && !strncmp(r->failures[i].check, check, len))
            return 1;
    return 0;
}

static const char *got_text(const scenario_result *r, strbuf *tb)
{
    lwcc_strbuf_puts(tb, lwch_verdict_name(r->v));
    for (size_t i = 0; i < r->nfailures; i++) {
        int dup = 0;
        for (size_t j = 0; j < i; j++)
            dup |= !strcmp(r->failures[j].check, r->failures[i].check);
        if (!dup)
            lwcc_strbuf_printf(tb, "%s%s", i ? "," : " ", r->failures[i].check);
    }
    if (r->v == VERDICT_NA && r->reason)
        lwcc_strbuf_printf(tb, " (%s)", r->reason);
    return lwcc_strbuf_str(tb);
}

int lwch_expected_judge(const expected_set *s, const expected_entry *e, scenario_result *r)
{
    strbuf why, got;
    lwcc_strbuf_init(&why);
    lwcc_strbuf_init(&got);
    if (!e) {
        r->expected = strdup("(none)");
        r->evidence = strdup("");
    } else {
        const char *kind = e->kind == EXPECT_PASS ? "pass" : e->kind == EXPECT_NA ? "n/a" : "fail";
        char buf[300];
        snprintf(buf, sizeof buf, "%s%s%s", kind, *e->checks ? " " : "", e->checks);
        r->expected = strdup(buf);
        r->evidence = strdup(e->evidence);
    }
    /* A run --max-failures never started is not judged, whether the file
     * has a line for it or not: it matches, so the reports need no case of
     * their own for it. */
    if (r->v == VERDICT_NOT_RUN) {
        /* not judged */
    } else if (!e) {
        lwcc_strbuf_printf(&why, "%s has no line for this scenario; got %s", s->path, got_text(r, &got));
    } else if (e->kind == EXPECT_PASS && r->v != VERDICT_PASS) {
        lwcc_strbuf_printf(&why, "expected pass, got %s", got_text(r, &got));
    } else if (e->kind == EXPECT_NA && r->v != VERDICT_NA) {
        lwcc_strbuf_printf(&why, "expected n/a, got %s", got_text(r, &got));
    } else if (e->kind == EXPECT_FAIL && r->v != VERDICT_FAIL) {
        lwcc_strbuf_printf(&why, "expected fail%s%s (%s:%d), got %s", *e->checks ? " " : "", e->checks, s->path, e->line,
                           got_text(r, &got));
    } else if (e->kind == EXPECT_FAIL) {
        for (const char *c = e->checks; *c;) {
            const char *comma = strchr(c, ',');
            size_t l = comma ? (size_t)(comma - c) : strlen(c);
            if (!failed_check(r, c, l)) {
                lwcc_strbuf_printf(&why, "expected the %.*s check to fail (%s:%d), got %s", (int)l, c, s->path, e->line,
                                   got_text(r, &got));
                break;
            }
            c += l + (comma ? 1 : 0);
        }
    }
    int oom = !r->expected || !r->evidence || why.failed || got.failed;
    r->expect_matched = why.len == 0 && !oom;
    if (why.len)
        r->mismatch = lwcc_strbuf_take(&why, NULL);
    lwcc_strbuf_free(&why);
    lwcc_strbuf_free(&got);
    return oom ? -1 : 0;
}
