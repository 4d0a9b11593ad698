/* lwc-explore's generator: random genomes within what a right client can
 * pass, and their rendering to scenario JSON (scenarios/README.md). */
#include "explore_gen.h"

#include "lwc_scenario.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- PRNG ---- */

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void lwch_xrng_seed(xrng *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t lwch_xrng_next(xrng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

unsigned lwch_xrng_below(xrng *r, unsigned n)
{
    return n ? (unsigned)(lwch_xrng_next(r) % n) : 0;
}

int lwch_xrng_chance(xrng *r, unsigned percent)
{
    return lwch_xrng_below(r, 100) < percent;
}

/* ---- random genomes ---- */

static int namespaced(const genome *g)
{
    return g->resource != GRES_NAMESPACES;
}

static void random_writes(xrng *r, const genome *g, episode *e, int min, int max)
{
    e->nwrites = min + (int)lwch_xrng_below(r, (unsigned)(max - min + 1));
    for (int i = 0; i < e->nwrites; i++) {
        gen_write *w = &e->writes[i];
        w->kind = (gen_write_kind)lwch_xrng_below(r, GW_COUNT);
        if (w->kind == GW_CHURN && !namespaced(g))
            w->kind = GW_CREATE;
        if (w->kind == GW_RELABEL && !g->label_every && !g->selector)
            w->kind = GW_UPDATE;
        w->pick = (unsigned)lwch_xrng_next(r);
        w->count = w->kind == GW_CHURN ? 3 + (int)lwch_xrng_below(r, 10) : 0;
    }
}

/* Which episodes a client with `caps` can pass; `first`: the timeline's first. */
static int episode_allowed(episode_kind k, unsigned caps, const genome *g, int first)
{
    const unsigned rw = LWC_CAP_REWATCH;
    switch (k) {
    case EP_WRITES:
        return 1;
    case EP_DURING_LIST:
        /* listPages must come: no served streaming list in its place */
        return first && !(g->watch_list && g->watch_list_mode != 0);
    case EP_WATCH_DOWN:
        return (caps & (rw | LWC_CAP_RETRY)) == (rw | LWC_CAP_RETRY);
    case EP_TRUE_410:
    case EP_HTTP_410:
    case EP_COMPACT:
        return (caps & (rw | LWC_CAP_RELIST)) == (rw | LWC_CAP_RELIST);
    case EP_STREAM:
        return (caps & rw) != 0;
    case EP_STALL:
        return (caps & (rw | LWC_CAP_WATCH_TIMEOUT)) == (rw | LWC_CAP_WATCH_TIMEOUT);
    case EP_STORM:
        return (caps & (rw | LWC_CAP_RETRY)) == (rw | LWC_CAP_RETRY);
    case EP_QUIET_CLOSE:
        /* the first watch must be a live one: not a streaming list that
         * never ends its initial events and falls back to a list */
        return first && (caps & rw) && namespaced(g) && !(g->watch_list && g->watch_list_mode == 2);
    case EP_COUNT:
        break;
    }
    return 0;
}

static int fault_allowed(gen_fault_kind k, unsigned caps)
{
    switch (k) {
    case GF_LIST_410_PAGE:
        return (caps & LWC_CAP_RELIST) != 0;
    case GF_WATCH_429:
    case GF_WATCH_5XX:
        return (caps & (LWC_CAP_RETRY | LWC_CAP_REWATCH)) == (LWC_CAP_RETRY | LWC_CAP_REWATCH);
    case GF_LIST_429:
    case GF_LIST_5XX:
    case GF_LIST_403:
    case GF_LIST_504:
        return (caps & LWC_CAP_RETRY) != 0;
    case GF_LIST_DELAY:
        return 1;
    case GF_COUNT:
        break;
    }
    return 0;
}

/* Failed requests a right client meets: every one grows its backoff
 * (client-go: 800 ms doubling, with as much jitter again, reset only after
 * two quiet minutes), so they bound how many a scenario may hold and set
 * the deadlines after them. */
static int fault_cost(const gen_fault *f)
{
    switch (f->kind) {
    case GF_LIST_410_PAGE:
    case GF_LIST_504:
        return 1;
    case GF_LIST_DELAY:
        return 0;
    default:
        return f->times;
    }
}

static int episode_cost(const episode *e)
{
    switch (e->kind) {
    case EP_WATCH_DOWN:
        return 1 + e->after_events % 2 + (e->compact ? 1 : 0);
    case EP_TRUE_410:
    case EP_HTTP_410:
    case EP_STALL:
    case EP_COMPACT:
        return 1;
    case EP_STREAM:
        return e->variant % 5 == 0 || e->variant % 5 == 4 ? 0 : 1; /* a clean close and a slow stream are no error */
    case EP_STORM:
        return 1 + e->wait_ms / 700;
    default:
        return 0;
    }
}

int lwch_gen_failures(const genome *g)
{
    int n = g->history_limit ? 1 : 0;
    n += g->watch_list && g->watch_list_mode == 2 ? 1 : 0;
    for (int i = 0; i < g->nfaults; i++)
        n += fault_cost(&g->faults[i]);
    for (int i = 0; i < g->neps; i++)
        n += episode_cost(&g->eps[i]);
    return n;
}

/* The worst wait of a client-go-like backoff after k failures in a row:
 * 0.8 s doubling, each up to twice as long with jitter. */
static int backoff_ms(int k)
{
    return 1600 * ((1 << k) - 1);
}

void lwch_gen_random(genome *g, uint64_t seed, uint64_t run, unsigned caps)
{
    memset(g, 0, sizeof *g);
    uint64_t mix = seed ^ (run * 0xD1B54A32D192ED03ull);
    xrng r;
    lwch_xrng_seed(&r, mix);
    g->seed = seed;

    /* the world */
    static const gen_resource res[] = {GRES_PODS, GRES_PODS, GRES_PODS, GRES_CONFIGMAPS, GRES_NAMESPACES,
                                       GRES_WIDGETS, GRES_CRONTABS};
    g->resource = res[lwch_xrng_below(&r, sizeof res / sizeof res[0])];
    g->nns = namespaced(g) ? 1 + (int)lwch_xrng_below(&r, 4) : 1;
    g->per_ns = (int)lwch_xrng_below(&r, 9);
    g->extra = lwch_xrng_chance(&r, 30) ? 1 + (int)lwch_xrng_below(&r, 3) : 0;
    g->label_every = lwch_xrng_chance(&r, 30) ? 1 + (int)lwch_xrng_below(&r, 3) : 0;
    g->selector = g->label_every && lwch_xrng_chance(&r, 60);
    g->watch_ns = namespaced(g) && g->nns > 1 && lwch_xrng_chance(&r, 20) ? (int)lwch_xrng_below(&r, (unsigned)g->nns) : -1;
    g->kubeconfig_ns = namespaced(g) && lwch_xrng_chance(&r, 40) ? (int)lwch_xrng_below(&r, (unsigned)g->nns) : -1;
    int total = g->nns * g->per_ns + g->extra;
    static const int sizes[] = {0, 1, 2, 3, 4, 5, 7, 10, 500};
    g->page_size = sizes[lwch_xrng_below(&r, sizeof sizes / sizeof sizes[0])];
    if (g->page_size == 500 && total > 0 && lwch_xrng_chance(&r, 50))
        g->page_size = total + 1;

    /* server behaviour */
    if (caps & LWC_CAP_RELIST) {
        g->history_limit = lwch_xrng_chance(&r, 15) ? 30 + (int)lwch_xrng_below(&r, 40) : 0;
        g->below_floor = lwch_xrng_chance(&r, 15);
        g->lagging = lwch_xrng_chance(&r, 20) ? 1 + (int)lwch_xrng_below(&r, 6) : 0;
        g->watch_expired_http = lwch_xrng_chance(&r, 20);
    }
    g->rv0_paginated = lwch_xrng_chance(&r, 25);
    g->page_size_cap = lwch_xrng_chance(&r, 15) ? 2 + (int)lwch_xrng_below(&r, 5) : 0;
    g->last_page_empty = lwch_xrng_chance(&r, 20);
    if ((caps & LWC_CAP_WATCH_LIST) && lwch_xrng_chance(&r, 25)) {
        g->watch_list = 1;
        unsigned m = lwch_xrng_below(&r, 10);
        /* without an end bookmark a right client needs a watch timeout */
        g->watch_list_mode = m < 5 ? 1 : m < 8 ? 0 : ((caps & LWC_CAP_WATCH_TIMEOUT) ? 2 : 1);
    } else {
        g->watch_list_mode = lwch_xrng_chance(&r, 20) ? 0 : 1;
    }

    /* faults on the first requests */
    int nf = lwch_xrng_chance(&r, 45) ? 1 + (int)lwch_xrng_below(&r, 2) : 0;
    for (int i = 0; i < nf; i++) {
        gen_fault_kind k = (gen_fault_kind)lwch_xrng_below(&r, GF_COUNT);
        if (!fault_allowed(k, caps))
            continue;
        gen_fault *f = &g->faults[g->nfaults++];
        f->kind = k;
        f->times = 1 + (int)lwch_xrng_below(&r, 2);
        f->variant = (int)lwch_xrng_below(&r, 3);
        f->param = k == GF_LIST_410_PAGE ? 2 + (int)lwch_xrng_below(&r, 3) : k == GF_LIST_DELAY ? 50 + (int)lwch_xrng_below(&r, 300) : 0;
    }

    /* the timeline */
    int ne = (int)lwch_xrng_below(&r, 4) + (lwch_xrng_chance(&r, 30) ? 1 : 0);
    for (int i = 0; i < ne && g->neps < GEN_MAX_EPISODES; i++) {
        episode_kind k = EP_COUNT;
        for (int tries = 0; tries < 20; tries++) {
            episode_kind c = (episode_kind)lwch_xrng_below(&r, EP_COUNT);
            if (episode_allowed(c, caps, g, g->neps == 0)) {
                k = c;
                break;
            }
        }
        if (k == EP_COUNT)
            k = EP_WRITES;
        episode *e = &g->eps[g->neps++];
        e->kind = k;
        e->variant = (int)lwch_xrng_below(&r, 5);
        e->after_events = (int)lwch_xrng_below(&r, 3);
        e->compact = (caps & LWC_CAP_RELIST) && lwch_xrng_chance(&r, 40);
        switch (k) {
        case EP_STORM:
            e->wait_ms = 800 + 100 * (int)lwch_xrng_below(&r, 13);
            random_writes(&r, g, e, 0, 3);
            break;
        case EP_QUIET_CLOSE:
            e->wait_ms = 1200;
            e->compact = (caps & LWC_CAP_BOOKMARKS) != 0;
            e->nwrites = 0;
            break;
        case EP_STALL:
            g->watch_timeout = 2;
            random_writes(&r, g, e, 1, 3);
            break;
        default:
            random_writes(&r, g, e, k == EP_WRITES || k == EP_DURING_LIST ? 1 : 0, 5);
        }
    }
    /* at most GEN_MAX_FAILURES failed requests: drop the last episodes, then faults */
    while (lwch_gen_failures(g) > GEN_MAX_FAILURES) {
        if (g->neps > 0 && episode_cost(&g->eps[g->neps - 1]) > 0)
            g->neps--;
        else if (g->nfaults > 0)
            g->nfaults--;
        else if (g->neps > 0)
            g->neps--;
        else
            break;
    }
    int stall = 0;
    for (int i = 0; i < g->neps; i++)
        stall |= g->eps[i].kind == EP_STALL;
    if (!stall)
        g->watch_timeout = 0;
    if ((caps & LWC_CAP_WATCH_TIMEOUT) && !g->watch_timeout && lwch_xrng_chance(&r, 20))
        g->watch_timeout = 2 + (int)lwch_xrng_below(&r, 3);
    if (g->watch_list_mode == 2 && g->watch_list)
        g->watch_timeout = g->watch_timeout ? g->watch_timeout : 2;
    for (int i = 0; i < g->neps; i++)
        if (g->eps[i].kind == EP_QUIET_CLOSE) {
            g->bookmark_ms = 200;
            /* A watch asked with timeoutSeconds gets no periodic bookmark
             * once its deadline is less than 2 s away (the watch cache's
             * nextBookmarkTime, as the mock does): with a short watch
             * timeout the bookmark rule does not hold. */
            if (g->watch_timeout)
                g->eps[i].compact = 0;
        }
}

/* ---- rendering ---- */

typedef struct gobj {
    char ns[32];
    char name[48];
    int app; /* carries app=web */
    int rev;
} gobj;

typedef struct sim {
    gobj *v;
    size_t n, cap;
    int created;
} sim;

static int sim_add(sim *s, const char *ns, const char *name, int app)
{
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 32;
        gobj *nv = realloc(s->v, nc * sizeof *nv);
        if (!nv)
            return -1;
        s->v = nv;
        s->cap = nc;
    }
    gobj *o = &s->v[s->n++];
    memset(o, 0, sizeof *o);
    snprintf(o->ns, sizeof o->ns, "%s", ns);
    snprintf(o->name, sizeof o->name, "%s", name);
    o->app = app;
    return 0;
}

static const char *plural_of(gen_resource r)
{
    static const char *const p[] = {"pods", "configmaps", "namespaces", "widgets", "crontabs"};
    return p[r];
}

/* A whole object of the watched resource. */
static cJSON *make_object(const genome *g, const gobj *o)
{
    cJSON *obj = cJSON_CreateObject();
    cJSON *md = cJSON_AddObjectToObject(obj, "metadata");
    if (!obj || !md)
        goto fail;
    if (!cJSON_AddStringToObject(md, "name", o->name))
        goto fail;
    if (namespaced(g) && !cJSON_AddStringToObject(md, "namespace", o->ns))
        goto fail;
    if (o->app || o->rev) {
        cJSON *labels = cJSON_AddObjectToObject(md, "labels");
        if (!labels || (o->app && !cJSON_AddStringToObject(labels, "app", "web")))
            goto fail;
        char rev[16];
        snprintf(rev, sizeof rev, "r%d", o->rev);
        if (o->rev && !cJSON_AddStringToObject(labels, "rev", rev))
            goto fail;
    }
    switch (g->resource) {
    case GRES_PODS: {
        cJSON *spec = cJSON_AddObjectToObject(obj, "spec");
        cJSON *cs = spec ? cJSON_AddArrayToObject(spec, "containers") : NULL;
        cJSON *c = cJSON_CreateObject();
        if (!cs || !c) {
            cJSON_Delete(c);
            goto fail;
        }
        cJSON_AddItemToArray(cs, c);
        if (!cJSON_AddStringToObject(c, "name", "app") || !cJSON_AddStringToObject(c, "image", "registry.example.com/app:1.0"))
            goto fail;
        break;
    }
    case GRES_CONFIGMAPS: {
        cJSON *d = cJSON_AddObjectToObject(obj, "data");
        if (!d || !cJSON_AddStringToObject(d, "k", "v"))
            goto fail;
        break;
    }
    case GRES_WIDGETS:
    case GRES_CRONTABS: {
        cJSON *spec = cJSON_AddObjectToObject(obj, "spec");
        if (!spec || !cJSON_AddStringToObject(spec, "size", "large"))
            goto fail;
        break;
    }
    default:
        break;
    }
    return obj;
fail:
    cJSON_Delete(obj);
    return NULL;
}

typedef struct rctx {
    const genome *g;
    cJSON *timeline, *expect;
    sim s;
    int nsteps; /* steps rendered so far: the next step's index */
    int failures; /* failed requests up to the episode being rendered */
    int oom;
} rctx;

static cJSON *add_step(rctx *c, const char *when_event, int when_count, int after_ms, const char *what)
{
    cJSON *st = cJSON_CreateObject();
    if (!st) {
        c->oom = 1;
        return NULL;
    }
    if (when_event) {
        cJSON *w = cJSON_AddObjectToObject(st, "when");
        if (!w || !cJSON_AddStringToObject(w, "event", when_event) ||
            (when_count > 1 && !cJSON_AddNumberToObject(w, "count", when_count)))
            c->oom = 1;
    }
    if (after_ms > 0 && !cJSON_AddNumberToObject(st, "afterMs", after_ms))
        c->oom = 1;
    if (!cJSON_AddStringToObject(st, "do", what))
        c->oom = 1;
    cJSON_AddItemToArray(c->timeline, st);
    c->nsteps++;
    return st;
}

static void ns_name(const genome *g, int i, char *out, size_t len)
{
    if (namespaced(g))
        snprintf(out, len, "ns-%d", i);
    else
        out[0] = '\0';
}

/* An object that exists now, or NULL. */
static gobj *pick(rctx *c, unsigned p)
{
    return c->s.n ? &c->s.v[p % c->s.n] : NULL;
}

static void render_write(rctx *c, const gen_write *w, const char *when, int count, int after_ms)
{
    const genome *g = c->g;
    gen_write_kind k = w->kind;
    gobj *o = k == GW_CREATE || k == GW_CHURN ? NULL : pick(c, w->pick);
    if (k != GW_CREATE && k != GW_CHURN && !o)
        k = GW_CREATE;
    cJSON *st = NULL;
    switch (k) {
    case GW_CREATE: {
        char ns[32], name[48];
        ns_name(g, (int)(w->pick % (unsigned)g->nns), ns, sizeof ns);
        snprintf(name, sizeof name, "new-%d", c->s.created++);
        if (sim_add(&c->s, ns, name, g->label_every ? (int)(w->pick / 7 % 2) : 0) != 0) {
            c->oom = 1;
            return;
        }
        st = add_step(c, when, count, after_ms, "create");
        cJSON *obj = make_object(g, &c->s.v[c->s.n - 1]);
        if (!st || !obj || !cJSON_AddItemToObject(st, "object", obj))
            c->oom = 1;
        return;
    }
    case GW_UPDATE: {
        o->rev++;
        st = add_step(c, when, count, after_ms, "update");
        cJSON *obj = make_object(g, o);
        if (!st || !obj || !cJSON_AddItemToObject(st, "object", obj))
            c->oom = 1;
        return;
    }
    case GW_DELETE:
    case GW_RECREATE:
    case GW_RELABEL: {
        st = add_step(c, when, count, after_ms, k == GW_DELETE ? "delete" : k == GW_RECREATE ? "recreate" : "relabel");
        if (!st)
            return;
        if (namespaced(g) && !cJSON_AddStringToObject(st, "namespace", o->ns))
            c->oom = 1;
        if (!cJSON_AddStringToObject(st, "name", o->name))
            c->oom = 1;
        if (k == GW_RELABEL) {
            o->app = !o->app;
            cJSON *l = cJSON_AddObjectToObject(st, "labels");
            if (!l || !(o->app ? cJSON_AddStringToObject(l, "app", "web") : cJSON_AddNullToObject(l, "app")))
                c->oom = 1;
        }
        if (k == GW_DELETE)
            c->s.v[o - c->s.v] = c->s.v[--c->s.n];
        return;
    }
    case GW_CHURN: {
        char ns[32];
        ns_name(g, (int)(w->pick % (unsigned)g->nns), ns, sizeof ns);
        st = add_step(c, when, count, after_ms, "churn");
        if (!st || !cJSON_AddStringToObject(st, "namespace", ns) || !cJSON_AddNumberToObject(st, "count", w->count) ||
            !cJSON_AddNumberToObject(st, "intervalMs", 5))
            c->oom = 1;
        return;
    }
    case GW_COUNT:
        break;
    }
}

static cJSON *add_fault_step(rctx *c, const char *when, int count, int after_ms, const char *name, const char *verb)
{
    cJSON *st = add_step(c, when, count, after_ms, "addFault");
    cJSON *f = st ? cJSON_AddObjectToObject(st, "fault") : NULL;
    cJSON *m = f ? cJSON_AddObjectToObject(f, "match") : NULL;
    if (!f || !cJSON_AddStringToObject(f, "name", name) || !m || (verb && !cJSON_AddStringToObject(m, "verb", verb))) {
        c->oom = 1;
        return NULL;
    }
    return f;
}

static cJSON *add_action(rctx *c, cJSON *f)
{
    cJSON *a = f ? cJSON_AddObjectToObject(f, "action") : NULL;
    if (!a)
        c->oom = 1;
    return a;
}

/* The quiet-close episode's "no relist" rule: its `why` is also how
 * lwch_explore_needs finds the rule in a parsed scenario (it needs bookmarks). */
static const char bookmark_rule_why[] = "bookmarks carried the resourceVersion past the compaction: a re-watch, no relist";

static void add_expect(rctx *c, const char *verb, int cont, int watch_list, int from_step, int window_ms, int at_most,
                       const char *rv, const char *why)
{
    cJSON *e = cJSON_CreateObject();
    cJSON *m = e ? cJSON_AddObjectToObject(e, "match") : NULL;
    if (!m) {
        cJSON_Delete(e);
        c->oom = 1;
        return;
    }
    if (verb && !cJSON_AddStringToObject(m, "verb", verb))
        c->oom = 1;
    if (cont >= 0 && !cJSON_AddBoolToObject(m, "continue", cont))
        c->oom = 1;
    if (rv && !cJSON_AddStringToObject(m, "resourceVersion", rv))
        c->oom = 1;
    if (watch_list >= 0 && !cJSON_AddBoolToObject(m, "watchList", watch_list))
        c->oom = 1;
    if (from_step >= 0 && (!cJSON_AddNumberToObject(e, "fromStep", from_step) ||
                           (window_ms > 0 && !cJSON_AddNumberToObject(e, "windowMs", window_ms))))
        c->oom = 1;
    if (!cJSON_AddNumberToObject(e, "atMost", at_most) || !cJSON_AddStringToObject(e, "why", why))
        c->oom = 1;
    cJSON_AddItemToArray(c->expect, e);
}

/* A write to another collection: moves the resourceVersion, not the store. */
static void other_write(rctx *c, const char *when, int count, int after_ms, int i)
{
    const genome *g = c->g;
    cJSON *st = add_step(c, when, count, after_ms, "create");
    if (!st)
        return;
    char name[32];
    snprintf(name, sizeof name, "other-%d", i);
    const char *other = g->resource == GRES_CONFIGMAPS ? "pods" : "configmaps";
    cJSON *obj = cJSON_CreateObject();
    cJSON *md = obj ? cJSON_AddObjectToObject(obj, "metadata") : NULL;
    if (!md || !cJSON_AddStringToObject(md, "name", name) || !cJSON_AddStringToObject(md, "namespace", "ns-0") ||
        !cJSON_AddStringToObject(st, "resource", other) || !cJSON_AddItemToObject(st, "object", obj)) {
        cJSON_Delete(obj);
        c->oom = 1;
    }
}

/* The watches closed, then the episode's writes: what the client's recovery must catch. */
static void close_then_write(rctx *c, const episode *e)
{
    add_step(c, NULL, 0, 0, "closeWatches");
    for (int i = 0; i < e->nwrites; i++)
        render_write(c, &e->writes[i], NULL, 0, 0);
}

static void render_episode(rctx *c, const episode *e, int idx)
{
    const genome *g = c->g;
    int first = idx == 0;
    char fname[32];
    /* A step that acts on a watch: the first episode waits for one to be
     * open; later ones run after a checkpoint; both let the watch age past
     * one second first (client-go and lwc-watch take a watch that ends
     * sooner with no event as an error: a relist, and a longer backoff). */
    const char *when = first ? "watchOpened" : NULL;
    int age = 1100;
    switch (e->kind) {
    case EP_WRITES:
    case EP_DURING_LIST:
        for (int i = 0; i < e->nwrites; i++)
            render_write(c, &e->writes[i], i == 0 && first ? (e->kind == EP_DURING_LIST ? "listPages" : "ready") : NULL,
                         1, 0);
        break;
    case EP_WATCH_DOWN: {
        snprintf(fname, sizeof fname, "down-%d", idx);
        cJSON *f = add_fault_step(c, when, 1, age, fname, "watch");
        cJSON *a = add_action(c, f);
        int status = e->variant % 3 == 0 ? 429 : e->variant % 3 == 1 ? 500 : 503;
        if (a && (!cJSON_AddNumberToObject(a, "status", status) || !cJSON_AddNumberToObject(a, "retryAfter", 1)))
            c->oom = 1;
        if (f && !cJSON_AddNumberToObject(f, "times", 1 + e->after_events % 2))
            c->oom = 1;
        close_then_write(c, e);
        if (e->compact)
            add_step(c, NULL, 0, 0, "compact");
        break;
    }
    case EP_TRUE_410: {
        snprintf(fname, sizeof fname, "gone-%d", idx);
        cJSON *a = add_action(c, add_fault_step(c, when, 1, age, fname, "watch"));
        if (a && (!cJSON_AddStringToObject(a, "stream", "errorEvent") || !cJSON_AddBoolToObject(a, "compact", 1) ||
                  (e->after_events && !cJSON_AddNumberToObject(a, "afterEvents", e->after_events))))
            c->oom = 1;
        close_then_write(c, e);
        break;
    }
    case EP_HTTP_410: {
        /* the client's RV is compacted away first, so the 410 is true */
        if (namespaced(g))
            other_write(c, when, 1, age, idx);
        add_step(c, namespaced(g) ? NULL : when, 1, namespaced(g) ? 0 : age, "compact");
        snprintf(fname, sizeof fname, "gone-%d", idx);
        cJSON *f = add_fault_step(c, NULL, 0, 0, fname, "watch");
        cJSON *m = f ? cJSON_GetObjectItem(f, "match") : NULL;
        cJSON *a = add_action(c, f);
        /* a watch from a resourceVersion: the mock makes the 410 true for it */
        if (!m || !cJSON_AddStringToObject(m, "resourceVersion", "set") || (a && !cJSON_AddNumberToObject(a, "status", 410)))
            c->oom = 1;
        close_then_write(c, e);
        break;
    }
    case EP_STREAM:
    case EP_STALL: {
        static const char *const kinds[] = {"close", "drop", "truncate", "garbage", "slow"};
        const char *k = e->kind == EP_STALL ? "stall" : kinds[e->variant % 5];
        snprintf(fname, sizeof fname, "%s-%d", k, idx);
        cJSON *a = add_action(c, add_fault_step(c, when, 1, age, fname, "watch"));
        if (a && !cJSON_AddStringToObject(a, "stream", k))
            c->oom = 1;
        if (a && !strcmp(k, "slow") && !cJSON_AddNumberToObject(a, "delayMs", 60))
            c->oom = 1;
        else if (a && strcmp(k, "slow") && e->after_events && !cJSON_AddNumberToObject(a, "afterEvents", e->after_events))
            c->oom = 1;
        close_then_write(c, e);
        break;
    }
    case EP_STORM: {
        snprintf(fname, sizeof fname, "storm-%d", idx);
        int from = c->nsteps;
        cJSON *f = add_fault_step(c, first ? "ready" : NULL, 1, 0, fname, NULL);
        cJSON *a = add_action(c, f);
        static const int st[] = {500, 502, 503, 429, 504};
        int status = st[e->variant % 5];
        if (a && !cJSON_AddNumberToObject(a, "status", status))
            c->oom = 1;
        if (a && status == 429 && !cJSON_AddNumberToObject(a, "retryAfter", 1))
            c->oom = 1;
        if (f && !cJSON_AddNumberToObject(f, "times", 0))
            c->oom = 1;
        close_then_write(c, e);
        add_step(c, NULL, 0, e->wait_ms, "wait");
        cJSON *rm = add_step(c, NULL, 0, 0, "removeFault");
        if (rm && !cJSON_AddStringToObject(rm, "faultName", fname))
            c->oom = 1;
        /* client-go's reflector backs off from 800 ms, doubling; lwc-watch
         * from 100 ms; a client that retries at once makes hundreds. Every
         * request of the storm fails at once, so a backed-off client makes
         * a handful a second at most. */
        add_expect(c, NULL, -1, -1, from, e->wait_ms, 6 + 6 * e->wait_ms / 1000, NULL,
                   "backoff under a storm of errors, not a hot loop");
        break;
    }
    case EP_COMPACT: {
        for (int i = 0; i < e->nwrites; i++)
            render_write(c, &e->writes[i], i == 0 && first ? "ready" : NULL, 1, 0);
        add_step(c, first && !e->nwrites ? "watchOpened" : NULL, 1, age, "compact");
        add_step(c, NULL, 0, 0, "closeWatches");
        break;
    }
    case EP_QUIET_CLOSE: {
        int compact = e->compact;
        if (compact) {
            other_write(c, "watchOpened", 1, 0, 100 + idx);
            other_write(c, NULL, 0, 0, 200 + idx);
        }
        add_step(c, compact ? NULL : "watchOpened", 1, e->wait_ms, "wait");
        if (compact)
            add_step(c, NULL, 0, 0, "compact");
        int close = c->nsteps;
        add_step(c, NULL, 0, 0, "closeWatches");
        add_step(c, NULL, 0, 1500, "wait");
        if (compact)
            add_expect(c, "list", 0, -1, close, 1500, 0, NULL, bookmark_rule_why);
        if (g->watch_list && g->watch_list_mode == 1)
            add_expect(c, "watch", -1, 1, close, 1500, 0, NULL,
                       "a resumed watch does not ask for the initial events again");
        break;
    }
    case EP_COUNT:
        break;
    }
    cJSON *cp = add_step(c, NULL, 0, 0, "checkpoint");
    char cpn[32];
    snprintf(cpn, sizeof cpn, "episode-%d", idx + 1);
    c->failures += episode_cost(e);
    /* room for the client's backoff after every failure so far */
    int deadline = (e->kind == EP_STALL ? 14000 : 10000) + backoff_ms(c->failures);
    if (cp && (!cJSON_AddStringToObject(cp, "checkpoint", cpn) || !cJSON_AddNumberToObject(cp, "deadlineMs", deadline)))
        c->oom = 1;
}

static void render_fault(rctx *c, cJSON *faults, const gen_fault *f, int i)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *m = o ? cJSON_AddObjectToObject(o, "match") : NULL;
    cJSON *a = o ? cJSON_AddObjectToObject(o, "action") : NULL;
    char name[32];
    snprintf(name, sizeof name, "fault-%d", i);
    if (!m || !a || !cJSON_AddStringToObject(o, "name", name)) {
        cJSON_Delete(o);
        c->oom = 1;
        return;
    }
    cJSON_AddItemToArray(faults, o);
    int ok = 1;
    const char *verb = f->kind == GF_WATCH_429 || f->kind == GF_WATCH_5XX ? "watch" : "list";
    ok &= cJSON_AddStringToObject(m, "verb", verb) != NULL;
    switch (f->kind) {
    case GF_LIST_410_PAGE:
        ok &= cJSON_AddNumberToObject(m, "page", f->param) != NULL;
        ok &= cJSON_AddNumberToObject(a, "status", 410) != NULL;
        break;
    case GF_LIST_429:
    case GF_WATCH_429:
        ok &= cJSON_AddNumberToObject(a, "status", 429) != NULL;
        ok &= cJSON_AddNumberToObject(a, "retryAfter", 1) != NULL;
        if (f->variant == 1)
            ok &= cJSON_AddBoolToObject(a, "retryAfterInBody", 1) != NULL;
        if (f->variant == 2 && f->kind == GF_LIST_429)
            ok &= cJSON_AddBoolToObject(a, "plainText", 1) != NULL;
        break;
    case GF_LIST_5XX:
    case GF_WATCH_5XX: {
        static const int st[] = {500, 502, 503};
        ok &= cJSON_AddNumberToObject(a, "status", st[f->variant % 3]) != NULL;
        break;
    }
    case GF_LIST_403:
        ok &= cJSON_AddNumberToObject(a, "status", 403) != NULL;
        break;
    case GF_LIST_504:
        ok &= cJSON_AddNumberToObject(a, "status", 504) != NULL;
        ok &= cJSON_AddNumberToObject(a, "retryAfter", 1) != NULL;
        ok &= cJSON_AddBoolToObject(a, "retryAfterInBody", 1) != NULL;
        break;
    case GF_LIST_DELAY:
        ok &= cJSON_AddStringToObject(a, "stream", "delay") != NULL;
        ok &= cJSON_AddNumberToObject(a, "delayMs", f->param) != NULL;
        break;
    case GF_COUNT:
        break;
    }
    int times = f->kind == GF_LIST_410_PAGE || f->kind == GF_LIST_504 ? 1 : f->times;
    if (times != 1)
        ok &= cJSON_AddNumberToObject(o, "times", times) != NULL;
    if (!ok)
        c->oom = 1;
}

