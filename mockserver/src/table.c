/* Writes meta.k8s.io/v1 Table output for kubectl: the pod printer's columns, the defaults for the rest. */
#include "table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct column {
    const char *name, *type, *format, *description;
    int priority;
} column;

static const column pod_columns[] = {
    {"Name", "string", "name", "Name must be unique within a namespace.", 0},
    {"Ready", "string", "", "The aggregate readiness state of this pod for accepting traffic.", 0},
    {"Status", "string", "", "The aggregate status of the containers in this pod.", 0},
    {"Restarts", "string", "", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.", 0},
    {"Age", "string", "", "CreationTimestamp is a timestamp representing the server time when this object was created.", 0},
    {"IP", "string", "", "IP address allocated to the pod. Routable at least within the cluster.", 1},
    {"Node", "string", "", "NodeName is a request to schedule this pod onto a specific node.", 1},
    {"Nominated Node", "string", "", "nominatedNodeName is set when this pod preempts other pods on the node.", 1},
    {"Readiness Gates", "string", "", "If specified, all readiness gates will be evaluated for pod readiness.", 1},
};

static const column configmap_columns[] = {
    {"Name", "string", "name", "Name must be unique within a namespace.", 0},
    {"Data", "string", "", "Data contains the configuration data.", 0},
    {"Age", "string", "", "CreationTimestamp is a timestamp representing the server time when this object was created.", 0},
};

static const column namespace_columns[] = {
    {"Name", "string", "name", "Name must be unique within a namespace.", 0},
    {"Status", "string", "", "The status of the namespace", 0},
    {"Age", "string", "", "CreationTimestamp is a timestamp representing the server time when this object was created.", 0},
};

static const column default_columns[] = {
    {"Name", "string", "name", "Name must be unique within a namespace.", 0},
    {"Age", "string", "", "CreationTimestamp is a timestamp representing the server time when this object was created.", 0},
};

static const column *columns_for(const resource_def *def, size_t *n)
{
    switch (def->table) {
    case TABLE_POD:
        *n = sizeof pod_columns / sizeof pod_columns[0];
        return pod_columns;
    case TABLE_CONFIGMAP:
        *n = sizeof configmap_columns / sizeof configmap_columns[0];
        return configmap_columns;
    case TABLE_NAMESPACE:
        *n = sizeof namespace_columns / sizeof namespace_columns[0];
        return namespace_columns;
    case TABLE_DEFAULT:
    default:
        *n = sizeof default_columns / sizeof default_columns[0];
        return default_columns;
    }
}

void lwcm_human_duration(long long s, char *out, size_t len)
{
    if (s < -1) {
        snprintf(out, len, "<invalid>");
    } else if (s < 0) {
        snprintf(out, len, "0s");
    } else if (s < 120) {
        snprintf(out, len, "%llds", s);
    } else if (s / 60 < 10) {
        if (s % 60)
            snprintf(out, len, "%lldm%llds", s / 60, s % 60);
        else
            snprintf(out, len, "%lldm", s / 60);
    } else if (s / 60 < 180) {
        snprintf(out, len, "%lldm", s / 60);
    } else {
        long long h = s / 3600;
        if (h < 8) {
            long long m = (s / 60) % 60;
            if (m)
                snprintf(out, len, "%lldh%lldm", h, m);
            else
                snprintf(out, len, "%lldh", h);
        } else if (h < 48) {
            snprintf(out, len, "%lldh", h);
        } else if (h < 24 * 8) {
            if (h % 24)
                snprintf(out, len, "%lldd%lldh", h / 24, h % 24);
            else
                snprintf(out, len, "%lldd", h / 24);
        } else if (h < 24 * 365 * 2) {
            snprintf(out, len, "%lldd", h / 24);
        } else if (h < 24 * 365 * 8) {
            long long dy = (h / 24) % 365;
            if (dy)
                snprintf(out, len, "%lldy%lldd", h / 24 / 365, dy);
            else
                snprintf(out, len, "%lldy", h / 24 / 365);
        } else {
            snprintf(out, len, "%lldy", h / 24 / 365);
        }
    }
}

static void write_columns(strbuf *sb, const resource_def *def)
{
    size_t n = 0;
    const column *cols = columns_for(def, &n);
    lwcc_strbuf_puts(sb, "\"columnDefinitions\":[");
    for (size_t i = 0; i < n; i++) {
        lwcc_strbuf_printf(sb, "%s{\"name\":", i ? "," : "");
        lwcc_strbuf_put_json_string(sb, cols[i].name);
        lwcc_strbuf_puts(sb, ",\"type\":");
        lwcc_strbuf_put_json_string(sb, cols[i].type);
        lwcc_strbuf_puts(sb, ",\"format\":");
        lwcc_strbuf_put_json_string(sb, cols[i].format);
        lwcc_strbuf_puts(sb, ",\"description\":");
        lwcc_strbuf_put_json_string(sb, cols[i].description);
        lwcc_strbuf_printf(sb, ",\"priority\":%d}", cols[i].priority);
    }
    lwcc_strbuf_putc(sb, ']');
}

static long long parse_rfc3339(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!end)
        return -1;
    return (long long)timegm(&tm);
}

static const char *str_at(const cJSON *obj, const char *a, const char *b)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(obj, a);
    const cJSON *y = b ? cJSON_GetObjectItemCaseSensitive(x, b) : x;
    return cJSON_IsString(y) && y->valuestring[0] ? y->valuestring : NULL;
}

