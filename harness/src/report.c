/* The terminal report: the table, each failure's details, and with --expect
 * the runs whose verdict differed from the client's expected-verdicts file. */
#include "report.h"
#include "duration_text.h"
#include "lwc_scenario.h"
#include "lwc_version.h"
#include "strbuf.h"

#include <stdlib.h>
#include <string.h>

#define RED "\033[31m"
#define GREEN "\033[32m"
#define YELLOW "\033[33m"
#define BOLD "\033[1m"
#define RESET "\033[0m"

/* The table's 9-wide columns hold "9999 ms"; longer runs read better in seconds. */
#define TABLE_SECONDS_FROM_MS 10000.0

void lwch_summary_count(const scenario_result *res, size_t n, run_summary *sum)
{
    sum->passed = sum->failed = sum->errors = sum->interrupted = sum->not_applicable = sum->not_run = 0;
    sum->mismatches = 0;
    for (size_t i = 0; i < n; i++) {
        switch (res[i].v) {
        case VERDICT_PASS: sum->passed++; break;
        case VERDICT_FAIL: sum->failed++; break;
        case VERDICT_ERROR: sum->errors++; break;
        case VERDICT_INTERRUPTED: sum->interrupted++; break;
        case VERDICT_NA: sum->not_applicable++; break;
        case VERDICT_NOT_RUN: sum->not_run++; break;
        }
        if (res[i].expected && !res[i].expect_matched)
            sum->mismatches++;
    }
}

static const char *verdict_colour(verdict v)
{
    return v == VERDICT_PASS ? GREEN : v == VERDICT_FAIL ? RED : YELLOW;
}

void lwch_report_table(FILE *out, const scenario_result *res, size_t n, const run_summary *sum, int colour)
{
    int w = 8;
    for (size_t i = 0; i < n; i++) {
        int l = (int)strlen(res[i].name ? res[i].name : "?") + (res[i].repeat > 1 ? 4 : 0);
        if (l > w)
            w = l;
    }
    if (w > 60)
        w = 60;
    fprintf(out, "%-*s  %-7s  %9s  %9s  %8s  %9s  %s\n", w, "SCENARIO", "VERDICT", "READY", "CONVERGE", "REQUESTS",
            "TOTAL", "FAILED CHECKS");
    for (size_t i = 0; i < n; i++) {
        const scenario_result *r = &res[i];
        char name[128], ready[32], conv[32], total[32];
        if (r->repeat > 1)
            snprintf(name, sizeof name, "%s #%d", r->name ? r->name : "?", r->repeat);
        else
            snprintf(name, sizeof name, "%s", r->name ? r->name : "?");
        lwch_duration_text(ready, sizeof ready, r->ready_ms, TABLE_SECONDS_FROM_MS, " ");
        lwch_duration_text(conv, sizeof conv, r->converge_ms, TABLE_SECONDS_FROM_MS, " ");
        lwch_duration_text(total, sizeof total, r->total_ms, TABLE_SECONDS_FROM_MS, " ");
        char checks[200] = "";
        size_t off = 0;
        for (size_t k = 0; k < r->nfailures && off < sizeof checks; k++) {
            int dup = 0;
            for (size_t j = 0; j < k; j++)
                dup |= !strcmp(r->failures[j].check, r->failures[k].check);
            if (!dup)
                off += (size_t)snprintf(checks + off, sizeof checks - off, "%s%s", off ? ", " : "", r->failures[k].check);
        }
        if (r->v == VERDICT_ERROR)
            snprintf(checks, sizeof checks, "(could not run)");
        else if (r->v == VERDICT_NA)
            snprintf(checks, sizeof checks, "(%.190s)", r->reason ? r->reason : "not applicable");
        if (r->expected && !r->expect_matched && off + 20 < sizeof checks)
            snprintf(checks + strlen(checks), sizeof checks - strlen(checks), "%sUNEXPECTED", *checks ? "  " : "");
        fprintf(out, "%-*s  %s%-7s%s  %9s  %9s  %8zu  %9s  %s\n", w, name, colour ? verdict_colour(r->v) : "",
                lwch_verdict_name(r->v), colour ? RESET : "", ready, conv, r->requests, total, checks);
    }
    fprintf(out, "\n%zu run%s: %s%zu passed%s, %s%zu failed%s", n, n == 1 ? "" : "s", colour && sum->passed ? GREEN : "",
            sum->passed, colour && sum->passed ? RESET : "", colour && sum->failed ? RED : "", sum->failed,
            colour && sum->failed ? RESET : "");
    if (sum->not_applicable)
        fprintf(out, ", %zu not applicable", sum->not_applicable);
    if (sum->errors)
        fprintf(out, ", %zu could not run", sum->errors);
    if (sum->not_run)
        fprintf(out, ", %zu not run (--max-failures)", sum->not_run);
    if (sum->interrupted)
        fprintf(out, ", %zu interrupted", sum->interrupted);
    fprintf(out, " in %.1f s (client: %s", sum->wall_ms / 1000.0, sum->client ? sum->client : "?");
    const scenario_result *hello = lwch_report_client_info(res, n);
    if (hello) {
        char caps[200];
        lwc_capabilities_format(hello->caps, caps, sizeof caps);
        fprintf(out, "; says it is \"%s\", protocol %d, capabilities: %s", hello->client_name, hello->protocol, caps);
    }
    fprintf(out, ")\nlwc-harness %s\n", LWC_VERSION_STRING);
}

