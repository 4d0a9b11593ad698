/* lwc-matrix: the conformance matrix (clients x scenarios) merged from
 * lwc-harness --json reports (matrix_load.c) and written as Markdown and as
 * one self-contained HTML page (matrix_render.c). */
#ifndef LWC_HARNESS_MATRIX_H
#define LWC_HARNESS_MATRIX_H

#include <stddef.h>

typedef enum {
    MX_NONE,        /* the client's report has no run of this scenario */
    MX_PASS,
    MX_FAIL,
    MX_ERROR,
    MX_NA,          /* not applicable: the client lacks a capability the scenario requires */
    MX_NOT_RUN,     /* --max-failures was reached first */
    MX_INTERRUPTED,
    MX_OTHER,       /* a verdict this lwc-matrix does not know: shown as written */
} mx_kind;

typedef struct mx_failure {
    char *check, *summary, *detail;
} mx_failure;

typedef struct mx_cell {
    char *scenario;
    mx_kind kind;
    char *verdict;       /* as the report wrote it */
    int runs;            /* runs of this scenario in the report (--repeat) */
    double converge_ms;  /* -1: none */
    double total_ms;     /* -1: none */
    mx_failure *failures;
    size_t nfailures;
    char *error, *reason, *notes, *stderr_tail; /* NULL when absent */
    /* The report's "expected" object (lwc-harness --expect), if any. */
    int has_expected;
    char *exp_verdict;   /* "pass", "fail", "n/a" */
    char *exp_checks;    /* comma-separated; NULL none */
    char *exp_evidence;
    int exp_matched;     /* 1 matched, 0 differed */
    char *exp_mismatch;  /* why it differed, as the harness said; NULL none */
} mx_cell;

typedef struct mx_client {
    char *label;         /* row name */
    char *group;         /* rows are grouped by this ("reference", "bug", "adapter", ...) */
    char *command;       /* the --client command; NULL unknown */
    char *expect_file;   /* NULL: none */
    char *note;          /* a line about how the row was made; NULL none */
    char *unavailable;   /* why there is no report (setup or harness error); NULL when loaded */
    /* From the report. */
    char *hello_name;    /* clientInfo.name; NULL: no HELLO */
    int protocol;        /* clientInfo.protocol; 0 unknown */
    char *capabilities;  /* clientInfo.capabilities joined by ", "; NULL unknown */
    double wall_ms;      /* summary.wallMs; -1 unknown */
    mx_cell *cells;
    size_t ncells;
    size_t count[MX_OTHER + 1]; /* cells by kind */
    size_t expected_seen, mismatches;
    int summary_mismatches; /* summary.mismatches; -1 absent */
} mx_client;

typedef struct mx_matrix {
    mx_client *clients;
    size_t nclients;
    char **scenarios;    /* columns: every scenario of any report, first seen first */
    size_t nscenarios;
} mx_matrix;

void lwch_mx_init(mx_matrix *m);
void lwch_mx_free(mx_matrix *m);

/* Adds a row from an lwc-harness --json report. On a file that cannot be read
 * or is not such a report returns -1 with err naming the file and what is
 * wrong (and the byte for a JSON syntax error). group/command/expect_file/note
 * may be NULL. */
int lwch_mx_add_report(mx_matrix *m, const char *label, const char *group, const char *command,
                  const char *expect_file, const char *note, const char *report_path, char *err, size_t errlen);
/* Adds a row for a client that has no report: error_text says why (any bytes;
 * sanitized when written). */
int lwch_mx_add_unavailable(mx_matrix *m, const char *label, const char *group, const char *command,
                       const char *expect_file, const char *note, const char *error_text, size_t error_len, char *err,
                       size_t errlen);
/* Reads a manifest: one client a line, tab-separated
 *   LABEL  GROUP  COMMAND  EXPECT-FILE  REPORT-JSON  ERROR-FILE  [NOTE]
 * empty fields allowed; '#' lines and blank lines skipped. A row with no
 * report, or whose ERROR-FILE is not empty, is unavailable with that file's
 * text as the reason. Relative paths are taken from the current directory. */
int lwch_mx_load_manifest(mx_matrix *m, const char *path, char *err, size_t errlen);

/* The cell of client c for scenario name, or NULL. */
const mx_cell *lwch_mx_find_cell(const mx_client *c, const char *scenario);
/* What a row says of its expected-verdicts file. */
typedef enum {
    MX_EXP_NONE,        /* no file and no expected verdicts in the report */
    MX_EXP_NOT_RUN,     /* a file, but the row is unavailable */
    MX_EXP_NOT_CHECKED, /* a file, but the report carries no expected verdicts */
    MX_EXP_DIFFERS,
    MX_EXP_MATCHES,
} mx_expect;
mx_expect lwch_mx_expect_state(const mx_client *c);
/* "PASS", "FAIL", "N/A", ... for a kind. */
const char *lwch_mx_kind_name(mx_kind k);
/* Whether a cell has a report to open (a failure, an error, an N/A reason,
 * an expected-verdict line that differed or carries evidence). */
int lwch_mx_cell_has_report(const mx_cell *cell);

/* Whole documents, malloc'd (NULL: out of memory). title: the page's title;
 * generated: a line saying when and how it was made (may be NULL). */
char *lwch_mx_render_markdown(const mx_matrix *m, const char *title, const char *generated);
char *lwch_mx_render_html(const mx_matrix *m, const char *title, const char *generated);

/* Text made safe for HTML element content and attribute values: & < > " '
 * escaped, invalid UTF-8, NUL and control characters other than tab and
 * newline replaced by U+FFFD. Appends to tb. */
struct strbuf;
void lwch_mx_html_escape(struct strbuf *tb, const char *s, size_t n);
/* Text made safe for one Markdown table cell: one line, | and the
 * characters Markdown or HTML would interpret escaped, UTF-8 made valid. */
void lwch_mx_md_escape(struct strbuf *tb, const char *s, size_t n);

#endif