static void pod_cells(strbuf *sb, const cJSON *obj)
{
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(obj, "spec");
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(obj, "status");
    int total = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(spec, "containers"));
    int ready = 0;
    long long restarts = 0;
    const char *waiting_reason = NULL;
    const cJSON *cs;
    cJSON_ArrayForEach(cs, cJSON_GetObjectItemCaseSensitive(status, "containerStatuses")) {
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cs, "ready")))
            ready++;
        const cJSON *rc = cJSON_GetObjectItemCaseSensitive(cs, "restartCount");
        if (cJSON_IsNumber(rc) && rc->valuedouble >= 0 && rc->valuedouble <= 2147483647.0) /* an int32 in the API */
            restarts += (long long)rc->valuedouble;
        /* The pod printer shows a container's waiting or terminated reason over the phase. */
        const cJSON *state = cJSON_GetObjectItemCaseSensitive(cs, "state");
        const char *wr = str_at(state, "waiting", "reason");
        if (!wr)
            wr = str_at(state, "terminated", "reason");
        if (wr && !waiting_reason)
            waiting_reason = wr;
    }
    const char *phase = str_at(obj, "status", "phase");
    const char *reason = str_at(obj, "status", "reason");
    const char *shown = waiting_reason ? waiting_reason : reason ? reason : phase ? phase : "Unknown";
    lwcc_strbuf_printf(sb, ",\"%d/%d\",", ready, total);
    lwcc_strbuf_put_json_string(sb, shown);
    /* The pod printer's Restarts cell is a string ("0", or "2 (5m ago)"). */
    lwcc_strbuf_printf(sb, ",\"%lld\"", restarts);
}

static void tail_cells_pod(strbuf *sb, const cJSON *obj)
{
    const char *ip = str_at(obj, "status", "podIP");
    const char *node = str_at(obj, "spec", "nodeName");
    lwcc_strbuf_putc(sb, ',');
    lwcc_strbuf_put_json_string(sb, ip ? ip : "<none>");
    lwcc_strbuf_putc(sb, ',');
    lwcc_strbuf_put_json_string(sb, node ? node : "<none>");
    lwcc_strbuf_puts(sb, ",\"<none>\",\"<none>\"");
}

static void write_row(strbuf *sb, const resource_def *def, const obj_version *v, long long now)
{
    cJSON *obj = lwcm_obj_version_parse(v);
    char age[32];
    long long created = parse_rfc3339(v->created);
    if (created < 0)
        snprintf(age, sizeof age, "<unknown>");
    else
        lwcm_human_duration(now - created, age, sizeof age);
    lwcc_strbuf_puts(sb, "{\"cells\":[");
    lwcc_strbuf_put_json_string(sb, v->name);
    switch (def->table) {
    case TABLE_POD:
        pod_cells(sb, obj);
        lwcc_strbuf_putc(sb, ',');
        lwcc_strbuf_put_json_string(sb, age);
        tail_cells_pod(sb, obj);
        break;
    case TABLE_CONFIGMAP: {
        int n = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(obj, "data")) +
                cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(obj, "binaryData"));
        lwcc_strbuf_printf(sb, ",%d,", n);
        lwcc_strbuf_put_json_string(sb, age);
        break;
    }
    case TABLE_NAMESPACE: {
        const char *phase = str_at(obj, "status", "phase");
        lwcc_strbuf_putc(sb, ',');
        lwcc_strbuf_put_json_string(sb, phase ? phase : "Active");
        lwcc_strbuf_putc(sb, ',');
        lwcc_strbuf_put_json_string(sb, age);
        break;
    }
    case TABLE_DEFAULT:
    default:
        lwcc_strbuf_putc(sb, ',');
        lwcc_strbuf_put_json_string(sb, age);
        break;
    }
    lwcc_strbuf_puts(sb, "],\"object\":{\"kind\":\"PartialObjectMetadata\",\"apiVersion\":\"meta.k8s.io/v1\",\"metadata\":");
    char *meta = obj ? cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(obj, "metadata")) : NULL;
    if (meta) {
        lwcc_strbuf_puts(sb, meta);
        free(meta);
    } else {
        sb->failed = 1;
    }
    lwcc_strbuf_puts(sb, "}}");
    cJSON_Delete(obj);
}

void lwcm_table_write_list(strbuf *sb, const resource_def *def, const list_page *page, const char *continue_token,
                      int with_remaining)
{
    long long now = (long long)time(NULL);
    lwcc_strbuf_printf(sb, "{\"kind\":\"Table\",\"apiVersion\":\"meta.k8s.io/v1\",\"metadata\":{\"resourceVersion\":\"%llu\"",
                  (unsigned long long)page->rv);
    if (continue_token) {
        lwcc_strbuf_puts(sb, ",\"continue\":");
        lwcc_strbuf_put_json_string(sb, continue_token);
        if (with_remaining && *continue_token)
            lwcc_strbuf_printf(sb, ",\"remainingItemCount\":%lld", page->remaining);
    }
    lwcc_strbuf_puts(sb, "},");
    write_columns(sb, def);
    lwcc_strbuf_puts(sb, ",\"rows\":[");
    for (size_t i = 0; i < page->n; i++) {
        if (i)
            lwcc_strbuf_putc(sb, ',');
        write_row(sb, def, page->items[i], now);
    }
    lwcc_strbuf_puts(sb, "]}");
}

void lwcm_table_write_single(strbuf *sb, const resource_def *def, const obj_version *v, int with_columns)
{
    lwcc_strbuf_printf(sb, "{\"kind\":\"Table\",\"apiVersion\":\"meta.k8s.io/v1\",\"metadata\":{\"resourceVersion\":\"%llu\"},",
                  (unsigned long long)v->rv);
    if (with_columns) {
        write_columns(sb, def);
        lwcc_strbuf_putc(sb, ',');
    }
    lwcc_strbuf_puts(sb, "\"rows\":[");
    write_row(sb, def, v, (long long)time(NULL));
    lwcc_strbuf_puts(sb, "]}");
}
