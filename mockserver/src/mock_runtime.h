/* What a server's serving threads share besides its world: a sleep that
 * ends when the server stops, and the server's seeded random numbers. */
#ifndef LWC_MOCK_RUNTIME_H
#define LWC_MOCK_RUNTIME_H

#include "lwc_mockserver.h"

#include <stdint.h>

/* Sleeps in slices, returning early (-1) once the server is stopping, so
 * that no delay fault or churn step holds up lwc_mock_stop. */
int lwcm_sleep_ms(lwc_mock *srv, int ms);

/* A random number for jittered timeouts. */
uint64_t lwcm_random(lwc_mock *srv);

#endif
