/* A growable NUL-terminated byte buffer whose first allocation failure is
 * sticky (failed = 1, later appends do nothing and return -1), so builders can
 * append freely and check once at the end; plus whole-file reads and writes. */
#ifndef LWC_STRBUF_H
#define LWC_STRBUF_H

#include <stddef.h>

typedef struct strbuf {
    char *data; /* NUL-terminated once anything was appended; may be NULL */
    size_t len;
    size_t cap;
    int failed;
} strbuf;

void lwcc_strbuf_init(strbuf *sb);
void lwcc_strbuf_free(strbuf *sb);
/* Empties the buffer, keeping its memory (and its failed flag). */
void lwcc_strbuf_reset(strbuf *sb);
/* Room for extra more bytes and the NUL. 0, or -1 (and failed set). */
int lwcc_strbuf_reserve(strbuf *sb, size_t extra);
/* Each append returns 0, or -1 once an allocation has failed. */
int lwcc_strbuf_append(strbuf *sb, const void *data, size_t len);
int lwcc_strbuf_puts(strbuf *sb, const char *s);
int lwcc_strbuf_putc(strbuf *sb, char c);
int lwcc_strbuf_printf(strbuf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal, quotes included. */
int lwcc_strbuf_put_json_string(strbuf *sb, const char *s);
/* The text so far ("" when empty or failed); stays owned by sb. */
const char *lwcc_strbuf_str(const strbuf *sb);
/* Hands the NUL-terminated text ("" when empty) to the caller and empties sb;
 * NULL (and sb freed) if any append failed. */
char *lwcc_strbuf_take(strbuf *sb, size_t *len_out);

/* The whole file at path, NUL-terminated (malloc'd), its length in *len (may
 * be NULL). NULL with err naming the file when it cannot be read, is larger
 * than max bytes (errno EFBIG), or memory runs out. */
char *lwc_read_file(const char *path, size_t max, size_t *len, char *err, size_t errlen);
/* Writes n bytes of s as the whole file at path (created or truncated).
 * 0, or -1 with err naming the file and what failed. */
int lwc_write_file(const char *path, const char *s, size_t n, char *err, size_t errlen);

#endif
