/* Small helpers the watcher shares: the clock, error messages, a growable buffer, a seeded random generator. */
#include "util.h"

#include "lwc_reflector.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int64_t lwcr_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int lwcr_fail(int code, char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}

char *lwcr_strdup(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static int buf_reserve(lwcr_buf *b, size_t extra)
{
    if (extra > SIZE_MAX - b->len - 1)
        return LWC_ENOMEM;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return LWC_OK;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *d = realloc(b->data, cap);
    if (!d)
        return LWC_ENOMEM;
    b->data = d;
    b->cap = cap;
    return LWC_OK;
}

int lwcr_buf_append(lwcr_buf *b, const void *p, size_t n)
{
    if (buf_reserve(b, n) != LWC_OK)
        return LWC_ENOMEM;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return LWC_OK;
}

int lwcr_buf_puts(lwcr_buf *b, const char *s)
{
    return lwcr_buf_append(b, s, strlen(s));
}

int lwcr_buf_printf(lwcr_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || buf_reserve(b, (size_t)n) != LWC_OK)
        return LWC_ENOMEM;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return LWC_OK;
}

void lwcr_buf_reset(lwcr_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void lwcr_buf_free(lwcr_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

uint64_t lwcr_rand_next(uint64_t *state)
{
    uint64_t x = *state ? *state : 0x9E3779B97F4A7C15ull;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1Dull;
}

uint64_t lwcr_rand_range(uint64_t *state, uint64_t lo, uint64_t hi)
{
    if (hi <= lo)
        return lo;
    return lo + lwcr_rand_next(state) % (hi - lo);
}

uint64_t lwcr_seed_from_clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t s = (uint64_t)ts.tv_sec * 1000000007ull ^ (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 32);
    return s ? s : 1;
}
