/* lwc-explore's shrinker: greedy one-step reductions of a genome to a local
 * minimum of a failure predicate. */
#include "explore_shrink.h"

#include <stdio.h>
#include <string.h>

int lwch_gen_valid(const genome *g)
{
    if (g->nns < 1 || g->per_ns < 0 || g->extra < 0 || g->page_size < 0)
        return 0;
    if (g->watch_ns >= g->nns || g->kubeconfig_ns >= g->nns)
        return 0;
    if (g->selector && !g->label_every)
        return 0;
    for (int i = 0; i < g->neps; i++) {
        const episode *e = &g->eps[i];
        /* these need the first trigger of the run */
        if ((e->kind == EP_DURING_LIST || e->kind == EP_QUIET_CLOSE) && i != 0)
            return 0;
        if (e->kind == EP_DURING_LIST && g->watch_list && g->watch_list_mode != 0)
            return 0;
        if (e->kind == EP_STALL && !g->watch_timeout)
            return 0;
        /* the bookmark rule needs bookmarks: no short watch timeout, a live first watch */
        if (e->kind == EP_QUIET_CLOSE && ((e->compact && g->watch_timeout) || (g->watch_list && g->watch_list_mode == 2)))
            return 0;
        if ((e->kind == EP_WRITES || e->kind == EP_DURING_LIST) && e->nwrites == 0)
            return 0;
    }
    if (g->watch_list && g->watch_list_mode == 2 && !g->watch_timeout)
        return 0;
    return lwch_gen_failures(g) <= GEN_MAX_FAILURES;
}

static void remove_episode(genome *g, int j)
{
    memmove(&g->eps[j], &g->eps[j + 1], (size_t)(g->neps - j - 1) * sizeof g->eps[0]);
    g->neps--;
    int quiet = 0;
    for (int i = 0; i < g->neps; i++)
        quiet |= g->eps[i].kind == EP_QUIET_CLOSE;
    if (!quiet)
        g->bookmark_ms = 0;
}

/* One setting of the candidate to the value that switches it off (a
 * reduction skipped, 2, when it is off already), described as `desc`. */
static int set_off(int *field, int off, const char *desc, char *what, size_t whatlen)
{
    if (*field == off)
        return 2;
    *field = off;
    snprintf(what, whatlen, "%s", desc);
    return 1;
}

/* Fewer namespaces; the watched and the kubeconfig one stay among them. */
static int fewer_namespaces(genome *out, int nns, char *what, size_t whatlen)
{
    out->nns = nns;
    if (out->watch_ns >= out->nns)
        out->watch_ns = out->nns - 1;
    if (out->kubeconfig_ns >= out->nns)
        out->kubeconfig_ns = out->nns - 1;
    snprintf(what, whatlen, "%d namespaces", out->nns);
    return 1;
}

