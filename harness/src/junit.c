/* JUnit XML: one <testsuite> with a <testcase> per scenario run, a
 * <failure> (or <error>) holding the whole failure report, and the client's
 * stderr in <system-err>. Text is made valid XML 1.0: invalid UTF-8 becomes
 * U+FFFD, control characters XML forbids become '?', markup is escaped. */
#include "report.h"
#include "lwc_fail.h"
#include "lwc_version.h"
#include "strbuf.h"
#include "utf8.h"

#include <stdlib.h>
#include <string.h>

static void xml_escape(strbuf *tb, const char *s)
{
    char *clean = lwcc_utf8_sanitize(s ? s : "", s ? strlen(s) : 0, 1, NULL);
    const char *p = clean ? clean : "";
    for (; *p; p++) {
        unsigned char c = (unsigned char)*p;
        switch (c) {
        case '&': lwcc_strbuf_puts(tb, "&amp;"); break;
        case '<': lwcc_strbuf_puts(tb, "&lt;"); break;
        case '>': lwcc_strbuf_puts(tb, "&gt;"); break;
        case '"': lwcc_strbuf_puts(tb, "&quot;"); break;
        case '\'': lwcc_strbuf_puts(tb, "&apos;"); break;
        default:
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
                lwcc_strbuf_puts(tb, "?");
            else
                lwcc_strbuf_append(tb, p, 1);
        }
    }
    free(clean);
}

void lwch_junit_open(strbuf *tb, double tests, double failures, double errors, double skipped, double time_s)
{
    lwcc_strbuf_puts(tb, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    lwcc_strbuf_printf(tb,
              "<testsuites name=\"lwc-harness\" tests=\"%.0f\" failures=\"%.0f\" errors=\"%.0f\" skipped=\"%.0f\" "
              "time=\"%.3f\">\n  <testsuite name=\"lwc-scenarios\" tests=\"%.0f\" failures=\"%.0f\" errors=\"%.0f\" "
              "skipped=\"%.0f\" time=\"%.3f\">",
              tests, failures, errors, skipped, time_s, tests, failures, errors, skipped, time_s);
}

int lwch_report_junit(const char *path, const scenario_result *res, size_t n, const run_summary *sum, char *err,
                 size_t errlen)
{
    strbuf tb;
    lwcc_strbuf_init(&tb);
    lwch_junit_open(&tb, (double)n, (double)sum->failed, (double)(sum->errors + sum->interrupted),
               (double)(sum->not_applicable + sum->not_run), sum->wall_ms / 1000.0);
    lwcc_strbuf_puts(&tb, "\n");
    lwcc_strbuf_puts(&tb, "    <properties><property name=\"client\" value=\"");
    xml_escape(&tb, sum->client);
    lwcc_strbuf_puts(&tb, "\"/><property name=\"lwc-version\" value=\"" LWC_VERSION "\"/>"
                 "<property name=\"lwc-commit\" value=\"" LWC_GIT_COMMIT "\"/></properties>\n");
    for (size_t i = 0; i < n; i++) {
        const scenario_result *r = &res[i];
        char name[160];
        if (r->repeat > 1)
            snprintf(name, sizeof name, "%s #%d", r->name ? r->name : "?", r->repeat);
        else
            snprintf(name, sizeof name, "%s", r->name ? r->name : "?");
        lwcc_strbuf_puts(&tb, "    <testcase classname=\"lwc.scenarios\" name=\"");
        xml_escape(&tb, name);
        lwcc_strbuf_puts(&tb, "\" file=\"");
        xml_escape(&tb, r->path);
        lwcc_strbuf_printf(&tb, "\" time=\"%.3f\"", r->total_ms / 1000.0);
        if (r->v == VERDICT_PASS) {
            lwcc_strbuf_puts(&tb, "/>\n");
            continue;
        }
        if (r->v == VERDICT_NA || r->v == VERDICT_NOT_RUN) {
            lwcc_strbuf_puts(&tb, ">\n      <skipped message=\"");
            xml_escape(&tb, r->v == VERDICT_NA ? (r->reason ? r->reason : "not applicable") : "not run: --max-failures reached");
            lwcc_strbuf_puts(&tb, "\"/>\n    </testcase>\n");
            continue;
        }
        lwcc_strbuf_puts(&tb, ">\n");
        char *text = lwch_report_failure_text(r);
        const char *tag = r->v == VERDICT_FAIL ? "failure" : "error";
        const char *type = r->v == VERDICT_FAIL && r->nfailures ? r->failures[0].check
                           : r->v == VERDICT_INTERRUPTED       ? "interrupted"
                                                               : "could-not-run";
        const char *msg = r->v == VERDICT_FAIL && r->nfailures ? r->failures[0].summary
                          : r->error                           ? r->error
                                                               : lwch_verdict_name(r->v);
        lwcc_strbuf_printf(&tb, "      <%s type=\"", tag);
        xml_escape(&tb, type);
        lwcc_strbuf_puts(&tb, "\" message=\"");
        xml_escape(&tb, msg);
        lwcc_strbuf_puts(&tb, "\">");
        xml_escape(&tb, text ? text : "(out of memory)");
        lwcc_strbuf_printf(&tb, "</%s>\n", tag);
        free(text);
        if (r->stderr_tail && *r->stderr_tail) {
            lwcc_strbuf_puts(&tb, "      <system-err>");
            xml_escape(&tb, r->stderr_tail);
            lwcc_strbuf_puts(&tb, "</system-err>\n");
        }
        lwcc_strbuf_puts(&tb, "    </testcase>\n");
    }
    lwcc_strbuf_puts(&tb, "  </testsuite>\n</testsuites>\n");
    if (tb.failed) {
        lwcc_strbuf_free(&tb);
        return lwc_fail(err, errlen, -1, "%s: out of memory", path);
    }
    int rc = lwc_write_file(path, tb.data, tb.len, err, errlen);
    lwcc_strbuf_free(&tb);
    return rc;
}
