/* The watcher's cache: replace on a list, apply watch events, snapshot, and the events the caller sees. */
#include "store.h"

#include "bugs.h"

#include <stdlib.h>
#include <string.h>

int lwcr_store_init(lwcr_store *s, const lwc_reflector_callbacks *cb, unsigned bugs)
{
    memset(s, 0, sizeof *s);
    if (pthread_mutex_init(&s->mu, NULL) != 0)
        return LWC_ENOMEM;
    lwcr_table_init(&s->t);
    s->cb = cb;
    s->bugs = bugs;
    return LWC_OK;
}

void lwcr_store_destroy(lwcr_store *s)
{
    lwcr_table_free(&s->t);
    pthread_mutex_destroy(&s->mu);
}

static void emit(lwcr_store *s, lwc_event_type type, const lwc_object_ref *ref)
{
    if (s->cb && s->cb->on_event)
        s->cb->on_event(s->cb->userdata, type, ref);
}

static int other_object(const lwcr_obj *a, const lwcr_obj *b)
{
    return a->ref.uid[0] && b->ref.uid[0] && strcmp(a->ref.uid, b->ref.uid) != 0;
}

int lwcr_store_replace(lwcr_store *s, lwcr_table *next)
{
    int rc = LWC_OK;
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < next->cap; i++) {
        const lwcr_obj *n = next->slots[i];
        if (!n)
            continue;
        const lwcr_obj *o = lwcr_table_get(&s->t, n->ref.ns, n->ref.name);
        if (!o) {
            emit(s, LWC_ADDED, &n->ref);
        } else if (other_object(o, n)) {
            emit(s, LWC_DELETED, &o->ref);
            emit(s, LWC_ADDED, &n->ref);
        } else if (strcmp(o->ref.rv, n->ref.rv) != 0) {
            emit(s, LWC_MODIFIED, &n->ref);
        }
    }
    /* What the old store holds and the list does not. */
    size_t nkept = 0, capkept = 0;
    lwcr_obj **keep = NULL;
    int stale = lwcr_bug(s->bugs, LWC_BUG_STALE_RELIST);
    for (size_t i = 0; i < s->t.cap; i++) {
        lwcr_obj *o = s->t.slots[i];
        if (!o || lwcr_table_get(next, o->ref.ns, o->ref.name))
            continue;
        if (stale) {
            /* The bug: a relist merges into the store, so what vanished
             * from the server lingers here, unannounced. */
            if (nkept == capkept) {
                size_t nc = capkept ? capkept * 2 : 16;
                lwcr_obj **nk = realloc(keep, nc * sizeof *nk);
                if (!nk) {
                    rc = LWC_ENOMEM;
                    break;
                }
                keep = nk;
                capkept = nc;
            }
            keep[nkept++] = o;
            s->t.slots[i] = NULL;
            s->t.len--;
        } else {
            emit(s, LWC_DELETED, &o->ref);
        }
    }
    for (size_t i = 0; i < nkept; i++) {
        if (rc == LWC_OK && lwcr_table_put(next, keep[i], NULL) == LWC_OK)
            continue;
        rc = LWC_ENOMEM;
        free(keep[i]);
    }
    free(keep);
    lwcr_table tmp = s->t;
    s->t = *next;
    *next = tmp;
    pthread_mutex_unlock(&s->mu);
    lwcr_table_free(next);
    return rc;
}

int lwcr_store_apply(lwcr_store *s, lwc_event_type type, lwcr_obj *obj, int raw)
{
    int rc = LWC_OK;
    pthread_mutex_lock(&s->mu);
    if (type == LWC_DELETED) {
        lwcr_obj *old = lwcr_table_take(&s->t, obj->ref.ns, obj->ref.name);
        if (raw) {
            emit(s, LWC_DELETED, &obj->ref);
        } else if (old) {
            /* Announce the object we held (its uid), at the deletion's
             * resourceVersion, so that versions per key never go back. */
            lwc_object_ref ref = old->ref;
            if (obj->ref.rv[0])
                ref.rv = obj->ref.rv;
            emit(s, LWC_DELETED, &ref);
        }
        free(old);
        free(obj);
        pthread_mutex_unlock(&s->mu);
        return LWC_OK;
    }
    lwcr_obj *old = NULL;
    if (lwcr_table_put(&s->t, obj, &old) != LWC_OK) {
        free(obj);
        rc = LWC_ENOMEM;
    } else if (raw) {
        emit(s, type, &obj->ref);
    } else if (!old) {
        emit(s, LWC_ADDED, &obj->ref);
    } else if (other_object(old, obj)) {
        /* A delete we never saw: the key now names another object. */
        emit(s, LWC_DELETED, &old->ref);
        emit(s, LWC_ADDED, &obj->ref);
    } else if (strcmp(old->ref.rv, obj->ref.rv) != 0) {
        emit(s, LWC_MODIFIED, &obj->ref);
    }
    free(old);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int lwcr_store_snapshot(lwcr_store *s, lwc_snapshot *out)
{
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&s->mu);
    size_t n = s->t.len, bytes = 0;
    for (size_t i = 0; i < s->t.cap; i++) {
        const lwcr_obj *o = s->t.slots[i];
        if (o)
            bytes += strlen(o->ref.ns) + strlen(o->ref.name) + strlen(o->ref.uid) + strlen(o->ref.rv) + 4;
    }
    lwc_object_ref *items = n ? malloc(n * sizeof *items) : NULL;
    char *arena = bytes ? malloc(bytes) : NULL;
    if ((n && !items) || (bytes && !arena)) {
        pthread_mutex_unlock(&s->mu);
        free(items);
        free(arena);
        return LWC_ENOMEM;
    }
    char *p = arena;
    size_t k = 0;
    for (size_t i = 0; i < s->t.cap; i++) {
        const lwcr_obj *o = s->t.slots[i];
        if (!o)
            continue;
        const char *src[4] = {o->ref.ns, o->ref.name, o->ref.uid, o->ref.rv};
        const char **dst[4] = {&items[k].ns, &items[k].name, &items[k].uid, &items[k].rv};
        for (int j = 0; j < 4; j++) {
            size_t l = strlen(src[j]) + 1;
            memcpy(p, src[j], l);
            *dst[j] = p;
            p += l;
        }
        k++;
    }
    pthread_mutex_unlock(&s->mu);
    out->items = items;
    out->n = n;
    out->arena = arena;
    return LWC_OK;
}

size_t lwcr_store_len(lwcr_store *s)
{
    pthread_mutex_lock(&s->mu);
    size_t n = s->t.len;
    pthread_mutex_unlock(&s->mu);
    return n;
}

void lwc_snapshot_free(lwc_snapshot *s)
{
    if (!s)
        return;
    free(s->items);
    free(s->arena);
    memset(s, 0, sizeof *s);
}
