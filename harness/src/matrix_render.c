/* lwc-matrix: writes the matrix as Markdown and as one self-contained HTML
 * page (inline CSS and JS, nothing fetched). Every string that came from a
 * report or a setup error is escaped here: client stderr can hold anything. */
#include "matrix.h"
#include "duration_text.h"
#include "strbuf.h"
#include "utf8.h"

#include <stdio.h>
#include <string.h>

#define REPLACEMENT "\xEF\xBF\xBD"
/* Matrix cells are narrow: seconds from one second on. */
#define MATRIX_SECONDS_FROM_MS 1000.0

/* Walks s: valid multi-byte sequences are copied, invalid bytes become
 * U+FFFD, ASCII goes through esc (which appends its own form of c). */
static void escape_with(strbuf *tb, const char *s, size_t n, void (*esc)(strbuf *, char))
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        size_t k = lwcc_utf8_seq(p + i, n - i);
        if (k == 0) {
            lwcc_strbuf_puts(tb, REPLACEMENT);
            i++;
        } else if (k == 1) {
            esc(tb, s[i]);
            i++;
        } else {
            lwcc_strbuf_append(tb, s + i, k);
            i += k;
        }
    }
}

static void html_char(strbuf *tb, char c)
{
    switch (c) {
    case '&': lwcc_strbuf_puts(tb, "&amp;"); return;
    case '<': lwcc_strbuf_puts(tb, "&lt;"); return;
    case '>': lwcc_strbuf_puts(tb, "&gt;"); return;
    case '"': lwcc_strbuf_puts(tb, "&quot;"); return;
    case '\'': lwcc_strbuf_puts(tb, "&#39;"); return;
    case '\n':
    case '\t': lwcc_strbuf_append(tb, &c, 1); return;
    case '\r': return;
    default:
        if ((unsigned char)c < 0x20 || c == 0x7F)
            lwcc_strbuf_puts(tb, REPLACEMENT);
        else
            lwcc_strbuf_append(tb, &c, 1);
    }
}

void lwch_mx_html_escape(strbuf *tb, const char *s, size_t n)
{
    escape_with(tb, s, n, html_char);
}

static void md_char(strbuf *tb, char c)
{
    switch (c) {
    case '&': lwcc_strbuf_puts(tb, "&amp;"); return;
    case '<': lwcc_strbuf_puts(tb, "&lt;"); return;
    case '>': lwcc_strbuf_puts(tb, "&gt;"); return;
    case '\n':
    case '\t':
    case '\r': lwcc_strbuf_puts(tb, " "); return;
    case '|':
    case '\\':
    case '`':
    case '*':
    case '_':
    case '[':
    case ']':
        lwcc_strbuf_puts(tb, "\\");
        lwcc_strbuf_append(tb, &c, 1);
        return;
    default:
        if ((unsigned char)c < 0x20 || c == 0x7F)
            lwcc_strbuf_puts(tb, REPLACEMENT);
        else
            lwcc_strbuf_append(tb, &c, 1);
    }
}

void lwch_mx_md_escape(strbuf *tb, const char *s, size_t n)
{
    escape_with(tb, s, n, md_char);
}

static void H(strbuf *tb, const char *s)
{
    if (s)
        lwch_mx_html_escape(tb, s, strlen(s));
}

static void MD(strbuf *tb, const char *s)
{
    if (s)
        lwch_mx_md_escape(tb, s, strlen(s));
}

/* The failed checks of a cell, "a, b". */
static void failed_checks(strbuf *tb, const mx_cell *c, void (*put)(strbuf *, const char *))
{
    for (size_t i = 0; i < c->nfailures; i++) {
        if (i)
            lwcc_strbuf_puts(tb, ", ");
        put(tb, c->failures[i].check ? c->failures[i].check : "?");
    }
}

/* Short forms of the check names for the narrow HTML cells. */
static const char *check_abbrev(const char *check)
{
    static const char *const map[][2] = {
        {"initial-state", "init"}, {"convergence", "conv"}, {"events", "evt"}, {"requests", "req"},
        {"protocol", "proto"},     {"exit", "exit"},        {"timeline", "tmln"},
    };
    for (size_t i = 0; check && i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(check, map[i][0]) == 0)
            return map[i][1];
    return check ? check : "?";
}

static const char *group_title(const char *g)
{
    if (strcmp(g, "reference") == 0)
        return "Reference watcher";
    if (strcmp(g, "bug") == 0)
        return "Reproduced client bugs (lwc-watch --bug)";
    if (strcmp(g, "adapter") == 0)
        return "Adapters";
    return g;
}

