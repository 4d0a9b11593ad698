/* A kubeconfig that points kubectl, client-go, Python and JavaScript clients
 * at the server. insecure-skip-tls-verify is meaningless over http, but the
 * JavaScript client refuses http:// without it (real-clients.md §1.5). */
#include "mock_internal.h"
#include "lwc_fail.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int lwc_mock_write_kubeconfig(const lwc_mock *srv, const char *path, const char *ns, char *err, size_t errlen)
{
    if (!path || !*path)
        return lwc_fail(err, errlen, LWC_MOCK_EINVAL, "kubeconfig: no path given");
    const char *namespace = ns && *ns ? ns : "default";
    for (const char *p = namespace; *p; p++) {
        if (*p == '\n' || *p == '"' || *p == '\\')
            return lwc_fail(err, errlen, LWC_MOCK_EINVAL,
                            "kubeconfig: namespace \"%s\" has a character that cannot be written", namespace);
    }
    FILE *f = fopen(path, "w");
    if (!f)
        return lwc_fail(err, errlen, LWC_MOCK_EIO, "kubeconfig: cannot write %s: %s", path, strerror(errno));
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
    if (n < 0 || closed != 0)
        return lwc_fail(err, errlen, LWC_MOCK_EIO, "kubeconfig: writing %s failed: %s", path, strerror(errno));
    return LWC_MOCK_OK;
}
