/* The environment a client is started with (client-protocol.md, "Start"). */
#ifndef LWC_HARNESS_CLIENT_ENV_H
#define LWC_HARNESS_CLIENT_ENV_H

#include "lwc_scenario.h"

/* The harness's environment without any inherited KUBECONFIG or LWC_*
 * variable of the protocol, plus KUBECONFIG, LWC_SERVER, LWC_API_PATH,
 * LWC_RESOURCE, LWC_NAMESPACE, LWC_COLLECTION, LWC_PAGE_SIZE,
 * LWC_LABEL_SELECTOR, LWC_WATCH_LIST, LWC_SCENARIO for this scenario, and
 * LWC_WATCH_TIMEOUT when it gives client.watchTimeoutSeconds. A
 * NULL-terminated malloc'd vector, or NULL when out of memory. */
char **lwch_client_env(const lwc_scenario *sc, const char *server_url, const char *kubeconfig);
void lwch_client_env_free(char **env);

#endif
