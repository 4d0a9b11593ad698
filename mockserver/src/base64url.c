/* Encodes and decodes base64url without padding (Go's RawURLEncoding), as continue tokens use it. */
#include "base64url.h"

#include <stdlib.h>

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

char *lwcm_base64url_encode(const unsigned char *data, size_t len)
{
    size_t out_len = (len / 3) * 4 + ((len % 3) ? (len % 3) + 1 : 0);
    char *out = malloc(out_len + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    size_t i = 0;
    for (; i + 3 <= len; i += 3) {
        unsigned v = (unsigned)data[i] << 16 | (unsigned)data[i + 1] << 8 | data[i + 2];
        out[o++] = alphabet[(v >> 18) & 63];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = alphabet[(v >> 6) & 63];
        out[o++] = alphabet[v & 63];
    }
    if (len - i == 1) {
        unsigned v = (unsigned)data[i] << 16;
        out[o++] = alphabet[(v >> 18) & 63];
        out[o++] = alphabet[(v >> 12) & 63];
    } else if (len - i == 2) {
        unsigned v = (unsigned)data[i] << 16 | (unsigned)data[i + 1] << 8;
        out[o++] = alphabet[(v >> 18) & 63];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = alphabet[(v >> 6) & 63];
    }
    out[o] = '\0';
    return out;
}

static int sextet(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

int lwcm_base64url_decode(const char *in, size_t in_len, unsigned char **out,
                     size_t *out_len, size_t *bad_offset)
{
    *out = NULL;
    *out_len = 0;
    for (size_t i = 0; i < in_len; i++) {
        if (sextet((unsigned char)in[i]) < 0) {
            *bad_offset = i;
            return -1;
        }
    }
    /* A lone trailing character carries only 6 bits: Go reports it at its offset. */
    if (in_len % 4 == 1) {
        *bad_offset = in_len - 1;
        return -1;
    }
    unsigned char *buf = malloc(in_len / 4 * 3 + 3 + 1);
    if (!buf) {
        *bad_offset = 0;
        return -2;
    }
    size_t o = 0;
    size_t i = 0;
    for (; i + 4 <= in_len; i += 4) {
        unsigned v = (unsigned)sextet((unsigned char)in[i]) << 18 |
                     (unsigned)sextet((unsigned char)in[i + 1]) << 12 |
                     (unsigned)sextet((unsigned char)in[i + 2]) << 6 |
                     (unsigned)sextet((unsigned char)in[i + 3]);
        buf[o++] = (unsigned char)(v >> 16);
        buf[o++] = (unsigned char)(v >> 8);
        buf[o++] = (unsigned char)v;
    }
    size_t rest = in_len - i;
    if (rest == 2) {
        unsigned v = (unsigned)sextet((unsigned char)in[i]) << 18 |
                     (unsigned)sextet((unsigned char)in[i + 1]) << 12;
        buf[o++] = (unsigned char)(v >> 16);
    } else if (rest == 3) {
        unsigned v = (unsigned)sextet((unsigned char)in[i]) << 18 |
                     (unsigned)sextet((unsigned char)in[i + 1]) << 12 |
                     (unsigned)sextet((unsigned char)in[i + 2]) << 6;
        buf[o++] = (unsigned char)(v >> 16);
        buf[o++] = (unsigned char)(v >> 8);
    }
    buf[o] = '\0';
    *out = buf;
    *out_len = o;
    return 0;
}
