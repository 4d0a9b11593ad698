/* The store: the client's copy of the collection, keyed by namespace/name,
 * behind one lock, announcing every change through on_event while it holds
 * the lock, so that a snapshot never disagrees with the events before it. */
#ifndef LWCR_STORE_H
#define LWCR_STORE_H

#include "lwc_reflector.h"
#include "table.h"

#include <pthread.h>

typedef struct lwcr_store {
    pthread_mutex_t mu;
    lwcr_table t;
    const lwc_reflector_callbacks *cb;
    unsigned bugs;
} lwcr_store;

int lwcr_store_init(lwcr_store *s, const lwc_reflector_callbacks *cb, unsigned bugs);
void lwcr_store_destroy(lwcr_store *s);

/* A relist: the store becomes exactly next (which is emptied). Keys that
 * vanished are announced DELETED with their last known state (client-go's
 * DeletedFinalStateUnknown); a key whose uid changed is announced DELETED
 * then ADDED, since it is another object; a changed resourceVersion is
 * MODIFIED; an unchanged object is silent. */
int lwcr_store_replace(lwcr_store *s, lwcr_table *next);

/* One watch event; obj is taken. The announced type follows the store, not
 * the wire (as an informer's Add/Update follows its indexer): ADDED for a
 * key not held, MODIFIED for one held, nothing for an event that changes
 * nothing or deletes a key not held. raw = 1 announces the wire's type as
 * it came, which is what clients without a store (and two bugs) do. */
int lwcr_store_apply(lwcr_store *s, lwc_event_type type, lwcr_obj *obj, int raw);

int lwcr_store_snapshot(lwcr_store *s, lwc_snapshot *out);
size_t lwcr_store_len(lwcr_store *s);

#endif
