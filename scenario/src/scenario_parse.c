/* Reading scenario files into lwc_scenario, refusing anything doubtful with
 * the file, the JSON path of the member and what was expected. */
#include "lwc_scenario.h"
#include "scenario_names.h"
#include "selector.h"
#include "strbuf.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct pctx {
    const char *file;
    char *err;
    size_t errlen;
    int failed;
} pctx;

__attribute__((format(printf, 3, 4)))
static int fail(pctx *pc, const char *jpath, const char *fmt, ...)
{
    if (pc->failed)
        return -1;
    pc->failed = 1;
    int n = snprintf(pc->err, pc->errlen, "%s: %s: ", pc->file, jpath);
    if (n < 0 || (size_t)n >= pc->errlen)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pc->err + n, pc->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

static char *dupstr(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

/* JSON paths only appear in messages: a truncated one is still useful. */
static void child_path(char *out, size_t len, const char *parent, const char *member)
{
    int n = snprintf(out, len, "%s%s%s", parent, *parent ? "." : "", member);
    if (n < 0)
        out[0] = '\0';
}

static void index_path(char *out, size_t len, const char *parent, size_t i)
{
    int n = snprintf(out, len, "%s[%zu]", parent, i);
    if (n < 0)
        out[0] = '\0';
}

/* Every member must be one of `allowed` (NULL-terminated). */
static int only_members(pctx *pc, const cJSON *obj, const char *jpath, const char *const *allowed)
{
    if (!cJSON_IsObject(obj))
        return fail(pc, *jpath ? jpath : "(top level)", "expected an object");
    const cJSON *m;
    cJSON_ArrayForEach(m, obj) {
        int ok = 0;
        for (const char *const *a = allowed; *a; a++)
            if (!strcmp(*a, m->string))
                ok = 1;
        if (!ok) {
            char list[600] = "";
            size_t off = 0;
            for (const char *const *a = allowed; *a && off < sizeof list; a++)
                off += (size_t)snprintf(list + off, sizeof list - off, "%s%s", a == allowed ? "" : ", ", *a);
            char p[300];
            child_path(p, sizeof p, jpath, m->string);
            return fail(pc, p, "unknown member (expected one of: %s)", list);
        }
    }
    return 0;
}

static const cJSON *member(const cJSON *obj, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(obj, name);
}

static int get_string(pctx *pc, const cJSON *obj, const char *jpath, const char *name, int required, char **out)
{
    const cJSON *v = member(obj, name);
    char p[300];
    child_path(p, sizeof p, jpath, name);
    if (!v) {
        if (required)
            return fail(pc, p, "required, expected a string");
        return 0;
    }
    if (!cJSON_IsString(v))
        return fail(pc, p, "expected a string");
    free(*out);
    *out = dupstr(v->valuestring);
    if (!*out)
        return fail(pc, p, "out of memory");
    return 0;
}

static int get_int(pctx *pc, const cJSON *obj, const char *jpath, const char *name, long long lo, long long hi,
                   long long *out)
{
    const cJSON *v = member(obj, name);
    if (!v)
        return 0;
    char p[300];
    child_path(p, sizeof p, jpath, name);
    if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble))
        return fail(pc, p, "expected an integer from %lld to %lld", lo, hi);
    if (v->valuedouble < (double)lo || v->valuedouble > (double)hi)
        return fail(pc, p, "expected an integer from %lld to %lld, got %.0f", lo, hi, v->valuedouble);
    *out = (long long)v->valuedouble;
    return 0;
}

static int get_intv(pctx *pc, const cJSON *obj, const char *jpath, const char *name, long long lo, long long hi,
                    int *out)
{
    long long v = *out;
    if (get_int(pc, obj, jpath, name, lo, hi, &v) != 0)
        return -1;
    *out = (int)v;
    return 0;
}

static int get_bool(pctx *pc, const cJSON *obj, const char *jpath, const char *name, int *out)
{
    const cJSON *v = member(obj, name);
    if (!v)
        return 0;
    if (!cJSON_IsBool(v)) {
        char p[300];
        child_path(p, sizeof p, jpath, name);
        return fail(pc, p, "expected true or false");
    }
    *out = cJSON_IsTrue(v);
    return 0;
}

/* One of a fixed set of words; returns its index in *out. */
static int get_enum(pctx *pc, const cJSON *obj, const char *jpath, const char *name, const char *const *words,
                    int *out)
{
    const cJSON *v = member(obj, name);
    if (!v)
        return 0;
    char p[300];
    child_path(p, sizeof p, jpath, name);
    char list[300] = "";
    size_t off = 0;
    for (const char *const *w = words; *w && off < sizeof list; w++)
        off += (size_t)snprintf(list + off, sizeof list - off, "%s\"%s\"", w == words ? "" : ", ", *w);
    if (!cJSON_IsString(v))
        return fail(pc, p, "expected one of %s", list);
    for (int i = 0; words[i]; i++) {
        if (!strcmp(words[i], v->valuestring)) {
            *out = i;
            return 0;
        }
    }
    return fail(pc, p, "expected one of %s, got \"%.60s\"", list, v->valuestring);
}

/* An object member kept as JSON text (objects, labels). */
static int get_json_object(pctx *pc, const cJSON *obj, const char *jpath, const char *name, int required, char **out)
{
    const cJSON *v = member(obj, name);
    char p[300];
    child_path(p, sizeof p, jpath, name);
    if (!v) {
        if (required)
            return fail(pc, p, "required, expected an object");
        return 0;
    }
    if (!cJSON_IsObject(v))
        return fail(pc, p, "expected an object");
    free(*out);
    *out = cJSON_PrintUnformatted(v);
    if (!*out)
        return fail(pc, p, "out of memory");
    return 0;
}

static int check_labels(pctx *pc, const cJSON *obj, const char *jpath, const char *name, int allow_null)
{
    const cJSON *v = member(obj, name);
    if (!v)
        return 0;
    char p[300];
    child_path(p, sizeof p, jpath, name);
    if (!cJSON_IsObject(v))
        return fail(pc, p, "expected an object of label names to string values");
    const cJSON *l;
    cJSON_ArrayForEach(l, v) {
        if (!cJSON_IsString(l) && !(allow_null && cJSON_IsNull(l))) {
            char lp[400];
            child_path(lp, sizeof lp, p, l->string);
            return fail(pc, lp, allow_null ? "expected a string, or null to remove the label" : "expected a string");
        }
    }
    return 0;
}