const char *lwch_tail_lines(const char *s, int max_lines)
{
    if (!s)
        return "";
    size_t len = strlen(s);
    const char *p = s + len;
    if (p > s && p[-1] == '\n')
        p--;
    int lines = 0;
    while (p > s) {
        if (p[-1] == '\n' && ++lines >= max_lines)
            break;
        p--;
    }
    return p;
}

static void indent_block(strbuf *tb, const char *text, const char *indent)
{
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t l = nl ? (size_t)(nl - p) : strlen(p);
        lwcc_strbuf_puts(tb, indent);
        /* Client output may hold terminal escapes: show control characters as '?'. */
        for (size_t i = 0; i < l; i++) {
            unsigned char c = (unsigned char)p[i];
            char ch = (c < 0x20 && c != '\t') || c == 0x7f ? '?' : (char)c;
            lwcc_strbuf_append(tb, &ch, 1);
        }
        lwcc_strbuf_puts(tb, "\n");
        p += l + (nl ? 1 : 0);
    }
}

char *lwch_report_failure_text(const scenario_result *r)
{
    strbuf tb;
    lwcc_strbuf_init(&tb);
    if (r->v == VERDICT_ERROR)
        lwcc_strbuf_printf(&tb, "could not run: %s\n", r->error ? r->error : "(out of memory)");
    for (size_t i = 0; i < r->nfailures; i++) {
        const failure *f = &r->failures[i];
        lwcc_strbuf_printf(&tb, "[%s] %s\n", f->check, f->summary);
        if (f->detail && *f->detail)
            lwcc_strbuf_puts(&tb, f->detail);
    }
    for (size_t i = 0; i < r->ncheckpoints; i++)
        lwcc_strbuf_printf(&tb, "checkpoint %s: %s in %.0f ms\n", r->checkpoints[i].name,
                           r->checkpoints[i].ok ? "converged" : "NOT converged", r->checkpoints[i].ms);
    lwcc_strbuf_printf(&tb, "client: READY %s, %zu requests, %zu DUMPs, %zu EVENT lines\n", r->ready_ms >= 0 ? "seen" : "never seen",
                       r->requests, r->dumps, r->events);
    if (r->notes && *r->notes) {
        lwcc_strbuf_puts(&tb, "notes (server time):\n");
        lwcc_strbuf_puts(&tb, r->notes);
    }
    if (r->stderr_tail && *r->stderr_tail) {
        lwcc_strbuf_puts(&tb, "client stderr (last 30 lines):\n");
        indent_block(&tb, lwch_tail_lines(r->stderr_tail, 30), "  | ");
    } else {
        lwcc_strbuf_puts(&tb, "client stderr: (empty)\n");
    }
    return lwcc_strbuf_take(&tb, NULL);
}

void lwch_report_failures(FILE *out, const scenario_result *res, size_t n, int colour)
{
    for (size_t i = 0; i < n; i++) {
        const scenario_result *r = &res[i];
        if (r->v == VERDICT_PASS || r->v == VERDICT_INTERRUPTED || r->v == VERDICT_NA || r->v == VERDICT_NOT_RUN)
            continue;
        fprintf(out, "\n%s%s %s%s", colour ? BOLD : "", lwch_verdict_name(r->v), r->name ? r->name : "?", colour ? RESET : "");
        if (r->repeat > 1)
            fprintf(out, " (run %d)", r->repeat);
        fprintf(out, "  (%s)\n", r->path ? r->path : "?");
        char *text = lwch_report_failure_text(r);
        fputs(text ? text : "(out of memory)\n", out);
        free(text);
    }
}

const scenario_result *lwch_report_client_info(const scenario_result *res, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (res[i].client_name)
            return &res[i];
    return NULL;
}

void lwch_report_mismatches(FILE *out, const scenario_result *res, size_t n, const run_summary *sum, int colour)
{
    if (sum->mismatches) {
        fprintf(out, "\n%sVerdicts that differ from %s:%s\n", colour ? BOLD : "", sum->expect_path, colour ? RESET : "");
        for (size_t i = 0; i < n; i++) {
            const scenario_result *r = &res[i];
            if (!r->expected || r->expect_matched)
                continue;
            fprintf(out, "  %s%s%s", colour ? RED : "", r->name ? r->name : "?", colour ? RESET : "");
            if (r->repeat > 1)
                fprintf(out, " (run %d)", r->repeat);
            fprintf(out, ": %s\n", r->mismatch ? r->mismatch : "(out of memory)");
            if (r->evidence && *r->evidence)
                fprintf(out, "      the file's evidence: %s\n", r->evidence);
        }
    }
    fprintf(out, "\n%s%zu of %zu runs as expected by %s%s\n", colour ? (sum->mismatches ? RED : GREEN) : "",
            n - sum->mismatches - sum->not_run - sum->interrupted, n - sum->not_run - sum->interrupted, sum->expect_path,
            colour ? RESET : "");
}
