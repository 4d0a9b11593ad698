/* Putting a scenario to work on a running server: its world, its faults and
 * the actions of its timeline steps. */
#include "lwc_mockserver.h"
#include "lwc_fail.h"
#include "mock_internal.h"
#include "mock_runtime.h"
#include "scenario_run.h"
#include "strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

int lwc_mock_add_fault(lwc_mock *srv, const lwc_fault *fault, char *err, size_t errlen)
{
    int rc = lwcm_fault_table_add(&srv->faults, fault);
    if (rc == FAULT_TABLE_FULL) {
        /* The apiserver's words for a full quota (apimachinery errors.NewForbidden,
         * quota admission's "exceeded quota"). */
        size_t n = LWC_MOCK_MAX_FAULTS;
        if (fault->name && *fault->name)
            snprintf(err, errlen, "faults \"%s\" is forbidden: exceeded quota: lwc-faults, requested: faults=1, "
                     "used: faults=%zu, limited: faults=%zu", fault->name, n, n);
        else
            snprintf(err, errlen, "faults is forbidden: exceeded quota: lwc-faults, requested: faults=1, "
                     "used: faults=%zu, limited: faults=%zu", n, n);
        return LWC_MOCK_ELIMIT;
    }
    if (rc != 0)
        return lwc_fail(err, errlen, LWC_MOCK_ENOMEM, "out of memory adding a fault");
    return LWC_MOCK_OK;
}

int lwc_mock_remove_fault(lwc_mock *srv, const char *name)
{
    return lwcm_fault_table_remove(&srv->faults, name) > 0 ? LWC_MOCK_OK : LWC_MOCK_ENOENT;
}

void lwc_mock_clear_faults(lwc_mock *srv)
{
    lwcm_fault_table_clear(&srv->faults);
}

/* The one builder of objects from a name, for world.generate, churn and the
 * create and recreate steps that give "name" instead of "object": metadata
 * (namespace when ns is not NULL, labels when labels_json is not NULL), then
 * the resource's body: a ConfigMap's data.key, another resource's
 * spec.value, both the object's name. A core pod has one container; a
 * running one (generated) also reads back as a scheduled, running pod from a
 * real cluster does (spec defaults, conditions, IPs, a running container),
 * where a step's pod is what a user submits, for the server to default as
 * the apiserver would. imageID and containerID are left to the server
 * (object_defaults.c). malloc'd; NULL when out of memory. */
static char *scenario_object(const lwc_scenario *sc, const char *plural, const char *ns, const char *name,
                             const char *labels_json, int running)
{
    strbuf sb;
    lwcc_strbuf_init(&sb);
    /* Names come from the scenario file as they are: written as JSON strings,
     * so that one the server refuses gets its message, not a parse error. */
    lwcc_strbuf_puts(&sb, "{\"metadata\":{\"name\":");
    lwcc_strbuf_put_json_string(&sb, name);
    if (ns) {
        lwcc_strbuf_puts(&sb, ",\"namespace\":");
        lwcc_strbuf_put_json_string(&sb, ns);
    }
    if (labels_json)
        lwcc_strbuf_printf(&sb, ",\"labels\":%s", labels_json);
    lwcc_strbuf_puts(&sb, "},");
    if (!strcmp(plural, "configmaps")) {
        lwcc_strbuf_puts(&sb, "\"data\":{\"key\":");
        lwcc_strbuf_put_json_string(&sb, name);
        lwcc_strbuf_puts(&sb, "}}");
    } else if (strcmp(plural, "pods") != 0 || strcmp(sc->api_path, "/api/v1") != 0) {
        lwcc_strbuf_puts(&sb, "\"spec\":{\"value\":");
        lwcc_strbuf_put_json_string(&sb, name);
        lwcc_strbuf_puts(&sb, "}}");
    } else {
        lwcc_strbuf_puts(&sb, "\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"registry.example.com/app:1.0\"");
        if (!running) {
            lwcc_strbuf_puts(&sb, "}]}}");
        } else {
            char now[32];
            lwcm_format_rfc3339((long long)time(NULL), now);
            unsigned h = 2166136261u;
            for (const char *p = name; *p; p++)
                h = (h ^ (unsigned char)*p) * 16777619u;
            for (const char *p = ns ? ns : ""; *p; p++)
                h = (h ^ (unsigned char)*p) * 16777619u;
            unsigned node = h % 3 + 1, ip3 = (h >> 8) % 250 + 1;
            lwcc_strbuf_printf(
                &sb,
                ",\"ports\":[{\"containerPort\":8080,\"protocol\":\"TCP\"}],\"resources\":{},"
                "\"terminationMessagePath\":\"/dev/termination-log\",\"terminationMessagePolicy\":\"File\","
                "\"imagePullPolicy\":\"IfNotPresent\"}],\"restartPolicy\":\"Always\","
                "\"terminationGracePeriodSeconds\":30,\"dnsPolicy\":\"ClusterFirst\","
                "\"serviceAccountName\":\"default\",\"nodeName\":\"node-%u\",\"securityContext\":{},"
                "\"schedulerName\":\"default-scheduler\",\"enableServiceLinks\":true},"
                "\"status\":{\"phase\":\"Running\",\"conditions\":["
                "{\"type\":\"Initialized\",\"status\":\"True\",\"lastProbeTime\":null,\"lastTransitionTime\":\"%s\"},"
                "{\"type\":\"Ready\",\"status\":\"True\",\"lastProbeTime\":null,\"lastTransitionTime\":\"%s\"},"
                "{\"type\":\"ContainersReady\",\"status\":\"True\",\"lastProbeTime\":null,\"lastTransitionTime\":\"%s\"},"
                "{\"type\":\"PodScheduled\",\"status\":\"True\",\"lastProbeTime\":null,\"lastTransitionTime\":\"%s\"}],"
                "\"hostIP\":\"172.18.0.%u\",\"podIP\":\"10.244.%u.%u\",\"podIPs\":[{\"ip\":\"10.244.%u.%u\"}],"
                "\"startTime\":\"%s\",\"containerStatuses\":[{\"name\":\"app\","
                "\"state\":{\"running\":{\"startedAt\":\"%s\"}},\"lastState\":{},\"ready\":true,\"restartCount\":0,"
                "\"image\":\"registry.example.com/app:1.0\"}],\"qosClass\":\"BestEffort\"}}",
                node, now, now, now, now, node + 1, node, ip3, node, ip3, now, now);
        }
    }
    return lwcc_strbuf_take(&sb, NULL);
}

