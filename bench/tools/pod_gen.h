/* Deterministic, realistic Pod objects (about 1 KB of JSON once the server
 * adds uid, resourceVersion and creationTimestamp), so list pages and watch
 * events weigh what they weigh on a real cluster. */
#ifndef LWC_BENCH_POD_GEN_H
#define LWC_BENCH_POD_GEN_H

#include <stddef.h>

/* Writes pod number `idx` of namespace `ns` as JSON into buf. The name is
 * "<app>-<template hash>-<suffix>", unique per (ns, idx) for idx < 14,348,907.
 * seq >= 0 adds the annotation "bench.lwc/seq":"<seq>" (the watch benchmark
 * numbers its updates with it). Returns the length, or -1 if buf is too small. */
int pod_gen_json(char *buf, size_t len, const char *ns, long idx, long seq);

/* The name pod_gen_json gives pod idx (buf of at least 64 bytes). */
void pod_gen_name(char *buf, size_t len, long idx);

#endif
