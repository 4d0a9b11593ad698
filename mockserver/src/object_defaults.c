/* What the apiserver (defaulting, PrepareForCreate/Update) and the kubelet
 * (pod status) fill into an object, so that the mock never serves an object
 * a real cluster would not: typed client models refuse those. */
#include "object_codec.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Adds value under key unless key is there; takes value either way. -1 on OOM. */
static int put_default(cJSON *o, const char *key, cJSON *value)
{
    if (!value)
        return -1;
    if (!cJSON_IsObject(o) || cJSON_GetObjectItemCaseSensitive(o, key)) {
        cJSON_Delete(value);
        return 0;
    }
    if (!cJSON_AddItemToObject(o, key, value)) {
        cJSON_Delete(value);
        return -1;
    }
    return 0;
}

static cJSON *child_object(cJSON *parent, const char *key)
{
    cJSON *o = cJSON_GetObjectItemCaseSensitive(parent, key);
    if (!o)
        o = cJSON_AddObjectToObject(parent, key);
    return o;
}

static const char *str_member(const cJSON *o, const char *key)
{
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(s) ? s->valuestring : NULL;
}

/* 64 hex digits derived from a string: stable digests and container ids. */
static void hex64(const char *a, const char *b, char out[65])
{
    uint64_t h = 1469598103934665603ULL;
    for (const char *p = a; p && *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    h = (h ^ '/') * 1099511628211ULL;
    for (const char *p = b; p && *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    for (int i = 0; i < 4; i++) {
        /* splitmix64 steps spread one hash over 256 bits */
        uint64_t z = (h += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        z ^= z >> 31;
        snprintf(out + i * 16, 17, "%016llx", (unsigned long long)z);
    }
}

/* The image as the container runtime reports it: fully qualified
 * ("nginx:1.27" -> "docker.io/library/nginx:1.27"). */
static void qualified_image(const char *image, char *out, size_t len)
{
    const char *slash = strchr(image, '/');
    int has_domain = slash && (memchr(image, '.', (size_t)(slash - image)) ||
                               memchr(image, ':', (size_t)(slash - image)) ||
                               ((size_t)(slash - image) == 9 && !strncmp(image, "localhost", 9)));
    const char *prefix = has_domain ? "" : slash ? "docker.io/" : "docker.io/library/";
    const char *last = slash ? strrchr(image, '/') : image;
    const char *tag = strchr(last, ':') || strchr(last, '@') ? "" : ":latest";
    snprintf(out, len, "%s%s%s", prefix, image, tag);
}

/* imageID: the repository with the digest the runtime pulled (containerd's form). */
static void image_id(const char *qualified, char *out, size_t len)
{
    char repo[512], hex[65];
    snprintf(repo, sizeof repo, "%s", qualified);
    char *at = strchr(repo, '@');
    char *last = strrchr(repo, '/');
    char *colon = strrchr(last ? last : repo, ':');
    if (at)
        *at = '\0';
    else if (colon)
        *colon = '\0';
    hex64(qualified, "image", hex);
    snprintf(out, len, "%s@sha256:%s", repo, hex);
}

/* imagePullPolicy's default: Always for ":latest" or no tag, else IfNotPresent (core/v1 defaults.go). */
static const char *pull_policy(const char *image)
{
    const char *last = strrchr(image, '/');
    last = last ? last + 1 : image;
    if (strchr(last, '@'))
        return "IfNotPresent";
    const char *colon = strchr(last, ':');
    return !colon || !strcmp(colon, ":latest") ? "Always" : "IfNotPresent";
}

static int container_defaults(cJSON *c)
{
    /* In the Container struct's order, as the apiserver writes them: resources, then
     * terminationMessagePath/Policy, then imagePullPolicy (measured on 1.33, fidelity/). */
    if (put_default(c, "resources", cJSON_CreateObject()) != 0 ||
        put_default(c, "terminationMessagePath", cJSON_CreateString("/dev/termination-log")) != 0 ||
        put_default(c, "terminationMessagePolicy", cJSON_CreateString("File")) != 0)
        return -1;
    const char *image = str_member(c, "image");
    if (image && put_default(c, "imagePullPolicy", cJSON_CreateString(pull_policy(image))) != 0)
        return -1;
    return 0;
}

/* SetDefaults_PodSpec and SetDefaults_Container (pkg/apis/core/v1/defaults.go). */
static int pod_spec_defaults(cJSON *spec)
{
    cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(spec, "containers")) {
        if (cJSON_IsObject(c) && container_defaults(c) != 0)
            return -1;
    }
    if (put_default(spec, "restartPolicy", cJSON_CreateString("Always")) != 0 ||
        put_default(spec, "terminationGracePeriodSeconds", cJSON_CreateNumber(30)) != 0 ||
        put_default(spec, "dnsPolicy", cJSON_CreateString("ClusterFirst")) != 0 ||
        put_default(spec, "securityContext", cJSON_CreateObject()) != 0 ||
        put_default(spec, "schedulerName", cJSON_CreateString("default-scheduler")) != 0 ||
        put_default(spec, "enableServiceLinks", cJSON_CreateTrue()) != 0)
        return -1;
    return put_default(spec, "serviceAccountName", cJSON_CreateString("default"));
}

/* GetPodQOS, simplified: BestEffort without requests or limits, else Burstable. */
static const char *qos_class(const cJSON *spec)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(spec, "containers")) {
        const cJSON *res = cJSON_GetObjectItemCaseSensitive(c, "resources");
        if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(res, "requests")) > 0 ||
            cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(res, "limits")) > 0)
            return "Burstable";
    }
    return "BestEffort";
}