static int check_selector(pctx *pc, const char *jpath, const char *sel)
{
    if (!sel)
        return 0;
    label_selector ls;
    char why[256];
    if (lwcm_label_selector_parse(sel, &ls, why, sizeof why) != 0)
        return fail(pc, jpath, "not a valid label selector: %s", why);
    lwcm_label_selector_free(&ls);
    return 0;
}

static void matcher_init(lwc_matcher *m)
{
    memset(m, 0, sizeof *m);
    m->verb = LWC_VERB_ANY;
    m->has_continue = LWC_TRI_ANY;
    m->rv = LWC_RV_ANY;
    m->limit = -1;
    m->watch_list = -1;
}

static void matcher_free(lwc_matcher *m)
{
    free(m->resource);
    free(m->namespace_);
    m->resource = m->namespace_ = NULL;
}

static int parse_matcher(pctx *pc, const cJSON *obj, const char *jpath, int for_expectation, lwc_matcher *m)
{
    static const char *const fault_members[] = {"verb", "resource", "namespace", "continue", "page", "resourceVersion",
                                                "watchList", NULL};
    static const char *const expect_members[] = {"verb", "resource", "namespace", "continue", "page",
                                                 "resourceVersion", "watchList", "limit", "status", NULL};
    matcher_init(m);
    if (only_members(pc, obj, jpath, for_expectation ? expect_members : fault_members))
        return -1;
    int verb = 0, rv = 0;
    if (get_enum(pc, obj, jpath, "verb", lwcm_scenario_verb_names, &verb) || get_string(pc, obj, jpath, "resource", 0, &m->resource) ||
        get_string(pc, obj, jpath, "namespace", 0, &m->namespace_) ||
        get_enum(pc, obj, jpath, "resourceVersion", lwcm_scenario_rv_names, &rv) || get_intv(pc, obj, jpath, "page", 1, 1000000, &m->page))
        return -1;
    m->verb = (lwc_verb)verb;
    m->rv = (lwc_rv_match)rv;
    int b = -1;
    if (member(obj, "continue")) {
        if (get_bool(pc, obj, jpath, "continue", &b))
            return -1;
        m->has_continue = b ? LWC_TRI_YES : LWC_TRI_NO;
    }
    if (member(obj, "watchList")) {
        if (get_bool(pc, obj, jpath, "watchList", &b))
            return -1;
        m->watch_list = b;
    }
    if (get_intv(pc, obj, jpath, "status", 100, 599, &m->status))
        return -1;
    const cJSON *lim = member(obj, "limit");
    if (lim) {
        char p[300];
        child_path(p, sizeof p, jpath, "limit");
        if (cJSON_IsString(lim) && !strcmp(lim->valuestring, "pageSize"))
            m->limit = -2;
        else if (cJSON_IsNumber(lim) && lim->valuedouble >= 0 && lim->valuedouble <= 1e15 &&
                 lim->valuedouble == floor(lim->valuedouble))
            m->limit = (long long)lim->valuedouble;
        else
            return fail(pc, p, "expected a non-negative integer or \"pageSize\"");
    }
    if (m->page && m->verb != LWC_VERB_LIST && m->verb != LWC_VERB_ANY) {
        char p[300];
        child_path(p, sizeof p, jpath, "page");
        return fail(pc, p, "a page number only applies to verb \"list\"");
    }
    return 0;
}

static int parse_action(pctx *pc, const cJSON *obj, const char *jpath, lwc_action *a)
{
    static const char *const members[] = {"status", "stream", "inconsistentToken", "retryAfter", "retryAfterInBody",
                                          "plainText", "afterEvents", "delayMs", "code", "message", "compact", "untrue",
                                          NULL};
    memset(a, 0, sizeof *a);
    a->inconsistent_token = 1;
    if (only_members(pc, obj, jpath, members))
        return -1;
    int stream = -1;
    if (get_enum(pc, obj, jpath, "stream", lwcm_scenario_stream_names, &stream))
        return -1;
    const cJSON *status = member(obj, "status");
    char p[300];
    if (status && stream >= 0) {
        child_path(p, sizeof p, jpath, "status");
        return fail(pc, p, "give either \"status\" (an HTTP error) or \"stream\" (a watch-stream fault), not both");
    }
    if (!status && stream < 0)
        return fail(pc, jpath, "expected \"status\" (an HTTP error) or \"stream\" (a watch-stream fault)");
    if (status) {
        a->kind = LWC_ACT_STATUS;
        static const int allowed[] = {400, 401, 403, 404, 405, 409, 410, 422, 429, 500, 502, 503, 504};
        int ok = 0;
        if (cJSON_IsNumber(status))
            for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
                if (status->valuedouble == allowed[i])
                    ok = 1;
        if (!ok) {
            child_path(p, sizeof p, jpath, "status");
            return fail(pc, p, "expected one of 400, 401, 403, 404, 405, 409, 410, 422, 429, 500, 502, 503, 504");
        }
        a->status = status->valueint;
    } else {
        a->kind = (lwc_action_kind)(LWC_ACT_ERROR_EVENT + stream);
        a->status = 410;
    }
    if (get_bool(pc, obj, jpath, "inconsistentToken", &a->inconsistent_token) ||
        get_intv(pc, obj, jpath, "retryAfter", 0, 3600, &a->retry_after) ||
        get_bool(pc, obj, jpath, "retryAfterInBody", &a->retry_after_in_body) ||
        get_bool(pc, obj, jpath, "plainText", &a->plain_text) ||
        get_intv(pc, obj, jpath, "afterEvents", 0, 1000000, &a->after_events) ||
        get_intv(pc, obj, jpath, "delayMs", 0, 600000, &a->delay_ms) ||
        get_string(pc, obj, jpath, "message", 0, &a->message) || get_bool(pc, obj, jpath, "compact", &a->compact) ||
        get_bool(pc, obj, jpath, "untrue", &a->untrue))
        return -1;
    if (a->untrue && a->status != 410) {
        child_path(p, sizeof p, jpath, "untrue");
        return fail(pc, p, "only a 410 can be untrue");
    }
    if (a->compact && a->kind != LWC_ACT_ERROR_EVENT) {
        child_path(p, sizeof p, jpath, "compact");
        return fail(pc, p, "\"compact\" only applies to stream \"errorEvent\"");
    }
    if (member(obj, "code")) {
        if (a->kind != LWC_ACT_ERROR_EVENT) {
            child_path(p, sizeof p, jpath, "code");
            return fail(pc, p, "\"code\" only applies to stream \"errorEvent\"");
        }
        if (get_intv(pc, obj, jpath, "code", 400, 599, &a->status))
            return -1;
    }
    if ((a->kind == LWC_ACT_SLOW || a->kind == LWC_ACT_DELAY) && a->delay_ms == 0) {
        child_path(p, sizeof p, jpath, "delayMs");
        return fail(pc, p, "required for stream \"slow\" and \"delay\": milliseconds, at least 1");
    }
    if (a->plain_text && a->status != 429) {
        child_path(p, sizeof p, jpath, "plainText");
        return fail(pc, p, "only a 429 comes as plain text (API Priority and Fairness)");
    }
    return 0;
}

