/* Small helpers every part of the reflector uses: the monotonic clock, a
 * growable byte buffer, error messages, and a seeded random source. */
#ifndef LWCR_UTIL_H
#define LWCR_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

int64_t lwcr_now_ms(void);

/* snprintf into err when err is not NULL; always returns code, so that a
 * failure can be reported and returned in one statement. */
int lwcr_fail(int code, char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* NULL stays NULL. */
char *lwcr_strdup(const char *s);

typedef struct lwcr_buf {
    char *data;
    size_t len, cap;
} lwcr_buf;

/* Keeps data NUL-terminated after every append. */
int lwcr_buf_append(lwcr_buf *b, const void *p, size_t n);
int lwcr_buf_puts(lwcr_buf *b, const char *s);
int lwcr_buf_printf(lwcr_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void lwcr_buf_reset(lwcr_buf *b);
void lwcr_buf_free(lwcr_buf *b);

/* xorshift64*: jitter and timeouts need spread, not cryptography. */
uint64_t lwcr_rand_next(uint64_t *state);
/* Uniform in [lo, hi); lo when hi <= lo. */
uint64_t lwcr_rand_range(uint64_t *state, uint64_t lo, uint64_t hi);
uint64_t lwcr_seed_from_clock(void);

#endif