static const char *const EXPECT_NAME[] = {
    [MX_EXP_NONE] = "",          [MX_EXP_NOT_RUN] = "not run", [MX_EXP_NOT_CHECKED] = "not checked",
    [MX_EXP_DIFFERS] = "differs", [MX_EXP_MATCHES] = "matches",
};

/* Whether the row's expected verdicts differ or could not be judged. */
static int expect_bad(mx_expect st)
{
    return st == MX_EXP_NOT_CHECKED || st == MX_EXP_DIFFERS;
}

static size_t row_mismatches(const mx_client *c)
{
    if (c->mismatches)
        return c->mismatches;
    return c->summary_mismatches > 0 ? (size_t)c->summary_mismatches : 0;
}

/* ---------------------------------------------------------------- Markdown */

static void md_cell(strbuf *tb, const mx_cell *c)
{
    if (!c || c->kind == MX_NONE) {
        lwcc_strbuf_puts(tb, " ");
        return;
    }
    char t[32];
    switch (c->kind) {
    case MX_PASS:
        lwch_duration_text(t, sizeof(t), c->converge_ms, MATRIX_SECONDS_FROM_MS, " ");
        lwcc_strbuf_printf(tb, "PASS %s", t);
        break;
    case MX_FAIL:
        lwcc_strbuf_puts(tb, "FAIL ");
        failed_checks(tb, c, MD);
        break;
    case MX_OTHER: MD(tb, c->verdict); break;
    default: lwcc_strbuf_puts(tb, lwch_mx_kind_name(c->kind)); break;
    }
    if (c->has_expected && !c->exp_matched) {
        lwcc_strbuf_puts(tb, " ≠ expected ");
        MD(tb, c->exp_verdict ? c->exp_verdict : "?");
    } else if (c->has_expected && c->kind == MX_FAIL) {
        lwcc_strbuf_puts(tb, " (expected)");
    }
}

