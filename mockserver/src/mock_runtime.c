/* What a server's serving threads share: a sleep that ends when the server stops, and its seeded random numbers. */
#include "mock_runtime.h"

#include "mock_internal.h"
#include "monotonic.h"

#include <time.h>

int lwcm_runtime_init(lwc_mock *srv)
{
    atomic_init(&srv->shutting_down, 0);
    if (pthread_mutex_init(&srv->rng_mu, NULL) != 0)
        return -1;
    if (pthread_mutex_init(&srv->stop_mu, NULL) != 0) {
        pthread_mutex_destroy(&srv->rng_mu);
        return -1;
    }
    if (lwcc_monotonic_cond_init(&srv->stop_cond) != 0) {
        pthread_mutex_destroy(&srv->stop_mu);
        pthread_mutex_destroy(&srv->rng_mu);
        return -1;
    }
    return 0;
}

void lwcm_runtime_destroy(lwc_mock *srv)
{
    pthread_cond_destroy(&srv->stop_cond);
    pthread_mutex_destroy(&srv->stop_mu);
    pthread_mutex_destroy(&srv->rng_mu);
}

void lwcm_runtime_begin_stop(lwc_mock *srv)
{
    pthread_mutex_lock(&srv->stop_mu);
    atomic_store(&srv->shutting_down, 1);
    pthread_cond_broadcast(&srv->stop_cond);
    pthread_mutex_unlock(&srv->stop_mu);
}

int lwcm_sleep_ms(lwc_mock *srv, int ms)
{
    if (ms <= 0)
        return atomic_load(&srv->shutting_down) ? -1 : 0;
    /* The flag is set under stop_mu before the broadcast, so a sleeper that
     * checked it under the same lock cannot miss the wake-up. */
    struct timespec until = lwcc_monotonic_deadline(ms);
    pthread_mutex_lock(&srv->stop_mu);
    /* 0 is a wake-up (the stop, or spurious): look again; ETIMEDOUT is the
     * end of the sleep, and any other error ends it too rather than spin. */
    int rc = 0;
    while (!atomic_load(&srv->shutting_down) && rc == 0)
        rc = pthread_cond_timedwait(&srv->stop_cond, &srv->stop_mu, &until);
    int stopping = atomic_load(&srv->shutting_down);
    pthread_mutex_unlock(&srv->stop_mu);
    return stopping ? -1 : 0;
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
