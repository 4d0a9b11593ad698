/* The initial-state check and the request expectations (client-protocol.md checks 1 and 4). */
#include "checks.h"
#include "monotonic.h"
#include "triggers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int lwch_server_state(lwc_mock *srv, const lwc_scenario *sc, uint64_t rv, itemset *out, uint64_t *list_rv, char *err,
                 size_t errlen)
{
    char *json = lwc_mock_list_json(srv, sc->api_path, sc->plural, sc->client_namespace, sc->label_selector, rv, err,
                                    errlen);
    if (!json)
        return -1;
    int rc = lwch_itemset_from_list_json(json, out, list_rv, err, errlen);
    free(json);
    return rc;
}

int lwch_is_list_start(const lwc_mock_request *r)
{
    return r->page <= 1 && !r->cls.has_continue;
}

/* A watch of the resource that hands out the whole state as initial events:
 * a streaming list, or a watch with resourceVersion unset or "0". */
int lwch_is_initial_events_watch(const lwc_scenario *sc, const lwc_mock_request *r)
{
    lwc_matcher wm;
    lwch_resource_matcher(sc, LWC_VERB_WATCH, &wm);
    if (!lwc_matcher_matches(&wm, r, sc->page_size))
        return 0;
    /* The rest is the router's classification of this watch of the resource. */
    return r->cls.watch_list || r->cls.rv == LWC_RV_UNSET || r->cls.rv == LWC_RV_ZERO;
}

uint64_t lwch_initial_lower_bound(const lwc_scenario *sc, const reqlog *rl, double before_srv_ms, int *completed,
                             strbuf *why)
{
    lwc_matcher lm;
    lwch_resource_matcher(sc, LWC_VERB_LIST, &lm);
    int found = 0;
    uint64_t lower = 0;
    *completed = 0;
    for (size_t i = 0; i < rl->n; i++) {
        const lwc_mock_request *r = &rl->v[i];
        if (r->start_ms > before_srv_ms)
            break;
        if (r->status != 200 || r->served_rv == 0)
            continue;
        int list = lwc_matcher_matches(&lm, r, sc->page_size);
        int is_first = list && lwch_is_list_start(r);
        int events = !list && lwch_is_initial_events_watch(sc, r);
        /* Completed: the last page of a list (no continue token in its
         * body), or a watch that served the initial state. A watch's end
         * bookmark is not in the log: served counts as completed. */
        if ((list && !r->more) || events)
            *completed = 1;
        if (!is_first && !events)
            continue;
        /* The server's own word for the state it served: no allowance for
         * a lagging replica or an explicit resourceVersion is needed, both
         * are already in it. */
        uint64_t b = r->served_rv;
        if (!found || b < lower) {
            lower = b;
            if (why) {
                lwcc_strbuf_reset(why);
                lwcc_strbuf_printf(why, "the list %s%s%s at %.1f ms was served at rv %llu", r->path, r->query[0] ? "?" : "",
                                   r->query, r->start_ms, (unsigned long long)b);
            }
        }
        found = 1;
    }
    if (!*completed && why) {
        lwcc_strbuf_reset(why);
        lwcc_strbuf_puts(why, found ? "lists were started before READY, but none was followed to its last page"
                           : "no list of the collection was served before READY");
    }
    return lower;
}

