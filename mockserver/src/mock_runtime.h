/* What a server's serving threads share besides its world: a sleep that
 * ends when the server stops, and the server's seeded random numbers. */
#ifndef LWC_MOCK_RUNTIME_H
#define LWC_MOCK_RUNTIME_H

#include "lwc_mockserver.h"

#include <stdint.h>

/* The stop flag, its wake-up and the random numbers' lock: set up by
 * lwc_mock_start (0, or -1 when a pthread call failed), freed by lwc_mock_stop. */
int lwcm_runtime_init(lwc_mock *srv);
void lwcm_runtime_destroy(lwc_mock *srv);

/* Sets the stop flag and wakes every lwcm_sleep_ms at once. */
void lwcm_runtime_begin_stop(lwc_mock *srv);

/* Sleeps ms on the monotonic clock, returning early (-1) as soon as the
 * server is stopping, so that no delay fault or churn step holds up
 * lwc_mock_stop. */
int lwcm_sleep_ms(lwc_mock *srv, int ms);

/* A random number for jittered timeouts. */
uint64_t lwcm_random(lwc_mock *srv);

#endif
