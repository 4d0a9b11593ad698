/* One clock for durations and deadlines: CLOCK_MONOTONIC, which a change of
 * the wall clock does not move; and condition variables that time out on it. */
#ifndef LWC_MONOTONIC_H
#define LWC_MONOTONIC_H

#include <pthread.h>
#include <time.h>

/* Milliseconds since an arbitrary fixed point (boot); only differences mean anything. */
double lwcc_monotonic_ms(void);
/* pthread_cond_init for a condition variable whose timed waits use
 * lwcc_monotonic_deadline. 0, or the pthread error. */
int lwcc_monotonic_cond_init(pthread_cond_t *cond);
/* The absolute time timeout_ms (clamped to >= 0) from now, for
 * pthread_cond_timedwait on a condition set up by lwcc_monotonic_cond_init. */
struct timespec lwcc_monotonic_deadline(int timeout_ms);

#endif