static void fault_clear(lwc_fault *f)
{
    free(f->name);
    matcher_free(&f->match);
    free(f->action.message);
    memset(f, 0, sizeof *f);
}

void lwc_fault_free(lwc_fault *f)
{
    if (!f)
        return;
    fault_clear(f);
    free(f);
}

static int parse_fault(pctx *pc, const cJSON *obj, const char *jpath, lwc_fault *f)
{
    static const char *const members[] = {"name", "match", "action", "nth", "times", NULL};
    memset(f, 0, sizeof *f);
    matcher_init(&f->match);
    f->nth = 1;
    f->times = 1;
    if (only_members(pc, obj, jpath, members) || get_string(pc, obj, jpath, "name", 0, &f->name) ||
        get_intv(pc, obj, jpath, "nth", 1, 1000000, &f->nth) || get_intv(pc, obj, jpath, "times", 0, 1000000, &f->times))
        return -1;
    char p[300];
    const cJSON *m = member(obj, "match");
    child_path(p, sizeof p, jpath, "match");
    if (m) {
        if (parse_matcher(pc, m, p, 0, &f->match))
            return -1;
    }
    const cJSON *a = member(obj, "action");
    child_path(p, sizeof p, jpath, "action");
    if (!a)
        return fail(pc, p, "required, expected an object");
    if (parse_action(pc, a, p, &f->action))
        return -1;
    /* The server makes every 410 true by expiring the request's RV (router.c);
     * a request without one has nothing that could be too old. */
    if (f->action.kind == LWC_ACT_STATUS && f->action.status == 410 && !f->action.untrue &&
        f->match.has_continue != LWC_TRI_YES && f->match.page < 2 && f->match.rv != LWC_RV_SET) {
        child_path(p, sizeof p, jpath, "match");
        return fail(pc, p, "a 410 is true only for a request with a resourceVersion or a continue token: match "
                           "\"resourceVersion\": \"set\", \"continue\": true or a \"page\" from 2, or say "
                           "\"untrue\": true in the action");
    }
    if (f->action.kind != LWC_ACT_STATUS && f->action.kind != LWC_ACT_DELAY && f->match.verb != LWC_VERB_WATCH) {
        child_path(p, sizeof p, jpath, "match.verb");
        return fail(pc, p, "a watch-stream fault needs \"verb\": \"watch\"");
    }
    return 0;
}

lwc_fault *lwc_fault_parse(const char *json, char *err, size_t errlen)
{
    pctx pc = {"fault", err, errlen, 0};
    cJSON *doc = cJSON_Parse(json ? json : "");
    if (!doc) {
        fail(&pc, "(top level)", "not valid JSON");
        return NULL;
    }
    lwc_fault *f = calloc(1, sizeof *f);
    if (!f || parse_fault(&pc, doc, "", f) != 0) {
        if (f && !pc.failed)
            fail(&pc, "(top level)", "out of memory");
        lwc_fault_free(f);
        cJSON_Delete(doc);
        return NULL;
    }
    cJSON_Delete(doc);
    return f;
}

/* An object the scenario writes (world or timeline): metadata an object
 * with a non-empty string name, namespace a string when given, labels a
 * map of strings; checked when the file loads, so a bad one is refused
 * before anything runs rather than failing the run halfway. */
static int check_object(pctx *pc, const cJSON *o, const char *jpath)
{
    char q[300];
    const cJSON *meta = member(o, "metadata");
    if (!cJSON_IsObject(meta)) {
        child_path(q, sizeof q, jpath, "metadata");
        return fail(pc, q, "required, expected an object with a name");
    }
    const cJSON *name = member(meta, "name");
    if (!cJSON_IsString(name) || !name->valuestring[0]) {
        child_path(q, sizeof q, jpath, "metadata.name");
        return fail(pc, q, "required, expected a non-empty string");
    }
    const cJSON *ns = member(meta, "namespace");
    if (ns && !cJSON_IsString(ns)) {
        child_path(q, sizeof q, jpath, "metadata.namespace");
        return fail(pc, q, "expected a string");
    }
    child_path(q, sizeof q, jpath, "metadata");
    return check_labels(pc, meta, q, "labels", 0);
}

typedef struct world_key {
    char *key; /* resource, namespace and name, each ended by \x01 */
    size_t index;
} world_key;

static int world_key_cmp(const void *a, const void *b)
{
    const world_key *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->index < y->index ? -1 : x->index > y->index);
}

/* Two world objects with the same resource, namespace and name would make
 * the server refuse the world when the run starts: refuse the file now.
 * objs is the file's world.objects, already checked by check_object. */
