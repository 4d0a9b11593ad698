/* The event invariants (check 3): per-key resourceVersion order, no change to an unheld key, events equal the snapshot. */
#include "eventcheck.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Open addressing keyed by "namespace\x01name"; slots are never removed
 * (a DELETED key keeps its last resourceVersion: RVs must not go back across
 * a delete and re-create either). */
struct evslot {
    char *key;    /* NULL: empty slot */
    char *uid;
    char *rv;
    uint64_t last_rvn; /* the highest RV any event gave this key */
    int held;
};

#define MAX_REPORTED 20

void lwch_eventcheck_init(eventcheck *ec)
{
    memset(ec, 0, sizeof *ec);
    lwcc_strbuf_init(&ec->report);
}

void lwch_eventcheck_free(eventcheck *ec)
{
    for (size_t i = 0; i < ec->nslots; i++) {
        free(ec->slots[i].key);
        free(ec->slots[i].uid);
        free(ec->slots[i].rv);
    }
    free(ec->slots);
    lwcc_strbuf_free(&ec->report);
    memset(ec, 0, sizeof *ec);
}

static uint64_t hash_key(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

static evslot *find(evslot *slots, size_t nslots, const char *key)
{
    size_t i = (size_t)(hash_key(key) & (nslots - 1));
    while (slots[i].key && strcmp(slots[i].key, key) != 0)
        i = (i + 1) & (nslots - 1);
    return &slots[i];
}

static int grow(eventcheck *ec)
{
    size_t n = ec->nslots ? ec->nslots * 2 : 256;
    evslot *ns = calloc(n, sizeof *ns);
    if (!ns)
        return -1;
    for (size_t i = 0; i < ec->nslots; i++)
        if (ec->slots[i].key)
            *find(ns, n, ec->slots[i].key) = ec->slots[i];
    free(ec->slots);
    ec->slots = ns;
    ec->nslots = n;
    return 0;
}

__attribute__((format(printf, 3, 4))) static void violation(eventcheck *ec, double t_ms, const char *fmt, ...)
{
    if (ec->violations == 0)
        ec->first_violation_ms = t_ms;
    ec->violations++;
    if (ec->violations > MAX_REPORTED)
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    lwcc_strbuf_printf(&ec->report, "  at %.0f ms (event #%zu): %s\n", t_ms, ec->events, line);
}

int lwch_eventcheck_apply(eventcheck *ec, event_kind kind, const item *obj, double t_ms)
{
    ec->events++;
    if ((ec->used + 1) * 2 > ec->nslots && grow(ec) != 0)
        return -1;
    size_t nslen = strlen(obj->ns), namelen = strlen(obj->name);
    char *key = malloc(nslen + namelen + 2);
    if (!key)
        return -1;
    memcpy(key, obj->ns, nslen);
    key[nslen] = '\x01';
    memcpy(key + nslen + 1, obj->name, namelen + 1);
    evslot *s = find(ec->slots, ec->nslots, key);
    int fresh = s->key == NULL;
    if (fresh) {
        s->key = key;
        ec->used++;
    } else {
        free(key);
    }
    char shown[600];
    if (obj->ns[0])
        snprintf(shown, sizeof shown, "%s/%s", obj->ns, obj->name);
    else
        snprintf(shown, sizeof shown, "%s", obj->name);
    int bad = 0;
    if (!obj->rv_numeric) {
        violation(ec, t_ms, "%s %s: resourceVersion \"%s\" is not an integer (the mock server's are)",
                  lwch_event_kind_name(kind), shown, obj->rv);
        bad = 1;
    } else if (!fresh && obj->rvn < s->last_rvn) {
        violation(ec, t_ms, "%s %s: resourceVersion went back from %llu to %llu", lwch_event_kind_name(kind), shown,
                  (unsigned long long)s->last_rvn, (unsigned long long)obj->rvn);
        bad = 1;
    }
    switch (kind) {
    case EV_ADDED:
        if (s->held) {
            violation(ec, t_ms, "ADDED %s (uid %s rv %s) while it is held (uid %s rv %s) with no DELETED between",
                      shown, obj->uid, obj->rv, s->uid, s->rv);
            bad = 1;
        }
        break;
    case EV_MODIFIED:
    case EV_DELETED:
        if (!s->held) {
            violation(ec, t_ms, "%s %s (rv %s) for a key the client does not hold%s", lwch_event_kind_name(kind), shown,
                      obj->rv, fresh ? " (never ADDED)" : " (already DELETED)");
            bad = 1;
        }
        break;
    }
    /* Whatever the verdict, follow the client so later events are judged against what it holds. */
    char *uid = strdup(obj->uid), *rv = strdup(obj->rv);
    if (!uid || !rv) {
        free(uid);
        free(rv);
        return -1;
    }
    free(s->uid);
    free(s->rv);
    s->uid = uid;
    s->rv = rv;
    s->held = kind != EV_DELETED;
    if (obj->rv_numeric && obj->rvn > s->last_rvn)
        s->last_rvn = obj->rvn;
    return bad;
}

size_t lwch_eventcheck_compare(const eventcheck *ec, const itemset *snapshot, strbuf *out)
{
    itemset held;
    lwch_itemset_init(&held);
    for (size_t i = 0; i < ec->nslots; i++) {
        const evslot *s = &ec->slots[i];
        if (!s->key || !s->held)
            continue;
        const char *sep = strchr(s->key, '\x01');
        char ns[512];
        size_t nl = (size_t)(sep - s->key);
        if (nl >= sizeof ns)
            nl = sizeof ns - 1;
        memcpy(ns, s->key, nl);
        ns[nl] = '\0';
        if (lwch_itemset_add(&held, ns, sep + 1, s->uid, s->rv) != 0) {
            lwch_itemset_free(&held);
            lwcc_strbuf_puts(out, "  out of memory comparing the events with the snapshot\n");
            return 1;
        }
    }
    lwch_itemset_sort(&held);
    size_t n = lwch_itemset_diff_named(&held, snapshot, NULL, out, 10, "the store the EVENT lines describe",
                                  "the final snapshot", "events", "snapshot");
    lwch_itemset_free(&held);
    return n;
}
