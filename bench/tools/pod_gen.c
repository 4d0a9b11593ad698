/* Realistic pods for benchmarks: names, labels and specs shaped like a Deployment's, from an index. */
#include "pod_gen.h"

#include <stdio.h>

/* Twenty deployments, cycling: a namespace's pods belong to a handful of apps,
 * as on a real cluster, so the label values repeat. */
static const char *const apps[] = {
    "api-gateway", "auth", "billing", "cart", "catalog", "checkout", "email", "frontend", "inventory", "ledger",
    "notifications", "orders", "payments", "profile", "recommend", "search", "shipping", "reviews", "session",
    "worker",
};
#define NAPPS (sizeof apps / sizeof apps[0])

/* The apiserver's name-suffix alphabet (no vowels, no confusable digits). */
static const char alnum[] = "bcdfghjklmnpqrstvwxz2456789";

static unsigned long mix(unsigned long x)
{
    /* splitmix64 finalizer: cheap, well spread, deterministic. */
    x += 0x9E3779B97F4A7C15UL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
    return x ^ (x >> 31);
}

static void suffix5(char out[6], long idx)
{
    /* 7919 is coprime with 27^5, so idx -> idx*7919 mod 27^5 is a bijection:
     * the suffixes look random yet never collide within a namespace. */
    unsigned long v = ((unsigned long)idx * 7919UL + 12345UL) % 14348907UL;
    for (int i = 4; i >= 0; i--) {
        out[i] = alnum[v % 27];
        v /= 27;
    }
    out[5] = '\0';
}

static void template_hash(char out[11], unsigned long app)
{
    unsigned long h = mix(app * 31 + 7);
    for (int i = 0; i < 10; i++) {
        out[i] = alnum[h % 27];
        h /= 27;
    }
    out[10] = '\0';
}

void pod_gen_name(char *buf, size_t len, long idx)
{
    char suf[6], hash[11];
    unsigned long app = (unsigned long)idx % NAPPS;
    suffix5(suf, idx);
    template_hash(hash, app);
    snprintf(buf, len, "%s-%s-%s", apps[app], hash, suf);
}

int pod_gen_json(char *buf, size_t len, const char *ns, long idx, long seq)
{
    unsigned long app = (unsigned long)idx % NAPPS;
    unsigned long nsh = 5381;
    for (const char *c = ns; *c; c++)
        nsh = nsh * 33 + (unsigned char)*c; /* djb2: pods of different namespaces differ */
    unsigned long h = mix((unsigned long)idx ^ (nsh << 24));
    char name[96], hash[11], seqann[48] = "";
    pod_gen_name(name, sizeof name, idx);
    template_hash(hash, app);
    if (seq >= 0)
        snprintf(seqann, sizeof seqann, ",\"bench.lwc/seq\":\"%ld\"", seq);
    unsigned node = (unsigned)(h % 64);
    unsigned ip3 = (unsigned)((h >> 8) % 256), ip4 = (unsigned)((h >> 16) % 254) + 1;
    unsigned minor = (unsigned)((h >> 24) % 20);
    /* A 64-hex container id, as containerd reports it. */
    char cid[65];
    for (int i = 0; i < 4; i++)
        snprintf(cid + 16 * i, 17, "%016lx", mix(h + (unsigned long)i));
    int n = snprintf(
        buf, len,
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"%s\",\"namespace\":\"%s\","
        "\"creationTimestamp\":\"2024-05-%02uT%02u:%02u:%02uZ\","
        "\"labels\":{\"app.kubernetes.io/name\":\"%s\","
        "\"pod-template-hash\":\"%s\",\"tier\":\"%s\"},"
        "\"annotations\":{\"prometheus.io/scrape\":\"true\"%s},"
        "\"ownerReferences\":[{\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\",\"name\":\"%s-%s\","
        "\"uid\":\"%08lx-%04lx-4%03lx-8%03lx-%012lx\",\"controller\":true,\"blockOwnerDeletion\":true}]},"
        "\"spec\":{\"containers\":[{\"name\":\"%s\",\"image\":\"registry.example.com/shop/%s:1.%u.%u\","
        "\"ports\":[{\"name\":\"http\",\"containerPort\":8080,\"protocol\":\"TCP\"}],"
        "\"resources\":{\"requests\":{\"cpu\":\"100m\",\"memory\":\"128Mi\"}}}],"
        "\"restartPolicy\":\"Always\",\"serviceAccountName\":\"%s\",\"nodeName\":\"node-%02u\"},"
        "\"status\":{\"phase\":\"Running\",\"hostIP\":\"10.0.%u.%u\",\"podIP\":\"10.244.%u.%u\","
        "\"startTime\":\"2024-05-%02uT%02u:%02u:%02uZ\","
        "\"containerStatuses\":[{\"name\":\"%s\",\"ready\":true,\"started\":true,\"restartCount\":%u,"
        "\"image\":\"registry.example.com/shop/%s:1.%u.%u\",\"containerID\":\"containerd://%s\","
        "\"state\":{\"running\":{\"startedAt\":\"2024-05-%02uT%02u:%02u:%02uZ\"}}}]}}",
        name, ns, 1 + (unsigned)(h % 28), (unsigned)(h % 24), (unsigned)(h % 60), (unsigned)((h >> 6) % 60),
        apps[app], hash, app % 3 == 0 ? "frontend" : app % 3 == 1 ? "backend" : "data", seqann, apps[app], hash,
        mix(app) & 0xffffffffUL, mix(app + 1) & 0xffffUL, mix(app + 2) & 0xfffUL, mix(app + 3) & 0xfffUL,
        mix(app + 4) & 0xffffffffffffUL, apps[app], apps[app], minor, (unsigned)(h % 7), apps[app], node, node / 4, node,
        ip3, ip4, 1 + (unsigned)(h % 28), (unsigned)(h % 24), (unsigned)(h % 60), (unsigned)((h >> 6) % 60),
        apps[app], (unsigned)((h >> 32) % 3), apps[app], minor, (unsigned)(h % 7), cid, 1 + (unsigned)(h % 28),
        (unsigned)(h % 24), (unsigned)(h % 60), (unsigned)((h >> 6) % 60));
    if (n < 0 || (size_t)n >= len)
        return -1;
    return n;
}
