/* Continue tokens in the apiserver's own form (apiserver pkg/storage/continue.go):
 * base64url (no padding) of {"v":"meta.k8s.io/v1","rv":N,"start":"<key>\u0000"}.
 * rv = -1 marks the "inconsistent continue" token handed out with a 410. */
#ifndef LWC_CONTINUE_TOKEN_H
#define LWC_CONTINUE_TOKEN_H

#include <stddef.h>
#include <stdint.h>

typedef struct continue_token {
    int64_t rv;
    /* The key to resume from, relative to the list's prefix, without the
     * trailing NUL; resume strictly after it when exclusive is set. */
    char *start;
    int exclusive;
} continue_token;

/* Encodes a token resuming after last_key. Returns a malloc'd string or NULL. */
char *lwcm_continue_token_encode(int64_t rv, const char *last_key);

/* Decodes and validates a token. On failure returns -1 and writes the
 * apiserver's message (without the "invalid continue token: " prefix the
 * caller adds) into err. */
int lwcm_continue_token_decode(const char *token, continue_token *out, char *err, size_t errlen);
void lwcm_continue_token_free(continue_token *t);

#endif
