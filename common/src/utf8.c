/* UTF-8 sequences, and copies of text with ill-formed bytes replaced by U+FFFD. */
#include "utf8.h"

#include "strbuf.h"

#include <stddef.h>

/* Length of the valid UTF-8 sequence at p (at most n bytes), 0 if invalid. */
size_t lwcc_utf8_seq(const unsigned char *p, size_t n)
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

char *lwcc_utf8_sanitize(const char *s, size_t n, int nul_too, size_t *outlen)
{
    strbuf sb;
    lwcc_strbuf_init(&sb);
    lwcc_strbuf_reserve(&sb, n); /* the usual case: few bad bytes, one allocation */
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        size_t k = lwcc_utf8_seq(p + i, n - i);
        if (k == 0 || (nul_too && p[i] == 0)) {
            lwcc_strbuf_puts(&sb, "\xEF\xBF\xBD");
            i++;
        } else {
            lwcc_strbuf_append(&sb, s + i, k);
            i += k;
        }
    }
    return lwcc_strbuf_take(&sb, outlen);
}
