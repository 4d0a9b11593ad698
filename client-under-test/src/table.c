/* A hash table of objects keyed by namespace and name. */
#include "table.h"

#include <stdlib.h>
#include <string.h>

/* FNV-1a over namespace, a separator no name can hold, and name. */
static uint64_t key_hash(const char *ns, const char *name)
{
    uint64_t h = 1469598103934665603ull;
    for (const unsigned char *p = (const unsigned char *)ns; *p; p++)
        h = (h ^ *p) * 1099511628211ull;
    h = (h ^ '/') * 1099511628211ull;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * 1099511628211ull;
    return h;
}

lwcr_obj *lwcr_obj_new(const char *ns, const char *name, const char *uid, const char *rv)
{
    const char *s[4] = {ns ? ns : "", name ? name : "", uid ? uid : "", rv ? rv : ""};
    size_t l[4], total = 0;
    for (int i = 0; i < 4; i++) {
        l[i] = strlen(s[i]) + 1;
        total += l[i];
    }
    lwcr_obj *o = malloc(sizeof *o + total);
    if (!o)
        return NULL;
    char *p = o->data;
    const char **dst[4] = {&o->ref.ns, &o->ref.name, &o->ref.uid, &o->ref.rv};
    for (int i = 0; i < 4; i++) {
        memcpy(p, s[i], l[i]);
        *dst[i] = p;
        p += l[i];
    }
    o->hash = key_hash(s[0], s[1]);
    return o;
}

void lwcr_table_init(lwcr_table *t)
{
    memset(t, 0, sizeof *t);
}

void lwcr_table_free(lwcr_table *t)
{
    for (size_t i = 0; i < t->cap; i++)
        free(t->slots[i]);
    free(t->slots);
    memset(t, 0, sizeof *t);
}

static int same_key(const lwcr_obj *o, uint64_t h, const char *ns, const char *name)
{
    return o->hash == h && strcmp(o->ref.name, name) == 0 && strcmp(o->ref.ns, ns) == 0;
}

/* Linear probing: the slot holding the key, or the empty slot ending its run. */
static size_t find_slot(const lwcr_table *t, uint64_t h, const char *ns, const char *name)
{
    size_t mask = t->cap - 1, i = (size_t)h & mask;
    while (t->slots[i] && !same_key(t->slots[i], h, ns, name))
        i = (i + 1) & mask;
    return i;
}

static int grow(lwcr_table *t)
{
    size_t ncap = t->cap ? t->cap * 2 : 64;
    lwcr_obj **ns = calloc(ncap, sizeof *ns);
    if (!ns)
        return LWC_ENOMEM;
    for (size_t i = 0; i < t->cap; i++) {
        lwcr_obj *o = t->slots[i];
        if (!o)
            continue;
        size_t j = (size_t)o->hash & (ncap - 1);
        while (ns[j])
            j = (j + 1) & (ncap - 1);
        ns[j] = o;
    }
    free(t->slots);
    t->slots = ns;
    t->cap = ncap;
    return LWC_OK;
}

lwcr_obj *lwcr_table_get(const lwcr_table *t, const char *ns, const char *name)
{
    if (!t->cap)
        return NULL;
    ns = ns ? ns : "";
    return t->slots[find_slot(t, key_hash(ns, name), ns, name)];
}

int lwcr_table_put(lwcr_table *t, lwcr_obj *obj, lwcr_obj **old)
{
    if (old)
        *old = NULL;
    /* Keep the load under 1/2: probes stay short. */
    if ((t->len + 1) * 2 > t->cap && grow(t) != LWC_OK)
        return LWC_ENOMEM;
    size_t i = find_slot(t, obj->hash, obj->ref.ns, obj->ref.name);
    if (t->slots[i]) {
        if (old)
            *old = t->slots[i];
        else
            free(t->slots[i]);
    } else {
        t->len++;
    }
    t->slots[i] = obj;
    return LWC_OK;
}

lwcr_obj *lwcr_table_take(lwcr_table *t, const char *ns, const char *name)
{
    if (!t->cap)
        return NULL;
    ns = ns ? ns : "";
    size_t mask = t->cap - 1;
    size_t i = find_slot(t, key_hash(ns, name), ns, name);
    lwcr_obj *o = t->slots[i];
    if (!o)
        return NULL;
    t->slots[i] = NULL;
    t->len--;
    /* Backward-shift deletion: move later members of the run into the hole
     * when their home slot does not lie cyclically in (hole, their slot]. */
    size_t hole = i, j = i;
    for (;;) {
        j = (j + 1) & mask;
        lwcr_obj *m = t->slots[j];
        if (!m)
            break;
        size_t home = (size_t)m->hash & mask;
        int stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
        if (stays)
            continue;
        t->slots[hole] = m;
        t->slots[j] = NULL;
        hole = j;
    }
    return o;
}
