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

enum { K_OTHER, K_RESOURCE, K_LIST_PAGE, K_LIST_START, K_WATCH, K_WATCH_START };

/* One pass over the log: each request's kind for this check (matching parses
 * path and query, so it is done once per request, never per pair). */
static int classify(const lwc_scenario *sc, const lwc_mock_request *r)
{
    lwc_matcher m;
    lwch_resource_matcher(sc, LWC_VERB_LIST, &m);
    if (lwc_matcher_matches(&m, r, sc->page_size))
        return lwch_is_list_start(r) ? K_LIST_START : K_LIST_PAGE;
    lwch_resource_matcher(sc, LWC_VERB_WATCH, &m);
    if (lwc_matcher_matches(&m, r, sc->page_size))
        return lwch_is_initial_events_watch(sc, r) ? K_WATCH_START : K_WATCH;
    lwch_resource_matcher(sc, LWC_VERB_ANY, &m);
    return lwc_matcher_matches(&m, r, sc->page_size) ? K_RESOURCE : K_OTHER; /* a get or a write */
}

/* A moment that gave the client a reason to list again: a request of the
 * resource answered with an error or not at all, or shaped by a fault (at
 * its start), or a watch of the resource that ended (at its end). */
typedef struct cause {
    double at;
    size_t req;
} cause;

static int by_time(const void *a, const void *b)
{
    double x = ((const cause *)a)->at, y = ((const cause *)b)->at;
    return x < y ? -1 : x > y;
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

void lwch_check_relists(const lwc_scenario *sc, const reqlog *rl, double ready_srv_ms, const double *step_srv_ms,
                   scenario_result *res, strbuf *notes)
{
    if (ready_srv_ms < 0 || rl->n == 0)
        return;
    unsigned char *kind = malloc(rl->n);
    cause *cs = malloc(rl->n * sizeof *cs);
    if (!kind || !cs) {
        free(kind);
        free(cs);
        lwcc_strbuf_puts(notes, "the watch check was not run: out of memory\n");
        return;
    }
    /* The first list that completed: what came before it is the initial list and its retries. */
    size_t c = rl->n, ncs = 0;
    for (size_t i = 0; i < rl->n; i++) {
        const lwc_mock_request *r = &rl->v[i];
        kind[i] = (unsigned char)classify(sc, r);
        if (kind[i] == K_OTHER)
            continue;
        if (c == rl->n && r->status == 200 && r->served_rv &&
            (((kind[i] == K_LIST_START || kind[i] == K_LIST_PAGE) && !r->more) || kind[i] == K_WATCH_START))
            c = i;
        if (r->status == 0 || r->status >= 300 || r->fault)
            cs[ncs++] = (cause){r->start_ms, i};
        else if ((kind[i] == K_WATCH || kind[i] == K_WATCH_START) && r->done)
            cs[ncs++] = (cause){r->start_ms + r->duration_ms, i};
    }
    if (c == rl->n) { /* check 1 already fails a READY without a completed list */
        free(kind);
        free(cs);
        return;
    }
    qsort(cs, ncs, sizeof *cs, by_time);

    strbuf d;
    lwcc_strbuf_init(&d);
    /* A streaming list goes on as the watch: it counts as one. */
    size_t relists = 0, unforced = 0, watches = 0, next = 0;
    double prev = rl->v[c].start_ms;
    for (size_t k = c; k < rl->n; k++) {
        const lwc_mock_request *r = &rl->v[k];
        if (kind[k] == K_WATCH || kind[k] == K_WATCH_START)
            watches++;
        if (k == c || (kind[k] != K_LIST_START && kind[k] != K_WATCH_START))
            continue;
        relists++;
        /* A cause at or after the previous list's start, and no later than this one's. */
        while (next < ncs && cs[next].at < prev)
            next++;
        int caused = 0; /* windows follow each other, so this scan is linear overall */
        for (size_t j = next; j < ncs && cs[j].at <= r->start_ms && !caused; j++)
            caused = cs[j].req != k; /* a relist is not its own cause */
        if (!caused) {
            unforced++;
            if (unforced <= 10)
                lwcc_strbuf_printf(&d, "    %9.1f ms  %s%s%s: no error, fault or ended watch since %.1f ms\n", r->start_ms,
                                   r->path, r->query[0] ? "?" : "", r->query, prev);
        }
        prev = r->start_ms;
    }
    free(kind);
    free(cs);
    if (unforced > 10)
        lwcc_strbuf_printf(&d, "    ... %zu more\n", unforced - 10);

    /* Changes after READY to the watched collection must come through a watch. */
    int changed = 0;
    for (size_t i = 0; i < sc->nsteps; i++)
        if (step_srv_ms[i] >= ready_srv_ms && writes_watched(sc, &sc->steps[i]))
            changed = 1;
    if (changed && watches == 0) {
        strbuf s;
        lwcc_strbuf_init(&s);
        lwcc_strbuf_printf(&s,
                  "the watched collection changed after READY, and the client never opened a watch after its first "
                  "list (%zu relists instead)",
                  relists);
        lwch_result_add_failure(res, CHECK_WATCH, lwcc_strbuf_str(&s), lwcc_strbuf_str(&d));
        lwcc_strbuf_free(&s);
    } else if (unforced >= UNFORCED_FAIL) {
        strbuf s;
        lwcc_strbuf_init(&s);
        lwcc_strbuf_printf(&s,
                  "%zu of %zu relists had no cause (no 410, no failed request, no ended or faulted watch before them): "
                  "a client lists again only when its watch cannot go on",
                  unforced, relists);
        lwcc_strbuf_puts(&d, "  (the relists without a cause are listed above)\n");
        lwch_result_add_failure(res, CHECK_WATCH, lwcc_strbuf_str(&s), lwcc_strbuf_str(&d));
        lwcc_strbuf_free(&s);
    } else if (unforced == 1) {
        lwcc_strbuf_printf(notes, "one relist without a cause (reported, not failed):\n%s", lwcc_strbuf_str(&d));
    }
    lwcc_strbuf_free(&d);
}
