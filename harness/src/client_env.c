/* The client's environment: the harness's own, with the client protocol's
 * variables (client-protocol.md, "Start") set from the scenario. */
#include "client_env.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

/* Appends kv (malloc'd; freed here when it cannot be kept), keeping the list NULL-terminated. */
static int env_push(char ***env, size_t *n, size_t *cap, char *kv)
{
    if (!kv)
        return -1;
    if (*n + 2 > *cap) {
        size_t ncap = *cap ? *cap * 2 : 64;
        char **ne = realloc(*env, ncap * sizeof *ne);
        if (!ne) {
            free(kv);
            return -1;
        }
        *env = ne;
        *cap = ncap;
    }
    (*env)[(*n)++] = kv;
    (*env)[*n] = NULL;
    return 0;
}

static int env_add(char ***env, size_t *n, size_t *cap, const char *key, const char *val)
{
    size_t len = strlen(key) + strlen(val) + 2;
    char *kv = malloc(len);
    if (kv)
        snprintf(kv, len, "%s=%s", key, val);
    return env_push(env, n, cap, kv);
}

void lwch_client_env_free(char **env)
{
    if (!env)
        return;
    for (char **e = env; *e; e++)
        free(*e);
    free(env);
}

char **lwch_client_env(const lwc_scenario *sc, const char *server_url, const char *kubeconfig)
{
    static const char *const ours[] = {"KUBECONFIG", "LWC_SERVER", "LWC_API_PATH", "LWC_RESOURCE", "LWC_NAMESPACE",
                                       "LWC_COLLECTION", "LWC_PAGE_SIZE", "LWC_LABEL_SELECTOR", "LWC_WATCH_LIST",
                                       "LWC_SCENARIO", "LWC_WATCH_TIMEOUT", NULL};
    char **env = NULL;
    size_t n = 0, cap = 0;
    for (char **e = environ; e && *e; e++) {
        int skip = 0;
        for (const char *const *k = ours; *k; k++) {
            size_t kl = strlen(*k);
            if (!strncmp(*e, *k, kl) && (*e)[kl] == '=')
                skip = 1;
        }
        if (skip)
            continue;
        if (env_push(&env, &n, &cap, strdup(*e)) != 0)
            goto oom;
    }
    char collection[1024], page[32];
    if (sc->client_namespace[0])
        snprintf(collection, sizeof collection, "%s/namespaces/%s/%s", sc->api_path, sc->client_namespace, sc->plural);
    else
        snprintf(collection, sizeof collection, "%s/%s", sc->api_path, sc->plural);
    snprintf(page, sizeof page, "%d", sc->page_size);
    if (env_add(&env, &n, &cap, "KUBECONFIG", kubeconfig) || env_add(&env, &n, &cap, "LWC_SERVER", server_url) ||
        env_add(&env, &n, &cap, "LWC_API_PATH", sc->api_path) || env_add(&env, &n, &cap, "LWC_RESOURCE", sc->plural) ||
        env_add(&env, &n, &cap, "LWC_NAMESPACE", sc->client_namespace) ||
        env_add(&env, &n, &cap, "LWC_COLLECTION", collection) || env_add(&env, &n, &cap, "LWC_PAGE_SIZE", page) ||
        env_add(&env, &n, &cap, "LWC_LABEL_SELECTOR", sc->label_selector) ||
        env_add(&env, &n, &cap, "LWC_WATCH_LIST", sc->watch_list ? "1" : "0") ||
        env_add(&env, &n, &cap, "LWC_SCENARIO", sc->name))
        goto oom;
    /* Not in the protocol's table: a hint some scenarios give (scenarios/README.md, client.watchTimeoutSeconds). */
    if (sc->watch_timeout_seconds > 0) {
        char wt[32];
        snprintf(wt, sizeof wt, "%d", sc->watch_timeout_seconds);
        if (env_add(&env, &n, &cap, "LWC_WATCH_TIMEOUT", wt))
            goto oom;
    }
    return env;
oom:
    lwch_client_env_free(env);
    return NULL;
}

