/* A scenario's result: its lifetime, failures, checkpoints and verdict names. */
#include "result.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const lwch_check_names[] = {CHECK_PROTOCOL, CHECK_INITIAL, CHECK_CONVERGENCE, CHECK_EVENTS, CHECK_REQUESTS,
                                       CHECK_TIMELINE, CHECK_EXIT,    CHECK_WATCH,       NULL};

int lwch_check_index(const char *name, size_t len)
{
    for (int k = 0; lwch_check_names[k]; k++)
        if (strlen(lwch_check_names[k]) == len && !strncmp(lwch_check_names[k], name, len))
            return k;
    return -1;
}

void lwch_result_init(scenario_result *r)
{
    memset(r, 0, sizeof *r);
    r->ready_ms = -1;
    r->converge_ms = -1;
}

void lwch_result_free(scenario_result *r)
{
    free(r->name);
    free(r->path);
    free(r->error);
    free(r->reason);
    free(r->client_name);
    free(r->expected);
    free(r->evidence);
    free(r->mismatch);
    for (size_t i = 0; i < r->nfailures; i++) {
        free(r->failures[i].summary);
        free(r->failures[i].detail);
    }
    free(r->failures);
    for (size_t i = 0; i < r->ncheckpoints; i++)
        free(r->checkpoints[i].name);
    free(r->checkpoints);
    free(r->notes);
    free(r->stderr_tail);
    memset(r, 0, sizeof *r);
}

int lwch_result_add_failure(scenario_result *r, const char *check, const char *summary, const char *detail)
{
    failure *nf = realloc(r->failures, (r->nfailures + 1) * sizeof *nf);
    if (!nf)
        return -1;
    r->failures = nf;
    failure *f = &nf[r->nfailures];
    memset(f, 0, sizeof *f);
    snprintf(f->check, sizeof f->check, "%s", check);
    f->summary = strdup(summary ? summary : "");
    f->detail = strdup(detail ? detail : "");
    if (!f->summary || !f->detail) {
        free(f->summary);
        free(f->detail);
        return -1;
    }
    r->nfailures++;
    if (r->v == VERDICT_PASS)
        r->v = VERDICT_FAIL;
    return 0;
}

int lwch_result_add_checkpoint(scenario_result *r, const char *name, int ok, double ms)
{
    checkpoint_result *nc = realloc(r->checkpoints, (r->ncheckpoints + 1) * sizeof *nc);
    if (!nc)
        return -1;
    r->checkpoints = nc;
    nc[r->ncheckpoints].name = strdup(name);
    if (!nc[r->ncheckpoints].name)
        return -1;
    nc[r->ncheckpoints].ok = ok;
    nc[r->ncheckpoints].ms = ms;
    r->ncheckpoints++;
    return 0;
}

const char *lwch_verdict_name(verdict v)
{
    switch (v) {
    case VERDICT_PASS: return "PASS";
    case VERDICT_FAIL: return "FAIL";
    case VERDICT_ERROR: return "ERROR";
    case VERDICT_INTERRUPTED: return "INTERRUPTED";
    case VERDICT_NA: return "N/A";
    case VERDICT_NOT_RUN: return "NOT RUN";
    }
    return "?";
}
