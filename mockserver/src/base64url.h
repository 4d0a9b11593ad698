/* base64 with the URL-safe alphabet and no padding (Go's RawURLEncoding),
 * the encoding of the apiserver's continue tokens. */
#ifndef LWC_BASE64URL_H
#define LWC_BASE64URL_H

#include <stddef.h>

/* Returns a malloc'd NUL-terminated string, or NULL when out of memory. */
char *lwcm_base64url_encode(const unsigned char *data, size_t len);

/* Decodes strictly, as Go does: any byte outside the alphabet, padding
 * included, or a dangling final character fails. On failure returns -1 and
 * sets *bad_offset to the offending input byte, which Go's error message names.
 * On success *out is malloc'd (NUL-terminated for convenience). */
int lwcm_base64url_decode(const char *in, size_t in_len, unsigned char **out,
                     size_t *out_len, size_t *bad_offset);

#endif
