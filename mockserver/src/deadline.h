/* Absolute CLOCK_REALTIME deadlines for pthread_cond_timedwait. */
#ifndef LWC_DEADLINE_H
#define LWC_DEADLINE_H

#include <time.h>

static inline struct timespec deadline_after_ms(int timeout_ms)
{
    struct timespec d;
    clock_gettime(CLOCK_REALTIME, &d);
    d.tv_sec += timeout_ms / 1000;
    d.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (d.tv_nsec >= 1000000000L) {
        d.tv_sec++;
        d.tv_nsec -= 1000000000L;
    }
    return d;
}

#endif