static const char *const episode_words[] = {
    [EP_WRITES] = "writes", [EP_DURING_LIST] = "writes between list pages",
    [EP_WATCH_DOWN] = "writes while watches are refused", [EP_TRUE_410] = "a watch ERROR 410 after a compaction",
    [EP_HTTP_410] = "a compaction and an HTTP 410 at watch start", [EP_STREAM] = "a broken watch stream",
    [EP_STALL] = "a stalled watch", [EP_STORM] = "an error storm",
    [EP_COMPACT] = "writes, a compaction and closed watches", [EP_QUIET_CLOSE] = "a quiet watch closed after bookmarks",
};

char *lwch_gen_describe(const genome *g)
{
    char buf[1024];
    size_t n = 0;
    int objs = lwch_gen_objects(g);
    n += (size_t)snprintf(buf + n, sizeof buf - n, "Generated by lwc-explore (seed %llu): %d %s%s", (unsigned long long)g->seed,
                          objs, plural_of(g->resource), g->nns > 1 ? " in " : "");
    if (g->nns > 1 && n < sizeof buf)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%d namespaces", g->nns);
    if (g->page_size && n < sizeof buf)
        n += (size_t)snprintf(buf + n, sizeof buf - n, ", pages of %d", g->page_size);
    else if (n < sizeof buf)
        n += (size_t)snprintf(buf + n, sizeof buf - n, ", no pagination");
    if (g->nfaults && n < sizeof buf)
        n += (size_t)snprintf(buf + n, sizeof buf - n, ", %d fault%s on the first requests", g->nfaults,
                              g->nfaults > 1 ? "s" : "");
    for (int i = 0; i < g->neps && n < sizeof buf; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s", i ? ", then " : "; the timeline: ", episode_words[g->eps[i].kind]);
    if (n < sizeof buf)
        snprintf(buf + n, sizeof buf - n, "%s", g->neps ? "; every episode ends at a checkpoint." : "; no timeline: a checkpoint after READY.");
    return strdup(buf);
}

int lwch_gen_objects(const genome *g)
{
    return g->nns * g->per_ns + g->extra;
}

char *lwch_gen_render(const genome *g, const char *name)
{
    rctx c;
    memset(&c, 0, sizeof c);
    c.g = g;
    cJSON *doc = cJSON_CreateObject();
    char *desc = lwch_gen_describe(g);
    char *out = NULL;
    if (!doc || !desc)
        goto done;
    cJSON_AddStringToObject(doc, "name", name);
    cJSON_AddStringToObject(doc, "description", desc);

    cJSON *res = cJSON_AddObjectToObject(doc, "resource");
    if (!res)
        goto done;
    switch (g->resource) {
    case GRES_WIDGETS:
        cJSON_AddStringToObject(res, "group", "example.com");
        break;
    case GRES_CRONTABS:
        cJSON_AddStringToObject(res, "group", "stable.example.com");
        cJSON_AddStringToObject(res, "kind", "CronTab");
        cJSON_AddBoolToObject(res, "namespaced", 1);
        break;
    default:
        break;
    }
    cJSON_AddStringToObject(res, "plural", plural_of(g->resource));

    cJSON *cl = cJSON_AddObjectToObject(doc, "client");
    if (!cl)
        goto done;
    char ns[32];
    if (g->watch_ns >= 0) {
        snprintf(ns, sizeof ns, "ns-%d", g->watch_ns);
        cJSON_AddStringToObject(cl, "namespace", ns);
    }
    if (g->selector)
        cJSON_AddStringToObject(cl, "labelSelector", "app=web");
    cJSON_AddNumberToObject(cl, "pageSize", g->page_size);
    if (g->watch_list)
        cJSON_AddBoolToObject(cl, "watchList", 1);
    if (g->kubeconfig_ns >= 0) {
        snprintf(ns, sizeof ns, "ns-%d", g->kubeconfig_ns);
        cJSON_AddStringToObject(cl, "kubeconfigNamespace", ns);
    }
    if (g->watch_timeout)
        cJSON_AddNumberToObject(cl, "watchTimeoutSeconds", g->watch_timeout);

    /* the world: generated objects, then explicit ones whose names sort
     * before them (so the list's last item is not the newest write) */
    cJSON *world = cJSON_AddObjectToObject(doc, "world");
    if (!world)
        goto done;
    if (g->per_ns > 0) {
        cJSON *gens = cJSON_AddArrayToObject(world, "generate");
        cJSON *gen = cJSON_CreateObject();
        if (!gens || !gen) {
            cJSON_Delete(gen);
            goto done;
        }
        cJSON_AddItemToArray(gens, gen);
        if (namespaced(g))
            cJSON_AddNumberToObject(gen, "namespaces", g->nns);
        cJSON_AddNumberToObject(gen, "perNamespace", g->per_ns);
        if (g->label_every) {
            cJSON *l = cJSON_AddObjectToObject(gen, "labels");
            if (l)
                cJSON_AddStringToObject(l, "app", "web");
            if (g->label_every > 1)
                cJSON_AddNumberToObject(gen, "labelEvery", g->label_every);
        }
        for (int i = 0; i < g->nns; i++)
            for (int j = 0; j < g->per_ns; j++) {
                char nsn[32], nm[48];
                ns_name(g, i, nsn, sizeof nsn);
                snprintf(nm, sizeof nm, "obj-%05d", j);
                if (sim_add(&c.s, nsn, nm, g->label_every && j % g->label_every == 0) != 0)
                    goto done;
            }
    }
    if (g->extra > 0) {
        cJSON *objs = cJSON_AddArrayToObject(world, "objects");
        if (!objs)
            goto done;
        for (int i = 0; i < g->extra; i++) {
            char nsn[32], nm[48];
            ns_name(g, i % g->nns, nsn, sizeof nsn);
            snprintf(nm, sizeof nm, "a-extra-%d", i);
            if (sim_add(&c.s, nsn, nm, g->label_every && i % 2 == 0) != 0)
                goto done;
            cJSON *o = make_object(g, &c.s.v[c.s.n - 1]);
            if (!o)
                goto done;
            cJSON_AddItemToArray(objs, o);
        }
    }

    cJSON *srv = cJSON_AddObjectToObject(doc, "server");
    if (!srv)
        goto done;
    if (g->history_limit)
        cJSON_AddNumberToObject(srv, "historyLimit", g->history_limit);
    if (g->rv0_paginated)
        cJSON_AddStringToObject(srv, "rv0", "paginated");
    if (g->page_size_cap)
        cJSON_AddNumberToObject(srv, "pageSizeCap", g->page_size_cap);
    if (g->bookmark_ms)
        cJSON_AddNumberToObject(srv, "bookmarkIntervalMs", g->bookmark_ms);
    if (g->watch_list_mode != 1)
        cJSON_AddStringToObject(srv, "watchList", g->watch_list_mode == 0 ? "rejected" : "noEndBookmark");
    if (g->lagging)
        cJSON_AddNumberToObject(srv, "laggingReplicaWrites", g->lagging);
    if (g->last_page_empty)
        cJSON_AddStringToObject(srv, "lastPageContinue", "empty");
    if (g->below_floor)
        cJSON_AddStringToObject(srv, "listBelowFloor", "expired");
    if (g->watch_expired_http)
        cJSON_AddStringToObject(srv, "watchExpired", "http410");

    cJSON *faults = cJSON_AddArrayToObject(doc, "faults");
    c.timeline = cJSON_AddArrayToObject(doc, "timeline");
    c.expect = cJSON_AddArrayToObject(doc, "expect");
    if (!faults || !c.timeline || !c.expect)
        goto done;
    for (int i = 0; i < g->nfaults; i++)
        render_fault(&c, faults, &g->faults[i], i);
    c.failures = lwch_gen_failures(g);
    for (int i = 0; i < g->neps; i++)
        c.failures -= episode_cost(&g->eps[i]);
    for (int i = 0; i < g->neps; i++)
        render_episode(&c, &g->eps[i], i);
    if (g->neps == 0) {
        cJSON *cp = add_step(&c, "ready", 1, 0, "checkpoint");
        if (cp && (!cJSON_AddStringToObject(cp, "checkpoint", "synced") ||
                   !cJSON_AddNumberToObject(cp, "deadlineMs", 10000 + backoff_ms(lwch_gen_failures(g)))))
            c.oom = 1;
    }
    /* generic request rules every right client keeps */
    if (g->page_size || g->page_size_cap) {
        add_expect(&c, "list", 1, -1, -1, 0, 0, "set", "no resourceVersion with a continue token");
        add_expect(&c, "list", 1, -1, -1, 0, 0, "zero", "no resourceVersion with a continue token");
    }
    cJSON_AddNumberToObject(doc, "deadlineMs", 12000 + backoff_ms(lwch_gen_failures(g)));
    if (!c.oom)
        out = cJSON_PrintUnformatted(doc);
done:
    free(c.s.v);
    free(desc);
    cJSON_Delete(doc);
    return out;
}

/* A stalled watch that nothing else ends must be abandoned by the client. */
static int stalls(const lwc_fault *f)
{
    return f && f->action.kind == LWC_ACT_STALL;
}

unsigned lwch_explore_needs(const lwc_scenario *sc)
{
    /* The catalog's rule (lwc_scenario_needs), and what random timelines add to it. */
    unsigned need = lwc_scenario_needs(sc);
    for (size_t i = 0; i < sc->nfaults; i++)
        if (stalls(&sc->faults[i]))
            need |= LWC_CAP_WATCH_TIMEOUT;
    for (size_t i = 0; i < sc->nsteps; i++) {
        const lwc_step *st = &sc->steps[i];
        if (st->kind == LWC_STEP_COMPACT)
            need |= LWC_CAP_RELIST; /* a watch may come back below the compaction */
        if (st->kind == LWC_STEP_ADD_FAULT && stalls(st->fault))
            need |= LWC_CAP_WATCH_TIMEOUT;
    }
    /* a short history window expires a watch that falls behind */
    if (sc->history_limit)
        need |= LWC_CAP_RELIST | LWC_CAP_REWATCH;
    if (sc->watch_list && sc->watch_list_mode == 2)
        need |= LWC_CAP_WATCH_TIMEOUT;
    /* the bookmark rule holds only for a client that moves its RV on bookmarks */
    for (size_t i = 0; i < sc->nexpects; i++)
        if (sc->expects[i].why && !strcmp(sc->expects[i].why, bookmark_rule_why))
            need |= LWC_CAP_BOOKMARKS;
    return need;
}

/* Renders g as JSON, loads it with the scenario parser, adds what it
 * requires, prints the canonical text and loads that again: what runs is
 * exactly a file the harness accepts. */
lwc_scenario *lwch_explore_scenario(const genome *g, const char *name, const char *extra_desc, char **text_out,
                                     char *err, size_t errlen)
{
    char *json = lwch_gen_render(g, name);
    if (!json) {
        snprintf(err, errlen, "%s: out of memory rendering", name);
        return NULL;
    }
    char path[128];
    snprintf(path, sizeof path, "%s.json", name);
    lwc_scenario *sc = lwc_scenario_parse(json, path, err, errlen);
    free(json);
    if (!sc)
        return NULL;
    sc->requires |= lwch_explore_needs(sc);
    if (extra_desc) {
        size_t l = strlen(sc->description) + strlen(extra_desc) + 2;
        char *d = malloc(l);
        if (!d) {
            lwc_scenario_free(sc);
            snprintf(err, errlen, "out of memory");
            return NULL;
        }
        snprintf(d, l, "%s %s", sc->description, extra_desc);
        free(sc->description);
        sc->description = d;
    }
    char *text = lwc_scenario_print(sc);
    lwc_scenario_free(sc);
    if (!text) {
        snprintf(err, errlen, "%s: out of memory printing", name);
        return NULL;
    }
    sc = lwc_scenario_parse(text, path, err, errlen);
    if (!sc) {
        free(text);
        return NULL;
    }
    if (text_out)
        *text_out = text;
    else
        free(text);
    return sc;
}