char *lwch_mx_render_markdown(const mx_matrix *m, const char *title, const char *generated)
{
    strbuf tb;
    lwcc_strbuf_init(&tb);
    lwcc_strbuf_puts(&tb, "# ");
    MD(&tb, title);
    lwcc_strbuf_puts(&tb, "\n\n");
    if (generated) {
        MD(&tb, generated);
        lwcc_strbuf_puts(&tb, "\n\n");
    }
    lwcc_strbuf_printf(&tb, "%zu clients × %zu scenarios.\n\n## Clients\n\n", m->nclients, m->nscenarios);
    lwcc_strbuf_puts(&tb, "| client | group | HELLO | capabilities | pass | fail | n/a | not run | error | expected verdicts |\n"
                 "|---|---|---|---|---:|---:|---:|---:|---:|---|\n");
    for (size_t i = 0; i < m->nclients; i++) {
        const mx_client *c = &m->clients[i];
        lwcc_strbuf_puts(&tb, "| ");
        MD(&tb, c->label);
        lwcc_strbuf_puts(&tb, " | ");
        MD(&tb, c->group);
        lwcc_strbuf_puts(&tb, " | ");
        if (c->unavailable) {
            lwcc_strbuf_puts(&tb, "**unavailable** | | | | | | | ");
        } else {
            if (c->hello_name) {
                MD(&tb, c->hello_name);
                lwcc_strbuf_printf(&tb, " (protocol %d)", c->protocol);
            } else {
                lwcc_strbuf_puts(&tb, "no HELLO");
            }
            lwcc_strbuf_puts(&tb, " | ");
            MD(&tb, c->capabilities);
            lwcc_strbuf_printf(&tb, " | %zu | %zu | %zu | %zu | %zu | ", c->count[MX_PASS], c->count[MX_FAIL], c->count[MX_NA],
                      c->count[MX_NOT_RUN], c->count[MX_ERROR] + c->count[MX_INTERRUPTED] + c->count[MX_OTHER]);
        }
        mx_expect st = lwch_mx_expect_state(c);
        if (st != MX_EXP_NONE) {
            if (st == MX_EXP_DIFFERS)
                lwcc_strbuf_printf(&tb, "**differs** (%zu) from ", row_mismatches(c));
            else if (expect_bad(st))
                lwcc_strbuf_printf(&tb, "**%s** ", EXPECT_NAME[st]);
            else
                lwcc_strbuf_printf(&tb, "%s ", EXPECT_NAME[st]);
            MD(&tb, c->expect_file ? c->expect_file : "the expected file");
        }
        lwcc_strbuf_puts(&tb, " |\n");
    }

    lwcc_strbuf_puts(&tb, "\n## Matrix\n\nOne row a scenario, one column a client: `PASS` with the time to converge, `FAIL` "
                 "with the failed checks, `N/A` (the client lacks a capability the scenario requires), `NOT RUN` "
                 "(`--max-failures` reached), `ERROR`; `≠ expected` where the verdict differs from the client's "
                 "expected-verdicts file, `(expected)` on a failure the file expects.\n\n| scenario |");
    for (size_t i = 0; i < m->nclients; i++) {
        lwcc_strbuf_puts(&tb, " ");
        MD(&tb, m->clients[i].label);
        lwcc_strbuf_puts(&tb, " |");
    }
    lwcc_strbuf_puts(&tb, "\n|---|");
    for (size_t i = 0; i < m->nclients; i++)
        lwcc_strbuf_puts(&tb, "---|");
    lwcc_strbuf_puts(&tb, "\n");
    for (size_t j = 0; j < m->nscenarios; j++) {
        lwcc_strbuf_puts(&tb, "| ");
        MD(&tb, m->scenarios[j]);
        lwcc_strbuf_puts(&tb, " |");
        for (size_t i = 0; i < m->nclients; i++) {
            lwcc_strbuf_puts(&tb, " ");
            if (m->clients[i].unavailable)
                lwcc_strbuf_puts(&tb, "unavailable");
            else
                md_cell(&tb, lwch_mx_find_cell(&m->clients[i], m->scenarios[j]));
            lwcc_strbuf_puts(&tb, " |");
        }
        lwcc_strbuf_puts(&tb, "\n");
    }

    int any = 0;
    for (size_t i = 0; i < m->nclients; i++) {
        const mx_client *c = &m->clients[i];
        if (!c->unavailable)
            continue;
        if (!any++)
            lwcc_strbuf_puts(&tb, "\n## Unavailable clients\n");
        lwcc_strbuf_puts(&tb, "\n**");
        MD(&tb, c->label);
        lwcc_strbuf_puts(&tb, "**:\n\n");
        /* Line by line as a quote: the text cannot close a code fence. */
        const char *p = c->unavailable;
        while (*p) {
            const char *nl = strchr(p, '\n');
            size_t l = nl ? (size_t)(nl - p) : strlen(p);
            lwcc_strbuf_puts(&tb, "> ");
            lwch_mx_md_escape(&tb, p, l);
            lwcc_strbuf_puts(&tb, "  \n");
            p += l + (nl ? 1 : 0);
        }
    }

    any = 0;
    for (size_t i = 0; i < m->nclients; i++) {
        const mx_client *c = &m->clients[i];
        for (size_t k = 0; k < c->ncells; k++) {
            const mx_cell *x = &c->cells[k];
            if (!x->has_expected || (x->exp_matched && x->kind != MX_FAIL))
                continue;
            if (!any++)
                lwcc_strbuf_puts(&tb, "\n## Expected failures and differences\n\n| client | scenario | expected | got | "
                             "matched | evidence |\n|---|---|---|---|---|---|\n");
            lwcc_strbuf_puts(&tb, "| ");
            MD(&tb, c->label);
            lwcc_strbuf_puts(&tb, " | ");
            MD(&tb, x->scenario);
            lwcc_strbuf_puts(&tb, " | ");
            MD(&tb, x->exp_verdict);
            if (x->exp_checks && *x->exp_checks) {
                lwcc_strbuf_puts(&tb, " ");
                MD(&tb, x->exp_checks);
            }
            lwcc_strbuf_puts(&tb, " | ");
            MD(&tb, x->verdict);
            if (x->nfailures) {
                lwcc_strbuf_puts(&tb, " ");
                failed_checks(&tb, x, MD);
            }
            lwcc_strbuf_puts(&tb, x->exp_matched ? " | yes | " : " | **no**");
            if (!x->exp_matched && x->exp_mismatch) {
                lwcc_strbuf_puts(&tb, ": ");
                MD(&tb, x->exp_mismatch);
            }
            if (!x->exp_matched)
                lwcc_strbuf_puts(&tb, " | ");
            MD(&tb, x->exp_evidence);
            lwcc_strbuf_puts(&tb, " |\n");
        }
    }

    any = 0;
    for (size_t i = 0; i < m->nclients; i++) {
        const mx_client *c = &m->clients[i];
        for (size_t k = 0; k < c->ncells; k++) {
            const mx_cell *x = &c->cells[k];
            if (x->kind != MX_NA)
                continue;
            if (!any++)
                lwcc_strbuf_puts(&tb, "\n## Not applicable\n\n| client | scenario | reason |\n|---|---|---|\n");
            lwcc_strbuf_puts(&tb, "| ");
            MD(&tb, c->label);
            lwcc_strbuf_puts(&tb, " | ");
            MD(&tb, x->scenario);
            lwcc_strbuf_puts(&tb, " | ");
            MD(&tb, x->reason ? x->reason : "(no reason given)");
            lwcc_strbuf_puts(&tb, " |\n");
        }
    }
    return lwcc_strbuf_take(&tb, NULL);
}

