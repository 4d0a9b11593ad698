/* Fills a server with the built-in demo world lwc-mockserver serves without a scenario. */
#include "demo_world.h"
#include "lwc_fail.h"

#include "store.h"

#include <stdio.h>
#include <time.h>

typedef struct demo_pod {
    const char *ns, *name, *app, *image, *phase, *waiting_reason, *node, *ip;
    int containers, ready, restarts;
    long long age_s;
} demo_pod;

static const char *const namespaces[] = {"default", "kube-system", "team-a", "team-b"};

static const demo_pod pods[] = {
    {"default", "nginx-7d9f8b6c5-abcde", "nginx", "nginx:1.27", "Running", NULL, "node-1", "10.244.1.12", 1, 1, 0, 3 * 86400},
    {"default", "nginx-7d9f8b6c5-fghij", "nginx", "nginx:1.27", "Running", NULL, "node-2", "10.244.2.7", 1, 1, 0, 3 * 86400},
    {"default", "redis-0", "redis", "redis:7.2", "Running", NULL, "node-1", "10.244.1.15", 1, 1, 1, 12 * 86400},
    {"kube-system", "coredns-5d78c9869d-2xk4p", "kube-dns", "registry.k8s.io/coredns/coredns:v1.11.1", "Running", NULL, "node-1", "10.244.0.2", 1, 1, 0, 45 * 86400},
    {"kube-system", "coredns-5d78c9869d-9wqzr", "kube-dns", "registry.k8s.io/coredns/coredns:v1.11.1", "Running", NULL, "node-2", "10.244.0.3", 1, 1, 0, 45 * 86400},
    {"kube-system", "etcd-control-plane", "etcd", "registry.k8s.io/etcd:3.5.12-0", "Running", NULL, "control-plane", "172.18.0.2", 1, 1, 0, 45 * 86400},
    {"kube-system", "kube-apiserver-control-plane", "kube-apiserver", "registry.k8s.io/kube-apiserver:v1.33.0", "Running", NULL, "control-plane", "172.18.0.2", 1, 1, 0, 45 * 86400},
    {"team-a", "api-6b8f7c9d4-k2m9x", "api", "ghcr.io/example/api:2.4.1", "Running", NULL, "node-2", "10.244.2.21", 2, 2, 2, 3 * 3600 + 1200},
    {"team-a", "api-6b8f7c9d4-p7q4w", "api", "ghcr.io/example/api:2.4.1", "Running", NULL, "node-1", "10.244.1.30", 2, 2, 0, 3 * 3600 + 1200},
    {"team-a", "worker-0", "worker", "ghcr.io/example/worker:2.4.1", "Pending", "ContainerCreating", "node-2", NULL, 1, 0, 0, 40},
    {"team-b", "web-5f6d7c8b9-h3j5k", "web", "ghcr.io/example/web:1.9.0", "Running", NULL, "node-1", "10.244.1.41", 1, 1, 0, 6 * 86400},
    {"team-b", "web-5f6d7c8b9-r8t2v", "web", "ghcr.io/example/web:1.9.0", "Running", NULL, "node-2", "10.244.2.44", 1, 1, 0, 6 * 86400},
    {"team-b", "batch-report-x7k2p", "batch-report", "ghcr.io/example/report:0.3.0", "Succeeded", NULL, "node-1", "10.244.1.50", 1, 0, 0, 25 * 60},
};

static int add_pod(lwc_mock *srv, const demo_pod *p, long long now, char *err, size_t errlen)
{
    char created[32], started[32];
    lwcm_format_rfc3339(now - p->age_s, created);
    lwcm_format_rfc3339(now - p->age_s + 5, started);
    char containers[1024] = "", statuses[2048] = "";
    size_t co = 0, so = 0;
    for (int c = 0; c < p->containers; c++) {
        const char *cname = c == 0 ? p->app : "sidecar";
        const char *image = c == 0 ? p->image : "ghcr.io/example/proxy:1.0";
        co += (size_t)snprintf(containers + co, sizeof containers - co,
                               "%s{\"name\":\"%s\",\"image\":\"%s\",\"ports\":[{\"containerPort\":%d,\"protocol\":\"TCP\"}],"
                               "\"resources\":{\"requests\":{\"cpu\":\"100m\",\"memory\":\"128Mi\"}},"
                               "\"imagePullPolicy\":\"IfNotPresent\"}",
                               c ? "," : "", cname, image, 8080 + c);
        const char *state = p->waiting_reason ? "{\"waiting\":{\"reason\":\"ContainerCreating\"}}" : NULL;
        char running[192];
        if (!state) {
            if (p->ready)
                snprintf(running, sizeof running, "{\"running\":{\"startedAt\":\"%s\"}}", started);
            else
                snprintf(running, sizeof running,
                         "{\"terminated\":{\"exitCode\":0,\"reason\":\"Completed\",\"startedAt\":\"%s\"}}", started);
            state = running;
        }
        so += (size_t)snprintf(statuses + so, sizeof statuses - so,
                               "%s{\"name\":\"%s\",\"state\":%s,\"ready\":%s,\"restartCount\":%d,\"image\":\"%s\","
                               "\"started\":%s}",
                               c ? "," : "", cname, state, c < p->ready ? "true" : "false",
                               c == 0 ? p->restarts : 0, image, c < p->ready ? "true" : "false");
    }
    char json[4096];
    int n = snprintf(json, sizeof json,
                     "{\"metadata\":{\"name\":\"%s\",\"namespace\":\"%s\",\"creationTimestamp\":\"%s\","
                     "\"labels\":{\"app\":\"%s\",\"tier\":\"%s\"}},"
                     "\"spec\":{\"containers\":[%s],\"restartPolicy\":\"%s\",\"nodeName\":\"%s\","
                     "\"serviceAccountName\":\"default\"},"
                     "\"status\":{\"phase\":\"%s\",\"hostIP\":\"172.18.0.3\"%s%s%s,\"startTime\":\"%s\","
                     "\"containerStatuses\":[%s],\"qosClass\":\"Burstable\"}}",
                     p->name, p->ns, created, p->app, p->ns[0] == 'k' ? "control-plane" : "app", containers,
                     p->phase[0] == 'S' ? "Never" : "Always", p->node, p->phase, p->ip ? ",\"podIP\":\"" : "",
                     p->ip ? p->ip : "", p->ip ? "\"" : "", created, statuses);
    if (n < 0 || (size_t)n >= sizeof json)
        return lwc_fail(err, errlen, LWC_MOCK_EINVAL, "demo pod %s/%s does not fit its buffer", p->ns, p->name);
    return lwc_mock_create(srv, "/api/v1", "pods", json, NULL, err, errlen);
}

