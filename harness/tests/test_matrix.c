/* Unit tests (Check) for lwc-matrix: escaping, cells from reports old and
 * new, repeated runs, manifests, unavailable rows, and reports that are not
 * reports (a clear error naming the file, never a crash). */
#include "matrix.h"
#include "strbuf.h"
#include "utf8.h"

#include "check_main.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef LWC_MATRIX_FIXTURES
#error "LWC_MATRIX_FIXTURES must name harness/tests/matrix/fixtures"
#endif
#ifndef LWC_TEST_TMP
#error "LWC_TEST_TMP must name a scratch directory"
#endif

static char *html_of(const char *s, size_t n)
{
    strbuf tb;
    lwcc_strbuf_init(&tb);
    lwch_mx_html_escape(&tb, s, n);
    return lwcc_strbuf_take(&tb, NULL);
}

static char *md_of(const char *s)
{
    strbuf tb;
    lwcc_strbuf_init(&tb);
    lwch_mx_md_escape(&tb, s, strlen(s));
    return lwcc_strbuf_take(&tb, NULL);
}

/* Whether s (NUL-terminated) is valid UTF-8 with no control character but
 * tab and newline. */
static int clean_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        size_t k = lwcc_utf8_seq(p + i, n - i);
        if (k == 0)
            return 0;
        if (k == 1 && ((p[i] < 0x20 && p[i] != '\n' && p[i] != '\t') || p[i] == 0x7F))
            return 0;
        i += k;
    }
    return 1;
}

static void write_file(const char *path, const char *text, size_t n)
{
    char err[1024];
    ck_assert_msg(lwc_write_file(path, text, n, err, sizeof err) == 0, "%s", err);
}

static const char *tmp_path(const char *name)
{
    static char buf[8][1024];
    static int k;
    char *b = buf[k++ % 8];
    snprintf(b, 1024, "%s/matrix-%d-%s", LWC_TEST_TMP, (int)getpid(), name);
    return b;
}

