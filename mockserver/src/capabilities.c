/* The capability names a client declares in HELLO and a scenario lists in
 * "requires" (docs/client-protocol.md, "Capabilities"): one table, so that
 * the harness and the scenario parser can never spell them differently. */
#include "lwc_scenario.h"

#include <stdio.h>
#include <string.h>

static const struct {
    unsigned bit;
    const char *name;
} capability_names[] = {
    {LWC_CAP_REWATCH, "rewatch"},     {LWC_CAP_RELIST, "relist"},         {LWC_CAP_RETRY, "retry"},
    {LWC_CAP_BOOKMARKS, "bookmarks"}, {LWC_CAP_WATCH_LIST, "watchList"},  {LWC_CAP_WATCH_TIMEOUT, "watchTimeout"},
    {LWC_CAP_EVENTS, "events"},
};

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
    return "rewatch, relist, retry, bookmarks, watchList, watchTimeout, events";
}