/* -------------------------------------------------------------------- HTML */

static const char CSS[] =
    "body{font-family:'DejaVu Sans',Arial,sans-serif;font-size:14px;margin:16px;color:#1d1d1f;background:#fff}"
    "h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:24px 0 8px}"
    ".gen{color:#555;margin:0 0 10px}"
    ".legend span{display:inline-block;padding:1px 7px;margin:0 6px 4px 0;border-radius:3px}"
    ".wrap{overflow:auto;max-height:85vh;border:1px solid #ccc}"
    "table.mx{border-collapse:separate;border-spacing:0}"
    "table.mx th,table.mx td{border-right:1px solid #e2e2e2;border-bottom:1px solid #e2e2e2;padding:2px 3px}"
    "table.mx thead th{position:sticky;top:0;background:#f4f4f6;z-index:2}"
    "th.sc{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap;font-weight:normal;"
    "font-size:12px;text-align:left;vertical-align:bottom;height:200px;width:26px;padding:2px 1px}"
    "th.cl{position:sticky;left:0;background:#fafafa;z-index:1;text-align:left;min-width:200px;max-width:260px;"
    "font-weight:normal}"
    "thead th.cl{z-index:3;vertical-align:bottom}"
    "th.cl b{font-size:14px}th.cl .sub{display:block;color:#555;font-size:11px;max-width:250px;white-space:nowrap;"
    "overflow:hidden;text-overflow:ellipsis}"
    "td.sum{font-size:12px;background:#fafafa;min-width:80px;max-width:120px}th.sumh{max-width:120px}"
    "tr.group th{background:#dde3ee;text-align:left;font-size:13px;white-space:normal}"
    "td.c{text-align:center;font-size:10px;line-height:1.15;min-width:28px;height:30px;padding:1px;white-space:nowrap}"
    "td.c a{color:inherit;text-decoration:none;display:block}"
    "td.c .v{font-size:15px;font-weight:bold;display:block}"
    ".pass{background:#d9f2d9;color:#135c13}.fail{background:#f7c6c3;color:#8a1009}"
    ".xfail{background:#fde7b8;color:#7a4b00}.error{background:#e3c7f0;color:#55116e}"
    ".na{background:#ececec;color:#666}.notrun{background:#f3f3f3;color:#888}.none{background:#fff}"
    "td.mismatch{outline:3px solid #c000c0;outline-offset:-3px}"
    "td.unavail{background:#fff3cd;color:#6b4a00;text-align:left;font-size:12px}"
    ".bad{color:#b00000;font-weight:bold}.ok{color:#136c13;font-weight:bold}"
    "details.rep{border:1px solid #ccc;border-radius:4px;margin:6px 0;padding:4px 8px;background:#fcfcfc}"
    "details.rep>summary{cursor:pointer;font-weight:bold}"
    "details.rep.hl{border:2px solid #1f5fbf;background:#f2f7ff}"
    "pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f4f4f4;padding:6px;margin:4px 0;font-size:12px}"
    ".meta{color:#444;font-size:12px}";

/* Opens the report a URL fragment (or a click on a cell) names, and marks it. */
static const char JS[] =
    "function lwcOpen(){var id=decodeURIComponent(location.hash.slice(1));if(!id)return;"
    "var el=document.getElementById(id);if(!el)return;"
    "document.querySelectorAll('details.hl').forEach(function(d){d.classList.remove('hl')});"
    "if(el.tagName==='DETAILS'){el.open=true;el.classList.add('hl');}el.scrollIntoView({block:'start'});}"
    "window.addEventListener('hashchange',lwcOpen);"
    "document.addEventListener('DOMContentLoaded',function(){lwcOpen();"
    "var b=document.getElementById('openall');if(b)b.addEventListener('click',function(){"
    "var all=document.querySelectorAll('details.rep'),o=b.dataset.open!=='1';"
    "all.forEach(function(d){d.open=o});b.dataset.open=o?'1':'0';"
    "b.textContent=o?'close every report':'open every report';});});";

