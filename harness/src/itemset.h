/* What the checks compare: sets of (namespace, name, uid, resourceVersion),
 * from a client's SNAPSHOT or from the server's state, and their diff. */
#ifndef LWC_HARNESS_ITEMSET_H
#define LWC_HARNESS_ITEMSET_H

#include "strbuf.h"

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

typedef struct item {
    const char *ns, *name, *uid, *rv; /* point into mem */
    uint64_t rvn;                     /* rv as an integer, when rv_numeric */
    int rv_numeric;
    char *mem;
} item;

typedef struct itemset {
    item *v;
    size_t n, cap;
    int sorted;
} itemset;

void lwch_itemset_init(itemset *s);
void lwch_itemset_free(itemset *s);
int lwch_itemset_add(itemset *s, const char *ns, const char *name, const char *uid, const char *rv);
/* Sorts by namespace, then name. */
void lwch_itemset_sort(itemset *s);
/* The largest numeric resourceVersion in the set (0 when empty). */
uint64_t lwch_itemset_max_rv(const itemset *s);

/* Parses a mock-server RV ("1042") as an unsigned integer; -1 if it is not one. */
int lwch_parse_rv(const char *s, uint64_t *out);

/* A SNAPSHOT's "items" array. Every item needs string name, uid and
 * resourceVersion; namespace is a string, "" (or absent) for cluster-scoped
 * objects. Returns 0, or -1 with what was wrong. */
int lwch_itemset_from_snapshot(const cJSON *items, itemset *out, char *err, size_t errlen);
/* A list as lwc_mock_list_json returns it; *list_rv gets metadata.resourceVersion. */
int lwch_itemset_from_list_json(const char *json, itemset *out, uint64_t *list_rv, char *err, size_t errlen);

typedef struct itemdiff {
    size_t missing;   /* on the server, not in the client's store */
    size_t extra;     /* in the client's store, not on the server */
    size_t stale;     /* same key and uid, another resourceVersion */
    size_t uid;       /* same key, another uid */
    size_t duplicate; /* a key the client listed more than once */
} itemdiff;

/* Compares a client's set with the server's (both sorted). Returns the
 * number of differences (0: equal); with out, writes them for people, at
 * most max_each lines a kind. */
size_t lwch_itemset_diff(const itemset *client, const itemset *server, itemdiff *d, strbuf *out, size_t max_each);
/* The same, naming the two sides in the text (e.g. "the events", "the snapshot"). */
size_t lwch_itemset_diff_named(const itemset *a, const itemset *b, itemdiff *d, strbuf *out, size_t max_each,
                          const char *aname, const char *bname, const char *ashort, const char *bshort);

#endif