static int check_world_duplicates(pctx *pc, const cJSON *objs, const lwc_scenario *sc)
{
    if (sc->nobjects < 2)
        return 0;
    world_key *keys = calloc(sc->nobjects, sizeof *keys);
    if (!keys)
        return fail(pc, "world.objects", "out of memory");
    int rc = 0;
    const cJSON *o = objs ? objs->child : NULL;
    for (size_t i = 0; i < sc->nobjects && !rc; i++, o = o->next) {
        const cJSON *meta = member(o, "metadata");
        const cJSON *ns = member(meta, "namespace"), *name = member(meta, "name");
        const char *res = sc->object_resources[i] ? sc->object_resources[i] : "";
        size_t n = strlen(res) + (cJSON_IsString(ns) ? strlen(ns->valuestring) : 0) +
                   (cJSON_IsString(name) ? strlen(name->valuestring) : 0) + 4;
        keys[i].index = i;
        keys[i].key = malloc(n);
        if (!keys[i].key)
            rc = fail(pc, "world.objects", "out of memory");
        else
            snprintf(keys[i].key, n, "%s\x01%s\x01%s\x01", res, cJSON_IsString(ns) ? ns->valuestring : "",
                     cJSON_IsString(name) ? name->valuestring : "");
    }
    if (!rc) {
        qsort(keys, sc->nobjects, sizeof *keys, world_key_cmp);
        for (size_t i = 1; i < sc->nobjects && !rc; i++) {
            if (strcmp(keys[i - 1].key, keys[i].key) != 0)
                continue;
            char p[64], q[64];
            index_path(p, sizeof p, "world.objects", keys[i].index);
            index_path(q, sizeof q, "world.objects", keys[i - 1].index);
            rc = fail(pc, p, "the same object (resource, namespace and name) as %s", q);
        }
    }
    for (size_t i = 0; i < sc->nobjects; i++)
        free(keys[i].key);
    free(keys);
    return rc;
}

static int parse_generator(pctx *pc, const cJSON *obj, const char *jpath, lwc_generator *g)
{
    static const char *const members[] = {"resource", "namespaces", "namespacePrefix", "perNamespace", "namePrefix",
                                          "labels", "labelEvery", NULL};
    memset(g, 0, sizeof *g);
    g->namespaces = 1;
    g->label_every = 1;
    if (only_members(pc, obj, jpath, members) || get_string(pc, obj, jpath, "resource", 0, &g->resource) ||
        get_intv(pc, obj, jpath, "namespaces", 0, 10000, &g->namespaces) ||
        get_string(pc, obj, jpath, "namespacePrefix", 0, &g->namespace_prefix) ||
        get_intv(pc, obj, jpath, "perNamespace", 0, 1000000, &g->per_namespace) ||
        get_string(pc, obj, jpath, "namePrefix", 0, &g->name_prefix) || check_labels(pc, obj, jpath, "labels", 0) ||
        get_json_object(pc, obj, jpath, "labels", 0, &g->labels_json) ||
        get_intv(pc, obj, jpath, "labelEvery", 1, 1000000, &g->label_every))
        return -1;
    if (!member(obj, "perNamespace")) {
        char p[300];
        child_path(p, sizeof p, jpath, "perNamespace");
        return fail(pc, p, "required, expected the number of objects in each namespace");
    }
    if ((long long)g->namespaces * g->per_namespace > 2000000) {
        return fail(pc, jpath, "%d namespaces x %d objects is more than the 2,000,000 a scenario may generate",
                    g->namespaces, g->per_namespace);
    }
    if (!g->namespace_prefix && !(g->namespace_prefix = dupstr("ns")))
        return fail(pc, jpath, "out of memory");
    if (!g->name_prefix && !(g->name_prefix = dupstr("obj")))
        return fail(pc, jpath, "out of memory");
    return 0;
}

/* A create step gives the whole object, or a name (with namespace and
 * labels) to build it from, never both. */
static int check_whole_object(pctx *pc, const cJSON *obj, const char *jpath, const lwc_step *s)
{
    char p[300];
    if (!s->object_json) {
        child_path(p, sizeof p, jpath, "object");
        return fail(pc, p, "required for \"create\": the whole object, or \"name\" (with \"namespace\" and "
                           "\"labels\") to build it from");
    }
    if (s->name || s->ns || s->labels_json) {
        const char *which = s->name ? "name" : s->ns ? "namespace" : "labels";
        child_path(p, sizeof p, jpath, which);
        return fail(pc, p, "\"%s\" and \"object\" both given: \"create\" takes the whole object, or a name "
                           "(with \"namespace\" and \"labels\") to build it from", which);
    }
    child_path(p, sizeof p, jpath, "object");
    return check_object(pc, member(obj, "object"), p);
}

