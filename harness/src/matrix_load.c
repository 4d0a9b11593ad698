/* lwc-matrix: reads lwc-harness --json reports and manifests into the
 * matrix model. Tolerant of fields a report may lack (an older harness has
 * no N/A, clientInfo or expected); strict only about what a row cannot do
 * without: a JSON object with a "scenarios" array of objects that each have
 * a "name" and a "verdict". */
#include "matrix.h"
#include "lwc_fail.h"
#include "strbuf.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void lwch_mx_init(mx_matrix *m)
{
    memset(m, 0, sizeof(*m));
}

static void cell_free(mx_cell *c)
{
    free(c->scenario);
    free(c->verdict);
    for (size_t i = 0; i < c->nfailures; i++) {
        free(c->failures[i].check);
        free(c->failures[i].summary);
        free(c->failures[i].detail);
    }
    free(c->failures);
    free(c->error);
    free(c->reason);
    free(c->notes);
    free(c->stderr_tail);
    free(c->exp_verdict);
    free(c->exp_checks);
    free(c->exp_evidence);
    free(c->exp_mismatch);
}

static void client_free(mx_client *c)
{
    free(c->label);
    free(c->group);
    free(c->command);
    free(c->expect_file);
    free(c->note);
    free(c->unavailable);
    free(c->hello_name);
    free(c->capabilities);
    for (size_t i = 0; i < c->ncells; i++)
        cell_free(&c->cells[i]);
    free(c->cells);
}

void lwch_mx_free(mx_matrix *m)
{
    for (size_t i = 0; i < m->nclients; i++)
        client_free(&m->clients[i]);
    free(m->clients);
    for (size_t i = 0; i < m->nscenarios; i++)
        free(m->scenarios[i]);
    free(m->scenarios);
    lwch_mx_init(m);
}

const char *lwch_mx_kind_name(mx_kind k)
{
    switch (k) {
    case MX_NONE: return "NO RUN";
    case MX_PASS: return "PASS";
    case MX_FAIL: return "FAIL";
    case MX_ERROR: return "ERROR";
    case MX_NA: return "N/A";
    case MX_NOT_RUN: return "NOT RUN";
    case MX_INTERRUPTED: return "INTERRUPTED";
    case MX_OTHER: return "?";
    }
    return "?";
}

static mx_kind kind_of(const char *v)
{
    static const struct {
        const char *name;
        mx_kind kind;
    } names[] = {
        {"PASS", MX_PASS},       {"FAIL", MX_FAIL},       {"ERROR", MX_ERROR},
        {"N/A", MX_NA},          {"NA", MX_NA},           {"NOT APPLICABLE", MX_NA},
        {"NOT RUN", MX_NOT_RUN}, {"NOT_RUN", MX_NOT_RUN}, {"NOTRUN", MX_NOT_RUN},
        {"INTERRUPTED", MX_INTERRUPTED},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcasecmp(v, names[i].name) == 0)
            return names[i].kind;
    return MX_OTHER;
}

int lwch_mx_cell_has_report(const mx_cell *c)
{
    if (!c || c->kind == MX_NONE)
        return 0;
    if (c->kind == MX_FAIL || c->kind == MX_ERROR || c->kind == MX_INTERRUPTED || c->kind == MX_OTHER)
        return 1;
    if (c->kind == MX_NA && c->reason)
        return 1;
    if (c->has_expected && (!c->exp_matched || (c->exp_evidence && *c->exp_evidence)))
        return 1;
    return 0;
}

mx_expect lwch_mx_expect_state(const mx_client *c)
{
    if (c->unavailable)
        return c->expect_file ? MX_EXP_NOT_RUN : MX_EXP_NONE;
    if (!c->expect_file && !c->expected_seen)
        return MX_EXP_NONE;
    if (!c->expected_seen)
        return MX_EXP_NOT_CHECKED;
    return c->mismatches || c->summary_mismatches > 0 ? MX_EXP_DIFFERS : MX_EXP_MATCHES;
}

const mx_cell *lwch_mx_find_cell(const mx_client *c, const char *scenario)
{
    for (size_t i = 0; i < c->ncells; i++)
        if (strcmp(c->cells[i].scenario, scenario) == 0)
            return &c->cells[i];
    return NULL;
}

/* strdup of a JSON string member, or NULL when absent or not a string.
 * *oom is set when the copy failed. */