static void html_cell(strbuf *tb, const mx_client *c, size_t row, size_t col, const char *scenario,
                      const mx_cell *x)
{
    const char *cls = "none";
    if (x) {
        switch (x->kind) {
        case MX_PASS: cls = "pass"; break;
        case MX_FAIL: cls = x->has_expected && x->exp_matched ? "xfail" : "fail"; break;
        case MX_ERROR:
        case MX_INTERRUPTED:
        case MX_OTHER: cls = "error"; break;
        case MX_NA: cls = "na"; break;
        case MX_NOT_RUN: cls = "notrun"; break;
        case MX_NONE: break;
        }
    }
    int mism = x && x->has_expected && !x->exp_matched;
    lwcc_strbuf_printf(tb, "<td class=\"c %s%s\" title=\"", cls, mism ? " mismatch" : "");
    H(tb, c->label);
    lwcc_strbuf_puts(tb, " × ");
    H(tb, scenario);
    lwcc_strbuf_puts(tb, ": ");
    if (!x || x->kind == MX_NONE) {
        lwcc_strbuf_puts(tb, "no run of this scenario in the report");
    } else {
        H(tb, x->kind == MX_OTHER ? x->verdict : lwch_mx_kind_name(x->kind));
        char t[32];
        if (x->kind == MX_PASS) {
            lwch_duration_text(t, sizeof(t), x->converge_ms, MATRIX_SECONDS_FROM_MS, " ");
            lwcc_strbuf_printf(tb, ", converged in %s", t);
        }
        if (x->nfailures) {
            lwcc_strbuf_puts(tb, " (");
            failed_checks(tb, x, H);
            lwcc_strbuf_puts(tb, ")");
        }
        if (x->kind == MX_NA && x->reason) {
            lwcc_strbuf_puts(tb, ": ");
            H(tb, x->reason);
        }
        if (x->kind == MX_NOT_RUN)
            lwcc_strbuf_puts(tb, ": --max-failures was reached first");
        if (x->runs > 1)
            lwcc_strbuf_printf(tb, "; worst of %d runs", x->runs);
        if (x->has_expected) {
            lwcc_strbuf_puts(tb, x->exp_matched ? "; as expected" : "; DIFFERS from the expected ");
            if (!x->exp_matched)
                H(tb, x->exp_verdict);
        }
    }
    lwcc_strbuf_puts(tb, "\">");
    int link = lwch_mx_cell_has_report(x);
    if (link)
        lwcc_strbuf_printf(tb, "<a href=\"#r-%zu-%zu\">", row, col);
    if (x) {
        char t[32];
        switch (x->kind) {
        case MX_PASS:
            lwch_duration_text(t, sizeof(t), x->converge_ms, MATRIX_SECONDS_FROM_MS, ""); /* narrow cells: "12ms" */
            lwcc_strbuf_puts(tb, "<span class=\"v\">✓</span>");
            if (x->converge_ms >= 0)
                lwcc_strbuf_puts(tb, t);
            break;
        case MX_FAIL:
            lwcc_strbuf_puts(tb, "<span class=\"v\">✗</span>");
            /* One check a line keeps the columns narrow. */
            for (size_t i = 0; i < x->nfailures && i < 2; i++) {
                if (i)
                    lwcc_strbuf_puts(tb, "<br>");
                H(tb, check_abbrev(x->failures[i].check));
            }
            if (x->nfailures > 2)
                lwcc_strbuf_puts(tb, "+");
            break;
        case MX_ERROR:
        case MX_INTERRUPTED:
        case MX_OTHER: lwcc_strbuf_puts(tb, "<span class=\"v\">!</span>"); break;
        case MX_NA: lwcc_strbuf_puts(tb, "n/a"); break;
        case MX_NOT_RUN: lwcc_strbuf_puts(tb, "–"); break;
        case MX_NONE: break;
        }
        if (mism)
            lwcc_strbuf_puts(tb, " ≠");
    }
    if (link)
        lwcc_strbuf_puts(tb, "</a>");
    lwcc_strbuf_puts(tb, "</td>");
}

static void html_pre(strbuf *tb, const char *label, const char *text)
{
    lwcc_strbuf_puts(tb, "<div class=\"meta\">");
    H(tb, label);
    lwcc_strbuf_puts(tb, "</div><pre>");
    if (text && *text)
        H(tb, text);
    else
        lwcc_strbuf_puts(tb, "(empty)");
    lwcc_strbuf_puts(tb, "</pre>");
}

