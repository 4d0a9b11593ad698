/* A growable byte buffer whose first allocation failure is sticky, so that
 * builders can append freely and check once at the end. */
#ifndef LWC_STRBUF_H
#define LWC_STRBUF_H

#include <stddef.h>

typedef struct strbuf {
    char *data;
    size_t len;
    size_t cap;
    int failed;
} strbuf;

void strbuf_init(strbuf *sb);
void strbuf_free(strbuf *sb);
int strbuf_reserve(strbuf *sb, size_t extra);
int strbuf_append(strbuf *sb, const void *data, size_t len);
int strbuf_puts(strbuf *sb, const char *s);
int strbuf_putc(strbuf *sb, char c);
int strbuf_printf(strbuf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal, quotes included. */
int strbuf_put_json_string(strbuf *sb, const char *s);
/* Hands the NUL-terminated buffer to the caller; NULL if any append failed. */
char *strbuf_take(strbuf *sb, size_t *len_out);

#endif