static const cJSON *spec_container(const cJSON *spec, const char *name, int idx)
{
    const cJSON *cs = cJSON_GetObjectItemCaseSensitive(spec, "containers");
    const cJSON *c;
    cJSON_ArrayForEach(c, cs) {
        const char *n = str_member(c, "name");
        if (name && n && !strcmp(n, name))
            return c;
    }
    return name ? NULL : cJSON_GetArrayItem(cs, idx);
}

/* A container status as the kubelet writes it: every member the API always
 * carries (core/v1 ContainerStatus: name, image, imageID, ready,
 * restartCount are required), filled from the spec where the object left them out. */
static int complete_container_status(cJSON *st, const cJSON *spec, int idx, const char *uid)
{
    const char *name = str_member(st, "name");
    const cJSON *c = spec_container(spec, name, idx);
    if (!name)
        name = c ? str_member(c, "name") : NULL;
    if (put_default(st, "name", cJSON_CreateString(name ? name : "app")) != 0)
        return -1;
    name = str_member(st, "name");
    cJSON *state = cJSON_GetObjectItemCaseSensitive(st, "state");
    if (!cJSON_IsObject(state)) {
        cJSON_DeleteItemFromObjectCaseSensitive(st, "state");
        cJSON *w = cJSON_CreateObject();
        if (!w || !cJSON_AddItemToObject(st, "state", w)) {
            cJSON_Delete(w);
            return -1;
        }
        state = w;
        if (!cJSON_AddObjectToObject(state, "waiting") ||
            !cJSON_AddStringToObject(cJSON_GetObjectItemCaseSensitive(state, "waiting"), "reason", "ContainerCreating"))
            return -1;
    }
    int running = cJSON_GetObjectItemCaseSensitive(state, "running") != NULL;
    int terminated = cJSON_GetObjectItemCaseSensitive(state, "terminated") != NULL;
    cJSON *term = cJSON_GetObjectItemCaseSensitive(state, "terminated");
    if (cJSON_IsObject(term) && put_default(term, "exitCode", cJSON_CreateNumber(0)) != 0)
        return -1;
    if (put_default(st, "lastState", cJSON_CreateObject()) != 0 ||
        put_default(st, "ready", cJSON_CreateBool(running)) != 0 ||
        put_default(st, "restartCount", cJSON_CreateNumber(0)) != 0)
        return -1;
    char qualified[512], id[700];
    const char *image = str_member(st, "image");
    if (!image)
        image = c ? str_member(c, "image") : NULL;
    qualified_image(image ? image : "registry.example.com/app:1.0", qualified, sizeof qualified);
    if (put_default(st, "image", cJSON_CreateString(qualified)) != 0)
        return -1;
    image_id(qualified, id, sizeof id);
    if (put_default(st, "imageID", cJSON_CreateString(id)) != 0)
        return -1;
    if (running || terminated) {
        char hex[65], cid[80];
        hex64(uid, name, hex);
        snprintf(cid, sizeof cid, "containerd://%s", hex);
        if (put_default(st, "containerID", cJSON_CreateString(cid)) != 0)
            return -1;
    }
    return put_default(st, "started", cJSON_CreateBool(running));
}

