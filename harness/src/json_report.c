/* --json: the run as one JSON document, for tools. Strings are valid UTF-8
 * (client output is sanitized before it gets here or in add_str). */
#include "report.h"
#include "lwc_fail.h"
#include "lwc_scenario.h"
#include "lwc_version.h"
#include "strbuf.h"
#include "utf8.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

static int add_str(cJSON *o, const char *key, const char *s)
{
    char *clean = lwcc_utf8_sanitize(s ? s : "", s ? strlen(s) : 0, 1, NULL);
    if (!clean)
        return -1;
    cJSON *v = cJSON_AddStringToObject(o, key, clean);
    free(clean);
    return v ? 0 : -1;
}

static int add_ms(cJSON *o, const char *key, double ms)
{
    /* -1 ("never") is written as null. */
    cJSON *v = ms < 0 ? cJSON_AddNullToObject(o, key) : cJSON_AddNumberToObject(o, key, (double)(long long)(ms * 10) / 10.0);
    return v ? 0 : -1;
}

static cJSON *scenario_json(const scenario_result *r)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    int bad = add_str(o, "name", r->name) || add_str(o, "file", r->path) ||
              !cJSON_AddNumberToObject(o, "run", r->repeat > 0 ? r->repeat : 1) ||
              add_str(o, "verdict", lwch_verdict_name(r->v)) || add_ms(o, "totalMs", r->total_ms) ||
              add_ms(o, "readyMs", r->ready_ms) || add_ms(o, "convergeMs", r->converge_ms) ||
              !cJSON_AddNumberToObject(o, "requests", (double)r->requests) ||
              !cJSON_AddNumberToObject(o, "dumps", (double)r->dumps) ||
              !cJSON_AddNumberToObject(o, "events", (double)r->events);
    if (!bad && r->initial_rv)
        bad = !cJSON_AddNumberToObject(o, "initialStateRv", (double)r->initial_rv);
    if (!bad && r->error)
        bad = add_str(o, "error", r->error);
    if (!bad && r->reason)
        bad = add_str(o, "reason", r->reason);
    if (!bad && r->expected) {
        cJSON *e = cJSON_AddObjectToObject(o, "expected");
        bad = !e || add_str(e, "verdict", r->expected) || add_str(e, "evidence", r->evidence) ||
              !cJSON_AddBoolToObject(e, "matched", r->expect_matched) ||
              (r->mismatch && add_str(e, "mismatch", r->mismatch));
    }
    cJSON *fails = bad ? NULL : cJSON_AddArrayToObject(o, "failures");
    for (size_t i = 0; fails && !bad && i < r->nfailures; i++) {
        cJSON *f = cJSON_CreateObject();
        if (!f || !cJSON_AddItemToArray(fails, f)) {
            cJSON_Delete(f);
            bad = 1;
            break;
        }
        bad = add_str(f, "check", r->failures[i].check) || add_str(f, "summary", r->failures[i].summary) ||
              add_str(f, "detail", r->failures[i].detail);
    }
    cJSON *cps = bad ? NULL : cJSON_AddArrayToObject(o, "checkpoints");
    for (size_t i = 0; cps && !bad && i < r->ncheckpoints; i++) {
        cJSON *c = cJSON_CreateObject();
        if (!c || !cJSON_AddItemToArray(cps, c)) {
            cJSON_Delete(c);
            bad = 1;
            break;
        }
        bad = add_str(c, "name", r->checkpoints[i].name) || !cJSON_AddBoolToObject(c, "converged", r->checkpoints[i].ok) ||
              add_ms(c, "ms", r->checkpoints[i].ms);
    }
    if (!bad)
        bad = add_str(o, "notes", r->notes) || add_str(o, "stderrTail", lwch_tail_lines(r->stderr_tail, 100));
    if (bad || !fails || !cps) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* "clientInfo": what the client said of itself in HELLO (null without one). */
static int add_client_info(cJSON *doc, const scenario_result *res, size_t n)
{
    const scenario_result *h = lwch_report_client_info(res, n);
    if (!h)
        return !cJSON_AddNullToObject(doc, "clientInfo");
    cJSON *ci = cJSON_AddObjectToObject(doc, "clientInfo");
    cJSON *caps = ci ? cJSON_AddArrayToObject(ci, "capabilities") : NULL;
    if (!caps || add_str(ci, "name", h->client_name) || !cJSON_AddNumberToObject(ci, "protocol", h->protocol))
        return 1;
    /* Each declared bit, lowest first: no list of the capabilities here to
     * fall behind lwc_scenario.h's. */
    for (unsigned rest = h->caps; rest; rest &= rest - 1) {
        char name[64];
        lwc_capabilities_format(rest & (~rest + 1), name, sizeof name);
        cJSON *v = cJSON_CreateString(name);
        if (!v || !cJSON_AddItemToArray(caps, v)) {
            cJSON_Delete(v);
            return 1;
        }
    }
    return 0;
}

int lwch_report_json(const char *path, const scenario_result *res, size_t n, const run_summary *sum, char *err,
                size_t errlen)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON *s = doc ? cJSON_AddObjectToObject(doc, "summary") : NULL;
    cJSON *arr = NULL;
    int bad = !doc || !s || add_str(doc, "harness", "lwc-harness") || add_str(doc, "harnessVersion", LWC_VERSION) ||
              add_str(doc, "harnessCommit", LWC_GIT_COMMIT) || add_str(doc, "client", sum->client) ||
              !cJSON_AddNumberToObject(s, "runs", (double)n) ||
              !cJSON_AddNumberToObject(s, "passed", (double)sum->passed) ||
              !cJSON_AddNumberToObject(s, "failed", (double)sum->failed) ||
              !cJSON_AddNumberToObject(s, "errors", (double)sum->errors) ||
              !cJSON_AddNumberToObject(s, "interrupted", (double)sum->interrupted) ||
              !cJSON_AddNumberToObject(s, "notApplicable", (double)sum->not_applicable) ||
              !cJSON_AddNumberToObject(s, "notRun", (double)sum->not_run) ||
              (sum->expect_path && (add_str(doc, "expectFile", sum->expect_path) ||
                                    !cJSON_AddNumberToObject(s, "mismatches", (double)sum->mismatches))) ||
              add_client_info(doc, res, n) ||
              add_ms(s, "wallMs", sum->wall_ms) || !(arr = cJSON_AddArrayToObject(doc, "scenarios"));
    for (size_t i = 0; !bad && i < n; i++) {
        cJSON *o = scenario_json(&res[i]);
        if (!o || !cJSON_AddItemToArray(arr, o)) {
            cJSON_Delete(o);
            bad = 1;
        }
    }
    char *text = bad ? NULL : cJSON_Print(doc);
    cJSON_Delete(doc);
    /* The file ends with a newline: grow the printed text by it rather than
     * copy a report of thousands of runs to append one byte. */
    size_t len = text ? strlen(text) : 0;
    char *nl = text ? realloc(text, len + 2) : NULL;
    if (!nl) {
        free(text);
        return lwc_fail(err, errlen, -1, "%s: out of memory", path);
    }
    nl[len] = '\n';
    nl[len + 1] = '\0';
    int rc = lwc_write_file(path, nl, len + 1, err, errlen);
    free(nl);
    return rc;
}
