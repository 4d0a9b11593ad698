/* What the reflector's list, watch and loop share, below all three: its log, its
 * stoppable sleep, its resourceVersion and READY state, and error names. */
#include "reflector_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

const char *lwc_strerror(int code)
{
    switch (code) {
    case LWC_OK: return "ok";
    case LWC_EINVAL: return "invalid argument";
    case LWC_ENOMEM: return "out of memory";
    case LWC_EIO: return "transport error";
    case LWC_EHTTP: return "unexpected HTTP status";
    case LWC_EPROTO: return "malformed response";
    case LWC_ESTOPPED: return "stopped";
    case LWC_ETIMEDOUT: return "timed out";
    case LWC_EEXPIRED: return "expired (410)";
    default: return "unknown error";
    }
}

void lwcr_log(lwc_reflector *r, lwc_log_level level, const char *fmt, ...)
{
    if (!r->cb.on_log || (level == LWC_LOG_DEBUG && !r->cfg.verbose))
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    r->cb.on_log(r->cb.userdata, level, msg);
}

void lwcr_batch_end(lwc_reflector *r)
{
    if (r->cb.on_batch_end)
        r->cb.on_batch_end(r->cb.userdata);
}

int lwcr_stopped(lwc_reflector *r)
{
    return atomic_load(&r->stop);
}

int lwcr_sleep(lwc_reflector *r, int64_t ms)
{
    if (ms <= 0)
        return lwcr_stopped(r) ? LWC_ESTOPPED : LWC_OK;
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&r->sleep_mu);
    while (!atomic_load(&r->stop)) {
        if (pthread_cond_timedwait(&r->sleep_cv, &r->sleep_mu, &until) == ETIMEDOUT)
            break;
    }
    pthread_mutex_unlock(&r->sleep_mu);
    return lwcr_stopped(r) ? LWC_ESTOPPED : LWC_OK;
}

int lwcr_set_rv(lwc_reflector *r, const char *rv)
{
    lwcr_buf_reset(&r->rv);
    return lwcr_buf_puts(&r->rv, rv ? rv : "");
}

void lwcr_mark_synced(lwc_reflector *r)
{
    lwcr_batch_end(r);
    if (r->synced)
        return;
    r->synced = 1;
    if (r->cb.on_ready)
        r->cb.on_ready(r->cb.userdata);
    lwcr_batch_end(r);
}