int lwch_shrink_candidate(const genome *g, int i, genome *out, char *what, size_t whatlen)
{
    *out = *g;
    /* big steps first: no faults at all, or one episode alone (a failure
     * usually needs one episode; trying them one by one costs a run each) */
    if (i == 0) {
        if (g->nfaults < 2)
            return 2;
        out->nfaults = 0;
        snprintf(what, whatlen, "drop every fault");
        return 1;
    }
    i--;
    if (i < GEN_MAX_EPISODES) {
        if (g->neps < 2 || i >= g->neps)
            return 2;
        out->eps[0] = g->eps[i];
        out->neps = 1;
        if (out->eps[0].kind != EP_QUIET_CLOSE)
            out->bookmark_ms = 0;
        snprintf(what, whatlen, "episode %d alone", i + 1);
        return 1;
    }
    i -= GEN_MAX_EPISODES;
    /* whole episodes */
    if (i < GEN_MAX_EPISODES) {
        if (i >= g->neps)
            return 2;
        snprintf(what, whatlen, "drop episode %d", i + 1);
        remove_episode(out, i);
        return 1;
    }
    i -= GEN_MAX_EPISODES;
    /* whole faults */
    if (i < GEN_MAX_FAULTS) {
        if (i >= g->nfaults)
            return 2;
        snprintf(what, whatlen, "drop fault %d", i + 1);
        memmove(&out->faults[i], &out->faults[i + 1], (size_t)(out->nfaults - i - 1) * sizeof out->faults[0]);
        out->nfaults--;
        return 1;
    }
    i -= GEN_MAX_FAULTS;
    /* the world */
    switch (i) {
    case 0:
        if (g->nns <= 1)
            return 2;
        return fewer_namespaces(out, g->nns / 2 > 0 ? g->nns / 2 : 1, what, whatlen);
    case 1:
        if (g->nns <= 1 || g->nns / 2 == g->nns - 1)
            return 2;
        return fewer_namespaces(out, g->nns - 1, what, whatlen);
    case 2:
        if (g->per_ns <= 0)
            return 2;
        out->per_ns = g->per_ns / 2;
        snprintf(what, whatlen, "%d objects per namespace", out->per_ns);
        return 1;
    case 3:
        if (g->per_ns <= 1 || g->per_ns / 2 == g->per_ns - 1)
            return 2;
        out->per_ns = g->per_ns - 1;
        snprintf(what, whatlen, "%d objects per namespace", out->per_ns);
        return 1;
    case 4:
        if (g->extra <= 0)
            return 2;
        out->extra = g->extra - 1;
        snprintf(what, whatlen, "%d extra objects", out->extra);
        return 1;
    case 5: { /* a larger page size: one page */
        int total = lwch_gen_objects(g);
        if (g->page_size == 0 || g->page_size > total)
            return 2;
        out->page_size = total + 1;
        snprintf(what, whatlen, "page size %d (one page)", out->page_size);
        return 1;
    }
    case 6: {
        int total = lwch_gen_objects(g);
        if (g->page_size == 0 || g->page_size > total || g->page_size * 2 > total)
            return 2;
        out->page_size = g->page_size * 2;
        snprintf(what, whatlen, "page size %d", out->page_size);
        return 1;
    }
    case 7: {
        int total = lwch_gen_objects(g);
        if (g->page_size == 0 || g->page_size + 1 > total || g->page_size + 1 == g->page_size * 2)
            return 2;
        out->page_size = g->page_size + 1;
        snprintf(what, whatlen, "page size %d", out->page_size);
        return 1;
    }
    /* server features and client settings off */
    case 8:
        return set_off(&out->history_limit, 0, "no history limit", what, whatlen);
    case 9:
        return set_off(&out->rv0_paginated, 0, "RV=0 lists from the watch cache", what, whatlen);
    case 10:
        return set_off(&out->page_size_cap, 0, "no page size cap", what, whatlen);
    case 11:
        return set_off(&out->last_page_empty, 0, "no empty continue on the last page", what, whatlen);
    case 12:
        return set_off(&out->lagging, 0, "no lagging replica", what, whatlen);
    case 13:
        if (g->lagging <= 1)
            return 2;
        out->lagging = g->lagging - 1;
        snprintf(what, whatlen, "replica %d writes behind", out->lagging);
        return 1;
    case 14:
        return set_off(&out->below_floor, 0, "lists below the floor served", what, whatlen);
    case 15:
        if (!g->watch_list)
            return 2;
        out->watch_list = 0;
        out->watch_list_mode = 1;
        snprintf(what, whatlen, "no streaming list");
        return 1;
    case 16:
        return set_off(&out->watch_list_mode, 1, "streaming lists served", what, whatlen);
    case 17:
        return set_off(&out->kubeconfig_ns, -1, "kubeconfig namespace default", what, whatlen);
    case 18:
        return set_off(&out->watch_ns, -1, "watch all namespaces", what, whatlen);
    case 19:
        return set_off(&out->selector, 0, "no label selector", what, whatlen);
    case 20:
        if (g->selector)
            return 2;
        return set_off(&out->label_every, 0, "no labels", what, whatlen);
    case 21:
        return set_off(&out->watch_timeout, 0, "no watch timeout", what, whatlen);
    case 22:
        return set_off(&out->watch_expired_http, 0, "expired watches get an ERROR event", what, whatlen);
    default:
        break;
    }
    i -= 23;
    /* inside episodes: one write less, shorter waits, no compaction, fewer events first */
    const int per_ep = GEN_MAX_WRITES + 4;
    if (i < GEN_MAX_EPISODES * per_ep) {
        int j = i / per_ep, k = i % per_ep;
        if (j >= g->neps)
            return 2;
        const episode *e = &g->eps[j];
        episode *oe = &out->eps[j];
        if (k < GEN_MAX_WRITES) {
            if (k >= e->nwrites)
                return 2;
            memmove(&oe->writes[k], &oe->writes[k + 1], (size_t)(oe->nwrites - k - 1) * sizeof oe->writes[0]);
            oe->nwrites--;
            snprintf(what, whatlen, "episode %d: drop write %d", j + 1, k + 1);
            return 1;
        }
        k -= GEN_MAX_WRITES;
        switch (k) {
        case 0:
            if (e->wait_ms <= 400 || e->kind == EP_QUIET_CLOSE)
                return 2;
            oe->wait_ms = e->wait_ms / 2;
            snprintf(what, whatlen, "episode %d: wait %d ms", j + 1, oe->wait_ms);
            return 1;
        case 1:
            if (!e->compact || e->kind == EP_QUIET_CLOSE)
                return 2;
            oe->compact = 0;
            snprintf(what, whatlen, "episode %d: no compaction", j + 1);
            return 1;
        case 2:
            if (!e->after_events)
                return 2;
            oe->after_events = 0;
            snprintf(what, whatlen, "episode %d: fault at once", j + 1);
            return 1;
        case 3: {
            int any = 0;
            for (int w = 0; w < e->nwrites; w++)
                if (e->writes[w].kind == GW_CHURN && e->writes[w].count > 1) {
                    oe->writes[w].count = e->writes[w].count / 2;
                    any = 1;
                }
            if (!any)
                return 2;
            snprintf(what, whatlen, "episode %d: less churn", j + 1);
            return 1;
        }
        }
        return 2;
    }
    i -= GEN_MAX_EPISODES * per_ep;
    /* faults: fewer firings */
    if (i < GEN_MAX_FAULTS) {
        if (i >= g->nfaults || g->faults[i].times <= 1)
            return 2;
        out->faults[i].times = 1;
        snprintf(what, whatlen, "fault %d fires once", i + 1);
        return 1;
    }
    return 0;
}

int lwch_explore_shrink(genome *g, shrink_pred pred, shrink_note note, void *ctx, int max_tries, int *tried)
{
    int accepted = 0, n = 0;
    int progress = 1;
    while (progress) {
        progress = 0;
        for (int i = 0;; i++) {
            genome cand;
            char what[128];
            int rc = lwch_shrink_candidate(g, i, &cand, what, sizeof what);
            if (rc == 0)
                break;
            if (rc == 2 || !lwch_gen_valid(&cand))
                continue;
            if (max_tries && n >= max_tries)
                goto out;
            n++;
            int p = pred(&cand, ctx);
            if (p < 0)
                goto out;
            if (p == 1) {
                *g = cand;
                accepted++;
                progress = 1;
                if (note)
                    note(g, what, ctx);
                /* the same index may apply again (the next episode moved
                 * into its place) */
                i--;
            }
        }
    }
out:
    if (tried)
        *tried = n;
    return accepted;
}