static int pod_defaults(cJSON *obj, const char *uid)
{
    cJSON *spec = cJSON_GetObjectItemCaseSensitive(obj, "spec");
    if (cJSON_IsObject(spec) && pod_spec_defaults(spec) != 0)
        return -1;
    cJSON *status = child_object(obj, "status");
    if (!status)
        return -1;
    if (!cJSON_IsObject(status))
        return 0;
    if (put_default(status, "phase", cJSON_CreateString("Pending")) != 0 ||
        put_default(status, "qosClass", cJSON_CreateString(qos_class(spec))) != 0)
        return -1;
    static const char *const lists[] = {"containerStatuses", "initContainerStatuses"};
    for (size_t l = 0; l < sizeof lists / sizeof lists[0]; l++) {
        cJSON *cs;
        int i = 0;
        cJSON_ArrayForEach(cs, cJSON_GetObjectItemCaseSensitive(status, lists[l])) {
            if (cJSON_IsObject(cs) && complete_container_status(cs, spec, i, uid) != 0)
                return -1;
            i++;
        }
    }
    return 0;
}

static int namespace_defaults(cJSON *obj)
{
    cJSON *status = child_object(obj, "status");
    cJSON *spec = child_object(obj, "spec");
    cJSON *meta = child_object(obj, "metadata");
    cJSON *labels = cJSON_IsObject(meta) ? child_object(meta, "labels") : NULL;
    if (!status || !spec || !meta || !labels)
        return -1;
    if (put_default(status, "phase", cJSON_CreateString("Active")) != 0)
        return -1;
    cJSON *fin = cJSON_CreateArray();
    cJSON *k = fin ? cJSON_CreateString("kubernetes") : NULL;
    if (!k || !cJSON_AddItemToArray(fin, k)) {
        cJSON_Delete(k);
        cJSON_Delete(fin);
        return -1;
    }
    if (put_default(spec, "finalizers", fin) != 0)
        return -1;
    /* The NamespaceDefaultLabelName admission labels every namespace with its name. */
    const char *name = str_member(meta, "name");
    if (name && cJSON_IsObject(labels)) {
        cJSON_DeleteItemFromObjectCaseSensitive(labels, "kubernetes.io/metadata.name");
        if (!cJSON_AddStringToObject(labels, "kubernetes.io/metadata.name", name))
            return -1;
    }
    return 0;
}

/* Custom resources count spec changes in metadata.generation (1 on create). */
static int custom_generation(cJSON *obj, const cJSON *old)
{
    cJSON *meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
    if (!cJSON_IsObject(meta))
        return 0;
    double gen = 1;
    if (old) {
        const cJSON *og = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(old, "metadata"),
                                                           "generation");
        const cJSON *spec = cJSON_GetObjectItemCaseSensitive(obj, "spec");
        const cJSON *old_spec = cJSON_GetObjectItemCaseSensitive(old, "spec");
        gen = cJSON_IsNumber(og) ? og->valuedouble : 1;
        if ((spec || old_spec) && !cJSON_Compare(spec, old_spec, 1))
            gen += 1;
    }
    cJSON_DeleteItemFromObjectCaseSensitive(meta, "generation");
    return cJSON_AddNumberToObject(meta, "generation", gen) ? 0 : -1;
}

int lwcm_object_apply_defaults(const resource_def *def, cJSON *obj, const cJSON *old)
{
    const char *uid = str_member(cJSON_GetObjectItemCaseSensitive(obj, "metadata"), "uid");
    if (def->group[0])
        return custom_generation(obj, old);
    if (!strcmp(def->plural, "pods"))
        return pod_defaults(obj, uid ? uid : "");
    if (!strcmp(def->plural, "namespaces"))
        return namespace_defaults(obj);
    return 0;
}
