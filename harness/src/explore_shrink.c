/* lwc-explore's shrinker: greedy one-step reductions of a genome to a local
 * minimum of a failure predicate. */
#include "explore_shrink.h"

#include <stdio.h>
#include <string.h>

int gen_valid(const genome *g)
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
    return gen_failures(g) <= GEN_MAX_FAILURES;
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

int shrink_candidate(const genome *g, int i, genome *out, char *what, size_t whatlen)
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
        out->nns = g->nns / 2 > 0 ? g->nns / 2 : 1;
        if (out->watch_ns >= out->nns)
            out->watch_ns = out->nns - 1;
        if (out->kubeconfig_ns >= out->nns)
            out->kubeconfig_ns = out->nns - 1;
        snprintf(what, whatlen, "%d namespaces", out->nns);
        return 1;
    case 1:
        if (g->nns <= 1 || g->nns / 2 == g->nns - 1)
            return 2;
        out->nns = g->nns - 1;
        if (out->watch_ns >= out->nns)
            out->watch_ns = out->nns - 1;
        if (out->kubeconfig_ns >= out->nns)
            out->kubeconfig_ns = out->nns - 1;
        snprintf(what, whatlen, "%d namespaces", out->nns);
        return 1;
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
        int total = gen_objects(g);
        if (g->page_size == 0 || g->page_size > total)
            return 2;
        out->page_size = total + 1;
        snprintf(what, whatlen, "page size %d (one page)", out->page_size);
        return 1;
    }
    case 6: {
        int total = gen_objects(g);
        if (g->page_size == 0 || g->page_size > total || g->page_size * 2 > total)
            return 2;
        out->page_size = g->page_size * 2;
        snprintf(what, whatlen, "page size %d", out->page_size);
        return 1;
    }
    case 7: {
        int total = gen_objects(g);
        if (g->page_size == 0 || g->page_size + 1 > total || g->page_size + 1 == g->page_size * 2)
            return 2;
        out->page_size = g->page_size + 1;
        snprintf(what, whatlen, "page size %d", out->page_size);
        return 1;
    }
    /* server features and client settings off */
    case 8:
        if (!g->history_limit)
            return 2;
        out->history_limit = 0;
        snprintf(what, whatlen, "no history limit");
        return 1;
    case 9:
        if (!g->rv0_paginated)
            return 2;
        out->rv0_paginated = 0;
        snprintf(what, whatlen, "RV=0 lists from the watch cache");
        return 1;
    case 10:
        if (!g->page_size_cap)
            return 2;
        out->page_size_cap = 0;
        snprintf(what, whatlen, "no page size cap");
        return 1;
    case 11:
        if (!g->last_page_empty)
            return 2;
        out->last_page_empty = 0;
        snprintf(what, whatlen, "no empty continue on the last page");
        return 1;
    case 12:
        if (!g->lagging)
            return 2;
        out->lagging = 0;
        snprintf(what, whatlen, "no lagging replica");
        return 1;
    case 13:
        if (g->lagging <= 1)
            return 2;
        out->lagging = g->lagging - 1;
        snprintf(what, whatlen, "replica %d writes behind", out->lagging);
        return 1;
    case 14:
        if (!g->below_floor)
            return 2;
        out->below_floor = 0;
        snprintf(what, whatlen, "lists below the floor served");
        return 1;
    case 15:
        if (!g->watch_list)
            return 2;
        out->watch_list = 0;
        out->watch_list_mode = 1;
        snprintf(what, whatlen, "no streaming list");
        return 1;
    case 16:
        if (g->watch_list_mode == 1)
            return 2;
        out->watch_list_mode = 1;
        snprintf(what, whatlen, "streaming lists served");
        return 1;
    case 17:
        if (g->kubeconfig_ns < 0)
            return 2;
        out->kubeconfig_ns = -1;
        snprintf(what, whatlen, "kubeconfig namespace default");
        return 1;
    case 18:
        if (g->watch_ns < 0)
            return 2;
        out->watch_ns = -1;
        snprintf(what, whatlen, "watch all namespaces");
        return 1;
    case 19:
        if (!g->selector)
            return 2;
        out->selector = 0;
        snprintf(what, whatlen, "no label selector");
        return 1;
    case 20:
        if (!g->label_every || g->selector)
            return 2;
        out->label_every = 0;
        snprintf(what, whatlen, "no labels");
        return 1;
    case 21:
        if (!g->watch_timeout)
            return 2;
        out->watch_timeout = 0;
        snprintf(what, whatlen, "no watch timeout");
        return 1;
    case 22:
        if (!g->watch_expired_http)
            return 2;
        out->watch_expired_http = 0;
        snprintf(what, whatlen, "expired watches get an ERROR event");
        return 1;
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

int explore_shrink(genome *g, shrink_pred pred, shrink_note note, void *ctx, int max_tries, int *tried)
{
    int accepted = 0, n = 0;
    int progress = 1;
    while (progress) {
        progress = 0;
        for (int i = 0;; i++) {
            genome cand;
            char what[128];
            int rc = shrink_candidate(g, i, &cand, what, sizeof what);
            if (rc == 0)
                break;
            if (rc == 2 || !gen_valid(&cand))
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
