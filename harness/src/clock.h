/* Monotonic milliseconds, for deadlines and durations. */
#ifndef LWC_HARNESS_CLOCK_H
#define LWC_HARNESS_CLOCK_H

#include <time.h>

static inline double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

#endif
