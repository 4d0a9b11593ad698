/* The canonical text of a scenario: what lwc_scenario_parse reads back into
 * the same model. One fault, step or expectation a line, members in the order
 * scenarios/README.md writes them, defaults left out, so that the catalog
 * diffs line by line and generated scenarios read like written ones. */
#include "lwc_scenario.h"
#include "scenario_names.h"
#include "strbuf.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One object being written on one line: {"a": 1, "b": 2}. */
typedef struct line_obj {
    strbuf *sb;
    int n;
} line_obj;

static void obj_open(line_obj *o, strbuf *sb)
{
    o->sb = sb;
    o->n = 0;
    lwcc_strbuf_putc(sb, '{');
}

static void obj_close(line_obj *o)
{
    lwcc_strbuf_putc(o->sb, '}');
}

static void key(line_obj *o, const char *k)
{
    if (o->n++)
        lwcc_strbuf_puts(o->sb, ", ");
    lwcc_strbuf_put_json_string(o->sb, k);
    lwcc_strbuf_puts(o->sb, ": ");
}

static void put_str(line_obj *o, const char *k, const char *v)
{
    key(o, k);
    lwcc_strbuf_put_json_string(o->sb, v);
}

static void put_int(line_obj *o, const char *k, long long v)
{
    key(o, k);
    lwcc_strbuf_printf(o->sb, "%lld", v);
}

static void put_bool(line_obj *o, const char *k, int v)
{
    key(o, k);
    lwcc_strbuf_puts(o->sb, v ? "true" : "false");
}

/* Any JSON value on one line, with ", " and ": " as the catalog writes them. */
static void put_json_value(strbuf *sb, const cJSON *v)
{
    if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
        int obj = cJSON_IsObject(v);
        lwcc_strbuf_putc(sb, obj ? '{' : '[');
        const cJSON *c;
        int n = 0;
        cJSON_ArrayForEach(c, v) {
            if (n++)
                lwcc_strbuf_puts(sb, ", ");
            if (obj) {
                lwcc_strbuf_put_json_string(sb, c->string);
                lwcc_strbuf_puts(sb, ": ");
            }
            put_json_value(sb, c);
        }
        lwcc_strbuf_putc(sb, obj ? '}' : ']');
    } else if (cJSON_IsString(v)) {
        lwcc_strbuf_put_json_string(sb, v->valuestring);
    } else if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        if (d == floor(d) && fabs(d) < 9e15)
            lwcc_strbuf_printf(sb, "%lld", (long long)d);
        else
            lwcc_strbuf_printf(sb, "%.17g", d);
    } else if (cJSON_IsBool(v)) {
        lwcc_strbuf_puts(sb, cJSON_IsTrue(v) ? "true" : "false");
    } else {
        lwcc_strbuf_puts(sb, "null");
    }
}

/* JSON text the parser kept (an object, labels) on one line; with
 * first_key, that member is written first (a world object's "resource",
 * which the model keeps apart from the object). Returns -1 on bad text. */
static int put_json_text_value(strbuf *sb, const char *json, const char *first_key, const char *first_val)
{
    cJSON *v = cJSON_Parse(json);
    if (!v || (first_key && !cJSON_IsObject(v))) {
        cJSON_Delete(v);
        sb->failed = 1;
        return -1;
    }
    if (!first_key) {
        put_json_value(sb, v);
    } else {
        lwcc_strbuf_putc(sb, '{');
        lwcc_strbuf_put_json_string(sb, first_key);
        lwcc_strbuf_puts(sb, ": ");
        lwcc_strbuf_put_json_string(sb, first_val);
        const cJSON *c;
        cJSON_ArrayForEach(c, v) {
            lwcc_strbuf_puts(sb, ", ");
            lwcc_strbuf_put_json_string(sb, c->string);
            lwcc_strbuf_puts(sb, ": ");
            put_json_value(sb, c);
        }
        lwcc_strbuf_putc(sb, '}');
    }
    cJSON_Delete(v);
    return 0;
}

static void put_json_text(line_obj *o, const char *k, const char *json)
{
    key(o, k);
    put_json_text_value(o->sb, json, NULL, NULL);
}