static int parse_step(pctx *pc, const cJSON *obj, const char *jpath, lwc_step *s)
{
    static const char *const members[] = {"when", "afterMs", "do", "resource", "object", "namespace", "name", "labelSelector",
                                          "labels", "count", "intervalMs", "fault", "faultName", "checkpoint",
                                          "deadlineMs", NULL};
    memset(s, 0, sizeof *s);
    matcher_init(&s->trigger_match);
    if (only_members(pc, obj, jpath, members))
        return -1;
    char p[300];
    if (!member(obj, "do")) {
        child_path(p, sizeof p, jpath, "do");
        return fail(pc, p, "required: one of create, update, delete, deleteAll, recreate, relabel, compact, "
                           "closeWatches, addFault, removeFault, wait, checkpoint, churn");
    }
    int kind = 0;
    if (get_enum(pc, obj, jpath, "do", lwcm_scenario_step_names, &kind) || get_intv(pc, obj, jpath, "afterMs", 0, 600000, &s->after_ms))
        return -1;
    s->kind = (lwc_step_kind)kind;
    const cJSON *when = member(obj, "when");
    if (when) {
        static const char *const wmembers[] = {"event", "count", "match", NULL};
        child_path(p, sizeof p, jpath, "when");
        int ev = 0;
        if (only_members(pc, when, p, wmembers))
            return -1;
        if (!member(when, "event")) {
            char q[320];
            child_path(q, sizeof q, p, "event");
            return fail(pc, q, "required: one of \"ready\", \"listPages\", \"watchOpened\", \"watchClosed\", \"requests\"");
        }
        s->count = 1;
        if (get_enum(pc, when, p, "event", lwcm_scenario_trigger_names, &ev) || get_intv(pc, when, p, "count", 1, 1000000, &s->count))
            return -1;
        s->trigger = (lwc_trigger_kind)(LWC_TRIGGER_READY + ev);
        const cJSON *m = member(when, "match");
        if (m) {
            char q[320];
            child_path(q, sizeof q, p, "match");
            if (s->trigger != LWC_TRIGGER_REQUESTS)
                return fail(pc, q, "\"match\" only applies to event \"requests\"");
            if (parse_matcher(pc, m, q, 0, &s->trigger_match))
                return -1;
        }
    }
    if (get_string(pc, obj, jpath, "resource", 0, &s->resource) ||
        get_json_object(pc, obj, jpath, "object", 0, &s->object_json) ||
        get_string(pc, obj, jpath, "namespace", 0, &s->ns) || get_string(pc, obj, jpath, "name", 0, &s->name) ||
        get_string(pc, obj, jpath, "labelSelector", 0, &s->label_selector) ||
        check_labels(pc, obj, jpath, "labels", s->kind == LWC_STEP_RELABEL) ||
        get_json_object(pc, obj, jpath, "labels", 0, &s->labels_json) ||
        get_intv(pc, obj, jpath, "count", 1, 1000000, &s->count_objects) ||
        get_intv(pc, obj, jpath, "intervalMs", 0, 60000, &s->interval_ms) ||
        get_string(pc, obj, jpath, "faultName", 0, &s->fault_name) ||
        get_string(pc, obj, jpath, "checkpoint", 0, &s->checkpoint) ||
        get_intv(pc, obj, jpath, "deadlineMs", 1, 600000, &s->deadline_ms))
        return -1;
    child_path(p, sizeof p, jpath, "labelSelector");
    if (check_selector(pc, p, s->label_selector))
        return -1;
    const cJSON *fault = member(obj, "fault");
    if (fault) {
        child_path(p, sizeof p, jpath, "fault");
        if (s->kind != LWC_STEP_ADD_FAULT)
            return fail(pc, p, "\"fault\" only applies to \"do\": \"addFault\"");
        s->fault = calloc(1, sizeof *s->fault);
        if (!s->fault)
            return fail(pc, p, "out of memory");
        if (parse_fault(pc, fault, p, s->fault))
            return -1;
    }
    if (s->object_json && s->kind != LWC_STEP_CREATE && s->kind != LWC_STEP_UPDATE && s->kind != LWC_STEP_RECREATE) {
        child_path(p, sizeof p, jpath, "object");
        return fail(pc, p, "\"object\" only applies to \"create\", \"update\" and \"recreate\"");
    }
    if (s->name && !s->name[0]) {
        child_path(p, sizeof p, jpath, "name");
        return fail(pc, p, "expected a non-empty string");
    }
    /* What each action needs. */
    switch (s->kind) {
    case LWC_STEP_CREATE:
        if (s->object_json || !s->name) {
            if (check_whole_object(pc, obj, jpath, s))
                return -1;
        } else if (s->label_selector) {
            child_path(p, sizeof p, jpath, "labelSelector");
            return fail(pc, p, "does not apply to \"create\"");
        }
        break;
    case LWC_STEP_UPDATE:
        if (!s->object_json) {
            child_path(p, sizeof p, jpath, "object");
            return fail(pc, p, "required for \"%s\": the whole object", lwcm_scenario_step_names[kind]);
        }
        child_path(p, sizeof p, jpath, "object");
        if (check_object(pc, member(obj, "object"), p))
            return -1;
        break;
    case LWC_STEP_RECREATE:
        if (s->object_json && s->labels_json) {
            child_path(p, sizeof p, jpath, "labels");
            return fail(pc, p, "\"labels\" and \"object\" both given: \"recreate\" takes the new object, or "
                               "labels to build it from its name, or neither to keep its last state");
        }
        child_path(p, sizeof p, jpath, "object");
        if (s->object_json && check_object(pc, member(obj, "object"), p))
            return -1;
        /* fall through */
    case LWC_STEP_DELETE:
        if (!s->name) {
            child_path(p, sizeof p, jpath, "name");
            return fail(pc, p, "required for \"%s\"", lwcm_scenario_step_names[kind]);
        }
        break;
    case LWC_STEP_RELABEL:
        if (!s->labels_json) {
            child_path(p, sizeof p, jpath, "labels");
            return fail(pc, p, "required for \"relabel\": labels to set (or null to remove)");
        }
        if (!s->name && !s->label_selector) {
            child_path(p, sizeof p, jpath, "name");
            return fail(pc, p, "\"relabel\" needs \"name\" or \"labelSelector\"");
        }
        break;
    case LWC_STEP_ADD_FAULT:
        if (!s->fault) {
            child_path(p, sizeof p, jpath, "fault");
            return fail(pc, p, "required for \"addFault\"");
        }
        break;
    case LWC_STEP_REMOVE_FAULT:
        if (!s->fault_name) {
            child_path(p, sizeof p, jpath, "faultName");
            return fail(pc, p, "required for \"removeFault\"");
        }
        break;
    case LWC_STEP_CHECKPOINT:
        if (!s->checkpoint) {
            child_path(p, sizeof p, jpath, "checkpoint");
            return fail(pc, p, "required for \"checkpoint\": a name for the report");
        }
        if (!s->deadline_ms)
            s->deadline_ms = 10000;
        break;
    case LWC_STEP_CHURN:
        if (!s->count_objects) {
            child_path(p, sizeof p, jpath, "count");
            return fail(pc, p, "required for \"churn\": how many writes");
        }
        break;
    case LWC_STEP_WAIT:
        if (!s->after_ms) {
            child_path(p, sizeof p, jpath, "afterMs");
            return fail(pc, p, "required for \"wait\": milliseconds, at least 1");
        }
        break;
    default:
        break;
    }
    return 0;
}

static void step_clear(lwc_step *s)
{
    matcher_free(&s->trigger_match);
    free(s->resource);
    free(s->object_json);
    free(s->ns);
    free(s->name);
    free(s->label_selector);
    free(s->labels_json);
    lwc_fault_free(s->fault);
    free(s->fault_name);
    free(s->checkpoint);
}

static int parse_expectation(pctx *pc, const cJSON *obj, const char *jpath, lwc_expectation *e)
{
    static const char *const members[] = {"match", "atLeast", "atMost", "fromStep", "windowMs", "why", NULL};
    memset(e, 0, sizeof *e);
    matcher_init(&e->match);
    e->at_least = -1;
    e->at_most = -1;
    e->from_step = -1;
    if (only_members(pc, obj, jpath, members) || get_int(pc, obj, jpath, "atLeast", 0, 100000000, &e->at_least) ||
        get_int(pc, obj, jpath, "atMost", 0, 100000000, &e->at_most) ||
        get_intv(pc, obj, jpath, "fromStep", 0, 100000, &e->from_step) ||
        get_intv(pc, obj, jpath, "windowMs", 1, 600000, &e->window_ms) || get_string(pc, obj, jpath, "why", 1, &e->why))
        return -1;
    char p[300];
    const cJSON *m = member(obj, "match");
    child_path(p, sizeof p, jpath, "match");
    if (!m)
        return fail(pc, p, "required, expected an object");
    if (parse_matcher(pc, m, p, 1, &e->match))
        return -1;
    if (e->at_least < 0 && e->at_most < 0)
        return fail(pc, jpath, "expected \"atLeast\" or \"atMost\" (or both)");
    if (e->window_ms && e->from_step < 0) {
        child_path(p, sizeof p, jpath, "windowMs");
        return fail(pc, p, "needs \"fromStep\": the window starts when that step runs");
    }
    return 0;
}

