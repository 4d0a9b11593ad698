/* Fuzz target: JSON merge patch (RFC 7386, the mock server's merge_patch.c).
 * The input is two JSON texts separated by a NUL byte: target, then patch. */
#include "fuzz_util.h"
#include "merge_patch.h"
#include "validation.h"

#include <cjson/cJSON.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    if (!nul)
        return 0;
    size_t n1 = (size_t)(nul - data);
    cJSON *target = cJSON_ParseWithLength((const char *)data, n1);
    cJSON *patch = cJSON_ParseWithLength((const char *)nul + 1, size - n1 - 1);
    /* The server dedupes keys when it parses a body (the last wins, as Go):
     * so do these, else the first "f": null of a patch deletes only the first
     * of two "f"s and a second application deletes the other. */
    if (target && patch && lwcm_json_dedupe_keys(target) == 0 && lwcm_json_dedupe_keys(patch) == 0 &&
        lwcm_merge_patch_apply(target, patch) == 0) {
        /* Applying the same patch again changes nothing (idempotence). */
        char *once = cJSON_PrintUnformatted(target);
        if (lwcm_merge_patch_apply(target, patch) == 0) {
            char *twice = cJSON_PrintUnformatted(target);
            if (once && twice && strcmp(once, twice) != 0)
                __builtin_trap();
            free(twice);
        }
        free(once);
    }
    cJSON_Delete(target);
    cJSON_Delete(patch);
    return 0;
}
