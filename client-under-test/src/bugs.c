/* The catalog of reproduced client bugs. Each entry names the public report
 * it reproduces; client-under-test/README.md says which scenario shape
 * catches it. */
#include "bugs.h"

#include <string.h>

typedef struct bug_info {
    const char *name;
    const char *reference;
    const char *summary;
} bug_info;

static const bug_info bugs[LWC_BUG_COUNT] = {
    [LWC_BUG_FIRST_PAGE_ONLY] = {"first-page-only",
                                 "kube-rs/kube#1524 (0.92.0 watcher stops after the first page; fixed by PR #1525)",
                                 "declares the initial list complete as soon as a page carries a resourceVersion, "
                                 "before looking at its continue token"},
    [LWC_BUG_KUBECONFIG_NAMESPACE] = {"kubeconfig-namespace",
                                      "fiaas/k8s#137 (watcher's initial list always used the default namespace)",
                                      "an all-namespaces watcher lists only the kubeconfig context's namespace "
                                      "(the watch itself still covers every namespace)"},
    [LWC_BUG_STALE_RELIST] = {"stale-relist",
                              "kubernetes-client/javascript#572 (ListWatch lists were never cleared on relist); "
                              "dotnet/dotnet-operator-sdk#675",
                              "a relist merges the new list into the store: objects that vanished stay, and no "
                              "DELETED is announced"},
    [LWC_BUG_REWATCH_DEAD_RV] = {"rewatch-dead-rv",
                                 "kubernetes-sigs/headlamp#7451 (reconnects to the same expired RV forever); "
                                 "kubernetes-client/javascript#1933; kube-rs HTTP-410 watch loop",
                                 "after a 410 (ERROR event or HTTP status) on a watch it re-watches from the same "
                                 "dead resourceVersion instead of relisting"},
    [LWC_BUG_EXPIRED_CONTINUE_FATAL] = {"expired-continue-fatal",
                                        "folio-pro/kdashboard#70 (paginated list fails entirely on a 410 continue); "
                                        "Netflix/metaflow#2745",
                                        "a 410 Expired on a continue page fails the list for good: the watcher "
                                        "gives up and never becomes ready"},
    [LWC_BUG_RELIST_RV0] = {"relist-rv0",
                            "kubernetes/kubernetes#59848 (relist at resourceVersion=0 can travel back in time; "
                            "PR #83520)",
                            "every list, including relists, asks for resourceVersion=0, which any cache, however "
                            "stale, may answer (and which ignores limit)"},
    [LWC_BUG_REWATCH_FROM_NOW] = {"rewatch-from-now",
                                  "dotnet/dotnet-operator-sdk#675 (deletes during a disconnect never observed); "
                                  "fiaas/k8s#132",
                                  "after a watch ends it re-watches without a resourceVersion (from \"now\"), so "
                                  "deletions made while it was disconnected are lost"},
    [LWC_BUG_NO_BACKOFF] = {"no-backoff",
                            "jupyterhub/kubespawner#920 (reconnect in a tight loop); kube-rs/kube#717 (error loop "
                            "under 429)",
                            "retries at once after every failure and ignores Retry-After"},
    [LWC_BUG_IGNORE_BOOKMARKS] = {"ignore-bookmarks",
                                  "kubernetes-client/python#1729 (BOOKMARK events do not advance the "
                                  "resourceVersion)",
                                  "bookmarks do not advance the resourceVersion, so a re-watch on a quiet "
                                  "collection starts from an old one and needs a relist after compaction"},
    [LWC_BUG_RESEND_INITIAL_EVENTS] = {"resend-initial-events",
                                       "kube-rs/kube#1844 (streaming-list re-watches re-request initial events; "
                                       "fixed by PR #1882)",
                                       "with streaming lists every re-watch asks for sendInitialEvents again and "
                                       "hands the replayed ADDED events to its consumers"},
    [LWC_BUG_RV_FROM_LAST_ITEM] = {"rv-from-last-item",
                                   "kubernetes-client/python#819 (watch restarted from the RV of the last object "
                                   "seen)",
                                   "watches from the resourceVersion of the list's last item instead of the list's "
                                   "own, replaying old events to its consumers"},
    [LWC_BUG_CONTINUE_WITH_RV] = {"continue-with-rv",
                                  "kubernetes/kubernetes#85221 (pager sent resourceVersion with continue; PR "
                                  "#85272)",
                                  "sends the list's resourceVersion along with every continue token, which the "
                                  "apiserver rejects with 400"},
    [LWC_BUG_NO_STALL_TIMEOUT] = {"no-stall-timeout",
                                  "kube-rs/kube#1798 and Azure/kars#456 (dead watch stream awaited forever; fixed "
                                  "by PR #1945)",
                                  "no idle timeout on watches: a connection that goes silent without FIN or RST "
                                  "is awaited forever"},
    [LWC_BUG_WATCHLIST_NO_DEADLINE] = {"watchlist-no-deadline",
                                       "antrea-io/antrea#8123 (client waited forever for the "
                                       "initial-events-end bookmark)",
                                       "with streaming lists it waits for the initial-events-end bookmark forever "
                                       "and never falls back to list+watch when it does not come"},
};

const char *lwc_bug_name(lwc_bug bug)
{
    return (unsigned)bug < LWC_BUG_COUNT ? bugs[bug].name : NULL;
}

const char *lwc_bug_reference(lwc_bug bug)
{
    return (unsigned)bug < LWC_BUG_COUNT ? bugs[bug].reference : NULL;
}

const char *lwc_bug_summary(lwc_bug bug)
{
    return (unsigned)bug < LWC_BUG_COUNT ? bugs[bug].summary : NULL;
}

int lwc_bug_lookup(const char *name)
{
    if (!name)
        return -1;
    for (int i = 0; i < LWC_BUG_COUNT; i++)
        if (strcmp(bugs[i].name, name) == 0)
            return i;
    return -1;
}
