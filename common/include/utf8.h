/* UTF-8 well-formedness, and copies with ill-formed bytes replaced, so that
 * text from clients can go into JSON and XML. */
#ifndef LWC_UTF8_H
#define LWC_UTF8_H

#include <stddef.h>

/* Length of the well-formed UTF-8 sequence at p (at most n bytes); 0 when the
 * bytes there are not one (overlong forms and surrogates included). */
size_t lwcc_utf8_seq(const unsigned char *p, size_t n);
/* A copy of the n bytes at s with every ill-formed sequence replaced by
 * U+FFFD, as Go's encoding/json does when it decodes a string; with nul_too,
 * every NUL byte as well (for text bound for XML, or read as a C string).
 * NUL-terminated, its length in *outlen (may be NULL); malloc'd, or NULL when
 * out of memory. */
char *lwcc_utf8_sanitize(const char *s, size_t n, int nul_too, size_t *outlen);

#endif