void lwc_scenario_free(lwc_scenario *sc)
{
    if (!sc)
        return;
    free(sc->path);
    free(sc->name);
    free(sc->description);
    free(sc->reference);
    free(sc->group);
    free(sc->version);
    free(sc->plural);
    free(sc->singular);
    free(sc->kind);
    free(sc->client_namespace);
    free(sc->label_selector);
    free(sc->kubeconfig_namespace);
    for (size_t i = 0; i < sc->nobjects; i++) {
        free(sc->objects[i]);
        free(sc->object_resources[i]);
    }
    free(sc->objects);
    free(sc->object_resources);
    for (size_t i = 0; i < sc->ngenerators; i++) {
        free(sc->generators[i].resource);
        free(sc->generators[i].namespace_prefix);
        free(sc->generators[i].name_prefix);
        free(sc->generators[i].labels_json);
    }
    free(sc->generators);
    for (size_t i = 0; i < sc->nfaults; i++)
        fault_clear(&sc->faults[i]);
    free(sc->faults);
    for (size_t i = 0; i < sc->nsteps; i++)
        step_clear(&sc->steps[i]);
    free(sc->steps);
    for (size_t i = 0; i < sc->nexpects; i++) {
        matcher_free(&sc->expects[i].match);
        free(sc->expects[i].why);
    }
    free(sc->expects);
    free(sc);
}

static int parse_resource(pctx *pc, const cJSON *doc, lwc_scenario *sc)
{
    static const char *const members[] = {"group", "version", "plural", "singular", "kind", "namespaced", NULL};
    const cJSON *r = member(doc, "resource");
    if (!r) {
        sc->group = dupstr("");
        sc->version = dupstr("v1");
        sc->plural = dupstr("pods");
    } else {
        if (only_members(pc, r, "resource", members) || get_string(pc, r, "resource", "group", 0, &sc->group) ||
            get_string(pc, r, "resource", "version", 0, &sc->version) ||
            get_string(pc, r, "resource", "plural", 1, &sc->plural) ||
            get_string(pc, r, "resource", "singular", 0, &sc->singular) ||
            get_string(pc, r, "resource", "kind", 0, &sc->kind) ||
            get_bool(pc, r, "resource", "namespaced", &sc->namespaced))
            return -1;
        if (!sc->group)
            sc->group = dupstr("");
        if (!sc->version)
            sc->version = dupstr("v1");
    }
    if (!sc->group || !sc->version || !sc->plural)
        return fail(pc, "resource", "out of memory");
    int n = sc->group[0] ? snprintf(sc->api_path, sizeof sc->api_path, "/apis/%s/%s", sc->group, sc->version)
                         : snprintf(sc->api_path, sizeof sc->api_path, "/api/%s", sc->version);
    if (n < 0 || (size_t)n >= sizeof sc->api_path)
        return fail(pc, "resource.group", "too long");
    /* A resource the server does not know needs enough to register it. */
    if (r && sc->kind && !member(r, "namespaced"))
        return fail(pc, "resource.namespaced", "required with \"kind\" (a custom resource to register)");
    return 0;
}

/* "requires": ["watchList", ...]: capabilities without which a correct
 * client cannot pass, so that one lacking them is "not applicable". */
static int parse_requires(pctx *pc, const cJSON *doc, lwc_scenario *sc)
{
    const cJSON *req = member(doc, "requires");
    if (!req)
        return 0;
    if (!cJSON_IsArray(req))
        return fail(pc, "requires", "expected an array of capability names (%s)", lwc_capability_list());
    const cJSON *it;
    size_t i = 0;
    cJSON_ArrayForEach(it, req) {
        char p[64];
        index_path(p, sizeof p, "requires", i++);
        unsigned bit = cJSON_IsString(it) ? lwc_capability_from_name(it->valuestring) : 0;
        if (!bit)
            return fail(pc, p, "expected one of %s", lwc_capability_list());
        if (sc->requires & bit)
            return fail(pc, p, "\"%s\" is listed twice", it->valuestring);
        sc->requires |= bit;
    }
    return 0;
}

static int parse_client(pctx *pc, const cJSON *doc, lwc_scenario *sc)
{
    static const char *const members[] = {"namespace", "labelSelector", "pageSize", "watchList", "kubeconfigNamespace",
                                          "watchTimeoutSeconds", NULL};
    sc->page_size = 500;
    const cJSON *c = member(doc, "client");
    if (c && (only_members(pc, c, "client", members) || get_string(pc, c, "client", "namespace", 0, &sc->client_namespace) ||
              get_string(pc, c, "client", "labelSelector", 0, &sc->label_selector) ||
              get_intv(pc, c, "client", "pageSize", 0, 100000, &sc->page_size) ||
              get_bool(pc, c, "client", "watchList", &sc->watch_list) ||
              get_string(pc, c, "client", "kubeconfigNamespace", 0, &sc->kubeconfig_namespace) ||
              get_intv(pc, c, "client", "watchTimeoutSeconds", 1, 3600, &sc->watch_timeout_seconds)))
        return -1;
    if (check_selector(pc, "client.labelSelector", sc->label_selector))
        return -1;
    if (!sc->client_namespace)
        sc->client_namespace = dupstr("");
    if (!sc->label_selector)
        sc->label_selector = dupstr("");
    if (!sc->kubeconfig_namespace)
        sc->kubeconfig_namespace = dupstr("default");
    if (!sc->client_namespace || !sc->label_selector || !sc->kubeconfig_namespace)
        return fail(pc, "client", "out of memory");
    return 0;
}

