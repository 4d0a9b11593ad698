/* What a server's serving threads share: a sleep that ends when the server stops, and its seeded random numbers. */
#include "mock_runtime.h"

#include "mock_internal.h"

#include <time.h>

int lwcm_sleep_ms(lwc_mock *srv, int ms)
{
    while (ms > 0) {
        if (atomic_load(&srv->shutting_down))
            return -1;
        int slice = ms < 50 ? ms : 50;
        struct timespec ts = {0, (long)slice * 1000000L};
        while (nanosleep(&ts, &ts) != 0)
            ;
        ms -= slice;
    }
    return atomic_load(&srv->shutting_down) ? -1 : 0;
}

uint64_t lwcm_random(lwc_mock *srv)
{
    pthread_mutex_lock(&srv->rng_mu);
    uint64_t x = srv->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    srv->rng = x;
    pthread_mutex_unlock(&srv->rng_mu);
    return x * 0x2545F4914F6CDD1DULL;
}