/* A generated object: always a namespace ("" when cluster-scoped) and labels. */
static char *generated_object(const lwc_scenario *sc, const char *plural, const char *ns, const char *name,
                              const char *labels_json)
{
    return scenario_object(sc, plural, ns, name, labels_json ? labels_json : "{}", 1);
}

/* A create or recreate step's object from its name, namespace and labels. */
static char *step_object(const lwc_scenario *sc, const lwc_step *st)
{
    return scenario_object(sc, sc->plural, st->ns, st->name, st->labels_json, 0);
}

static const char *api_path_of(lwc_mock *srv, const lwc_scenario *sc, const char *plural)
{
    /* The scenario's own resource lives under its group; any other is looked up by its plural. */
    if (!plural || !strcmp(plural, sc->plural))
        return sc->api_path;
    int n = lwcm_store_resource_count(srv->st);
    for (int i = 0; i < n; i++) {
        const resource_def *def = lwcm_store_resource(srv->st, i);
        if (!strcmp(def->plural, plural))
            return def->api_path;
    }
    return "/api/v1"; /* unknown: lwc_mock_create then names the missing resource */
}

int lwcm_scenario_populate(lwc_mock *srv, const lwc_scenario *sc, char *err, size_t errlen)
{
    for (size_t i = 0; i < sc->nobjects; i++) {
        const char *plural = sc->object_resources[i] ? sc->object_resources[i] : sc->plural;
        char why[400];
        int rc = lwc_mock_create(srv, api_path_of(srv, sc, plural), plural, sc->objects[i], NULL, why, sizeof why);
        if (rc != LWC_MOCK_OK)
            return lwc_fail(err, errlen, rc, "%s: world.objects[%zu]: %s", sc->path, i, why);
    }
    for (size_t g = 0; g < sc->ngenerators; g++) {
        const lwc_generator *gen = &sc->generators[g];
        const char *plural = gen->resource ? gen->resource : sc->plural;
        const resource_def *def = NULL;
        int res = lwcm_store_find_resource(srv->st, api_path_of(srv, sc, plural), plural);
        if (res >= 0)
            def = lwcm_store_resource(srv->st, res);
        if (!def)
            return lwc_fail(err, errlen, LWC_MOCK_EINVAL, "%s: world.generate[%zu].resource: no resource \"%s\"",
                            sc->path, g, plural);
        int nns = def->namespaced ? gen->namespaces : 1;
        for (int n = 0; n < nns; n++) {
            char ns[128];
            snprintf(ns, sizeof ns, "%s-%d", gen->namespace_prefix, n);
            for (int k = 0; k < gen->per_namespace; k++) {
                char name[160], why[400];
                snprintf(name, sizeof name, "%s-%05d", gen->name_prefix, k);
                const char *labels = (k % gen->label_every == 0) ? gen->labels_json : NULL;
                char *json = generated_object(sc, plural, def->namespaced ? ns : "", name, labels);
                if (!json)
                    return lwc_fail(err, errlen, LWC_MOCK_ENOMEM, "%s: world.generate[%zu]: out of memory", sc->path,
                                    g);
                int rc = lwc_mock_create(srv, def->api_path, plural, json, NULL, why, sizeof why);
                free(json);
                if (rc != LWC_MOCK_OK)
                    return lwc_fail(err, errlen, rc, "%s: world.generate[%zu]: %s", sc->path, g, why);
            }
        }
    }
    return LWC_MOCK_OK;
}