static void put_matcher(line_obj *parent, const char *k, const lwc_matcher *m)
{
    line_obj o;
    key(parent, k);
    obj_open(&o, parent->sb);
    if (m->verb != LWC_VERB_ANY)
        put_str(&o, "verb", lwcm_scenario_verb_names[m->verb]);
    if (m->resource)
        put_str(&o, "resource", m->resource);
    if (m->namespace_)
        put_str(&o, "namespace", m->namespace_);
    if (m->has_continue != LWC_TRI_ANY)
        put_bool(&o, "continue", m->has_continue == LWC_TRI_YES);
    if (m->page)
        put_int(&o, "page", m->page);
    if (m->rv != LWC_RV_ANY)
        put_str(&o, "resourceVersion", lwcm_scenario_rv_names[m->rv]);
    if (m->watch_list >= 0)
        put_bool(&o, "watchList", m->watch_list);
    if (m->limit == -2)
        put_str(&o, "limit", "pageSize");
    else if (m->limit >= 0)
        put_int(&o, "limit", m->limit);
    if (m->status)
        put_int(&o, "status", m->status);
    obj_close(&o);
}

static void put_action(line_obj *parent, const lwc_action *a)
{
    line_obj o;
    key(parent, "action");
    obj_open(&o, parent->sb);
    if (a->kind == LWC_ACT_STATUS) {
        put_int(&o, "status", a->status);
    } else {
        put_str(&o, "stream", lwcm_scenario_stream_names[a->kind - LWC_ACT_ERROR_EVENT]);
        if (a->kind == LWC_ACT_ERROR_EVENT && a->status != 410)
            put_int(&o, "code", a->status);
    }
    if (!a->inconsistent_token)
        put_bool(&o, "inconsistentToken", 0);
    if (a->retry_after)
        put_int(&o, "retryAfter", a->retry_after);
    if (a->retry_after_in_body)
        put_bool(&o, "retryAfterInBody", 1);
    if (a->plain_text)
        put_bool(&o, "plainText", 1);
    if (a->after_events)
        put_int(&o, "afterEvents", a->after_events);
    if (a->delay_ms)
        put_int(&o, "delayMs", a->delay_ms);
    if (a->compact)
        put_bool(&o, "compact", 1);
    if (a->untrue)
        put_bool(&o, "untrue", 1);
    if (a->message)
        put_str(&o, "message", a->message);
    obj_close(&o);
}

static void put_fault(strbuf *sb, const lwc_fault *f)
{
    line_obj o;
    obj_open(&o, sb);
    if (f->name)
        put_str(&o, "name", f->name);
    put_matcher(&o, "match", &f->match);
    put_action(&o, &f->action);
    if (f->nth != 1)
        put_int(&o, "nth", f->nth);
    if (f->times != 1)
        put_int(&o, "times", f->times);
    obj_close(&o);
}

static void put_step(strbuf *sb, const lwc_step *s)
{
    line_obj o;
    obj_open(&o, sb);
    if (s->trigger != LWC_TRIGGER_NONE) {
        line_obj w;
        key(&o, "when");
        obj_open(&w, sb);
        put_str(&w, "event", lwcm_scenario_trigger_names[s->trigger - LWC_TRIGGER_READY]);
        if (s->count != 1)
            put_int(&w, "count", s->count);
        if (s->trigger == LWC_TRIGGER_REQUESTS)
            put_matcher(&w, "match", &s->trigger_match);
        obj_close(&w);
    }
    if (s->after_ms)
        put_int(&o, "afterMs", s->after_ms);
    put_str(&o, "do", lwcm_scenario_step_names[s->kind]);
    if (s->resource)
        put_str(&o, "resource", s->resource);
    if (s->ns)
        put_str(&o, "namespace", s->ns);
    if (s->name)
        put_str(&o, "name", s->name);
    if (s->label_selector)
        put_str(&o, "labelSelector", s->label_selector);
    if (s->labels_json)
        put_json_text(&o, "labels", s->labels_json);
    if (s->object_json)
        put_json_text(&o, "object", s->object_json);
    if (s->count_objects)
        put_int(&o, "count", s->count_objects);
    if (s->interval_ms)
        put_int(&o, "intervalMs", s->interval_ms);
    if (s->fault) {
        key(&o, "fault");
        put_fault(sb, s->fault);
    }
    if (s->fault_name)
        put_str(&o, "faultName", s->fault_name);
    if (s->checkpoint)
        put_str(&o, "checkpoint", s->checkpoint);
    if (s->deadline_ms && !(s->kind == LWC_STEP_CHECKPOINT && s->deadline_ms == 10000))
        put_int(&o, "deadlineMs", s->deadline_ms);
    obj_close(&o);
}

