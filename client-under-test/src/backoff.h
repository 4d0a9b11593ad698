/* Exponential backoff with jitter and a cap, after every failure, and
 * Retry-After as a floor: the defence against hot loops and herds
 * (kubernetes/kubernetes#87794: a fixed 1 s retry turned an apiserver OOM
 * into an 18k QPS storm; PR #87795 moved client-go to jittered backoff). */
#ifndef LWCR_BACKOFF_H
#define LWCR_BACKOFF_H

#include <stdint.h>
#include <time.h>

typedef struct lwcr_backoff {
    unsigned base_ms;
    unsigned cap_ms;
    unsigned retry_after_cap_ms;
    unsigned failures; /* consecutive, since the last reset */
    int disabled;      /* the no-backoff bug: every wait is 0 */
    uint64_t rng;
} lwcr_backoff;

void lwcr_backoff_init(lwcr_backoff *b, unsigned base_ms, unsigned cap_ms, unsigned retry_after_cap_ms,
                       uint64_t seed);
/* Counts one failure and returns how long to wait before the next attempt:
 * d = min(cap, base * 2^failures), the wait drawn from [d, 2d) and clamped
 * to the cap (client-go's wait.Jitter(d, 1.0)). retry_after_ms >= 0 is the
 * server's Retry-After: the wait is never shorter than it (clamped to
 * retry_after_cap_ms), plus up to a tenth of it, at most 1 s, so that
 * clients told the same value do not return in lockstep. */
int64_t lwcr_backoff_next(lwcr_backoff *b, int64_t retry_after_ms);
/* After a sign of health (a watch delivered something). */
void lwcr_backoff_reset(lwcr_backoff *b);

/* A Retry-After value, delta-seconds or an HTTP-date (RFC 9110 §10.2.3),
 * in milliseconds from now; -1 when it is neither. A date in the past is 0. */
int64_t lwcr_retry_after_parse(const char *value, time_t now);

#endif