int lwch_check_initial_state(lwc_mock *srv, const lwc_scenario *sc, const itemset *snap, uint64_t lower,
                        uint64_t upper, double budget_ms, uint64_t *matched, strbuf *summary, strbuf *detail)
{
    *matched = 0;
    uint64_t m = lwch_itemset_max_rv(snap);
    uint64_t start = m > lower ? m : lower;
    if (start == 0)
        start = 1;
    if (m > upper) {
        lwcc_strbuf_printf(summary, "the snapshot after READY holds resourceVersion %llu, newer than the server's %llu",
                           (unsigned long long)m, (unsigned long long)upper);
        return 1;
    }
    double t0 = lwcc_monotonic_ms();
    size_t best_count = (size_t)-1, tried = 0, gone = 0;
    uint64_t best_rv = 0, r = start;
    for (; r <= upper; r++) {
        itemset st;
        char err[256];
        if (lwch_server_state(srv, sc, r, &st, NULL, err, sizeof err) != 0) {
            gone++; /* compacted away: that state can no longer be compared */
            continue;
        }
        tried++;
        size_t n = lwch_itemset_diff(snap, &st, NULL, NULL, 0);
        lwch_itemset_free(&st);
        if (n == 0) {
            *matched = r;
            return 0;
        }
        if (n < best_count) {
            best_count = n;
            best_rv = r;
        }
        if (lwcc_monotonic_ms() - t0 > budget_ms)
            break;
    }
    if (tried == 0) {
        /* Every candidate state was compacted before it could be read: this
         * check cannot decide, and must not fail a client for the harness's
         * lateness. Convergence still checks the store. */
        *matched = 0;
        lwcc_strbuf_printf(summary, "not checked: the states rv %llu..%llu were compacted before they could be read",
                           (unsigned long long)start, (unsigned long long)upper);
        return 0;
    }
    if (gone > 0) {
        /* Some candidate states are compacted away: the client may hold one
         * of them. Failing would be a guess; convergence still checks it. */
        *matched = 0;
        lwcc_strbuf_printf(summary,
                  "not decided: the snapshot matches none of the %zu readable states between rv %llu and %llu, "
                  "and %zu others were compacted before they could be read",
                  tried, (unsigned long long)start, (unsigned long long)upper, gone);
        return 0;
    }
    lwcc_strbuf_printf(summary,
              "the snapshot after READY (%zu objects) is no state the server passed through between rv %llu and %llu",
              snap->n, (unsigned long long)start, (unsigned long long)upper);
    if (r <= upper)
        lwcc_strbuf_printf(summary, " (searched up to rv %llu)", (unsigned long long)r);
    itemset best;
    char err[256];
    lwcc_strbuf_printf(detail, "  closest state: rv %llu; %zu states compared, %zu compacted\n", (unsigned long long)best_rv,
                       tried, gone);
    if (lwch_server_state(srv, sc, best_rv, &best, NULL, err, sizeof err) == 0) {
        lwcc_strbuf_printf(detail, "  the server at rv %llu holds %zu objects, the client's snapshot %zu\n",
                           (unsigned long long)best_rv, best.n, snap->n);
        lwch_itemset_diff(snap, &best, NULL, detail, 10);
        lwch_itemset_free(&best);
    } else {
        lwcc_strbuf_printf(detail, "  (the closest state can no longer be read: %s)\n", err);
    }
    return 1;
}

static const char *verb_word(lwc_verb v)
{
    switch (v) {
    case LWC_VERB_ANY: return NULL;
    case LWC_VERB_LIST: return "list";
    case LWC_VERB_WATCH: return "watch";
    case LWC_VERB_GET: return "get";
    case LWC_VERB_WRITE: return "write";
    }
    return NULL;
}

static void describe_matcher(const lwc_matcher *m, int page_size, strbuf *out)
{
    int first = 1;
    lwcc_strbuf_puts(out, "{");
#define SEP() lwcc_strbuf_puts(out, first ? "" : ", "), first = 0
    if (verb_word(m->verb)) {
        SEP();
        lwcc_strbuf_printf(out, "verb %s", verb_word(m->verb));
    }
    if (m->resource) {
        SEP();
        lwcc_strbuf_printf(out, "resource %s", m->resource);
    }
    if (m->namespace_) {
        SEP();
        lwcc_strbuf_printf(out, "namespace \"%s\"", m->namespace_);
    }
    if (m->has_continue != LWC_TRI_ANY) {
        SEP();
        lwcc_strbuf_printf(out, "continue %s", m->has_continue == LWC_TRI_YES ? "given" : "absent");
    }
    if (m->page) {
        SEP();
        lwcc_strbuf_printf(out, "page %d", m->page);
    }
    if (m->rv != LWC_RV_ANY) {
        SEP();
        lwcc_strbuf_printf(out, "resourceVersion %s", m->rv == LWC_RV_UNSET ? "unset" : m->rv == LWC_RV_ZERO ? "0" : "set");
    }
    if (m->watch_list >= 0) {
        SEP();
        lwcc_strbuf_printf(out, "watchList %s", m->watch_list ? "yes" : "no");
    }
    if (m->status) {
        SEP();
        lwcc_strbuf_printf(out, "status %d", m->status);
    }
    if (m->limit != -1) {
        SEP();
        if (m->limit == -2)
            lwcc_strbuf_printf(out, "limit = pageSize (%d)", page_size);
        else
            lwcc_strbuf_printf(out, "limit %lld", m->limit);
    }
#undef SEP
    lwcc_strbuf_puts(out, "}");
}