static void html_report(strbuf *tb, const mx_client *c, size_t row, size_t col, const mx_cell *x)
{
    lwcc_strbuf_printf(tb, "<details class=\"rep\" id=\"r-%zu-%zu\"><summary>", row, col);
    H(tb, c->label);
    lwcc_strbuf_puts(tb, " × ");
    H(tb, x->scenario);
    lwcc_strbuf_puts(tb, " — ");
    H(tb, x->kind == MX_OTHER ? x->verdict : lwch_mx_kind_name(x->kind));
    if (x->nfailures) {
        lwcc_strbuf_puts(tb, ": ");
        failed_checks(tb, x, H);
    }
    if (x->has_expected)
        lwcc_strbuf_puts(tb, x->exp_matched ? " (as expected)" : " (DIFFERS from the expected verdict)");
    lwcc_strbuf_puts(tb, "</summary>");
    char t1[32], t2[32];
    lwch_duration_text(t1, sizeof(t1), x->total_ms, MATRIX_SECONDS_FROM_MS, " ");
    lwch_duration_text(t2, sizeof(t2), x->converge_ms, MATRIX_SECONDS_FROM_MS, " ");
    lwcc_strbuf_printf(tb, "<p class=\"meta\">total %s, %s%s", t1, x->converge_ms < 0 ? "no final convergence" : "converged in ",
                       x->converge_ms < 0 ? "" : t2);
    if (x->runs > 1)
        lwcc_strbuf_printf(tb, "; the worst of %d runs", x->runs);
    if (c->command) {
        lwcc_strbuf_puts(tb, "; client <code>");
        H(tb, c->command);
        lwcc_strbuf_puts(tb, "</code>");
    }
    lwcc_strbuf_puts(tb, "</p>");
    if (x->has_expected) {
        lwcc_strbuf_printf(tb, "<p class=\"%s\">expected: ", x->exp_matched ? "ok" : "bad");
        H(tb, x->exp_verdict ? x->exp_verdict : "?");
        if (x->exp_checks && *x->exp_checks) {
            lwcc_strbuf_puts(tb, " ");
            H(tb, x->exp_checks);
        }
        lwcc_strbuf_puts(tb, x->exp_matched ? " — matched" : " — got ");
        if (!x->exp_matched)
            H(tb, x->verdict);
        lwcc_strbuf_puts(tb, "</p>");
        if (!x->exp_matched && x->exp_mismatch) {
            lwcc_strbuf_puts(tb, "<p class=\"bad\">");
            H(tb, x->exp_mismatch);
            lwcc_strbuf_puts(tb, "</p>");
        }
        if (x->exp_evidence && *x->exp_evidence)
            html_pre(tb, "evidence (from the expected-verdicts file)", x->exp_evidence);
    }
    if (x->kind == MX_NA) {
        lwcc_strbuf_puts(tb, "<p>not applicable: ");
        H(tb, x->reason ? x->reason : "(no reason given)");
        lwcc_strbuf_puts(tb, "</p>");
    }
    if (x->error)
        html_pre(tb, "harness error", x->error);
    for (size_t i = 0; i < x->nfailures; i++) {
        const mx_failure *f = &x->failures[i];
        lwcc_strbuf_puts(tb, "<p><b>[");
        H(tb, f->check ? f->check : "?");
        lwcc_strbuf_puts(tb, "]</b> ");
        H(tb, f->summary);
        lwcc_strbuf_puts(tb, "</p>");
        if (f->detail && *f->detail) {
            lwcc_strbuf_puts(tb, "<pre>");
            H(tb, f->detail);
            lwcc_strbuf_puts(tb, "</pre>");
        }
    }
    if (x->kind != MX_PASS && x->kind != MX_NA) {
        if (x->notes)
            html_pre(tb, "notes (server time)", x->notes);
        if (x->stderr_tail)
            html_pre(tb, "client stderr (tail)", x->stderr_tail);
    }
    lwcc_strbuf_puts(tb, "</details>\n");
}

