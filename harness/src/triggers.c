/* When a timeline step may run: request counts in the server's log against the step's trigger. */
#include "triggers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lwch_trigger_state_init(trigger_state *ts)
{
    memset(ts, 0, sizeof *ts);
}

void lwch_trigger_state_free(trigger_state *ts)
{
    free(ts->cls);
    memset(ts, 0, sizeof *ts);
}

void lwch_resource_matcher(const lwc_scenario *sc, lwc_verb verb, lwc_matcher *m)
{
    memset(m, 0, sizeof *m);
    m->verb = verb;
    m->resource = sc->plural; /* only read: lwc_matcher_matches takes the matcher const */
    m->namespace_ = NULL;
    m->has_continue = LWC_TRI_ANY;
    m->rv = LWC_RV_ANY;
    m->limit = -1;
    m->watch_list = -1;
}

long lwch_trigger_count(trigger_state *ts, const lwc_scenario *sc, const lwc_step *st, const reqlog *rl)
{
    if (st->trigger == LWC_TRIGGER_NONE || st->trigger == LWC_TRIGGER_READY)
        return 0;
    if (ts->step != st) {
        if (ts->cls)
            memset(ts->cls, 0, ts->cap);
        ts->step = st;
    }
    ts->event_ms = -1;
    if (rl->n > ts->cap) {
        size_t ncap = ts->cap ? ts->cap : 256;
        while (ncap < rl->n)
            ncap *= 2;
        unsigned char *nc = realloc(ts->cls, ncap);
        if (!nc)
            return -1;
        memset(nc + ts->cap, 0, ncap - ts->cap);
        ts->cls = nc;
        ts->cap = ncap;
    }
    lwc_matcher rm;
    const lwc_matcher *m = &rm;
    if (st->trigger == LWC_TRIGGER_LIST_PAGES)
        lwch_resource_matcher(sc, LWC_VERB_LIST, &rm);
    else if (st->trigger == LWC_TRIGGER_REQUESTS)
        m = &st->trigger_match;
    else
        lwch_resource_matcher(sc, LWC_VERB_WATCH, &rm);
    long n = 0;
    for (size_t i = 0; i < rl->n; i++) {
        const lwc_mock_request *r = &rl->v[i];
        if (r->status == 0)
            continue; /* unanswered; also its page number may not be known yet */
        if (ts->cls[i] == 0)
            ts->cls[i] = lwc_matcher_matches(m, r, sc->page_size) ? 2 : 1;
        if (ts->cls[i] != 2)
            continue;
        long before = n;
        switch (st->trigger) {
        case LWC_TRIGGER_LIST_PAGES: n += r->status >= 200 && r->status < 300; break;
        case LWC_TRIGGER_WATCH_OPENED: n += r->status == 200; break;
        case LWC_TRIGGER_WATCH_CLOSED: n += r->status == 200 && r->done; break;
        default: n++; break;
        }
        if (n > before && n == st->count)
            ts->event_ms = st->trigger == LWC_TRIGGER_WATCH_CLOSED ? r->start_ms + r->duration_ms : r->start_ms;
    }
    return n;
}

static const char *ordinal_suffix(int n)
{
    if (n % 100 >= 11 && n % 100 <= 13)
        return "th";
    return n % 10 == 1 ? "st" : n % 10 == 2 ? "nd" : n % 10 == 3 ? "rd" : "th";
}

void lwch_trigger_describe(const lwc_step *st, char *buf, size_t len)
{
    const char *suf = ordinal_suffix(st->count);
    switch (st->trigger) {
    case LWC_TRIGGER_NONE: snprintf(buf, len, "the previous step"); break;
    case LWC_TRIGGER_READY: snprintf(buf, len, "the client's READY"); break;
    case LWC_TRIGGER_LIST_PAGES: snprintf(buf, len, "the %d%s list page served", st->count, suf); break;
    case LWC_TRIGGER_WATCH_OPENED: snprintf(buf, len, "the %d%s watch opened", st->count, suf); break;
    case LWC_TRIGGER_WATCH_CLOSED: snprintf(buf, len, "the %d%s watch closed", st->count, suf); break;
    case LWC_TRIGGER_REQUESTS: snprintf(buf, len, "the %d%s matching request answered", st->count, suf); break;
    }
}
