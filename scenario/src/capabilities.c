/* The capability names a client declares in HELLO and a scenario lists in
 * "requires" (docs/client-protocol.md, "Capabilities"): one table, so that
 * the harness and the scenario parser can never spell them differently. */
#include "lwc_scenario.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* Each capability once: the table and lwc_capability_list's text are both
 * made from this list, so a new one cannot be left out of either. */
#define CAPABILITIES(X)                                                                                              \
    X(LWC_CAP_REWATCH, "rewatch")                                                                                    \
    X(LWC_CAP_RELIST, "relist")                                                                                      \
    X(LWC_CAP_RETRY, "retry")                                                                                        \
    X(LWC_CAP_BOOKMARKS, "bookmarks")                                                                                \
    X(LWC_CAP_WATCH_LIST, "watchList")                                                                               \
    X(LWC_CAP_WATCH_TIMEOUT, "watchTimeout")                                                                         \
    X(LWC_CAP_EVENTS, "events")
#define CAP_ENTRY(bit, name) {bit, name},
#define CAP_LISTED(bit, name) ", " name

static const struct {
    unsigned bit;
    const char *name;
} capability_names[] = {CAPABILITIES(CAP_ENTRY)};

unsigned lwc_capability_from_name(const char *name)
{
    for (size_t i = 0; i < sizeof capability_names / sizeof capability_names[0]; i++)
        if (!strcmp(capability_names[i].name, name))
            return capability_names[i].bit;
    return 0;
}

size_t lwc_capabilities_format(unsigned caps, char *out, size_t len)
{
    size_t off = 0;
    if (len)
        out[0] = '\0';
    for (size_t i = 0; i < sizeof capability_names / sizeof capability_names[0]; i++) {
        if (!(caps & capability_names[i].bit))
            continue;
        int n = snprintf(out + off, off < len ? len - off : 0, "%s%s", off ? ", " : "", capability_names[i].name);
        if (n > 0)
            off += (size_t)n;
    }
    if (off == 0 && len)
        snprintf(out, len, "(none)");
    return off;
}

const char *lwc_capability_list(void)
{
    static const char listed[] = CAPABILITIES(CAP_LISTED);
    return listed + 2; /* past the first ", " */
}

unsigned lwc_fault_needs(const lwc_fault *f)
{
    const lwc_action *a = &f->action;
    switch (a->kind) {
    case LWC_ACT_STATUS:
        if (a->status == 410)
            return LWC_CAP_RELIST;
        return a->status == 429 || a->status >= 500 || a->status == 403 ? LWC_CAP_RETRY : 0;
    case LWC_ACT_ERROR_EVENT:
        return LWC_CAP_REWATCH | (a->status == 0 || a->status == 410 ? LWC_CAP_RELIST : 0);
    case LWC_ACT_CLOSE:
    case LWC_ACT_DROP:
    case LWC_ACT_STALL:
    case LWC_ACT_TRUNCATE:
    case LWC_ACT_GARBAGE:
        return LWC_CAP_REWATCH;
    case LWC_ACT_SLOW:
    case LWC_ACT_DELAY:
        return 0;
    }
    return 0;
}

unsigned lwc_scenario_needs(const lwc_scenario *sc)
{
    unsigned need = 0;
    for (size_t i = 0; i < sc->nfaults; i++)
        need |= lwc_fault_needs(&sc->faults[i]);
    for (size_t i = 0; i < sc->nsteps; i++) {
        if (sc->steps[i].kind == LWC_STEP_CLOSE_WATCHES)
            need |= LWC_CAP_REWATCH;
        if (sc->steps[i].kind == LWC_STEP_ADD_FAULT)
            need |= lwc_fault_needs(sc->steps[i].fault);
    }
    if (sc->watch_list)
        need |= LWC_CAP_WATCH_LIST;
    return need;
}
