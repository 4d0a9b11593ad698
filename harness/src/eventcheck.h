/* The event invariants of client-protocol.md, check 3, for clients that
 * send EVENT lines: per key, resourceVersions never go back; no MODIFIED or
 * DELETED for a key not held; no ADDED twice without a DELETED between; and
 * (lwch_eventcheck_compare at the end) the store the events describe equals the
 * client's snapshot, so an object that vanished across a relist must have
 * been announced DELETED.
 *
 * resourceVersions are compared as integers: the mock server's are decimal
 * numbers from one global counter, so "999" < "1000" must hold. A real
 * apiserver's RVs are opaque; the mock's are not, which is what makes this
 * check possible. */
#ifndef LWC_HARNESS_EVENTCHECK_H
#define LWC_HARNESS_EVENTCHECK_H

#include "itemset.h"
#include "protocol.h"
#include "strbuf.h"

typedef struct evslot evslot;

typedef struct eventcheck {
    evslot *slots;
    size_t nslots, used;
    size_t events;      /* EVENT lines seen */
    size_t violations;
    strbuf report;     /* the first violations, for people */
    double first_violation_ms;
} eventcheck;

void lwch_eventcheck_init(eventcheck *ec);
void lwch_eventcheck_free(eventcheck *ec);
/* Applies one EVENT; returns 0, 1 when it broke an invariant (described in
 * ec->report), -1 when out of memory. t_ms stamps the report. */
int lwch_eventcheck_apply(eventcheck *ec, event_kind kind, const item *obj, double t_ms);
/* The keys the events leave held, compared with a snapshot (sorted).
 * Returns the number of differences, described in out. */
size_t lwch_eventcheck_compare(const eventcheck *ec, const itemset *snapshot, strbuf *out);

#endif