static void put_expectation(strbuf *sb, const lwc_expectation *e)
{
    line_obj o;
    obj_open(&o, sb);
    put_matcher(&o, "match", &e->match);
    if (e->at_least >= 0)
        put_int(&o, "atLeast", e->at_least);
    if (e->at_most >= 0)
        put_int(&o, "atMost", e->at_most);
    if (e->from_step >= 0)
        put_int(&o, "fromStep", e->from_step);
    if (e->window_ms)
        put_int(&o, "windowMs", e->window_ms);
    put_str(&o, "why", e->why ? e->why : "");
    obj_close(&o);
}

static void put_generator(strbuf *sb, const lwc_generator *g)
{
    line_obj o;
    obj_open(&o, sb);
    if (g->resource)
        put_str(&o, "resource", g->resource);
    if (g->namespaces != 1)
        put_int(&o, "namespaces", g->namespaces);
    if (g->namespace_prefix && strcmp(g->namespace_prefix, "ns"))
        put_str(&o, "namespacePrefix", g->namespace_prefix);
    put_int(&o, "perNamespace", g->per_namespace);
    if (g->name_prefix && strcmp(g->name_prefix, "obj"))
        put_str(&o, "namePrefix", g->name_prefix);
    if (g->labels_json)
        put_json_text(&o, "labels", g->labels_json);
    if (g->label_every != 1)
        put_int(&o, "labelEvery", g->label_every);
    obj_close(&o);
}

/* A top-level member whose value is one line. */
static void top_key(strbuf *sb, int *first, const char *k)
{
    lwcc_strbuf_puts(sb, *first ? "\n  " : ",\n  ");
    *first = 0;
    lwcc_strbuf_put_json_string(sb, k);
    lwcc_strbuf_puts(sb, ": ");
}

/* "name": [\n    item,\n    item\n  ] with each item written by put(i). */
#define PUT_LIST(sb, first, name, n, indent, put_item)                                                                 \
    do {                                                                                                               \
        top_key(sb, first, name);                                                                                      \
        lwcc_strbuf_putc(sb, '[');                                                                                          \
        for (size_t i_ = 0; i_ < (n); i_++) {                                                                          \
            lwcc_strbuf_puts(sb, i_ ? ",\n" indent : "\n" indent);                                                          \
            put_item;                                                                                                  \
        }                                                                                                              \
        lwcc_strbuf_puts(sb, (n) ? "\n  ]" : "]");                                                                          \
    } while (0)

