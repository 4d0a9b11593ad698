/* The request log through the public API: count, copy and wait for its entries. */
#include "mock_internal.h"
#include "monotonic.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

size_t lwc_mock_log_count(lwc_mock *srv)
{
    pthread_mutex_lock(&srv->log.mu);
    size_t n = srv->log.n;
    pthread_mutex_unlock(&srv->log.mu);
    return n;
}

int lwc_mock_log_get(lwc_mock *srv, size_t i, lwc_mock_request *out)
{
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&srv->log.mu);
    const lwc_mock_request *e = lwcm_request_log_entry(&srv->log, i);
    if (!e) {
        /* Not yet, or dropped by the log's limit (max_log_entries). */
        pthread_mutex_unlock(&srv->log.mu);
        return LWC_MOCK_ENOENT;
    }
    int rc = lwcm_request_copy(out, e);
    pthread_mutex_unlock(&srv->log.mu);
    return rc == 0 ? LWC_MOCK_OK : LWC_MOCK_ENOMEM;
}

int lwc_mock_log_wait(lwc_mock *srv, size_t count, int timeout_ms)
{
    struct timespec deadline = lwcc_monotonic_deadline(timeout_ms);
    int rc = LWC_MOCK_OK;
    pthread_mutex_lock(&srv->log.mu);
    while (srv->log.answered < count) {
        if (pthread_cond_timedwait(&srv->log.cond, &srv->log.mu, &deadline) != 0) {
            rc = srv->log.answered >= count ? LWC_MOCK_OK : LWC_MOCK_ETIMEDOUT;
            break;
        }
    }
    pthread_mutex_unlock(&srv->log.mu);
    return rc;
}

int lwc_mock_log_wait_change(lwc_mock *srv, uint64_t *generation, int timeout_ms)
{
    struct timespec deadline = lwcc_monotonic_deadline(timeout_ms);
    int rc = LWC_MOCK_OK;
    pthread_mutex_lock(&srv->log.mu);
    /* The predicate is re-checked after every wake-up: the cond is shared
     * with lwc_mock_log_wait, and wake-ups may be spurious. */
    while (srv->log.generation == *generation) {
        if (timeout_ms < 0) {
            pthread_cond_wait(&srv->log.cond, &srv->log.mu);
        } else if (timeout_ms == 0 ||
                   pthread_cond_timedwait(&srv->log.cond, &srv->log.mu, &deadline) != 0) {
            rc = srv->log.generation != *generation ? LWC_MOCK_OK : LWC_MOCK_ETIMEDOUT;
            break;
        }
    }
    if (rc == LWC_MOCK_OK)
        *generation = srv->log.generation;
    pthread_mutex_unlock(&srv->log.mu);
    return rc;
}

void lwc_mock_wake_log_waiters(lwc_mock *srv)
{
    lwcm_request_log_wake(&srv->log);
}

double lwc_mock_now_ms(lwc_mock *srv)
{
    return lwcm_request_log_now_ms(&srv->log);
}
