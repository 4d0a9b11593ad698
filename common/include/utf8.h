/* UTF-8 well-formedness, and copies with ill-formed bytes replaced, so that
 * text from clients can go into JSON and XML. */
#ifndef LWC_UTF8_H
#define LWC_UTF8_H

#include <stddef.h>

/* Length of the well-formed UTF-8 sequence at p (at most n bytes); 0 when the
 * bytes there are not one (overlong forms and surrogates included). */
size_t lwcc_utf8_seq(const unsigned char *p, size_t n);
/* Copies s replacing every byte sequence that is not valid UTF-8, and every
 * NUL byte, with U+FFFD. malloc'd or NULL. */
char *lwcc_utf8_sanitize(const char *s, size_t n);

#endif
