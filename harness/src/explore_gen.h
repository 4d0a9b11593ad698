/* lwc-explore's generator: a seeded PRNG, the "genome" of a random scenario
 * (world, server behaviour, faults, episodes of a timeline) that the shrinker
 * reduces, and its rendering to scenario JSON that lwc_scenario_parse loads. */
#ifndef LWC_HARNESS_EXPLORE_GEN_H
#define LWC_HARNESS_EXPLORE_GEN_H

#include <stddef.h>
#include <stdint.h>

/* xoshiro256** seeded by splitmix64: the same seed, the same scenarios on
 * every machine (never rand()). */
typedef struct xrng {
    uint64_t s[4];
} xrng;
void lwch_xrng_seed(xrng *r, uint64_t seed);
uint64_t lwch_xrng_next(xrng *r);
unsigned lwch_xrng_below(xrng *r, unsigned n); /* 0..n-1; 0 when n is 0 */
int lwch_xrng_chance(xrng *r, unsigned percent);

typedef enum { GRES_PODS, GRES_CONFIGMAPS, GRES_NAMESPACES, GRES_WIDGETS, GRES_CRONTABS, GRES_COUNT } gen_resource;

typedef enum { GW_CREATE, GW_UPDATE, GW_DELETE, GW_RECREATE, GW_RELABEL, GW_CHURN, GW_COUNT } gen_write_kind;

typedef struct gen_write {
    gen_write_kind kind;
    unsigned pick; /* which object (modulo what exists when the write is rendered) or namespace */
    int count;     /* CHURN: writes */
} gen_write;

/* Faults in the scenario's `faults` (they hit the first requests). */
typedef enum {
    GF_LIST_410_PAGE, /* 410 on list page `param` (>= 2): an expired continue */
    GF_LIST_429,      /* 429 with Retry-After on lists, `times` */
    GF_LIST_5XX,      /* 500/502/503 on lists, `times` */
    GF_LIST_403,      /* 403 on lists, `times` */
    GF_LIST_504,      /* 504 too-large resourceVersion with Retry-After, once */
    GF_WATCH_429,     /* 429 on watches, `times` */
    GF_WATCH_5XX,     /* 5xx on watches, `times` */
    GF_LIST_DELAY,    /* list answers delayed `param` ms */
    GF_COUNT
} gen_fault_kind;

typedef struct gen_fault {
    gen_fault_kind kind;
    int param;
    int times;
    int variant; /* 429: 0 header, 1 body too, 2 plain text; 5xx: which status */
} gen_fault;

/* Episodes: pieces of a timeline, each ending at a quiescent checkpoint. */
typedef enum {
    EP_WRITES,       /* writes while the watch is up */
    EP_DURING_LIST,  /* writes between the pages of the initial list (first episode only) */
    EP_WATCH_DOWN,   /* watches refused (5xx/429) and closed; writes while down; maybe a compaction */
    EP_TRUE_410,     /* a watch ERROR 410 after K events, history compacted first: a true one */
    EP_HTTP_410,     /* history compacted, the next watch refused with HTTP 410 */
    EP_STREAM,       /* a stream fault on the next watch (close, drop, truncate, garbage, slow), after K events */
    EP_STALL,        /* the next watch stalls (needs watchTimeout) */
    EP_STORM,        /* every request fails (5xx or 429) for a while, then the storm ends */
    EP_COMPACT,      /* writes, then a compaction, then the watches closed */
    EP_QUIET_CLOSE,  /* first episode only: the watch open >1 s, bookmarks carry the RV, compaction, close */
    EP_COUNT
} episode_kind;

#define GEN_MAX_WRITES 8
#define GEN_MAX_EPISODES 6
#define GEN_MAX_FAULTS 4
/* failed requests (faults, refused or broken watches, 410s) in one scenario:
 * a client-go-like backoff after 4 in a row is up to 24 s */
#define GEN_MAX_FAILURES 4

typedef struct episode {
    episode_kind kind;
    int variant;   /* stream fault kind, storm status ... */
    int after_events;
    int wait_ms;   /* a wait inside the episode (storm length, watch age before a close) */
    int compact;   /* EP_WATCH_DOWN: compact while down */
    gen_write writes[GEN_MAX_WRITES];
    int nwrites;
} episode;

typedef struct genome {
    uint64_t seed;     /* the seed this genome came from (reports) */
    gen_resource resource;
    int nns;           /* namespaces (1 for cluster-scoped) */
    int per_ns;        /* generated objects per namespace */
    int extra;         /* explicit objects, created after the generated ones, names sorting first */
    int label_every;   /* 0: no labels; else every Nth generated object gets app=web */
    int selector;      /* the client watches app=web */
    int watch_ns;      /* -1 all namespaces, else ns-<watch_ns> */
    int kubeconfig_ns; /* -1 "default", else ns-<k> */
    int page_size;     /* 0: no pagination */
    int watch_list;    /* LWC_WATCH_LIST=1 */
    int watch_timeout; /* seconds (0: none) */
    /* server */
    int history_limit;
    int rv0_paginated;
    int page_size_cap;
    int bookmark_ms;   /* 0: the server's default interval */
    int last_page_empty;
    int watch_list_mode; /* 0 rejected, 1 served, 2 served without the end bookmark */
    int lagging;
    int below_floor;
    int watch_expired_http; /* an expired watch gets HTTP 410, not an ERROR event */
    gen_fault faults[GEN_MAX_FAULTS];
    int nfaults;
    episode eps[GEN_MAX_EPISODES];
    int neps;
} genome;

/* A random genome using only what a client with capabilities `caps`
 * (lwc_capability bits) can pass; `run` is the run's index, mixed into the
 * seed so that run N of seed S is always the same scenario. */
void lwch_gen_random(genome *g, uint64_t seed, uint64_t run, unsigned caps);
/* The scenario's JSON text (malloc'd; NULL when out of memory), named
 * `name`. Every write refers to an object that exists when it runs. */
char *lwch_gen_render(const genome *g, const char *name);
/* The lwc_capability bits a scenario's faults, steps, server and
 * expectations need of a right client: its `requires`. */
struct lwc_scenario;
unsigned lwch_explore_needs(const struct lwc_scenario *sc);
/* Objects in the world (with timeline steps and faults, a shrunk scenario's size). */
int lwch_gen_objects(const genome *g);
/* Failed requests the scenario makes a right client meet (an estimate from
 * above: what its backoff and its deadlines are sized by). */
int lwch_gen_failures(const genome *g);
/* A sentence on what the scenario does (malloc'd), for its description. */
char *lwch_gen_describe(const genome *g);

/* The genome as a scenario the harness accepts: rendered, loaded with
 * lwc_scenario_parse, given the `requires` it needs, printed canonically
 * (lwc_scenario_print) and loaded again from that text, which goes to
 * *text_out (malloc'd) when asked. extra_desc (may be NULL) is appended to
 * the description. NULL with err on failure. */
struct lwc_scenario *lwch_explore_scenario(const genome *g, const char *name, const char *extra_desc, char **text_out,
                                      char *err, size_t errlen);

#endif
