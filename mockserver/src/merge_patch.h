/* JSON merge patch (RFC 7386), which kubectl and clients send as
 * application/merge-patch+json. */
#ifndef LWC_MERGE_PATCH_H
#define LWC_MERGE_PATCH_H

#include <cjson/cJSON.h>

/* Applies patch to target in place. Returns 0, or -1 when out of memory. */
int merge_patch_apply(cJSON *target, const cJSON *patch);

#endif
