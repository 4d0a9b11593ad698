/* Checks 1 and 4 of client-protocol.md ("What the harness checks"):
 * the complete initial state, and the request expectations. Check 2
 * (convergence) lives in the runner, check 3 (events) in eventcheck.c. */
#ifndef LWC_HARNESS_CHECKS_H
#define LWC_HARNESS_CHECKS_H

#include "itemset.h"
#include "lwc_scenario.h"
#include "reqlog.h"
#include "result.h"
#include "strbuf.h"

#include <stdint.h>

/* A list request that starts a list: its first page, asked without a
 * continue token (the later pages carry one). */
int lwch_is_list_start(const lwc_mock_request *r);

/* A watch of the scenario's resource that hands out the whole state as
 * initial events: a streaming list, or a watch with resourceVersion unset
 * or "0". For the checks, it is a list. */
int lwch_is_initial_events_watch(const lwc_scenario *sc, const lwc_mock_request *r);

/* The oldest resourceVersion the first completed list can have been served
 * at. Every list (first page) or initial-events watch (a streaming list, or
 * a watch with resourceVersion unset or 0) of the scenario's resource
 * answered 200 that started before `before_srv_ms` (READY, on the log's
 * clock) says in served_rv exactly which state it handed out: the snapshot
 * of the whole paginated list, the older state a lagging replica gave for
 * resourceVersion=0, the N of resourceVersion=N. The smallest of them
 * bounds every list the client can have completed first, so a correct
 * client is never failed for a state it was served. One that served
 * nothing (served_rv 0: an in-stream ERROR) gave the client no state and
 * is skipped. *completed says whether any list reached its last page (a
 * page without continue) or any initial-events watch was served before
 * READY: READY means "my store holds a complete list", and without one the
 * caller fails check 1 whatever the snapshot holds. */
uint64_t lwch_initial_lower_bound(const lwc_scenario *sc, const reqlog *rl, double before_srv_ms, int *completed,
                             strbuf *why);

/* Check 1: does `snap` equal the state of the watched collection at some
 * resourceVersion r with lower <= r <= upper? Candidates start at
 * max(lower, the snapshot's highest RV) -- no earlier state can hold that
 * object version -- and go up one RV at a time; a correct client matches
 * within a few. budget_ms bounds the search for a wrong one.
 * Returns 0 (matched; *matched = r), 1 (no state matches; summary and
 * detail say why, with the diff against the closest state), -1 (error).
 * When some candidate states were compacted before they could be read and
 * none of the others matches, the check cannot decide: 0 with *matched = 0
 * and the reason in summary (the runner notes it; convergence still checks
 * the store). The runner starts no timeline step between READY and this
 * check, so only compactions before READY (or historyLimit) get here. */
int lwch_check_initial_state(lwc_mock *srv, const lwc_scenario *sc, const itemset *snap, uint64_t lower,
                        uint64_t upper, double budget_ms, uint64_t *matched, strbuf *summary, strbuf *detail);

/* The server's state of the watched collection as of rv (0: now). */
int lwch_server_state(lwc_mock *srv, const lwc_scenario *sc, uint64_t rv, itemset *out, uint64_t *list_rv, char *err,
                 size_t errlen);

/* Check 4: every expectation against the log. step_srv_ms[i] is when step i
 * ran (server time), or < 0 if it never did; such expectations are skipped
 * and said so in notes. Adds failures to res. */
void lwch_check_expectations(const lwc_scenario *sc, const reqlog *rl, const double *step_srv_ms, scenario_result *res,
                        strbuf *notes);

#endif
