/* The watch check (client-protocol.md, "What each check guarantees"):
 * changes after READY reach the client through a watch, and every relist
 * has a cause the request log can show. */
#include "watchcheck.h"
#include "checks.h"
#include "triggers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Two unforced relists are a pattern (a client that lists instead of
 * watching makes one per DUMP or per change); one is only reported. */
#define UNFORCED_FAIL 2

static int is_list_start(const lwc_scenario *sc, const lwc_mock_request *r)
{
    lwc_matcher lm;
    resource_matcher(sc, LWC_VERB_LIST, &lm);
    if (lwc_matcher_matches(&lm, r, sc->page_size)) {
        if (r->page > 1)
            return 0;
        char *cont = lwc_mock_query_param(r->query, "continue");
        int first = !cont || !*cont;
        free(cont);
        return first;
    }
    return is_initial_events_watch(sc, r);
}

static int is_watch(const lwc_scenario *sc, const lwc_mock_request *r)
{
    lwc_matcher wm;
    resource_matcher(sc, LWC_VERB_WATCH, &wm);
    return lwc_matcher_matches(&wm, r, sc->page_size);
}

static int is_resource(const lwc_scenario *sc, const lwc_mock_request *r)
{
    lwc_matcher am;
    resource_matcher(sc, LWC_VERB_ANY, &am);
    return lwc_matcher_matches(&am, r, sc->page_size);
}

/* A request that, when the client saw it, gave it a reason to list again. */
static int cause_in(const lwc_scenario *sc, const reqlog *rl, size_t k, double from_ms, char *why, size_t whylen)
{
    double at = rl->v[k].start_ms;
    for (size_t j = 0; j < k; j++) {
        const lwc_mock_request *q = &rl->v[j];
        if (!is_resource(sc, q))
            continue;
        double end = q->start_ms + q->duration_ms;
        if (q->start_ms >= from_ms && q->start_ms <= at && (q->status == 0 || q->status >= 300)) {
            snprintf(why, whylen, "the %s at %.1f ms answered %d", is_watch(sc, q) ? "watch" : "request", q->start_ms,
                     q->status);
            return 1;
        }
        if (q->start_ms >= from_ms && q->start_ms <= at && q->fault) {
            snprintf(why, whylen, "a fault shaped the request at %.1f ms", q->start_ms);
            return 1;
        }
        if (!is_watch(sc, q))
            continue;
        if (q->done && end > from_ms && end <= at) {
            snprintf(why, whylen, "the watch of %.1f ms ended at %.1f ms", q->start_ms, end);
            return 1;
        }
        /* A stream a fault shaped (stalled, slowed) that was still open:
         * abandoning it is the point of a stall timeout. */
        if (q->fault && (!q->done || end > from_ms)) {
            snprintf(why, whylen, "the watch of %.1f ms was shaped by a fault", q->start_ms);
            return 1;
        }
    }
    return 0;
}

static int writes_watched(const lwc_scenario *sc, const lwc_step *st)
{
    if (st->resource && strcmp(st->resource, sc->plural) != 0)
        return 0;
    switch (st->kind) {
    case LWC_STEP_CREATE:
    case LWC_STEP_UPDATE:
    case LWC_STEP_DELETE:
    case LWC_STEP_DELETE_ALL:
    case LWC_STEP_RECREATE:
    case LWC_STEP_RELABEL:
    case LWC_STEP_CHURN: return 1;
    default: return 0;
    }
}

void check_relists(const lwc_scenario *sc, const reqlog *rl, double ready_srv_ms, const double *step_srv_ms,
                   scenario_result *res, textbuf *notes)
{
    if (ready_srv_ms < 0)
        return;
    /* The first list that completed: what came before it is the initial list and its retries. */
    size_t c = rl->n;
    for (size_t i = 0; i < rl->n && c == rl->n; i++) {
        const lwc_mock_request *r = &rl->v[i];
        if (r->status != 200 || r->served_rv == 0)
            continue;
        lwc_matcher lm;
        resource_matcher(sc, LWC_VERB_LIST, &lm);
        if ((lwc_matcher_matches(&lm, r, sc->page_size) && !r->more) || is_initial_events_watch(sc, r))
            c = i;
    }
    if (c == rl->n)
        return; /* check 1 already fails a READY without a completed list */

    textbuf d;
    tb_init(&d);
    /* A streaming list goes on as the watch: it counts as one. */
    size_t relists = 0, unforced = 0, watches = is_watch(sc, &rl->v[c]);
    double prev = rl->v[c].start_ms;
    for (size_t k = c + 1; k < rl->n; k++) {
        const lwc_mock_request *r = &rl->v[k];
        if (is_watch(sc, r))
            watches++;
        if (!is_list_start(sc, r))
            continue;
        relists++;
        char why[160];
        if (cause_in(sc, rl, k, prev, why, sizeof why)) {
            prev = r->start_ms;
            continue;
        }
        unforced++;
        if (unforced <= 10)
            tb_printf(&d, "    %9.1f ms  %s%s%s: no 410, failed request or ended watch since %.1f ms\n", r->start_ms,
                      r->path, r->query[0] ? "?" : "", r->query, prev);
        prev = r->start_ms;
    }
    if (unforced > 10)
        tb_printf(&d, "    ... %zu more\n", unforced - 10);

    /* Changes after READY to the watched collection must come through a watch. */
    int changed = 0;
    for (size_t i = 0; i < sc->nsteps; i++)
        if (step_srv_ms[i] >= ready_srv_ms && writes_watched(sc, &sc->steps[i]))
            changed = 1;
    if (changed && watches == 0) {
        textbuf s;
        tb_init(&s);
        tb_printf(&s,
                  "the watched collection changed after READY, and the client never opened a watch after its first "
                  "list (%zu relists instead)",
                  relists);
        result_add_failure(res, CHECK_WATCH, tb_str(&s), tb_str(&d));
        tb_free(&s);
    } else if (unforced >= UNFORCED_FAIL) {
        textbuf s;
        tb_init(&s);
        tb_printf(&s,
                  "%zu of %zu relists had no cause (no 410, no failed request, no ended or faulted watch before them): "
                  "a client lists again only when its watch cannot go on",
                  unforced, relists);
        tb_puts(&d, "  (the relists without a cause are listed above)\n");
        result_add_failure(res, CHECK_WATCH, tb_str(&s), tb_str(&d));
        tb_free(&s);
    } else if (unforced == 1) {
        tb_printf(notes, "one relist without a cause (reported, not failed):\n%s", tb_str(&d));
    }
    tb_free(&d);
}
