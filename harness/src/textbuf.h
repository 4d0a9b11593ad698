/* A growable NUL-terminated text buffer for building reports. Once an
 * allocation fails the buffer remembers it (failed = 1) and ignores further
 * appends, so callers check once at the end instead of after every append. */
#ifndef LWC_HARNESS_TEXTBUF_H
#define LWC_HARNESS_TEXTBUF_H

#include <stddef.h>

typedef struct textbuf {
    char *s;
    size_t len, cap;
    int failed;
} textbuf;

void tb_init(textbuf *tb);
void tb_free(textbuf *tb);
void tb_reset(textbuf *tb);
void tb_append(textbuf *tb, const char *s, size_t n);
void tb_puts(textbuf *tb, const char *s);
__attribute__((format(printf, 2, 3))) void tb_printf(textbuf *tb, const char *fmt, ...);
/* The text so far ("" when empty or failed); stays owned by tb. */
const char *tb_str(const textbuf *tb);
/* Hands the text to the caller (malloc'd; NULL when an allocation failed). */
char *tb_take(textbuf *tb);

/* The whole file at path, NUL-terminated (malloc'd), its length in *len (may
 * be NULL). NULL with err naming the file when it cannot be read, is larger
 * than max bytes, or memory runs out. */
char *tb_read_file(const char *path, size_t max, size_t *len, char *err, size_t errlen);
/* Writes n bytes of s as the whole file at path (created or truncated).
 * 0, or -1 with err naming the file and what failed. */
int tb_write_file(const char *path, const char *s, size_t n, char *err, size_t errlen);

/* Copies s replacing every byte sequence that is not valid UTF-8 with U+FFFD,
 * so that client output can go into JSON and XML reports. malloc'd or NULL. */
char *utf8_sanitize(const char *s, size_t n);
/* Length of the valid UTF-8 sequence at p (at most n bytes); 0 when the bytes
 * there are not one (overlong forms and surrogates included). */
size_t utf8_seq(const unsigned char *p, size_t n);

#endif
