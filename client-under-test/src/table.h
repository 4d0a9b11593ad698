/* A hash table of object references keyed by (namespace, name): the
 * storage under the store, and the table a list is collected into before it
 * replaces the store. Not locked: the store locks. */
#ifndef LWCR_TABLE_H
#define LWCR_TABLE_H

#include "lwc_reflector.h"

#include <stddef.h>
#include <stdint.h>

typedef struct lwcr_obj {
    uint64_t hash;
    lwc_object_ref ref; /* points into data */
    char data[];
} lwcr_obj;

/* Copies the four strings (NULL is stored as ""). NULL on allocation failure. */
lwcr_obj *lwcr_obj_new(const char *ns, const char *name, const char *uid, const char *rv);

typedef struct lwcr_table {
    lwcr_obj **slots;
    size_t cap; /* a power of two, or 0 */
    size_t len;
} lwcr_table;

void lwcr_table_init(lwcr_table *t);
/* Frees every object and the slots. */
void lwcr_table_free(lwcr_table *t);
lwcr_obj *lwcr_table_get(const lwcr_table *t, const char *ns, const char *name);
/* Takes ownership of obj. An object already under its key is handed back
 * through *old (the caller frees it), or freed when old is NULL. On
 * LWC_ENOMEM obj is not taken. */
int lwcr_table_put(lwcr_table *t, lwcr_obj *obj, lwcr_obj **old);
/* Removes the object under the key and hands it to the caller; NULL if none. */
lwcr_obj *lwcr_table_take(lwcr_table *t, const char *ns, const char *name);
/* Iteration: for (size_t i = 0; i < t->cap; i++) if (t->slots[i]) ... */

#endif
