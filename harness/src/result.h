/* What running one scenario produced: the verdict, each failed check with
 * its diff and the requests around it, timings, and the client's stderr. */
#ifndef LWC_HARNESS_RESULT_H
#define LWC_HARNESS_RESULT_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    VERDICT_PASS,
    VERDICT_FAIL,        /* the client broke a check or the protocol */
    VERDICT_ERROR,       /* the harness could not run the scenario (bad world, client not startable) */
    VERDICT_INTERRUPTED, /* Ctrl-C */
    VERDICT_NA,          /* the scenario requires a capability the client does not declare */
    VERDICT_NOT_RUN,     /* --max-failures was reached before it started */
} verdict;

/* The checks of client-protocol.md plus the harness's own. */
#define CHECK_PROTOCOL "protocol"           /* a line that is not JSON, no READY, no SNAPSHOT answer */
#define CHECK_INITIAL "initial-state"       /* check 1 */
#define CHECK_CONVERGENCE "convergence"     /* check 2, at a checkpoint or the end */
#define CHECK_EVENTS "events"               /* check 3 */
#define CHECK_REQUESTS "requests"           /* check 4 */
#define CHECK_TIMELINE "timeline"           /* a step's trigger never came: the client never did what it waits for */
#define CHECK_EXIT "exit"                   /* exited before STOP, or not within 2 s after it */
#define CHECK_WATCH "watch"                 /* watched after the list; relisted only for a cause (watchcheck.c) */
/* Every check above, NULL-terminated: what --expect accepts and what
 * lwc-explore tells failures apart by (a check missing here is invisible
 * to both). */
extern const char *const lwch_check_names[];
/* The index in lwch_check_names of the check named by name's first len
 * bytes, or -1 for no check. */
int lwch_check_index(const char *name, size_t len);

typedef struct failure {
    char check[24];
    char *summary; /* one line */
    char *detail;  /* lines for people: the diff, the requests around it */
} failure;

typedef struct checkpoint_result {
    char *name;
    int ok;
    double ms; /* time to converge, or how long it waited */
} checkpoint_result;

typedef struct scenario_result {
    char *name;
    char *path;
    int repeat;              /* 1-based run number with --repeat */
    verdict v;
    char *error;             /* VERDICT_ERROR: why */
    char *reason;            /* VERDICT_NA: which capability is missing */
    /* who the client said it was (HELLO), for reports */
    char *client_name;       /* NULL: no HELLO */
    int protocol;            /* 1 without HELLO */
    unsigned caps;           /* lwc_capability bits declared (or taken for protocol 1) */
    int caps_known;          /* the first line was read, so caps mean something */
    /* --expect: what the expected-verdicts file says of this scenario */
    char *expected;          /* "pass", "n/a", "fail initial-state"; NULL: no --expect */
    char *evidence;          /* the line's text after '#' */
    int expect_matched;
    char *mismatch;          /* why it did not match; NULL when it did */
    double total_ms;
    double ready_ms;         /* client start to READY; -1: none */
    double converge_ms;      /* end of the timeline to the final convergence; -1: none */
    uint64_t initial_rv;     /* the server state the first snapshot matched (0: none) */
    size_t requests;         /* requests the client made */
    size_t events;           /* EVENT lines */
    size_t dumps;            /* DUMP commands sent */
    failure *failures;
    size_t nfailures;
    checkpoint_result *checkpoints;
    size_t ncheckpoints;
    char *notes;             /* LOG and RESTART lines, ignored lines (short) */
    char *stderr_tail;
} scenario_result;

void lwch_result_init(scenario_result *r);
void lwch_result_free(scenario_result *r);
/* Adds a failure (the first one also sets VERDICT_FAIL). Returns 0 or -1. */
int lwch_result_add_failure(scenario_result *r, const char *check, const char *summary, const char *detail);
int lwch_result_add_checkpoint(scenario_result *r, const char *name, int ok, double ms);
const char *lwch_verdict_name(verdict v);

#endif
