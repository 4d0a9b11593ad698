/* Expected-verdict files (docs/client-protocol.md, "Expected verdicts"):
 * what a client's maintainers expect of each scenario, and whether a run
 * matched it. */
#ifndef LWC_HARNESS_EXPECTED_H
#define LWC_HARNESS_EXPECTED_H

#include "result.h"

#include <stddef.h>

typedef enum { EXPECT_PASS, EXPECT_FAIL, EXPECT_NA } expect_kind;

typedef struct expected_entry {
    char *scenario;
    expect_kind kind;
    char *checks;   /* EXPECT_FAIL: comma-separated checks that must be among the failed ones; "" any */
    char *evidence; /* after '#', trimmed; "" none */
    int line;
} expected_entry;

typedef struct expected_set {
    char *path;
    expected_entry *v;
    size_t n;
} expected_set;

/* Reads FILE; on a bad line returns -1 with "FILE:LINE: what was expected". */
int lwch_expected_load(const char *path, expected_set *out, char *err, size_t errlen);
void lwch_expected_free(expected_set *s);
const expected_entry *lwch_expected_find(const expected_set *s, const char *scenario);
/* Records in r what e expects (e NULL: the file has no line for it) and
 * whether r matched. Returns 0, or -1 when out of memory. */
int lwch_expected_judge(const expected_set *s, const expected_entry *e, scenario_result *r);

#endif
