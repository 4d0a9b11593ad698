/* Decodes and validates ListOptions from the query string with the apiserver's rules (400 or 422). */
#include "list_options.h"

#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int parse_uint64(const char *s, uint64_t *out)
{
    if (!s || !*s)
        return -1;
    for (const char *p = s; *p; p++)
        if (!isdigit((unsigned char)*p))
            return -1;
    errno = 0;
    unsigned long long v = strtoull(s, NULL, 10);
    if (errno)
        return -1;
    *out = v;
    return 0;
}

/* A field.ErrorList rendered as the apiserver renders a 422 for ListOptions. */
typedef struct field_errors {
    char field[4][64];
    char type[4][32];
    char body[4][256];
    int n;
} field_errors;

__attribute__((format(printf, 4, 0)))
static void add_error_v(field_errors *fe, const char *field, const char *type, const char *fmt, va_list ap)
{
    if (fe->n >= 4)
        return;
    snprintf(fe->field[fe->n], sizeof fe->field[fe->n], "%s", field);
    snprintf(fe->type[fe->n], sizeof fe->type[fe->n], "%s", type);
    vsnprintf(fe->body[fe->n], sizeof fe->body[fe->n], fmt, ap);
    fe->n++;
}

__attribute__((format(printf, 4, 5)))
static void add_error(field_errors *fe, const char *field, const char *type, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_error_v(fe, field, type, fmt, ap);
    va_end(ap);
}

static void reply_field_errors(reply *r, const field_errors *fe)
{
    char msg[1400];
    size_t off = (size_t)snprintf(msg, sizeof msg, "ListOptions.meta.k8s.io \"\" is invalid: %s", fe->n > 1 ? "[" : "");
    for (int i = 0; i < fe->n && off < sizeof msg; i++) {
        const char *label = strcmp(fe->type[i], "FieldValueForbidden") == 0 ? "Forbidden" : "Unsupported value";
        off += (size_t)snprintf(msg + off, sizeof msg - off, "%s%s: %s: %s", i ? ", " : "", fe->field[i], label,
                                fe->body[i]);
    }
    if (fe->n > 1 && off < sizeof msg)
        snprintf(msg + off, sizeof msg - off, "]");
    cJSON *d = cJSON_CreateObject();
    if (d) {
        cJSON_AddStringToObject(d, "group", "meta.k8s.io");
        cJSON_AddStringToObject(d, "kind", "ListOptions");
        cJSON *causes = cJSON_AddArrayToObject(d, "causes");
        for (int i = 0; causes && i < fe->n; i++) {
            cJSON *c = cJSON_CreateObject();
            if (!c)
                break;
            char cm[320];
            snprintf(cm, sizeof cm, "%s: %s",
                     strcmp(fe->type[i], "FieldValueForbidden") == 0 ? "Forbidden" : "Unsupported value", fe->body[i]);
            cJSON_AddStringToObject(c, "reason", fe->type[i]);
            cJSON_AddStringToObject(c, "message", cm);
            cJSON_AddStringToObject(c, "field", fe->field[i]);
            if (!cJSON_AddItemToArray(causes, c))
                cJSON_Delete(c);
        }
    }
    lwcm_reply_status(r, 422, "Invalid", msg, d, NULL);
}