/* Objects of the scenario's resource selected by name or label selector. */
static int select_objects(lwc_mock *srv, const lwc_scenario *sc, const lwc_step *st, list_page *page)
{
    int res = lwcm_store_find_resource(srv->st, sc->api_path, sc->plural);
    label_selector sel;
    char why[256];
    if (lwcm_label_selector_parse(st->label_selector, &sel, why, sizeof why) != 0)
        return -1;
    field_selector fs;
    memset(&fs, 0, sizeof fs);
    field_requirement req;
    if (st->name) {
        req.field = FIELD_NAME;
        req.path = NULL;
        req.negate = 0;
        req.value = st->name;
        fs.reqs = &req;
        fs.n = 1;
    }
    list_query q;
    memset(&q, 0, sizeof q);
    q.res = res;
    q.ns = st->ns && *st->ns ? st->ns : NULL;
    q.at_current = 1;
    q.labels = sel.n ? &sel : NULL;
    q.fields = fs.n ? &fs : NULL;
    int rc = lwcm_store_list(srv->st, &q, page, NULL);
    lwcm_label_selector_free(&sel);
    return rc == STORE_OK ? 0 : -1;
}

static int relabel(lwc_mock *srv, const lwc_scenario *sc, const obj_version *v, const char *labels_json, char *err,
                   size_t errlen)
{
    cJSON *obj = lwcm_obj_version_parse(v);
    cJSON *patch = cJSON_Parse(labels_json);
    if (!obj || !patch) {
        cJSON_Delete(obj);
        cJSON_Delete(patch);
        return lwc_fail(err, errlen, LWC_MOCK_ENOMEM, "out of memory");
    }
    cJSON *meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
    cJSON *labels = cJSON_GetObjectItemCaseSensitive(meta, "labels");
    if (!labels)
        labels = cJSON_AddObjectToObject(meta, "labels");
    const cJSON *l;
    cJSON_ArrayForEach(l, patch) {
        cJSON_DeleteItemFromObjectCaseSensitive(labels, l->string);
        if (cJSON_IsString(l))
            cJSON_AddStringToObject(labels, l->string, l->valuestring);
    }
    cJSON_DeleteItemFromObjectCaseSensitive(meta, "resourceVersion");
    char *json = cJSON_PrintUnformatted(obj);
    cJSON_Delete(obj);
    cJSON_Delete(patch);
    if (!json)
        return lwc_fail(err, errlen, LWC_MOCK_ENOMEM, "out of memory");
    int rc = lwc_mock_update(srv, sc->api_path, sc->plural, json, NULL, err, errlen);
    free(json);
    return rc;
}

static int churn(lwc_mock *srv, const lwc_scenario *sc, const lwc_step *st, char *err, size_t errlen)
{
    /* A steady mix of creates, updates and deletes of "churn-N" objects. */
    const char *ns = st->ns && *st->ns ? st->ns : "default";
    for (int i = 0; i < st->count_objects; i++) {
        unsigned long long id = atomic_fetch_add(&srv->churn_serial, 1);
        char name[64];
        snprintf(name, sizeof name, "churn-%llu", id);
        char *json = generated_object(sc, sc->plural, ns, name, "{\"churn\":\"true\"}");
        if (!json)
            return lwc_fail(err, errlen, LWC_MOCK_ENOMEM, "churn: out of memory");
        int rc = lwc_mock_create(srv, sc->api_path, sc->plural, json, NULL, err, errlen);
        free(json);
        if (rc != LWC_MOCK_OK)
            return rc;
        if (id % 3 == 2) {
            char old[64];
            snprintf(old, sizeof old, "churn-%llu", id - 1);
            lwc_mock_delete(srv, sc->api_path, sc->plural, ns, old, NULL, err, errlen);
        }
        if (st->interval_ms && lwcm_sleep_ms(srv, st->interval_ms) != 0)
            return lwc_fail(err, errlen, LWC_MOCK_EIO, "churn: the server is stopping");
    }
    return LWC_MOCK_OK;
}

