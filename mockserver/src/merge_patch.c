/* JSON merge patch, RFC 7386 section 2 (MergePatch), in place on cJSON. */
#include "merge_patch.h"

/* Turns a non-object node into an empty object, keeping its member name. */
static void make_empty_object(cJSON *node)
{
    if (node->child) {
        cJSON_Delete(node->child); /* and its siblings */
        node->child = NULL;
    }
    if (!(node->type & cJSON_IsReference) && node->valuestring) {
        cJSON_free(node->valuestring);
    }
    node->valuestring = NULL;
    node->valueint = 0;
    node->valuedouble = 0;
    node->type = cJSON_Object | (node->type & cJSON_StringIsConst);
}

int lwcm_merge_patch_apply(cJSON *target, const cJSON *patch)
{
    if (!cJSON_IsObject(patch))
        return 0;
    if (!cJSON_IsObject(target))
        make_empty_object(target);
    const cJSON *p;
    cJSON_ArrayForEach(p, patch) {
        if (!p->string)
            continue;
        if (cJSON_IsNull(p)) {
            cJSON_DeleteItemFromObjectCaseSensitive(target, p->string);
            continue;
        }
        cJSON *cur = cJSON_GetObjectItemCaseSensitive(target, p->string);
        if (cJSON_IsObject(p) && cJSON_IsObject(cur)) {
            if (lwcm_merge_patch_apply(cur, p) != 0)
                return -1;
            continue;
        }
        cJSON *dup = cJSON_Duplicate(p, 1);
        if (!dup)
            return -1;
        if (cJSON_IsObject(dup)) {
            /* Nulls inside a new object mean "absent", not a value to store. */
            cJSON *empty = cJSON_CreateObject();
            if (!empty || lwcm_merge_patch_apply(empty, dup) != 0) {
                cJSON_Delete(empty);
                cJSON_Delete(dup);
                return -1;
            }
            cJSON_Delete(dup);
            dup = empty;
        }
        if (cur) {
            if (!cJSON_ReplaceItemInObjectCaseSensitive(target, p->string, dup)) {
                cJSON_Delete(dup);
                return -1;
            }
        } else if (!cJSON_AddItemToObject(target, p->string, dup)) {
            cJSON_Delete(dup);
            return -1;
        }
    }
    return 0;
}