static char *get_str(const cJSON *o, const char *key, int *oom)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsString(v) || !v->valuestring)
        return NULL;
    char *s = strdup(v->valuestring);
    if (!s)
        *oom = 1;
    return s;
}

static double get_num(const cJSON *o, const char *key, double dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

/* A string, or an array of strings joined by sep; NULL when neither. */
static char *get_list(const cJSON *o, const char *key, const char *sep, int *oom)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (cJSON_IsString(v))
        return get_str(o, key, oom);
    if (!cJSON_IsArray(v))
        return NULL;
    strbuf tb;
    lwcc_strbuf_init(&tb);
    const cJSON *e;
    int first = 1;
    cJSON_ArrayForEach(e, v)
    {
        if (!cJSON_IsString(e) || !e->valuestring)
            continue;
        if (!first)
            lwcc_strbuf_puts(&tb, sep);
        lwcc_strbuf_puts(&tb, e->valuestring);
        first = 0;
    }
    char *s = lwcc_strbuf_take(&tb, NULL);
    if (!s)
        *oom = 1;
    return s;
}

/* Grows an array of elements of size sz to hold n+1. */
static int grow(void **arr, size_t n, size_t sz)
{
    void *p = realloc(*arr, (n + 1) * sz);
    if (!p)
        return -1;
    *arr = p;
    memset((char *)p + n * sz, 0, sz);
    return 0;
}

static int add_column(mx_matrix *m, const char *name)
{
    for (size_t i = 0; i < m->nscenarios; i++)
        if (strcmp(m->scenarios[i], name) == 0)
            return 0;
    if (grow((void **)&m->scenarios, m->nscenarios, sizeof(char *)) != 0)
        return -1;
    if (!(m->scenarios[m->nscenarios] = strdup(name)))
        return -1;
    m->nscenarios++;
    return 0;
}

/* Fills cell from one scenario object. Returns 0, or -1 when out of memory. */
static int read_cell(const cJSON *s, mx_cell *c)
{
    int oom = 0;
    c->converge_ms = get_num(s, "convergeMs", -1);
    c->total_ms = get_num(s, "totalMs", -1);
    c->error = get_str(s, "error", &oom);
    c->reason = get_str(s, "reason", &oom);
    c->notes = get_str(s, "notes", &oom);
    c->stderr_tail = get_str(s, "stderrTail", &oom);
    const cJSON *fails = cJSON_GetObjectItemCaseSensitive(s, "failures");
    const cJSON *f;
    if (cJSON_IsArray(fails)) {
        cJSON_ArrayForEach(f, fails)
        {
            if (!cJSON_IsObject(f))
                continue;
            if (grow((void **)&c->failures, c->nfailures, sizeof(mx_failure)) != 0)
                return -1;
            mx_failure *x = &c->failures[c->nfailures++];
            x->check = get_str(f, "check", &oom);
            x->summary = get_str(f, "summary", &oom);
            x->detail = get_str(f, "detail", &oom);
        }
    }
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(s, "expected");
    if (cJSON_IsObject(e)) {
        c->has_expected = 1;
        c->exp_verdict = get_str(e, "verdict", &oom);
        c->exp_checks = get_list(e, "checks", ",", &oom);
        c->exp_evidence = get_str(e, "evidence", &oom);
        c->exp_mismatch = get_str(e, "mismatch", &oom);
        const cJSON *mt = cJSON_GetObjectItemCaseSensitive(e, "matched");
        /* Without "matched" nothing says it differed. */
        c->exp_matched = cJSON_IsBool(mt) ? cJSON_IsTrue(mt) : 1;
    }
    return oom ? -1 : 0;
}

/* How bad a verdict is, to keep the worst of repeated runs. */
static int severity(mx_kind k)
{
    switch (k) {
    case MX_FAIL: return 6;
    case MX_ERROR: return 5;
    case MX_OTHER: return 4;
    case MX_INTERRUPTED: return 3;
    case MX_PASS: return 2;
    case MX_NA: return 1;
    case MX_NOT_RUN:
    case MX_NONE: return 0;
    }
    return 0;
}

/* A report, a manifest or an error file larger than this is not one. */
#define MX_MAX_FILE ((size_t)1 << 30)