#define SHOW_MATCHED 40

/* The requests m selects that started in [from, to] (to < 0: no end); with
 * `show`, the first SHOW_MATCHED of them as report lines. *in_window, when
 * given, gets how many requests of any kind the window held. */
static long long count_window(const lwc_scenario *sc, const reqlog *rl, const lwc_matcher *m, double from, double to,
                              long long *in_window, strbuf *show)
{
    long long count = 0, all = 0;
    for (size_t i = 0; i < rl->n; i++) {
        const lwc_mock_request *r = &rl->v[i];
        if (r->start_ms < from)
            continue;
        if (to >= 0 && r->start_ms > to)
            break;
        all++;
        if (!lwc_matcher_matches(m, r, sc->page_size))
            continue;
        if (show && count < SHOW_MATCHED)
            lwch_reqlog_format_one(r, "    ", show);
        count++;
    }
    if (in_window)
        *in_window = all;
    return count;
}

void lwch_check_expectations(const lwc_scenario *sc, const reqlog *rl, const double *step_srv_ms, scenario_result *res,
                        strbuf *notes)
{
    for (size_t e = 0; e < sc->nexpects; e++) {
        const lwc_expectation *x = &sc->expects[e];
        double from = 0, to = -1;
        if (x->from_step >= 0) {
            if (step_srv_ms[x->from_step] < 0) {
                lwcc_strbuf_printf(notes, "expect[%zu] not checked: step %d never ran\n", e, x->from_step);
                continue;
            }
            from = step_srv_ms[x->from_step];
            if (x->window_ms)
                to = from + x->window_ms;
        }
        long long in_window = 0;
        long long count = count_window(sc, rl, &x->match, from, to, &in_window, NULL);
        int bad = (x->at_least >= 0 && count < x->at_least) || (x->at_most >= 0 && count > x->at_most);
        if (!bad)
            continue;
        strbuf s, d;
        lwcc_strbuf_init(&s);
        lwcc_strbuf_init(&d);
        lwcc_strbuf_printf(&s, "expect[%zu]: %s: ", e, x->why);
        if (x->at_least >= 0 && count < x->at_least)
            lwcc_strbuf_printf(&s, "at least %lld requests ", x->at_least);
        else
            lwcc_strbuf_printf(&s, "at most %lld requests ", x->at_most);
        describe_matcher(&x->match, sc->page_size, &s);
        lwcc_strbuf_printf(&s, ", saw %lld", count);
        lwcc_strbuf_printf(&d, "  counted ");
        if (x->from_step >= 0)
            lwcc_strbuf_printf(&d, "from step %d (at %.1f ms)%s", x->from_step, from, x->window_ms ? "" : " to the end");
        else
            lwcc_strbuf_puts(&d, "over the whole run");
        if (x->window_ms)
            lwcc_strbuf_printf(&d, " for %d ms", x->window_ms);
        lwcc_strbuf_printf(&d, "; the %lld matching requests (of %lld in that window):\n", count, in_window);
        /* The matching ones only: they are what the bound is about. */
        count_window(sc, rl, &x->match, from, to, NULL, &d);
        if (count > SHOW_MATCHED)
            lwcc_strbuf_printf(&d, "    ... %lld more not shown\n", count - SHOW_MATCHED);
        else if (count == 0)
            lwcc_strbuf_puts(&d, "    (none)\n");
        lwch_result_add_failure(res, CHECK_REQUESTS, lwcc_strbuf_str(&s), lwcc_strbuf_str(&d));
        lwcc_strbuf_free(&s);
        lwcc_strbuf_free(&d);
    }
}