START_TEST(html_escape_markup_and_bytes)
{
    static const char in[] = "<script>alert('x')</script> & \"q\"";
    char *out = html_of(in, strlen(in));
    ck_assert_ptr_nonnull(out);
    ck_assert_str_eq(out, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;");
    free(out);

    /* Invalid UTF-8 (a lone byte, an overlong '/', a cut sequence), a NUL,
     * an escape character; valid multi-byte characters stay. */
    static const char bad[] = "a\xff"
                              "b\xc0\xaf"
                              "c\x00"
                              "d\x1b[31m é ✓ \xe2\x82";
    out = html_of(bad, sizeof(bad) - 1);
    ck_assert_ptr_nonnull(out);
    ck_assert(clean_utf8(out));
    ck_assert_str_eq(out, "a\xEF\xBF\xBD"
                          "b\xEF\xBF\xBD\xEF\xBF\xBD"
                          "c\xEF\xBF\xBD"
                          "d\xEF\xBF\xBD[31m é ✓ \xEF\xBF\xBD\xEF\xBF\xBD");
    free(out);

    /* Newlines and tabs stay (they matter in <pre>), CR goes. */
    out = html_of("a\r\n\tb", 5);
    ck_assert_str_eq(out, "a\n\tb");
    free(out);
}
END_TEST

START_TEST(md_escape_one_cell)
{
    char *out = md_of("a|b\nc *d* _e_ [f](g) <img> `h` \\");
    ck_assert_ptr_nonnull(out);
    ck_assert_str_eq(out, "a\\|b c \\*d\\* \\_e\\_ \\[f\\](g) &lt;img&gt; \\`h\\` \\\\");
    free(out);
    out = md_of("x\xff\x01y");
    ck_assert_str_eq(out, "x\xEF\xBF\xBD\xEF\xBF\xBDy");
    free(out);
}
END_TEST

START_TEST(cells_from_new_report)
{
    mx_matrix m;
    lwch_mx_init(&m);
    char err[1024] = "";
    int rc = lwch_mx_add_report(&m, "fake", "adapter", NULL, "x/expected.txt", NULL, LWC_MATRIX_FIXTURES "/v2-report.json",
                           err, sizeof(err));
    ck_assert_msg(rc == 0, "%s", err);
    ck_assert_uint_eq(m.nclients, 1);
    ck_assert_uint_eq(m.nscenarios, 6);
    const mx_client *c = &m.clients[0];
    ck_assert_str_eq(c->hello_name, "fake-informer 1.2.3");
    ck_assert_int_eq(c->protocol, 2);
    ck_assert_str_eq(c->capabilities, "rewatch, relist, retry");
    ck_assert_str_eq(c->command, "fake-informer --flag"); /* from the report: none given */
    ck_assert_uint_eq(c->count[MX_PASS], 1);
    ck_assert_uint_eq(c->count[MX_FAIL], 2);
    ck_assert_uint_eq(c->count[MX_NA], 1);
    ck_assert_uint_eq(c->count[MX_NOT_RUN], 1);
    ck_assert_uint_eq(c->count[MX_ERROR], 1);
    ck_assert_uint_eq(c->expected_seen, 4);
    ck_assert_uint_eq(c->mismatches, 1);

    const mx_cell *pass = lwch_mx_find_cell(c, "one-page");
    ck_assert_ptr_nonnull(pass);
    ck_assert_int_eq(pass->kind, MX_PASS);
    ck_assert_double_eq_tol(pass->converge_ms, 12.4, 1e-9);
    ck_assert(!lwch_mx_cell_has_report(pass));

    const mx_cell *xfail = lwch_mx_find_cell(c, "stalled-connection");
    ck_assert_int_eq(xfail->kind, MX_FAIL);
    ck_assert_double_eq(xfail->converge_ms, -1); /* null */
    ck_assert_uint_eq(xfail->nfailures, 1);
    ck_assert_str_eq(xfail->failures[0].check, "convergence");
    ck_assert_str_eq(xfail->exp_checks, "convergence");
    ck_assert(xfail->exp_matched);
    ck_assert(lwch_mx_cell_has_report(xfail));

    const mx_cell *na = lwch_mx_find_cell(c, "streaming-list-served");
    ck_assert_int_eq(na->kind, MX_NA);
    ck_assert_str_eq(na->reason, "requires watchList; the client declares rewatch, relist, retry");
    ck_assert(lwch_mx_cell_has_report(na));

    const mx_cell *mism = lwch_mx_find_cell(c, "5xx-storm");
    ck_assert(mism->has_expected && !mism->exp_matched);
    ck_assert_int_eq(lwch_mx_find_cell(c, "zz-not-run")->kind, MX_NOT_RUN);
    ck_assert(!lwch_mx_cell_has_report(lwch_mx_find_cell(c, "zz-not-run")));
    ck_assert_int_eq(lwch_mx_find_cell(c, "garbage-line")->kind, MX_ERROR);
    ck_assert_ptr_null(lwch_mx_find_cell(c, "no-such-scenario"));

    char *html = lwch_mx_render_html(&m, "t", "gen <b>");
    ck_assert_ptr_nonnull(html);
    ck_assert(clean_utf8(html));
    /* Columns in report order; the failing cells link to their reports. */
    ck_assert_ptr_nonnull(strstr(html, "id=\"s-0\">one-page</th>"));
    ck_assert_ptr_nonnull(strstr(html, "<a href=\"#r-0-1\">"));
    ck_assert_ptr_nonnull(strstr(html, "<details class=\"rep\" id=\"r-0-1\">"));
    ck_assert_ptr_null(strstr(html, "id=\"r-0-0\"")); /* a pass has no report */
    ck_assert_ptr_nonnull(strstr(html, "td class=\"c xfail\""));
    ck_assert_ptr_nonnull(strstr(html, "<span class=\"v\">✓</span>12ms</td>")); /* narrow: no space */
    ck_assert_ptr_nonnull(strstr(html, "td class=\"c fail mismatch\""));
    ck_assert_ptr_nonnull(strstr(html, "requires watchList; the client declares rewatch, relist, retry"));
    ck_assert_ptr_nonnull(strstr(html, "watch.py:160 waits forever on a silent socket"));
    ck_assert_ptr_nonnull(strstr(html, "1 differ from expected"));
    ck_assert_ptr_nonnull(strstr(html, "<p class=\"bad\">expected pass, got FAIL (requests)</p>"));
    /* The client's stderr is text, not markup. */
    ck_assert_ptr_null(strstr(html, "<script>document"));
    ck_assert_ptr_null(strstr(html, "<img src"));
    ck_assert_ptr_nonnull(strstr(html, "&lt;/pre&gt;&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;"));
    ck_assert_ptr_nonnull(strstr(html, "gen &lt;b&gt;"));
    free(html);

    char *md = lwch_mx_render_markdown(&m, "t", NULL);
    ck_assert_ptr_nonnull(md);
    ck_assert_ptr_nonnull(strstr(md, "| one-page | PASS 12 ms |"));
    ck_assert_ptr_nonnull(strstr(md, "| stalled-connection | FAIL convergence (expected) |"));
    ck_assert_ptr_nonnull(strstr(md, "| 5xx-storm | FAIL requests ≠ expected pass |"));
    ck_assert_ptr_nonnull(strstr(md, "| streaming-list-served | N/A |"));
    ck_assert_ptr_nonnull(strstr(md, "| zz-not-run | NOT RUN |"));
    ck_assert_ptr_nonnull(strstr(md, "**differs** (1) from x/expected.txt"));
    ck_assert_ptr_nonnull(strstr(md, "| 5xx-storm | pass | FAIL requests | **no**: expected pass, got FAIL (requests) |"));
    ck_assert_ptr_nonnull(strstr(md, "| fake | streaming-list-served | requires watchList;"));
    free(md);
    lwch_mx_free(&m);
}
END_TEST

START_TEST(old_report_without_new_fields)
{
    /* No clientInfo, no N/A, no expected, cells without failures or times;
     * one-page ran twice (--repeat) and the worse run wins. */
    mx_matrix m;
    lwch_mx_init(&m);
    char err[1024] = "";
    ck_assert_msg(lwch_mx_add_report(&m, "old", NULL, NULL, NULL, NULL, LWC_MATRIX_FIXTURES "/v1-report.json", err,
                                sizeof(err)) == 0,
                  "%s", err);
    ck_assert_msg(lwch_mx_add_report(&m, "new", NULL, NULL, NULL, NULL, LWC_MATRIX_FIXTURES "/v2-report.json", err,
                                sizeof(err)) == 0,
                  "%s", err);
    const mx_client *c = &m.clients[0];
    ck_assert_ptr_null(c->hello_name);
    ck_assert_int_eq(c->summary_mismatches, -1);
    ck_assert_uint_eq(c->ncells, 2);
    const mx_cell *op = lwch_mx_find_cell(c, "one-page");
    ck_assert_int_eq(op->kind, MX_FAIL);
    ck_assert_int_eq(op->runs, 2);
    ck_assert_str_eq(op->stderr_tail, "second run");
    ck_assert_double_eq(op->converge_ms, -1);
    ck_assert_ptr_null(op->notes);
    /* Columns: the union, first seen first. */
    ck_assert_uint_eq(m.nscenarios, 7);
    ck_assert_str_eq(m.scenarios[0], "one-page");
    ck_assert_str_eq(m.scenarios[1], "extra-scenario");
    ck_assert_str_eq(m.scenarios[2], "stalled-connection");

    char *html = lwch_mx_render_html(&m, "t", NULL);
    ck_assert_ptr_nonnull(html);
    ck_assert_ptr_nonnull(strstr(html, "no HELLO (protocol 1)"));
    ck_assert_ptr_nonnull(strstr(html, "worst of 2 runs"));
    /* The old client has no run of stalled-connection: an empty cell. */
    ck_assert_ptr_nonnull(strstr(html, "old × stalled-connection: no run of this scenario in the report"));
    free(html);
    char *md = lwch_mx_render_markdown(&m, "t", NULL);
    ck_assert_ptr_nonnull(md);
    ck_assert_ptr_nonnull(strstr(md, "| extra-scenario | FAIL initial-state |   |"));
    free(md);
    lwch_mx_free(&m);
}
END_TEST

static void expect_error(const char *name, const char *text, size_t n, const char *what)
{
    const char *path = tmp_path(name);
    write_file(path, text, n);
    mx_matrix m;
    lwch_mx_init(&m);
    char err[1024] = "";
    ck_assert_int_eq(lwch_mx_add_report(&m, "x", NULL, NULL, NULL, NULL, path, err, sizeof(err)), -1);
    ck_assert_msg(strncmp(err, path, strlen(path)) == 0, "the error names the file: %s", err);
    ck_assert_msg(strstr(err, what) != NULL, "\"%s\" in: %s", what, err);
    ck_assert_uint_eq(m.nclients, 0);
    lwch_mx_free(&m);
    unlink(path);
}

START_TEST(malformed_reports)
{
    expect_error("empty.json", "", 0, "not valid JSON (line 1, byte 0): the file is empty");
    expect_error("trunc.json", "{\"scenarios\": [\n {\"name\": \"a\", \"verd", 36, "not valid JSON (line 2");
    expect_error("binary.json", "\x89PNG\r\n\x1a\n\0\0", 10, "not valid JSON");
    expect_error("array.json", "[1,2]", 5, "the document is not an object");
    expect_error("noscen.json", "{\"summary\": {}}", 15, "no \"scenarios\" array");
    expect_error("scenstr.json", "{\"scenarios\": \"all\"}", 20, "no \"scenarios\" array");
    static const char noname[] = "{\"scenarios\": [{\"name\": \"a\", \"verdict\": \"PASS\"}, {\"verdict\": \"FAIL\"}]}";
    expect_error("noname.json", noname, sizeof(noname) - 1, "scenarios[1]: not an object with \"name\" and \"verdict\"");
    static const char numverdict[] = "{\"scenarios\": [{\"name\": \"a\", \"verdict\": 3}]}";
    expect_error("numverdict.json", numverdict, sizeof(numverdict) - 1, "scenarios[0]");

    mx_matrix m;
    lwch_mx_init(&m);
    char err[1024] = "";
    ck_assert_int_eq(lwch_mx_add_report(&m, "x", NULL, NULL, NULL, NULL, "/nonexistent/r.json", err, sizeof(err)), -1);
    ck_assert_str_eq(err, "/nonexistent/r.json: No such file or directory");
    lwch_mx_free(&m);
}
END_TEST

START_TEST(wrong_types_are_absent_fields)
{
    /* Fields of the wrong type are taken as absent, not trusted. */
    static const char doc[] = "{\"clientInfo\": {\"name\": 7, \"capabilities\": \"bookmarks\"}, \"summary\": [],"
                              "\"scenarios\": [{\"name\": \"a\", \"verdict\": \"fail\", \"convergeMs\": \"soon\","
                              "\"failures\": [3, {\"check\": [1]}], \"expected\": {\"checks\": 5}}]}";
    const char *path = tmp_path("types.json");
    write_file(path, doc, sizeof(doc) - 1);
    mx_matrix m;
    lwch_mx_init(&m);
    char err[1024] = "";
    ck_assert_msg(lwch_mx_add_report(&m, "t", NULL, NULL, NULL, NULL, path, err, sizeof(err)) == 0, "%s", err);
    const mx_client *c = &m.clients[0];
    ck_assert_ptr_null(c->hello_name);
    ck_assert_str_eq(c->capabilities, "bookmarks");
    const mx_cell *x = lwch_mx_find_cell(c, "a");
    ck_assert_int_eq(x->kind, MX_FAIL); /* verdict names are not case-sensitive */
    ck_assert_double_eq(x->converge_ms, -1);
    ck_assert_uint_eq(x->nfailures, 1);
    ck_assert_ptr_null(x->failures[0].check);
    ck_assert(x->has_expected && x->exp_matched && !x->exp_checks);
    char *html = lwch_mx_render_html(&m, "t", NULL);
    ck_assert_ptr_nonnull(html);
    free(html);
    char *md = lwch_mx_render_markdown(&m, "t", NULL);
    ck_assert_ptr_nonnull(md);
    ck_assert_ptr_nonnull(strstr(md, "| a | FAIL ? (expected) |"));
    free(md);
    lwch_mx_free(&m);
    unlink(path);
}
END_TEST

START_TEST(manifest_rows)
{
    const char *errfile = tmp_path("setup-err.txt");
    static const char hostile[] = "cannot build <b>x</b>\n\xff\xfe line two\x1b[0m\n";
    write_file(errfile, hostile, sizeof(hostile) - 1);
    const char *emptyerr = tmp_path("empty-err.txt");
    write_file(emptyerr, "", 0);
    char text[4096];
    snprintf(text, sizeof(text),
             "# label group command expect report error note\n"
             "\n"
             "ok\treference\tlwc-watch\t\t%s\t%s\tall good\r\n"
             "broken\tadapter\t\t\t\t%s\n"
             "noreport\tadapter\tcmd\texp.txt\t\t\n",
             LWC_MATRIX_FIXTURES "/v1-report.json", emptyerr, errfile);
    const char *man = tmp_path("manifest.tsv");
    write_file(man, text, strlen(text));
    mx_matrix m;
    lwch_mx_init(&m);
    char err[1024] = "";
    ck_assert_msg(lwch_mx_load_manifest(&m, man, err, sizeof(err)) == 0, "%s", err);
    ck_assert_uint_eq(m.nclients, 3);
    ck_assert_ptr_null(m.clients[0].unavailable);
    ck_assert_str_eq(m.clients[0].group, "reference");
    ck_assert_str_eq(m.clients[0].command, "lwc-watch");
    ck_assert_str_eq(m.clients[0].note, "all good");
    ck_assert_mem_eq(m.clients[1].unavailable, hostile, sizeof(hostile) - 1);
    ck_assert_str_eq(m.clients[2].unavailable, "unavailable (no reason given)");
    ck_assert_str_eq(m.clients[2].expect_file, "exp.txt");

    char *html = lwch_mx_render_html(&m, "t", NULL);
    ck_assert_ptr_nonnull(html);
    ck_assert(clean_utf8(html));
    ck_assert_ptr_nonnull(strstr(html, "<details class=\"rep\" id=\"u-1\"><summary>unavailable: cannot build "
                                       "&lt;b&gt;x&lt;/b&gt;</summary>"));
    ck_assert_ptr_nonnull(strstr(html, "\xEF\xBF\xBD\xEF\xBF\xBD line two\xEF\xBF\xBD[0m"));
    ck_assert_ptr_nonnull(strstr(html, "Reference watcher"));
    ck_assert_ptr_nonnull(strstr(html, "<tr class=\"group\"><th colspan=\"4\">Adapters</th></tr>"));
    free(html);
    char *md = lwch_mx_render_markdown(&m, "t", NULL);
    ck_assert_ptr_nonnull(md);
    ck_assert(clean_utf8(md));
    ck_assert_ptr_nonnull(strstr(md, "> cannot build &lt;b&gt;x&lt;/b&gt;  \n"));
    ck_assert_ptr_nonnull(strstr(md, "| broken | adapter | **unavailable**"));
    free(md);
    lwch_mx_free(&m);

    /* A short line and a missing error file are errors naming the line. */
    write_file(man, "a\tb\tc\n", 6);
    lwch_mx_init(&m);
    ck_assert_int_eq(lwch_mx_load_manifest(&m, man, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, ":1: expected LABEL, GROUP") != NULL, "%s", err);
    lwch_mx_free(&m);
    snprintf(text, sizeof(text), "ok\t\t\t\t\t/nonexistent/err.txt\n");
    write_file(man, text, strlen(text));
    lwch_mx_init(&m);
    ck_assert_int_eq(lwch_mx_load_manifest(&m, man, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, ":1: /nonexistent/err.txt: No such file") != NULL, "%s", err);
    lwch_mx_free(&m);
    /* A bad report in a manifest: the manifest line and the report's file. */
    const char *bad = tmp_path("bad.json");
    write_file(bad, "{", 1);
    snprintf(text, sizeof(text), "ok\t\t\t\t%s\t\n", bad);
    write_file(man, text, strlen(text));
    lwch_mx_init(&m);
    ck_assert_int_eq(lwch_mx_load_manifest(&m, man, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, ":1: ") && strstr(err, bad) && strstr(err, "not valid JSON"), "%s", err);
    ck_assert_uint_eq(m.nclients, 0);
    lwch_mx_free(&m);
    unlink(bad);
    unlink(man);
    unlink(errfile);
    unlink(emptyerr);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("matrix");
    TCase *tc = tcase_create("matrix");
    tcase_add_test(tc, html_escape_markup_and_bytes);
    tcase_add_test(tc, md_escape_one_cell);
    tcase_add_test(tc, cells_from_new_report);
    tcase_add_test(tc, old_report_without_new_fields);
    tcase_add_test(tc, malformed_reports);
    tcase_add_test(tc, wrong_types_are_absent_fields);
    tcase_add_test(tc, manifest_rows);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