int lwcm_demo_world_populate(lwc_mock *srv, char *err, size_t errlen)
{
    long long now = (long long)time(NULL);
    char json[1024], created[32];
    lwcm_format_rfc3339(now - 45 * 86400, created);
    for (size_t i = 0; i < sizeof namespaces / sizeof namespaces[0]; i++) {
        snprintf(json, sizeof json,
                 "{\"metadata\":{\"name\":\"%s\",\"creationTimestamp\":\"%s\",\"labels\":{"
                 "\"kubernetes.io/metadata.name\":\"%s\"}},\"spec\":{\"finalizers\":[\"kubernetes\"]},"
                 "\"status\":{\"phase\":\"Active\"}}",
                 namespaces[i], created, namespaces[i]);
        int rc = lwc_mock_create(srv, "/api/v1", "namespaces", json, NULL, err, errlen);
        if (rc != LWC_MOCK_OK)
            return rc;
        snprintf(json, sizeof json,
                 "{\"metadata\":{\"name\":\"kube-root-ca.crt\",\"namespace\":\"%s\",\"creationTimestamp\":\"%s\"},"
                 "\"data\":{\"ca.crt\":\"-----BEGIN CERTIFICATE-----\\nMIIDemo\\n-----END CERTIFICATE-----\\n\"}}",
                 namespaces[i], created);
        rc = lwc_mock_create(srv, "/api/v1", "configmaps", json, NULL, err, errlen);
        if (rc != LWC_MOCK_OK)
            return rc;
    }
    lwcm_format_rfc3339(now - 2 * 86400, created);
    snprintf(json, sizeof json,
             "{\"metadata\":{\"name\":\"api-config\",\"namespace\":\"team-a\",\"creationTimestamp\":\"%s\","
             "\"labels\":{\"app\":\"api\"}},\"data\":{\"LOG_LEVEL\":\"info\",\"FEATURE_X\":\"true\"}}",
             created);
    int rc = lwc_mock_create(srv, "/api/v1", "configmaps", json, NULL, err, errlen);
    if (rc != LWC_MOCK_OK)
        return rc;
    for (size_t i = 0; i < sizeof pods / sizeof pods[0]; i++) {
        rc = add_pod(srv, &pods[i], now, err, errlen);
        if (rc != LWC_MOCK_OK)
            return rc;
    }
    static const char *const widgets[][4] = {
        {"default", "widget-gamma", "small", "green"},
        {"team-a", "widget-alpha", "large", "blue"},
        {"team-b", "widget-beta", "medium", "red"},
    };
    for (size_t i = 0; i < sizeof widgets / sizeof widgets[0]; i++) {
        lwcm_format_rfc3339(now - (long long)(i + 1) * 7200, created);
        snprintf(json, sizeof json,
                 "{\"metadata\":{\"name\":\"%s\",\"namespace\":\"%s\",\"creationTimestamp\":\"%s\","
                 "\"labels\":{\"size\":\"%s\"}},\"spec\":{\"size\":\"%s\",\"color\":\"%s\"}}",
                 widgets[i][1], widgets[i][0], created, widgets[i][2], widgets[i][2], widgets[i][3]);
        rc = lwc_mock_create(srv, "/apis/example.com/v1", "widgets", json, NULL, err, errlen);
        if (rc != LWC_MOCK_OK)
            return rc;
    }
    return LWC_MOCK_OK;
}