static mx_client *new_row(mx_matrix *m, const char *label, const char *group, const char *command,
                          const char *expect_file, const char *note)
{
    if (grow((void **)&m->clients, m->nclients, sizeof(mx_client)) != 0)
        return NULL;
    mx_client *c = &m->clients[m->nclients];
    c->wall_ms = -1;
    c->summary_mismatches = -1;
    c->label = strdup(label);
    c->group = strdup(group ? group : "");
    c->command = command && *command ? strdup(command) : NULL;
    c->expect_file = expect_file && *expect_file ? strdup(expect_file) : NULL;
    c->note = note && *note ? strdup(note) : NULL;
    if (!c->label || !c->group || (command && *command && !c->command) ||
        (expect_file && *expect_file && !c->expect_file) || (note && *note && !c->note)) {
        client_free(c);
        memset(c, 0, sizeof(*c));
        return NULL;
    }
    m->nclients++;
    return c;
}

/* Reads the report doc into row c. Returns 0, -1 with err (a bad report) or
 * -2 (out of memory). */
static int read_report(mx_matrix *m, mx_client *c, const cJSON *doc, const char *path, char *err, size_t errlen)
{
    if (!cJSON_IsObject(doc))
        return lwc_fail(err, errlen, -1, "%s: not an lwc-harness JSON report (the document is not an object)", path);
    const cJSON *scen = cJSON_GetObjectItemCaseSensitive(doc, "scenarios");
    if (!cJSON_IsArray(scen))
        return lwc_fail(err, errlen, -1, "%s: not an lwc-harness JSON report (no \"scenarios\" array)", path);
    int oom = 0;
    const cJSON *ci = cJSON_GetObjectItemCaseSensitive(doc, "clientInfo");
    if (cJSON_IsObject(ci)) {
        c->hello_name = get_str(ci, "name", &oom);
        c->protocol = (int)get_num(ci, "protocol", 0);
        c->capabilities = get_list(ci, "capabilities", ", ", &oom);
    }
    const cJSON *sum = cJSON_GetObjectItemCaseSensitive(doc, "summary");
    if (cJSON_IsObject(sum)) {
        c->wall_ms = get_num(sum, "wallMs", -1);
        c->summary_mismatches = (int)get_num(sum, "mismatches", -1);
    }
    if (!c->command)
        c->command = get_str(doc, "client", &oom);
    if (oom)
        return -2;
    const cJSON *s;
    size_t idx = 0;
    cJSON_ArrayForEach(s, scen)
    {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(s, "name");
        const cJSON *verdict = cJSON_GetObjectItemCaseSensitive(s, "verdict");
        if (!cJSON_IsObject(s) || !cJSON_IsString(name) || !cJSON_IsString(verdict) || !*name->valuestring)
            return lwc_fail(err, errlen, -1, "%s: scenarios[%zu]: not an object with \"name\" and \"verdict\" strings",
                            path, idx);
        idx++;
        mx_cell tmp;
        memset(&tmp, 0, sizeof(tmp));
        tmp.kind = kind_of(verdict->valuestring);
        tmp.runs = 1;
        if (!(tmp.scenario = strdup(name->valuestring)) || !(tmp.verdict = strdup(verdict->valuestring)) ||
            read_cell(s, &tmp) != 0) {
            cell_free(&tmp);
            return -2;
        }
        mx_cell *old = NULL;
        for (size_t i = 0; i < c->ncells; i++)
            if (strcmp(c->cells[i].scenario, tmp.scenario) == 0)
                old = &c->cells[i];
        if (old) {
            /* Repeated runs (--repeat): the cell shows the worst. */
            int runs = old->runs + 1;
            if (severity(tmp.kind) > severity(old->kind)) {
                cell_free(old);
                *old = tmp;
            } else {
                cell_free(&tmp);
            }
            old->runs = runs;
            continue;
        }
        if (grow((void **)&c->cells, c->ncells, sizeof(mx_cell)) != 0 || add_column(m, tmp.scenario) != 0) {
            cell_free(&tmp);
            return -2;
        }
        c->cells[c->ncells++] = tmp;
    }
    for (size_t i = 0; i < c->ncells; i++) {
        c->count[c->cells[i].kind]++;
        if (c->cells[i].has_expected) {
            c->expected_seen++;
            if (!c->cells[i].exp_matched)
                c->mismatches++;
        }
    }
    return 0;
}

