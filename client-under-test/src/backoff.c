/* Retry delays: capped exponential backoff with jitter, and Retry-After parsing. */
#include "backoff.h"

#include "util.h"

#include <ctype.h>
#include <curl/curl.h>
#include <string.h>

void lwcr_backoff_init(lwcr_backoff *b, unsigned base_ms, unsigned cap_ms, unsigned retry_after_cap_ms,
                       uint64_t seed)
{
    memset(b, 0, sizeof *b);
    b->base_ms = base_ms ? base_ms : 1;
    b->cap_ms = cap_ms >= b->base_ms ? cap_ms : b->base_ms;
    b->retry_after_cap_ms = retry_after_cap_ms;
    b->rng = seed ? seed : 1;
}

int64_t lwcr_backoff_next(lwcr_backoff *b, int64_t retry_after_ms)
{
    unsigned n = b->failures;
    if (b->failures < 64)
        b->failures++;
    if (b->disabled)
        return 0;
    uint64_t d = b->base_ms;
    for (unsigned i = 0; i < n && d < b->cap_ms; i++)
        d *= 2;
    if (d > b->cap_ms)
        d = b->cap_ms;
    int64_t wait = (int64_t)lwcr_rand_range(&b->rng, d, 2 * d);
    if (wait > (int64_t)b->cap_ms)
        wait = b->cap_ms;
    if (retry_after_ms >= 0) {
        int64_t ra = retry_after_ms;
        if (ra > (int64_t)b->retry_after_cap_ms)
            ra = b->retry_after_cap_ms;
        if (ra >= wait) {
            int64_t spread = ra / 10 < 1000 ? ra / 10 : 1000;
            wait = ra + (int64_t)lwcr_rand_range(&b->rng, 0, (uint64_t)spread + 1);
        }
    }
    return wait;
}

void lwcr_backoff_reset(lwcr_backoff *b)
{
    b->failures = 0;
}

int64_t lwcr_retry_after_parse(const char *value, time_t now)
{
    if (!value)
        return -1;
    while (*value == ' ' || *value == '\t')
        value++;
    size_t len = strlen(value);
    while (len && (value[len - 1] == ' ' || value[len - 1] == '\t' || value[len - 1] == '\r' ||
                   value[len - 1] == '\n'))
        len--;
    if (!len)
        return -1;
    int digits = 1;
    for (size_t i = 0; i < len; i++)
        if (!isdigit((unsigned char)value[i]))
            digits = 0;
    if (digits) {
        int64_t secs = 0;
        for (size_t i = 0; i < len; i++) {
            secs = secs * 10 + (value[i] - '0');
            if (secs > 100000000) /* years: the caller clamps anyway */
                break;
        }
        return secs * 1000;
    }
    char date[128];
    if (len >= sizeof date)
        return -1;
    memcpy(date, value, len);
    date[len] = '\0';
    time_t t = curl_getdate(date, NULL);
    if (t == (time_t)-1)
        return -1;
    return t <= now ? 0 : (int64_t)(t - now) * 1000;
}
