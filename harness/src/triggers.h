/* When a timeline step may run: counts of the client's requests in the
 * server's log since the scenario started, compared with the step's
 * "when": {"event": ..., "count": N}. */
#ifndef LWC_HARNESS_TRIGGERS_H
#define LWC_HARNESS_TRIGGERS_H

#include "lwc_scenario.h"
#include "reqlog.h"

/* Which log entries match the step being waited for, worked out once per
 * entry (matching parses the path and query), so that counting again on
 * every wake-up stays cheap on a log of thousands of requests. */
typedef struct trigger_state {
    const lwc_step *step;
    unsigned char *cls; /* per entry: 0 not yet classified, 1 no, 2 yes */
    size_t cap;
    /* When the count reached the step's: the log time of the event that
     * made it (a request's start; a watch's end for watchClosed). -1 until
     * then. Request windows are anchored there, not to when the harness
     * noticed. */
    double event_ms;
} trigger_state;

void lwch_trigger_state_init(trigger_state *ts);
void lwch_trigger_state_free(trigger_state *ts);

/* How many of the step's trigger events the log holds so far:
 *   listPages    list requests of the scenario's resource answered 2xx
 *                (a page served; a refused page is not one);
 *   watchOpened  watch requests of the resource answered 200 (opened; a
 *                watch refused with 410 was never open);
 *   watchClosed  those of them whose stream has ended;
 *   requests     requests matching the step's "match", answered (any status).
 * READY and NONE are not log events: 0. Returns -1 when out of memory. */
long lwch_trigger_count(trigger_state *ts, const lwc_scenario *sc, const lwc_step *st, const reqlog *rl);
/* "the 2nd watch opened" for reports. */
void lwch_trigger_describe(const lwc_step *st, char *buf, size_t len);
/* A matcher of the scenario's resource and one verb (list or watch). */
void lwch_resource_matcher(const lwc_scenario *sc, lwc_verb verb, lwc_matcher *m);

#endif
