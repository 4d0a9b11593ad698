/* Fuzz target: continue-token decoding (the mock server's
 * lwcm_continue_token_decode), and encode/decode agreeing on what decodes. */
#include "continue_token.h"
#include "fuzz_util.h"

#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size);
    if (!s)
        return 0;
    continue_token t;
    char err[512];
    if (lwcm_continue_token_decode(s, &t, err, sizeof err) == 0) {
        /* What decodes re-encodes to a token that decodes to the same. */
        if (t.start && t.rv >= 0) {
            char *again = lwcm_continue_token_encode(t.rv, t.start);
            continue_token u;
            if (again && lwcm_continue_token_decode(again, &u, err, sizeof err) == 0) {
                if (u.rv != t.rv)
                    __builtin_trap();
                lwcm_continue_token_free(&u);
            }
            free(again);
        }
        lwcm_continue_token_free(&t);
    }
    free(s);
    return 0;
}