static void html_row_header(strbuf *tb, const mx_client *c, size_t row)
{
    lwcc_strbuf_puts(tb, "<th class=\"cl\" scope=\"row\"><b>");
    H(tb, c->label);
    lwcc_strbuf_puts(tb, "</b>");
    /* One line each, cut with an ellipsis; the whole text in the tooltip. */
    if (c->unavailable) {
        lwcc_strbuf_puts(tb, "<span class=\"sub\">unavailable</span>");
    } else if (c->hello_name) {
        lwcc_strbuf_puts(tb, "<span class=\"sub\" title=\"");
        H(tb, c->hello_name);
        lwcc_strbuf_printf(tb, ", protocol %d\">", c->protocol);
        H(tb, c->hello_name);
        lwcc_strbuf_printf(tb, " · protocol %d</span>", c->protocol);
        if (c->capabilities) {
            const char *caps = *c->capabilities ? c->capabilities : "no capabilities";
            lwcc_strbuf_puts(tb, "<span class=\"sub\" title=\"");
            H(tb, caps);
            lwcc_strbuf_puts(tb, "\">");
            H(tb, caps);
            lwcc_strbuf_puts(tb, "</span>");
        }
    } else {
        lwcc_strbuf_puts(tb, "<span class=\"sub\">no HELLO (protocol 1)</span>");
    }
    lwcc_strbuf_puts(tb, "</th><td class=\"sum\">");
    if (!c->unavailable) {
        lwcc_strbuf_printf(tb, "<span class=\"ok\">%zu</span> / <span class=\"bad\">%zu</span>", c->count[MX_PASS],
                           c->count[MX_FAIL]);
        if (c->count[MX_NA])
            lwcc_strbuf_printf(tb, " / %zu n/a", c->count[MX_NA]);
        if (c->count[MX_NOT_RUN])
            lwcc_strbuf_printf(tb, " / %zu not run", c->count[MX_NOT_RUN]);
        size_t errs = c->count[MX_ERROR] + c->count[MX_INTERRUPTED] + c->count[MX_OTHER];
        if (errs)
            lwcc_strbuf_printf(tb, " / %zu error", errs);
    }
    mx_expect st = lwch_mx_expect_state(c);
    if (st != MX_EXP_NONE) {
        lwcc_strbuf_printf(tb, "<br><a href=\"#x-%zu\" class=\"%s\">", row, expect_bad(st) ? "bad" : "ok");
        if (st == MX_EXP_DIFFERS)
            lwcc_strbuf_printf(tb, "%zu differ from expected", row_mismatches(c));
        else if (st == MX_EXP_MATCHES)
            lwcc_strbuf_puts(tb, "matches expected");
        else
            lwcc_strbuf_printf(tb, "expected: %s", EXPECT_NAME[st]);
        lwcc_strbuf_puts(tb, "</a>");
    }
    lwcc_strbuf_puts(tb, "</td>");
}

/* The adapter's expected-verdicts block: the file, the verdict, each
 * difference and each expected failure with its evidence. */
static void html_expect_block(strbuf *tb, const mx_client *c, size_t row)
{
    mx_expect st = lwch_mx_expect_state(c);
    if (st == MX_EXP_NONE)
        return;
    lwcc_strbuf_printf(tb, "<details class=\"rep\" id=\"x-%zu\"><summary>", row);
    H(tb, c->label);
    lwcc_strbuf_puts(tb, " — expected verdicts: ");
    lwcc_strbuf_printf(tb, "<span class=\"%s\">%s</span></summary><p class=\"meta\">file ",
                       expect_bad(st) ? "bad" : "ok", EXPECT_NAME[st]);
    H(tb, c->expect_file ? c->expect_file : "(given to the harness)");
    if (c->note) {
        lwcc_strbuf_puts(tb, "; ");
        H(tb, c->note);
    }
    lwcc_strbuf_puts(tb, "</p><ul>");
    for (size_t k = 0; k < c->ncells; k++) {
        const mx_cell *x = &c->cells[k];
        if (!x->has_expected || (x->exp_matched && x->kind != MX_FAIL))
            continue;
        lwcc_strbuf_printf(tb, "<li class=\"%s\">", x->exp_matched ? "" : "bad");
        H(tb, x->scenario);
        lwcc_strbuf_puts(tb, ": expected ");
        H(tb, x->exp_verdict);
        if (x->exp_checks && *x->exp_checks) {
            lwcc_strbuf_puts(tb, " ");
            H(tb, x->exp_checks);
        }
        lwcc_strbuf_puts(tb, ", got ");
        H(tb, x->verdict);
        if (x->nfailures) {
            lwcc_strbuf_puts(tb, " ");
            failed_checks(tb, x, H);
        }
        if (!x->exp_matched && x->exp_mismatch) {
            lwcc_strbuf_puts(tb, " (");
            H(tb, x->exp_mismatch);
            lwcc_strbuf_puts(tb, ")");
        }
        if (x->exp_evidence && *x->exp_evidence) {
            lwcc_strbuf_puts(tb, " — <i>");
            H(tb, x->exp_evidence);
            lwcc_strbuf_puts(tb, "</i>");
        }
        lwcc_strbuf_puts(tb, "</li>");
    }
    lwcc_strbuf_puts(tb, "</ul></details>\n");
}

