/* The watch check: a client keeps its store current by watching, and lists
 * again only for a cause. The rule, as client-protocol.md states it:
 *
 *  - A relist is any list start (a first page, an initial-events watch)
 *    after the first list that completed.
 *  - Its cause, between the previous list start and it: a request of the
 *    resource answered with an error (410, 5xx, 429, 4xx) or not at all, a
 *    request a fault shaped, or a watch of the resource that ended (a
 *    timeout, a close, a drop, an ERROR event).
 *  - Two or more relists without a cause fail; one is noted.
 *  - When a write step changed the watched collection after READY, the
 *    client must have opened at least one watch after its first list. */
#ifndef LWC_HARNESS_WATCHCHECK_H
#define LWC_HARNESS_WATCHCHECK_H

#include "lwc_scenario.h"
#include "reqlog.h"
#include "result.h"
#include "strbuf.h"

/* ready_srv_ms: READY on the log's clock (< 0: no READY, nothing checked);
 * step_srv_ms[i]: when step i ran (< 0: never). Adds failures to res. */
void lwch_check_relists(const lwc_scenario *sc, const reqlog *rl, double ready_srv_ms, const double *step_srv_ms,
                   scenario_result *res, strbuf *notes);

#endif