int lwch_mx_add_report(mx_matrix *m, const char *label, const char *group, const char *command,
                  const char *expect_file, const char *note, const char *report_path, char *err, size_t errlen)
{
    size_t len = 0;
    char *text = lwc_read_file(report_path, MX_MAX_FILE, &len, err, errlen);
    if (!text)
        return -1;
    const char *end = NULL;
    cJSON *doc = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!doc) {
        size_t at = end && end >= text ? (size_t)(end - text) : 0;
        size_t line = 1;
        for (size_t i = 0; i < at && i < len; i++)
            line += text[i] == '\n';
        snprintf(err, errlen, "%s: not valid JSON (line %zu, byte %zu)%s", report_path, line, at,
                 len == 0 ? ": the file is empty" : "");
        free(text);
        return -1;
    }
    free(text);
    mx_client *c = new_row(m, label, group, command, expect_file, note);
    if (!c) {
        cJSON_Delete(doc);
        return lwc_fail(err, errlen, -1, "%s: out of memory", report_path);
    }
    int rc = read_report(m, c, doc, report_path, err, errlen);
    cJSON_Delete(doc);
    if (rc != 0) {
        if (rc == -2)
            snprintf(err, errlen, "%s: out of memory", report_path);
        m->nclients--;
        client_free(c);
        return -1;
    }
    return 0;
}

int lwch_mx_add_unavailable(mx_matrix *m, const char *label, const char *group, const char *command,
                       const char *expect_file, const char *note, const char *error_text, size_t error_len, char *err,
                       size_t errlen)
{
    mx_client *c = new_row(m, label, group, command, expect_file, note);
    if (c) {
        if (!error_text || error_len == 0) {
            error_text = "unavailable (no reason given)";
            error_len = strlen(error_text);
        }
        if ((c->unavailable = malloc(error_len + 1))) {
            memcpy(c->unavailable, error_text, error_len);
            c->unavailable[error_len] = '\0';
            return 0;
        }
        m->nclients--;
        client_free(c);
    }
    return lwc_fail(err, errlen, -1, "%s: out of memory", label);
}

/* Splits line at tabs into at most max fields (in place). */
static size_t split_tabs(char *line, char **fields, size_t max)
{
    size_t n = 0;
    char *p = line;
    while (n < max) {
        fields[n++] = p;
        char *t = strchr(p, '\t');
        if (!t)
            break;
        *t = '\0';
        p = t + 1;
    }
    return n;
}

int lwch_mx_load_manifest(mx_matrix *m, const char *path, char *err, size_t errlen)
{
    size_t len = 0;
    char *text = lwc_read_file(path, MX_MAX_FILE, &len, err, errlen);
    if (!text)
        return -1;
    int rc = 0;
    size_t lineno = 0;
    char *save = NULL;
    for (char *line = text; line && rc == 0; line = save) {
        char *nl = strchr(line, '\n');
        save = nl ? nl + 1 : NULL;
        if (nl)
            *nl = '\0';
        lineno++;
        size_t l = strlen(line);
        if (l && line[l - 1] == '\r')
            line[--l] = '\0';
        if (l == 0 || line[0] == '#')
            continue;
        char *f[7] = {0};
        size_t nf = split_tabs(line, f, 7);
        if (nf < 6 || !*f[0]) {
            rc = lwc_fail(err, errlen, -1,
                          "%s:%zu: expected LABEL, GROUP, COMMAND, EXPECT-FILE, REPORT-JSON, ERROR-FILE [, NOTE] "
                          "separated by tabs", path, lineno);
            break;
        }
        const char *note = nf > 6 ? f[6] : NULL;
        char sub[1024];
        if (*f[5]) {
            size_t elen = 0;
            char *etext = lwc_read_file(f[5], MX_MAX_FILE, &elen, sub, sizeof(sub));
            if (!etext) {
                rc = lwc_fail(err, errlen, -1, "%s:%zu: %s", path, lineno, sub);
                break;
            }
            if (elen > 0 || !*f[4]) {
                rc = lwch_mx_add_unavailable(m, f[0], f[1], f[2], f[3], note, etext, elen, err, errlen);
                free(etext);
                continue;
            }
            free(etext);
        }
        if (!*f[4]) {
            rc = lwch_mx_add_unavailable(m, f[0], f[1], f[2], f[3], note, NULL, 0, err, errlen);
            continue;
        }
        if (lwch_mx_add_report(m, f[0], f[1], f[2], f[3], note, f[4], sub, sizeof(sub)) != 0) {
            rc = lwc_fail(err, errlen, -1, "%s:%zu: %s", path, lineno, sub);
        }
    }
    free(text);
    return rc;
}