char *lwch_mx_render_html(const mx_matrix *m, const char *title, const char *generated)
{
    strbuf tb;
    lwcc_strbuf_init(&tb);
    lwcc_strbuf_puts(&tb, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                 "<meta name=\"viewport\" content=\"width=device-width\"><title>");
    H(&tb, title);
    lwcc_strbuf_printf(&tb, "</title><style>%s</style><script>%s</script></head>\n<body>\n<h1>", CSS, JS);
    H(&tb, title);
    lwcc_strbuf_puts(&tb, "</h1>");
    if (generated) {
        lwcc_strbuf_puts(&tb, "<p class=\"gen\">");
        H(&tb, generated);
        lwcc_strbuf_puts(&tb, "</p>");
    }
    size_t unavailable = 0, differ = 0, unchecked = 0;
    for (size_t i = 0; i < m->nclients; i++) {
        mx_expect st = lwch_mx_expect_state(&m->clients[i]);
        unavailable += m->clients[i].unavailable != NULL;
        differ += st == MX_EXP_DIFFERS;
        unchecked += st == MX_EXP_NOT_CHECKED;
    }
    lwcc_strbuf_printf(&tb,
                       "<p>%zu clients × %zu scenarios; %zu unavailable; %zu whose run differs from their expected "
                       "verdicts",
                       m->nclients, m->nscenarios, unavailable, differ);
    if (unchecked)
        lwcc_strbuf_printf(&tb, ", %zu whose expected verdicts were not checked", unchecked);
    lwcc_strbuf_puts(&tb, ". Click a coloured cell for its report.</p>\n");
    lwcc_strbuf_puts(&tb, "<p class=\"legend\"><span class=\"pass\">✓ pass (time to converge)</span>"
                 "<span class=\"fail\">✗ fail (failed checks)</span><span class=\"xfail\">✗ expected failure</span>"
                 "<span class=\"error\">! harness error</span><span class=\"na\">n/a not applicable</span>"
                 "<span class=\"notrun\">– not run</span><span style=\"outline:3px solid #c000c0\">≠ differs "
                 "from the expected verdict</span> <button id=\"openall\" type=\"button\">open every report</button>"
                 "</p>\n");
    lwcc_strbuf_puts(&tb, "<div class=\"wrap\"><table class=\"mx\" id=\"matrix\"><thead><tr><th class=\"cl\">client</th>"
                 "<th class=\"sumh\">pass / fail</th>");
    for (size_t j = 0; j < m->nscenarios; j++) {
        lwcc_strbuf_printf(&tb, "<th class=\"sc\" scope=\"col\" id=\"s-%zu\">", j);
        H(&tb, m->scenarios[j]);
        lwcc_strbuf_puts(&tb, "</th>");
    }
    lwcc_strbuf_puts(&tb, "</tr></thead>\n<tbody>\n");
    const char *group = NULL;
    for (size_t i = 0; i < m->nclients; i++) {
        const mx_client *c = &m->clients[i];
        if (!group || strcmp(group, c->group) != 0) {
            group = c->group;
            if (*group) {
                lwcc_strbuf_printf(&tb, "<tr class=\"group\"><th colspan=\"%zu\">", m->nscenarios + 2);
                H(&tb, group_title(group));
                lwcc_strbuf_puts(&tb, "</th></tr>\n");
            }
        }
        lwcc_strbuf_printf(&tb, "<tr class=\"client\" id=\"c-%zu\">", i);
        html_row_header(&tb, c, i);
        if (c->unavailable) {
            lwcc_strbuf_printf(&tb, "<td class=\"unavail\" colspan=\"%zu\"><details class=\"rep\" id=\"u-%zu\"><summary>",
                               m->nscenarios ? m->nscenarios : 1, i);
            const char *nl = strchr(c->unavailable, '\n');
            lwcc_strbuf_puts(&tb, "unavailable: ");
            lwch_mx_html_escape(&tb, c->unavailable, nl ? (size_t)(nl - c->unavailable) : strlen(c->unavailable));
            lwcc_strbuf_puts(&tb, "</summary><pre>");
            H(&tb, c->unavailable);
            lwcc_strbuf_puts(&tb, "</pre></details></td>");
        } else {
            for (size_t j = 0; j < m->nscenarios; j++)
                html_cell(&tb, c, i, j, m->scenarios[j], lwch_mx_find_cell(c, m->scenarios[j]));
        }
        lwcc_strbuf_puts(&tb, "</tr>\n");
    }
    lwcc_strbuf_puts(&tb, "</tbody></table></div>\n<h2>Reports</h2>\n");
    for (size_t i = 0; i < m->nclients; i++)
        html_expect_block(&tb, &m->clients[i], i);
    for (size_t i = 0; i < m->nclients; i++) {
        const mx_client *c = &m->clients[i];
        for (size_t j = 0; j < m->nscenarios && !c->unavailable; j++) {
            const mx_cell *x = lwch_mx_find_cell(c, m->scenarios[j]);
            if (lwch_mx_cell_has_report(x))
                html_report(&tb, c, i, j, x);
        }
    }
    lwcc_strbuf_puts(&tb, "</body></html>\n");
    return lwcc_strbuf_take(&tb, NULL);
}