static int parse_server(pctx *pc, const cJSON *doc, lwc_scenario *sc)
{
    static const char *const members[] = {"historyLimit", "rv0", "pageSizeCap", "bookmarks", "bookmarkIntervalMs",
                                          "watchList", "laggingReplicaWrites", "lastPageContinue", "listBelowFloor",
                                          "watchExpired", NULL};
    static const char *const rv0[] = {"watchCache", "paginated", NULL};
    static const char *const bookmarks[] = {"never", "onRequest", NULL};
    static const char *const lastpage[] = {"absent", "empty", NULL};
    static const char *const below[] = {"served", "expired", NULL};
    static const char *const expired_watch[] = {"errorEvent", "http410", NULL};
    sc->rv0_ignores_limit = 1;
    sc->bookmarks = 1;
    sc->bookmark_interval_ms = 60000;
    sc->watch_list_mode = 1;
    const cJSON *s = member(doc, "server");
    if (!s)
        return 0;
    int rv0v = 0, wlv = 1, lp = 0;
    long long hist = 0, interval = sc->bookmark_interval_ms;
    if (only_members(pc, s, "server", members) || get_int(pc, s, "server", "historyLimit", 0, 100000000, &hist) ||
        get_enum(pc, s, "server", "rv0", rv0, &rv0v) || get_intv(pc, s, "server", "pageSizeCap", 0, 100000, &sc->page_size_cap) ||
        get_enum(pc, s, "server", "bookmarks", bookmarks, &sc->bookmarks) ||
        get_int(pc, s, "server", "bookmarkIntervalMs", 50, 3600000, &interval) ||
        get_enum(pc, s, "server", "watchList", lwcm_scenario_watch_list_names, &wlv) ||
        get_intv(pc, s, "server", "laggingReplicaWrites", 0, 100000000, &sc->lagging_replica_writes) ||
        get_enum(pc, s, "server", "lastPageContinue", lastpage, &lp) ||
        get_enum(pc, s, "server", "listBelowFloor", below, &sc->expire_below_floor) ||
        get_enum(pc, s, "server", "watchExpired", expired_watch, &sc->watch_expired_http))
        return -1;
    sc->history_limit = (size_t)hist;
    sc->rv0_ignores_limit = rv0v == 0;
    sc->bookmark_interval_ms = (unsigned)interval;
    sc->watch_list_mode = wlv;
    sc->last_page_empty_continue = lp == 1;
    return 0;
}

static int parse_world(pctx *pc, const cJSON *doc, lwc_scenario *sc)
{
    static const char *const members[] = {"objects", "generate", NULL};
    const cJSON *w = member(doc, "world");
    if (!w)
        return 0;
    if (only_members(pc, w, "world", members))
        return -1;
    const cJSON *objs = member(w, "objects");
    if (objs) {
        if (!cJSON_IsArray(objs))
            return fail(pc, "world.objects", "expected an array of objects");
        size_t n = (size_t)cJSON_GetArraySize(objs);
        sc->objects = calloc(n ? n : 1, sizeof *sc->objects);
        sc->object_resources = calloc(n ? n : 1, sizeof *sc->object_resources);
        if (!sc->objects || !sc->object_resources)
            return fail(pc, "world.objects", "out of memory");
        size_t i = 0;
        const cJSON *o;
        cJSON_ArrayForEach(o, objs) {
            char p[64];
            index_path(p, sizeof p, "world.objects", i);
            if (!cJSON_IsObject(o))
                return fail(pc, p, "expected an object");
            if (check_object(pc, o, p))
                return -1;
            char q[96];
            /* "resource" beside the object picks another collection than the scenario's. */
            cJSON *copy = cJSON_Duplicate(o, 1);
            if (!copy)
                return fail(pc, p, "out of memory");
            cJSON *res = cJSON_DetachItemFromObjectCaseSensitive(copy, "resource");
            if (res) {
                if (!cJSON_IsString(res)) {
                    cJSON_Delete(res);
                    cJSON_Delete(copy);
                    child_path(q, sizeof q, p, "resource");
                    return fail(pc, q, "expected a resource's plural name, e.g. \"configmaps\"");
                }
                sc->object_resources[i] = dupstr(res->valuestring);
                cJSON_Delete(res);
            }
            sc->objects[i] = cJSON_PrintUnformatted(copy);
            cJSON_Delete(copy);
            sc->nobjects = ++i;
            if (!sc->objects[i - 1])
                return fail(pc, p, "out of memory");
        }
    }
    const cJSON *gens = member(w, "generate");
    if (gens) {
        if (!cJSON_IsArray(gens))
            return fail(pc, "world.generate", "expected an array of generators");
        size_t n = (size_t)cJSON_GetArraySize(gens);
        sc->generators = calloc(n ? n : 1, sizeof *sc->generators);
        if (!sc->generators)
            return fail(pc, "world.generate", "out of memory");
        size_t i = 0;
        const cJSON *g;
        cJSON_ArrayForEach(g, gens) {
            char p[64];
            index_path(p, sizeof p, "world.generate", i);
            sc->ngenerators = i + 1;
            if (parse_generator(pc, g, p, &sc->generators[i]))
                return -1;
            i++;
        }
        /* Each generator is capped; so is their sum (20 x 2,000,000 objects
         * would take tens of GB). */
        long long total = 0;
        for (size_t k = 0; k < sc->ngenerators; k++)
            total += (long long)sc->generators[k].namespaces * sc->generators[k].per_namespace;
        if (total > 2000000)
            return fail(pc, "world.generate", "%lld objects in all is more than the 2,000,000 a scenario may generate",
                        total);
    }
    return check_world_duplicates(pc, objs, sc);
}

static int parse_array(pctx *pc, const cJSON *doc, const char *name, size_t elem, void **out, size_t *n)
{
    const cJSON *arr = member(doc, name);
    *out = NULL;
    *n = 0;
    if (!arr)
        return 0;
    if (!cJSON_IsArray(arr))
        return fail(pc, name, "expected an array");
    size_t count = (size_t)cJSON_GetArraySize(arr);
    *out = calloc(count ? count : 1, elem);
    if (!*out)
        return fail(pc, name, "out of memory");
    return 0;
}

static int valid_scenario_name(const char *s)
{
    if (!*s || strlen(s) > 100)
        return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_'))
            return 0;
    return 1;
}