char *lwc_scenario_print(const lwc_scenario *sc)
{
    strbuf sb;
    lwcc_strbuf_init(&sb);
    int first = 1;
    lwcc_strbuf_putc(&sb, '{');
    top_key(&sb, &first, "name");
    lwcc_strbuf_put_json_string(&sb, sc->name);
    top_key(&sb, &first, "description");
    lwcc_strbuf_put_json_string(&sb, sc->description);
    if (sc->reference) {
        top_key(&sb, &first, "reference");
        lwcc_strbuf_put_json_string(&sb, sc->reference);
    }
    if (sc->requires) {
        top_key(&sb, &first, "requires");
        lwcc_strbuf_putc(&sb, '[');
        int n = 0;
        for (unsigned bit = 1; bit && bit <= LWC_CAP_EVENTS; bit <<= 1) {
            char name[32];
            if (!(sc->requires & bit))
                continue;
            lwc_capabilities_format(bit, name, sizeof name);
            lwcc_strbuf_puts(&sb, n++ ? ", " : "");
            lwcc_strbuf_put_json_string(&sb, name);
        }
        lwcc_strbuf_putc(&sb, ']');
    }
    int custom = sc->kind || sc->namespaced || sc->singular;
    if (custom || strcmp(sc->group, "") || strcmp(sc->version, "v1") || strcmp(sc->plural, "pods")) {
        line_obj o;
        top_key(&sb, &first, "resource");
        obj_open(&o, &sb);
        if (sc->group[0])
            put_str(&o, "group", sc->group);
        if (strcmp(sc->version, "v1"))
            put_str(&o, "version", sc->version);
        put_str(&o, "plural", sc->plural);
        if (sc->singular)
            put_str(&o, "singular", sc->singular);
        if (sc->kind)
            put_str(&o, "kind", sc->kind);
        if (sc->kind || sc->namespaced)
            put_bool(&o, "namespaced", sc->namespaced);
        obj_close(&o);
    }
    {
        strbuf c;
        lwcc_strbuf_init(&c);
        line_obj o;
        obj_open(&o, &c);
        if (sc->client_namespace[0])
            put_str(&o, "namespace", sc->client_namespace);
        if (sc->label_selector[0])
            put_str(&o, "labelSelector", sc->label_selector);
        if (sc->page_size != 500)
            put_int(&o, "pageSize", sc->page_size);
        if (sc->watch_list)
            put_bool(&o, "watchList", 1);
        if (strcmp(sc->kubeconfig_namespace, "default"))
            put_str(&o, "kubeconfigNamespace", sc->kubeconfig_namespace);
        if (sc->watch_timeout_seconds)
            put_int(&o, "watchTimeoutSeconds", sc->watch_timeout_seconds);
        obj_close(&o);
        if (o.n) {
            top_key(&sb, &first, "client");
            lwcc_strbuf_append(&sb, c.data, c.len);
        }
        sb.failed |= c.failed;
        lwcc_strbuf_free(&c);
    }
    if (sc->nobjects || sc->ngenerators) {
        top_key(&sb, &first, "world");
        lwcc_strbuf_putc(&sb, '{');
        int wfirst = 1;
        if (sc->nobjects) {
            lwcc_strbuf_puts(&sb, "\n    \"objects\": [");
            for (size_t i = 0; i < sc->nobjects; i++) {
                lwcc_strbuf_puts(&sb, i ? ",\n      " : "\n      ");
                put_json_text_value(&sb, sc->objects[i], sc->object_resources[i] ? "resource" : NULL,
                                    sc->object_resources[i]);
            }
            lwcc_strbuf_puts(&sb, "\n    ]");
            wfirst = 0;
        }
        if (sc->ngenerators) {
            lwcc_strbuf_puts(&sb, wfirst ? "\n    \"generate\": [" : ",\n    \"generate\": [");
            for (size_t i = 0; i < sc->ngenerators; i++) {
                lwcc_strbuf_puts(&sb, i ? ",\n      " : "\n      ");
                put_generator(&sb, &sc->generators[i]);
            }
            lwcc_strbuf_puts(&sb, "\n    ]");
        }
        lwcc_strbuf_puts(&sb, "\n  }");
    }
    {
        strbuf c;
        lwcc_strbuf_init(&c);
        line_obj o;
        obj_open(&o, &c);
        if (sc->history_limit)
            put_int(&o, "historyLimit", (long long)sc->history_limit);
        if (!sc->rv0_ignores_limit)
            put_str(&o, "rv0", "paginated");
        if (sc->page_size_cap)
            put_int(&o, "pageSizeCap", sc->page_size_cap);
        if (!sc->bookmarks)
            put_str(&o, "bookmarks", "never");
        if (sc->bookmark_interval_ms != 60000)
            put_int(&o, "bookmarkIntervalMs", sc->bookmark_interval_ms);
        if (sc->watch_list_mode != 1 && sc->watch_list_mode >= 0 && sc->watch_list_mode <= 2)
            put_str(&o, "watchList", lwcm_scenario_watch_list_names[sc->watch_list_mode]);
        if (sc->lagging_replica_writes)
            put_int(&o, "laggingReplicaWrites", sc->lagging_replica_writes);
        if (sc->last_page_empty_continue)
            put_str(&o, "lastPageContinue", "empty");
        if (sc->expire_below_floor)
            put_str(&o, "listBelowFloor", "expired");
        if (sc->watch_expired_http)
            put_str(&o, "watchExpired", "http410");
        obj_close(&o);
        if (o.n) {
            top_key(&sb, &first, "server");
            lwcc_strbuf_append(&sb, c.data, c.len);
        }
        sb.failed |= c.failed;
        lwcc_strbuf_free(&c);
    }
    if (sc->nfaults)
        PUT_LIST(&sb, &first, "faults", sc->nfaults, "    ", put_fault(&sb, &sc->faults[i_]));
    if (sc->nsteps)
        PUT_LIST(&sb, &first, "timeline", sc->nsteps, "    ", put_step(&sb, &sc->steps[i_]));
    if (sc->nexpects)
        PUT_LIST(&sb, &first, "expect", sc->nexpects, "    ", put_expectation(&sb, &sc->expects[i_]));
    if (sc->deadline_ms != 10000) {
        top_key(&sb, &first, "deadlineMs");
        lwcc_strbuf_printf(&sb, "%d", sc->deadline_ms);
    }
    lwcc_strbuf_puts(&sb, "\n}\n");
    return lwcc_strbuf_take(&sb, NULL);
}
