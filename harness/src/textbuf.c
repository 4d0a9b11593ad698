#include "textbuf.h"

#include <errno.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tb_init(textbuf *tb)
{
    memset(tb, 0, sizeof *tb);
}

void tb_free(textbuf *tb)
{
    free(tb->s);
    memset(tb, 0, sizeof *tb);
}

void tb_reset(textbuf *tb)
{
    tb->len = 0;
    if (tb->s)
        tb->s[0] = '\0';
}

static int reserve(textbuf *tb, size_t extra)
{
    if (tb->failed)
        return -1;
    if (tb->len + extra + 1 <= tb->cap)
        return 0;
    size_t ncap = tb->cap ? tb->cap : 256;
    while (ncap < tb->len + extra + 1) {
        if (ncap > ((size_t)-1) / 2) {
            tb->failed = 1;
            return -1;
        }
        ncap *= 2;
    }
    char *ns = realloc(tb->s, ncap);
    if (!ns) {
        tb->failed = 1;
        return -1;
    }
    tb->s = ns;
    tb->cap = ncap;
    return 0;
}

void tb_append(textbuf *tb, const char *s, size_t n)
{
    if (reserve(tb, n) != 0)
        return;
    memcpy(tb->s + tb->len, s, n);
    tb->len += n;
    tb->s[tb->len] = '\0';
}

void tb_puts(textbuf *tb, const char *s)
{
    tb_append(tb, s, strlen(s));
}

void tb_printf(textbuf *tb, const char *fmt, ...)
{
    if (tb->failed)
        return;
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        tb->failed = 1;
        return;
    }
    if ((size_t)n < sizeof small) {
        tb_append(tb, small, (size_t)n);
        return;
    }
    if (reserve(tb, (size_t)n) != 0)
        return;
    va_start(ap, fmt);
    vsnprintf(tb->s + tb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    tb->len += (size_t)n;
}

const char *tb_str(const textbuf *tb)
{
    return tb->s && !tb->failed ? tb->s : "";
}

char *tb_take(textbuf *tb)
{
    char *s = NULL;
    if (!tb->failed) {
        s = tb->s ? tb->s : calloc(1, 1);
        tb->s = NULL;
    }
    tb_free(tb);
    return s;
}

/* Length of the valid UTF-8 sequence at p (at most n bytes), 0 if invalid. */
size_t utf8_seq(const unsigned char *p, size_t n)
{
    unsigned char c = p[0];
    size_t len;
    unsigned cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    /* Overlong forms, surrogates and code points past U+10FFFF are invalid. */
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

char *utf8_sanitize(const char *s, size_t n)
{
    textbuf tb;
    tb_init(&tb);
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        size_t k = utf8_seq(p + i, n - i);
        if (k == 0 || (k == 1 && p[i] == 0)) {
            tb_puts(&tb, "\xEF\xBF\xBD");
            i++;
        } else {
            tb_append(&tb, s + i, k);
            i += k;
        }
    }
    if (!tb.s && !tb.failed)
        tb_append(&tb, "", 0);
    return tb_take(&tb);
}

char *tb_read_file(const char *path, size_t max, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    textbuf tb;
    tb_init(&tb);
    tb_append(&tb, "", 0); /* an empty file is "" */
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0 && tb.len <= max)
        tb_append(&tb, buf, n);
    int bad = ferror(f);
    fclose(f);
    if (bad || tb.failed || tb.len > max) {
        if (bad || tb.failed)
            snprintf(err, errlen, "%s: %s", path, bad ? "read error" : "out of memory");
        else
            snprintf(err, errlen, "%s: larger than %zu MiB", path, max >> 20);
        tb_free(&tb);
        return NULL;
    }
    if (len)
        *len = tb.len;
    return tb_take(&tb);
}

int tb_write_file(const char *path, const char *s, size_t n, char *err, size_t errlen)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    int bad = fwrite(s, 1, n, f) != n || ferror(f);
    /* fclose flushes: a full disk may only show here. */
    if (fclose(f) != 0)
        bad = 1;
    if (bad) {
        snprintf(err, errlen, "%s: write failed: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}