lwc_scenario *lwc_scenario_parse(const char *json, const char *path, char *err, size_t errlen)
{
    pctx pc = {path ? path : "(scenario)", err, errlen, 0};
    const char *end = NULL;
    cJSON *doc = json ? cJSON_ParseWithOpts(json, &end, 1) : NULL;
    if (!doc) {
        size_t line = 1, col = 1;
        for (const char *p = json; p && end && p < end; p++) {
            if (*p == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        char where[64];
        snprintf(where, sizeof where, "line %zu, column %zu", line, col);
        fail(&pc, where, "not valid JSON");
        return NULL;
    }
    lwc_scenario *sc = calloc(1, sizeof *sc);
    if (!sc) {
        cJSON_Delete(doc);
        fail(&pc, "(top level)", "out of memory");
        return NULL;
    }
    static const char *const members[] = {"name", "description", "reference", "requires", "resource", "client", "world",
                                          "server", "faults", "timeline", "expect", "deadlineMs", NULL};
    sc->path = dupstr(pc.file);
    sc->deadline_ms = 10000;
    if (only_members(&pc, doc, "", members) || get_string(&pc, doc, "", "name", 1, &sc->name) ||
        get_string(&pc, doc, "", "description", 1, &sc->description) ||
        get_string(&pc, doc, "", "reference", 0, &sc->reference) ||
        get_intv(&pc, doc, "", "deadlineMs", 100, 600000, &sc->deadline_ms))
        goto bad;
    if (!valid_scenario_name(sc->name)) {
        fail(&pc, "name", "expected lower-case letters, digits, '-', '.', '_' (at most 100), got \"%.60s\"", sc->name);
        goto bad;
    }
    if (!sc->description[0]) {
        fail(&pc, "description", "expected a sentence on the behaviour the scenario pins down");
        goto bad;
    }
    if (parse_requires(&pc, doc, sc) || parse_resource(&pc, doc, sc) || parse_client(&pc, doc, sc) || parse_server(&pc, doc, sc) ||
        parse_world(&pc, doc, sc))
        goto bad;
    if (parse_array(&pc, doc, "faults", sizeof *sc->faults, (void **)&sc->faults, &sc->nfaults))
        goto bad;
    const cJSON *it;
    size_t i = 0;
    cJSON_ArrayForEach(it, member(doc, "faults")) {
        char p[64];
        index_path(p, sizeof p, "faults", i);
        sc->nfaults = i + 1;
        if (parse_fault(&pc, it, p, &sc->faults[i]))
            goto bad;
        i++;
    }
    if (parse_array(&pc, doc, "timeline", sizeof *sc->steps, (void **)&sc->steps, &sc->nsteps))
        goto bad;
    i = 0;
    cJSON_ArrayForEach(it, member(doc, "timeline")) {
        char p[64];
        index_path(p, sizeof p, "timeline", i);
        sc->nsteps = i + 1;
        if (parse_step(&pc, it, p, &sc->steps[i]))
            goto bad;
        i++;
    }
    if (parse_array(&pc, doc, "expect", sizeof *sc->expects, (void **)&sc->expects, &sc->nexpects))
        goto bad;
    i = 0;
    cJSON_ArrayForEach(it, member(doc, "expect")) {
        char p[64];
        index_path(p, sizeof p, "expect", i);
        sc->nexpects = i + 1;
        if (parse_expectation(&pc, it, p, &sc->expects[i]))
            goto bad;
        if (sc->expects[i].from_step >= (int)sc->nsteps) {
            char q[96];
            child_path(q, sizeof q, p, "fromStep");
            fail(&pc, q, "the timeline has %zu steps (0 to %zu)", sc->nsteps, sc->nsteps ? sc->nsteps - 1 : 0);
            goto bad;
        }
        i++;
    }
    /* The server installs at most this many at once (README "Limits"). */
    if (sc->nfaults > LWC_SCENARIO_MAX_FAULTS) {
        fail(&pc, "faults", "%zu faults; the server installs at most %d at once", sc->nfaults, LWC_SCENARIO_MAX_FAULTS);
        goto bad;
    }
    /* Fault names must be unique, so that removeFault is unambiguous. */
    for (size_t a = 0; a < sc->nfaults; a++)
        for (size_t b = a + 1; b < sc->nfaults; b++)
            if (sc->faults[a].name && sc->faults[b].name && !strcmp(sc->faults[a].name, sc->faults[b].name)) {
                char p[64];
                index_path(p, sizeof p, "faults", b);
                strncat(p, ".name", sizeof p - strlen(p) - 1);
                fail(&pc, p, "\"%s\" is already the name of faults[%zu]", sc->faults[b].name, a);
                goto bad;
            }
    cJSON_Delete(doc);
    return sc;
bad:
    if (!pc.failed)
        fail(&pc, "(top level)", "out of memory");
    cJSON_Delete(doc);
    lwc_scenario_free(sc);
    return NULL;
}

lwc_scenario *lwc_scenario_load(const char *path, char *err, size_t errlen)
{
    char *text = lwc_read_file(path, (size_t)256 << 20, NULL, err, errlen);
    if (!text) {
        size_t used = err && errlen ? strlen(err) : 0;
        /* A world that big is meant to be generated, not spelled out. */
        if (errno == EFBIG && used + 1 < errlen)
            snprintf(err + used, errlen - used, "; use world.generate for big worlds");
        return NULL;
    }
    lwc_scenario *sc = lwc_scenario_parse(text, path, err, errlen);
    free(text);
    return sc;
}

lwc_step *lwcm_scenario_step_parse(const char *json, char *err, size_t errlen)
{
    pctx pc = {"step", err, errlen, 0};
    cJSON *doc = cJSON_Parse(json ? json : "");
    if (!doc) {
        fail(&pc, "(top level)", "not valid JSON");
        return NULL;
    }
    lwc_step *s = calloc(1, sizeof *s);
    if (!s || parse_step(&pc, doc, "", s) != 0) {
        if (s)
            step_clear(s);
        free(s);
        if (!pc.failed)
            fail(&pc, "(top level)", "out of memory");
        cJSON_Delete(doc);
        return NULL;
    }
    cJSON_Delete(doc);
    return s;
}

void lwcm_scenario_step_free(lwc_step *s)
{
    if (!s)
        return;
    step_clear(s);
    free(s);
}
