/* JSON merge patch (RFC 7386), which kubectl and clients send as
 * application/merge-patch+json. */
#ifndef LWC_MERGE_PATCH_H
#define LWC_MERGE_PATCH_H

#include <cjson/cJSON.h>

/* Applies patch to target in place. Returns 0, or -1 when out of memory.
 * A patch that is not an object replaces the whole document (RFC 7386), which
 * an in-place call cannot do: it changes nothing here, the caller decides. A
 * target that is not an object is emptied to {} first, as the RFC's
 * MergePatch does (it used to take members into an array). */
int lwcm_merge_patch_apply(cJSON *target, const cJSON *patch);

#endif
