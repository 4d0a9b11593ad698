/* lwc-explore's shrinker: reduces a failing genome one step at a time (fewer
 * episodes, faults, writes, namespaces, objects; a larger page size; shorter
 * waits; server features off) while a predicate says it still fails, until
 * no single reduction does: a local minimum. */
#ifndef LWC_HARNESS_EXPLORE_SHRINK_H
#define LWC_HARNESS_EXPLORE_SHRINK_H

#include "explore_gen.h"

/* 1: the candidate still fails (the same way); 0: it does not; -1: stop
 * shrinking (interrupted). */
typedef int (*shrink_pred)(const genome *g, void *ctx);
/* Called after each accepted reduction, with what it did. */
typedef void (*shrink_note)(const genome *g, const char *what, void *ctx);

/* Is g something the generator could have made (triggers that will come,
 * a watch timeout where a stall needs one)? Reductions that break this are
 * never tried. */
int lwch_gen_valid(const genome *g);

/* The i-th reduction of g into *out, with a description in what; 0 when
 * there is no i-th (the enumeration is over), 1 when *out is a candidate,
 * 2 when this i yields nothing for g (skip it). */
int lwch_shrink_candidate(const genome *g, int i, genome *out, char *what, size_t whatlen);

/* Shrinks *g in place. Returns how many reductions were accepted; *tried
 * counts the predicate calls. max_tries bounds them (0: no bound). */
int lwch_explore_shrink(genome *g, shrink_pred pred, shrink_note note, void *ctx, int max_tries, int *tried);

#endif
