/* Reports of a run: the terminal table and failure details (report.c),
 * JUnit XML (junit.c) and JSON (json_report.c). */
#ifndef LWC_HARNESS_REPORT_H
#define LWC_HARNESS_REPORT_H

#include "result.h"

#include <stdio.h>

typedef struct run_summary {
    const char *client;      /* the client command as given */
    const char *expect_path; /* --expect FILE, or NULL */
    double wall_ms;
    size_t passed, failed, errors, interrupted, not_applicable, not_run;
    size_t mismatches;       /* --expect: runs whose verdict differed from the file */
} run_summary;

void lwch_summary_count(const scenario_result *res, size_t n, run_summary *sum);
/* One row a scenario: name, verdict, time to READY, time to converge,
 * requests, total time. colour: ANSI colours for the verdicts. */
void lwch_report_table(FILE *out, const scenario_result *res, size_t n, const run_summary *sum, int colour);
/* For each failed scenario: each failed check, its diff and requests, the
 * notes and the client's stderr tail. */
void lwch_report_failures(FILE *out, const scenario_result *res, size_t n, int colour);
/* With --expect: each run whose verdict differed from the file, and a summary line. */
void lwch_report_mismatches(FILE *out, const scenario_result *res, size_t n, const run_summary *sum, int colour);
/* The client's HELLO of the first run that had one, or NULL. */
const scenario_result *lwch_report_client_info(const scenario_result *res, size_t n);
/* The failure text of one scenario (what lwch_report_failures prints for it),
 * malloc'd; for the JUnit and JSON files. */
char *lwch_report_failure_text(const scenario_result *r);
/* Last max_lines lines of s (pointer into s). */
const char *lwch_tail_lines(const char *s, int max_lines);

int lwch_report_junit(const char *path, const scenario_result *res, size_t n, const run_summary *sum, char *err,
                 size_t errlen);
/* The XML declaration and the opening <testsuites> and <testsuite> tags
 * (no newline after the last) with these counts, time in seconds: what
 * lwch_report_junit writes and lwch_junit_merge writes again with the shards' sums. */
struct strbuf;
void lwch_junit_open(struct strbuf *tb, double tests, double failures, double errors, double skipped, double time_s);
/* --merge-junit: the JUnit files of several shards as one file. */
int lwch_junit_merge(const char *out_path, char *const *in_paths, size_t n, char *err, size_t errlen);
int lwch_report_json(const char *path, const scenario_result *res, size_t n, const run_summary *sum, char *err,
                size_t errlen);

#endif
