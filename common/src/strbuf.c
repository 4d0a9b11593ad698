/* The growable byte buffer: sticky allocation failure, printf and JSON-string appends. */
#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lwcc_strbuf_init(strbuf *sb)
{
    sb->data = NULL;
    sb->len = 0;
    sb->cap = 0;
    sb->failed = 0;
}

void lwcc_strbuf_free(strbuf *sb)
{
    free(sb->data);
    lwcc_strbuf_init(sb);
}

void lwcc_strbuf_reset(strbuf *sb)
{
    sb->len = 0;
    if (sb->data)
        sb->data[0] = '\0';
}

int lwcc_strbuf_reserve(strbuf *sb, size_t extra)
{
    if (sb->failed)
        return -1;
    if (extra > ((size_t)-1) / 2 - sb->len) {
        sb->failed = 1;
        return -1;
    }
    size_t need = sb->len + extra + 1;
    if (need <= sb->cap)
        return 0;
    size_t cap = sb->cap ? sb->cap : 256;
    while (cap < need)
        cap *= 2;
    char *p = realloc(sb->data, cap);
    if (!p) {
        sb->failed = 1;
        return -1;
    }
    sb->data = p;
    sb->cap = cap;
    return 0;
}

int lwcc_strbuf_append(strbuf *sb, const void *data, size_t len)
{
    if (lwcc_strbuf_reserve(sb, len) != 0)
        return -1;
    if (len)
        memcpy(sb->data + sb->len, data, len);
    sb->len += len;
    sb->data[sb->len] = '\0';
    return 0;
}

int lwcc_strbuf_puts(strbuf *sb, const char *s)
{
    return lwcc_strbuf_append(sb, s, strlen(s));
}

int lwcc_strbuf_putc(strbuf *sb, char c)
{
    return lwcc_strbuf_append(sb, &c, 1);
}

int lwcc_strbuf_printf(strbuf *sb, const char *fmt, ...)
{
    if (sb->failed)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        sb->failed = 1;
        return -1;
    }
    if ((size_t)n < sizeof small)
        return lwcc_strbuf_append(sb, small, (size_t)n);
    if (lwcc_strbuf_reserve(sb, (size_t)n) != 0)
        return -1;
    va_start(ap, fmt);
    vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
    return 0;
}

int lwcc_strbuf_put_json_string(strbuf *sb, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    if (lwcc_strbuf_putc(sb, '"') != 0)
        return -1;
    const unsigned char *p = (const unsigned char *)s;
    const unsigned char *run = p;
    for (; *p; p++) {
        if (*p >= 0x20 && *p != '"' && *p != '\\')
            continue;
        lwcc_strbuf_append(sb, run, (size_t)(p - run));
        switch (*p) {
        case '"': lwcc_strbuf_puts(sb, "\\\""); break;
        case '\\': lwcc_strbuf_puts(sb, "\\\\"); break;
        case '\n': lwcc_strbuf_puts(sb, "\\n"); break;
        case '\r': lwcc_strbuf_puts(sb, "\\r"); break;
        case '\t': lwcc_strbuf_puts(sb, "\\t"); break;
        default: {
            char esc[7] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15], 0};
            lwcc_strbuf_puts(sb, esc);
        }
        }
        run = p + 1;
    }
    lwcc_strbuf_append(sb, run, (size_t)(p - run));
    return lwcc_strbuf_putc(sb, '"');
}

const char *lwcc_strbuf_str(const strbuf *sb)
{
    return sb->data && !sb->failed ? sb->data : "";
}

char *lwcc_strbuf_take(strbuf *sb, size_t *len_out)
{
    if (sb->failed || lwcc_strbuf_reserve(sb, 0) != 0) {
        lwcc_strbuf_free(sb);
        return NULL;
    }
    char *p = sb->data;
    p[sb->len] = '\0'; /* a buffer nothing was appended to is "" too */
    if (len_out)
        *len_out = sb->len;
    lwcc_strbuf_init(sb);
    return p;
}
