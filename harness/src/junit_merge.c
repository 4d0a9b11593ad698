/* --merge-junit: the JUnit files of a sharded run (lwc-harness --shard I/N
 * --junit ...) joined into one, as a CI system wants one report. Reads only
 * what lwch_report_junit writes: one <testsuites> with one <testsuite>, whose
 * counts are added and whose test cases are concatenated in file order. */
#include "report.h"
#include "lwc_fail.h"
#include "strbuf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MERGE_MAX_FILE ((size_t)1 << 30)

/* The number in attribute `name="..."` of the tag that starts at tag. */
static int attr_number(const char *tag, const char *tag_end, const char *name, double *out)
{
    char key[32];
    snprintf(key, sizeof key, " %s=\"", name);
    const char *p = strstr(tag, key);
    if (!p || p > tag_end)
        return -1;
    char *end = NULL;
    errno = 0;
    *out = strtod(p + strlen(key), &end);
    return errno || !end || *end != '"' ? -1 : 0;
}

typedef struct suite_part {
    double tests, failures, errors, skipped, time;
    const char *body, *body_end; /* between <testsuite ...> and </testsuite> */
} suite_part;

static int find_suite(const char *path, const char *xml, suite_part *sp, char *err, size_t errlen)
{
    if (!strstr(xml, "<testsuites name=\"lwc-harness\""))
        return lwc_fail(err, errlen, -1, "%s: not a JUnit file written by lwc-harness --junit", path);
    const char *tag = strstr(xml, "<testsuite ");
    const char *tag_end = tag ? strchr(tag, '>') : NULL;
    const char *close = tag_end ? strstr(tag_end, "</testsuite>") : NULL;
    if (!tag || !tag_end || !close || strstr(close + 1, "<testsuite "))
        return lwc_fail(err, errlen, -1, "%s: expected exactly one complete <testsuite> element", path);
    sp->skipped = 0;
    attr_number(tag, tag_end, "skipped", &sp->skipped); /* older files have none */
    if (attr_number(tag, tag_end, "tests", &sp->tests) || attr_number(tag, tag_end, "failures", &sp->failures) ||
        attr_number(tag, tag_end, "errors", &sp->errors) || attr_number(tag, tag_end, "time", &sp->time)) {
        return lwc_fail(err, errlen, -1, "%s: <testsuite> lacks a number in tests, failures, errors or time", path);
    }
    sp->body = tag_end + 1;
    sp->body_end = close;
    return 0;
}

int lwch_junit_merge(const char *out_path, char *const *in_paths, size_t n, char *err, size_t errlen)
{
    char **texts = calloc(n ? n : 1, sizeof *texts);
    suite_part *parts = calloc(n ? n : 1, sizeof *parts);
    strbuf tb;
    lwcc_strbuf_init(&tb);
    int rc = -1;
    if (!texts || !parts) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    suite_part sum = {0};
    for (size_t i = 0; i < n; i++) {
        texts[i] = lwc_read_file(in_paths[i], MERGE_MAX_FILE, NULL, err, errlen);
        if (!texts[i] || find_suite(in_paths[i], texts[i], &parts[i], err, errlen) != 0)
            goto out;
        sum.tests += parts[i].tests;
        sum.failures += parts[i].failures;
        sum.errors += parts[i].errors;
        sum.skipped += parts[i].skipped;
        sum.time += parts[i].time;
    }
    lwch_junit_open(&tb, sum.tests, sum.failures, sum.errors, sum.skipped, sum.time);
    for (size_t i = 0; i < n; i++) {
        const char *b = parts[i].body, *e = parts[i].body_end;
        /* The client and version properties once, from the first shard. */
        const char *props = strstr(b, "<properties>");
        const char *props_end = props ? strstr(props, "</properties>") : NULL;
        if (i > 0 && props && props_end && props_end < e) {
            lwcc_strbuf_append(&tb, b, (size_t)(props - b));
            b = props_end + strlen("</properties>");
        }
        lwcc_strbuf_append(&tb, b, (size_t)(e - b));
    }
    lwcc_strbuf_puts(&tb, "</testsuite>\n</testsuites>\n");
    if (tb.failed) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    if (lwc_write_file(out_path, tb.data, tb.len, err, errlen) != 0)
        goto out;
    rc = 0;
out:
    for (size_t i = 0; texts && i < n; i++)
        free(texts[i]);
    free(texts);
    free(parts);
    lwcc_strbuf_free(&tb);
    return rc;
}