int lwc_scenario_do_step(lwc_mock *srv, const lwc_scenario *sc_in, const lwc_step *st, char *err, size_t errlen)
{
    int rc = LWC_MOCK_OK;
    /* A step may act on another collection than the watched one (a write that only moves the RV). */
    lwc_scenario other;
    const lwc_scenario *sc = sc_in;
    if (st->resource && strcmp(st->resource, sc_in->plural) != 0) {
        other = *sc_in;
        other.plural = st->resource;
        snprintf(other.api_path, sizeof other.api_path, "%s", api_path_of(srv, sc_in, st->resource));
        sc = &other;
    }
    switch (st->kind) {
    case LWC_STEP_CREATE: {
        if (st->object_json)
            return lwc_mock_create(srv, sc->api_path, sc->plural, st->object_json, NULL, err, errlen);
        char *json = step_object(sc, st);
        if (!json)
            return lwc_fail(err, errlen, LWC_MOCK_ENOMEM, "out of memory");
        rc = lwc_mock_create(srv, sc->api_path, sc->plural, json, NULL, err, errlen);
        free(json);
        return rc;
    }
    case LWC_STEP_UPDATE:
        return lwc_mock_update(srv, sc->api_path, sc->plural, st->object_json, NULL, err, errlen);
    case LWC_STEP_DELETE:
        return lwc_mock_delete(srv, sc->api_path, sc->plural, st->ns, st->name, NULL, err, errlen);
    case LWC_STEP_RECREATE: {
        /* The same name with a new uid: delete, then create from the last state, the given object,
         * or (with labels) the object built from its name. */
        int res = lwcm_store_find_resource(srv->st, sc->api_path, sc->plural);
        obj_version *v = lwcm_store_get(srv->st, res, st->ns, st->name);
        if (!v)
            return lwc_fail(err, errlen, LWC_MOCK_ENOENT, "recreate: %s \"%s\" not found", sc->plural, st->name);
        char *built = !st->object_json && st->labels_json ? step_object(sc, st) : NULL;
        const char *given = st->object_json ? st->object_json : built;
        cJSON *obj = given ? cJSON_Parse(given) : lwcm_obj_version_parse(v);
        free(built);
        lwcm_obj_version_unref(v);
        if (!obj)
            return lwc_fail(err, errlen, LWC_MOCK_ENOMEM, "out of memory");
        cJSON *meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
        cJSON_DeleteItemFromObjectCaseSensitive(meta, "uid");
        cJSON_DeleteItemFromObjectCaseSensitive(meta, "resourceVersion");
        cJSON_DeleteItemFromObjectCaseSensitive(meta, "creationTimestamp");
        char *json = cJSON_PrintUnformatted(obj);
        cJSON_Delete(obj);
        if (!json)
            return lwc_fail(err, errlen, LWC_MOCK_ENOMEM, "out of memory");
        rc = lwc_mock_delete(srv, sc->api_path, sc->plural, st->ns, st->name, NULL, err, errlen);
        if (rc == LWC_MOCK_OK)
            rc = lwc_mock_create(srv, sc->api_path, sc->plural, json, NULL, err, errlen);
        free(json);
        return rc;
    }
    case LWC_STEP_DELETE_ALL:
    case LWC_STEP_RELABEL: {
        list_page page;
        if (select_objects(srv, sc, st, &page) != 0)
            return lwc_fail(err, errlen, LWC_MOCK_EINVAL, "could not select objects");
        size_t n = page.n;
        if (st->kind == LWC_STEP_DELETE_ALL && st->count_objects && (size_t)st->count_objects < n)
            n = (size_t)st->count_objects;
        for (size_t i = 0; i < n && rc == LWC_MOCK_OK; i++) {
            if (st->kind == LWC_STEP_DELETE_ALL)
                rc = lwc_mock_delete(srv, sc->api_path, sc->plural, page.items[i]->ns, page.items[i]->name, NULL, err,
                                     errlen);
            else
                rc = relabel(srv, sc, page.items[i], st->labels_json, err, errlen);
        }
        lwcm_list_page_free(&page);
        return rc;
    }
    case LWC_STEP_COMPACT:
        lwc_mock_compact(srv, 0);
        return LWC_MOCK_OK;
    case LWC_STEP_CLOSE_WATCHES:
        lwc_mock_close_watches(srv);
        return LWC_MOCK_OK;
    case LWC_STEP_ADD_FAULT:
        return lwc_mock_add_fault(srv, st->fault, err, errlen);
    case LWC_STEP_REMOVE_FAULT:
        if (lwc_mock_remove_fault(srv, st->fault_name) != LWC_MOCK_OK)
            return lwc_fail(err, errlen, LWC_MOCK_ENOENT, "removeFault: no fault named \"%s\"", st->fault_name);
        return LWC_MOCK_OK;
    case LWC_STEP_CHURN:
        return churn(srv, sc, st, err, errlen);
    case LWC_STEP_WAIT:
    case LWC_STEP_CHECKPOINT:
        return LWC_MOCK_OK; /* the runner waits; nothing to do on the server */
    }
    return LWC_MOCK_OK;
}