static void validate(const list_options *o, int watch_list_enabled, field_errors *fe)
{
    const char *rvm = o->rvm && *o->rvm ? o->rvm : NULL;
    int has_rv = o->rv && *o->rv;
    int has_cont = o->continue_token && *o->continue_token;
    if (o->watch) {
        if (o->send_initial_events_set) {
            if (!rvm || strcmp(rvm, "NotOlderThan") != 0)
                add_error(fe, "resourceVersionMatch", "FieldValueForbidden",
                          "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan");
            if (!watch_list_enabled)
                add_error(fe, "sendInitialEvents", "FieldValueForbidden",
                          "sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled");
        }
        if (rvm) {
            if (!o->send_initial_events_set)
                add_error(fe, "resourceVersionMatch", "FieldValueForbidden",
                          "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided");
            if (strcmp(rvm, "NotOlderThan") != 0)
                add_error(fe, "resourceVersionMatch", "FieldValueNotSupported",
                          "\"%s\": supported values: \"NotOlderThan\"", rvm);
            if (has_cont)
                add_error(fe, "resourceVersionMatch", "FieldValueForbidden",
                          "resourceVersionMatch is forbidden when continue is provided");
        }
        return;
    }
    if (rvm) {
        if (!has_rv)
            add_error(fe, "resourceVersionMatch", "FieldValueForbidden",
                      "resourceVersionMatch is forbidden unless resourceVersion is provided");
        if (has_cont)
            add_error(fe, "resourceVersionMatch", "FieldValueForbidden",
                      "resourceVersionMatch is forbidden when continue is provided");
        if (strcmp(rvm, "Exact") != 0 && strcmp(rvm, "NotOlderThan") != 0)
            add_error(fe, "resourceVersionMatch", "FieldValueNotSupported",
                      "\"%s\": supported values: \"Exact\", \"NotOlderThan\", \"\"", rvm);
        if (strcmp(rvm, "Exact") == 0 && o->rv && strcmp(o->rv, "0") == 0)
            add_error(fe, "resourceVersionMatch", "FieldValueForbidden",
                      "resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"");
    }
    if (o->send_initial_events_set)
        add_error(fe, "sendInitialEvents", "FieldValueForbidden", "sendInitialEvents is forbidden for list");
}

int lwcm_list_options_parse(const request *req, int for_watch, int watch_list_enabled, list_options *o, reply *r)
{
    memset(o, 0, sizeof *o);
    char msg[512];
    o->watch = for_watch;
    o->rv = lwcm_request_param(req, "resourceVersion");
    o->rvm = lwcm_request_param(req, "resourceVersionMatch");
    o->continue_token = lwcm_request_param(req, "continue");
    o->label_text = lwcm_request_param(req, "labelSelector");
    o->field_text = lwcm_request_param(req, "fieldSelector");
    o->allow_bookmarks = lwcm_parse_query_bool(lwcm_request_param(req, "allowWatchBookmarks"));
    const char *sie = lwcm_request_param(req, "sendInitialEvents");
    if (sie) {
        o->send_initial_events_set = 1;
        o->send_initial_events = lwcm_parse_query_bool(sie);
    }
    const char *limit = lwcm_request_param(req, "limit");
    if (limit && *limit && lwcm_parse_query_int64(limit, &o->limit) != 0) {
        snprintf(msg, sizeof msg, "strconv.ParseInt: parsing \"%.100s\": invalid syntax", limit);
        lwcm_reply_bad_request(r, msg);
        return -1;
    }
    const char *timeout = lwcm_request_param(req, "timeoutSeconds");
    if (timeout && *timeout && lwcm_parse_query_int64(timeout, &o->timeout_seconds) != 0) {
        snprintf(msg, sizeof msg, "strconv.ParseInt: parsing \"%.100s\": invalid syntax", timeout);
        lwcm_reply_bad_request(r, msg);
        return -1;
    }
    if (lwcm_label_selector_parse(o->label_text, &o->labels, msg, sizeof msg) != 0) {
        lwcm_reply_bad_request(r, msg);
        return -1;
    }
    if (lwcm_field_selector_parse(o->field_text, &o->fields, msg, sizeof msg) != 0) {
        lwcm_list_options_free(o);
        lwcm_reply_bad_request(r, msg);
        return -1;
    }
    field_errors fe;
    memset(&fe, 0, sizeof fe);
    validate(o, watch_list_enabled, &fe);
    if (fe.n) {
        lwcm_list_options_free(o);
        reply_field_errors(r, &fe);
        return -1;
    }
    if (o->rv && *o->rv && parse_uint64(o->rv, &o->rv_num) != 0) {
        lwcm_list_options_free(o);
        if (for_watch) {
            /* The watch cache's storage.InvalidError is not a Status: a 500 with no reason, whose
             * message is the field error (measured on 1.33, fidelity/results.md). */
            snprintf(msg, sizeof msg,
                     "resourceVersion: Invalid value: \"%.100s\": strconv.ParseUint: parsing \"%.100s\": invalid syntax",
                     o->rv, o->rv);
            lwcm_reply_status(r, 500, "", msg, NULL, NULL);
        } else {
            snprintf(msg, sizeof msg,
                     "invalid resource version: resourceVersion: Invalid value: \"%.100s\": strconv.ParseUint: parsing \"%.100s\": invalid syntax",
                     o->rv, o->rv);
            lwcm_reply_bad_request(r, msg);
        }
        return -1;
    }
    return 0;
}

int lwcm_list_options_check_fields(const list_options *o, const resource_def *def, reply *r)
{
    const char *const *ok = lwcm_resource_selectable_fields(def);
    for (size_t i = 0; i < o->fields.n; i++) {
        const field_requirement *fr = &o->fields.reqs[i];
        if (fr->field != FIELD_OTHER)
            continue;
        int found = 0;
        for (const char *const *p = ok; *p; p++)
            if (!strcmp(*p, fr->path))
                found = 1;
        if (found)
            continue;
        char msg[400];
        /* A resource with its own field label conversion (pods, namespaces) words it one way;
         * one with only the metadata fields (configmaps, custom resources) the other (measured on
         * 1.33, fidelity/results.md). */
        size_t nfields = 0;
        for (const char *const *p = ok; *p; p++)
            if (strncmp(*p, "metadata.", 9) != 0)
                nfields++;
        if (def->typed_list && nfields > 0)
            snprintf(msg, sizeof msg, "field label not supported: %.200s", fr->path);
        else
            snprintf(msg, sizeof msg, "\"%.200s\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"",
                     fr->path);
        lwcm_reply_bad_request(r, msg);
        return -1;
    }
    return 0;
}

void lwcm_list_options_free(list_options *o)
{
    lwcm_label_selector_free(&o->labels);
    lwcm_field_selector_free(&o->fields);
}
