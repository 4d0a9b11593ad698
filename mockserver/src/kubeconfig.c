/* A kubeconfig that points kubectl, client-go, Python and JavaScript clients
 * at the server. insecure-skip-tls-verify is meaningless over http, but the
 * JavaScript client refuses http:// without it (real-clients.md §1.5). */
#include "mock_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int lwc_mock_write_kubeconfig(const lwc_mock *srv, const char *path, const char *ns, char *err, size_t errlen)
{
    if (!path || !*path) {
        snprintf(err, errlen, "kubeconfig: no path given");
        return LWC_MOCK_EINVAL;
    }
    const char *namespace = ns && *ns ? ns : "default";
    for (const char *p = namespace; *p; p++) {
        if (*p == '\n' || *p == '"' || *p == '\\') {
            snprintf(err, errlen, "kubeconfig: namespace \"%s\" has a character that cannot be written", namespace);
            return LWC_MOCK_EINVAL;
        }
    }
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(err, errlen, "kubeconfig: cannot write %s: %s", path, strerror(errno));
        return LWC_MOCK_EIO;
    }
    int n = fprintf(f,
                    "apiVersion: v1\n"
                    "kind: Config\n"
                    "clusters:\n"
                    "- name: lwc\n"
                    "  cluster:\n"
                    "    server: %s\n"
                    "    insecure-skip-tls-verify: true\n"
                    "users:\n"
                    "- name: lwc\n"
                    "  user: {}\n"
                    "contexts:\n"
                    "- name: lwc\n"
                    "  context:\n"
                    "    cluster: lwc\n"
                    "    user: lwc\n"
                    "    namespace: \"%s\"\n"
                    "current-context: lwc\n",
                    srv->url, namespace);
    int closed = fclose(f);
    if (n < 0 || closed != 0) {
        snprintf(err, errlen, "kubeconfig: writing %s failed: %s", path, strerror(errno));
        return LWC_MOCK_EIO;
    }
    return LWC_MOCK_OK;
}
