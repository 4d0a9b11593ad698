/* The fault table: faults fire on requests request_match.c matches; they answer errors or shape watch streams. */
#include "faults.h"

#include "continue_token.h"
#include "request_match.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dup_or_null(const char *s, int *failed)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (!p) {
        *failed = 1;
        return NULL;
    }
    memcpy(p, s, n);
    return p;
}

int lwcm_fault_copy(lwc_fault *dst, const lwc_fault *src)
{
    int failed = 0;
    *dst = *src;
    dst->name = dup_or_null(src->name, &failed);
    dst->match.resource = dup_or_null(src->match.resource, &failed);
    dst->match.namespace_ = dup_or_null(src->match.namespace_, &failed);
    dst->action.message = dup_or_null(src->action.message, &failed);
    if (failed) {
        free(dst->name);
        free(dst->match.resource);
        free(dst->match.namespace_);
        free(dst->action.message);
        memset(dst, 0, sizeof *dst);
        return -1;
    }
    return 0;
}

static void fault_free_fields(lwc_fault *f)
{
    free(f->name);
    free(f->match.resource);
    free(f->match.namespace_);
    free(f->action.message);
    memset(f, 0, sizeof *f);
}

void lwcm_fault_action_clear(lwc_action *a)
{
    free(a->message);
    memset(a, 0, sizeof *a);
}

int lwcm_fault_table_init(fault_table *t)
{
    memset(t, 0, sizeof *t);
    return pthread_mutex_init(&t->mu, NULL) == 0 ? 0 : -1;
}

void lwcm_fault_table_destroy(fault_table *t)
{
    for (size_t i = 0; i < t->n; i++)
        fault_free_fields(&t->slots[i].fault);
    free(t->slots);
    for (size_t i = 0; i < t->pages_cap; i++)
        free(t->pages[i].token);
    free(t->pages);
    pthread_mutex_destroy(&t->mu);
}

int lwcm_fault_table_add(fault_table *t, const lwc_fault *f)
{
    pthread_mutex_lock(&t->mu);
    if (t->n >= LWC_MOCK_MAX_FAULTS) {
        pthread_mutex_unlock(&t->mu);
        return FAULT_TABLE_FULL;
    }
    if (t->n == t->cap) {
        size_t ncap = t->cap ? t->cap * 2 : 8;
        fault_slot *ns = realloc(t->slots, ncap * sizeof *ns);
        if (!ns) {
            pthread_mutex_unlock(&t->mu);
            return -1;
        }
        t->slots = ns;
        t->cap = ncap;
    }
    fault_slot *s = &t->slots[t->n];
    memset(s, 0, sizeof *s);
    if (lwcm_fault_copy(&s->fault, f) != 0) {
        pthread_mutex_unlock(&t->mu);
        return -1;
    }
    t->n++;
    pthread_mutex_unlock(&t->mu);
    return 0;
}

int lwcm_fault_table_remove(fault_table *t, const char *name)
{
    int removed = 0;
    pthread_mutex_lock(&t->mu);
    for (size_t i = 0; i < t->n;) {
        if (t->slots[i].fault.name && !strcmp(t->slots[i].fault.name, name)) {
            fault_free_fields(&t->slots[i].fault);
            memmove(t->slots + i, t->slots + i + 1, (t->n - i - 1) * sizeof *t->slots);
            t->n--;
            removed++;
        } else {
            i++;
        }
    }
    pthread_mutex_unlock(&t->mu);
    return removed;
}

void lwcm_fault_table_clear(fault_table *t)
{
    pthread_mutex_lock(&t->mu);
    for (size_t i = 0; i < t->n; i++)
        fault_free_fields(&t->slots[i].fault);
    t->n = 0;
    pthread_mutex_unlock(&t->mu);
}

int lwcm_fault_table_fire(fault_table *t, const lwc_mock_request_class *c, int page, lwc_action *out)
{
    int fired = 0;
    pthread_mutex_lock(&t->mu);
    for (size_t i = 0; i < t->n && !fired; i++) {
        fault_slot *s = &t->slots[i];
        if (!lwcm_request_class_matches(&s->fault.match, c, page))
            continue;
        s->matched++;
        if (s->matched < s->fault.nth)
            continue;
        if (s->fault.times && s->fired >= s->fault.times)
            continue;
        s->fired++;
        *out = s->fault.action;
        out->message = NULL;
        if (s->fault.action.message) {
            size_t n = strlen(s->fault.action.message) + 1;
            out->message = malloc(n);
            if (out->message)
                memcpy(out->message, s->fault.action.message, n);
        }
        fired = 1;
    }
    pthread_mutex_unlock(&t->mu);
    return fired;
}

char *lwcm_fault_table_json(fault_table *t)
{
    cJSON *arr = cJSON_CreateArray();
    if (!arr)
        return NULL;
    pthread_mutex_lock(&t->mu);
    for (size_t i = 0; i < t->n; i++) {
        cJSON *o = cJSON_CreateObject();
        if (!o || !cJSON_AddItemToArray(arr, o)) {
            cJSON_Delete(o);
            break;
        }
        if (t->slots[i].fault.name)
            cJSON_AddStringToObject(o, "name", t->slots[i].fault.name);
        cJSON_AddNumberToObject(o, "matched", (double)t->slots[i].matched);
        cJSON_AddNumberToObject(o, "fired", (double)t->slots[i].fired);
        cJSON_AddNumberToObject(o, "times", t->slots[i].fault.times);
    }
    pthread_mutex_unlock(&t->mu);
    char *s = cJSON_PrintUnformatted(arr);
    cJSON_Delete(arr);
    return s;
}

/* Continue tokens remembered for "page" matching (README "Limits"). */
#define FAULT_PAGE_TOKENS_MAX 65536

static size_t hash_str(const char *s)
{
    size_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* Takes token; 1 when it filled a new slot, 0 when it only renewed a known token's page. */
static int page_insert(page_entry *tab, size_t cap, char *token, int page)
{
    size_t i = hash_str(token) & (cap - 1);
    while (tab[i].token && strcmp(tab[i].token, token) != 0)
        i = (i + 1) & (cap - 1);
    int added = !tab[i].token;
    if (added)
        tab[i].token = token;
    else
        free(token);
    tab[i].page = page;
    return added;
}

void lwcm_fault_table_note_page(fault_table *t, const char *token, int page)
{
    pthread_mutex_lock(&t->mu);
    /* Bounded: every first page with a continue token adds one (a new token at each RV), so a
     * long-lived server would hold one per list it ever served. At the limit the table is
     * emptied, which keeps recent tokens matchable (a forgotten token's page is 0, unknown);
     * 1,048,576 entries (about 150 MB) was the soak's growth. */
    if (t->pages_used >= FAULT_PAGE_TOKENS_MAX) {
        for (size_t i = 0; i < t->pages_cap; i++)
            free(t->pages[i].token);
        memset(t->pages, 0, t->pages_cap * sizeof *t->pages);
        t->pages_used = 0;
    }
    if ((t->pages_used + 1) * 2 > t->pages_cap) {
        size_t ncap = t->pages_cap ? t->pages_cap * 2 : 256;
        page_entry *nt = calloc(ncap, sizeof *nt);
        if (!nt) {
            pthread_mutex_unlock(&t->mu);
            return;
        }
        for (size_t i = 0; i < t->pages_cap; i++)
            if (t->pages[i].token)
                page_insert(nt, ncap, t->pages[i].token, t->pages[i].page);
        free(t->pages);
        t->pages = nt;
        t->pages_cap = ncap;
    }
    size_t n = strlen(token) + 1;
    char *copy = malloc(n);
    if (copy) {
        memcpy(copy, token, n);
        t->pages_used += (size_t)page_insert(t->pages, t->pages_cap, copy, page);
    }
    pthread_mutex_unlock(&t->mu);
}

int lwcm_fault_table_page_of(fault_table *t, const char *token)
{
    int page = 0;
    pthread_mutex_lock(&t->mu);
    if (t->pages_cap) {
        size_t i = hash_str(token) & (t->pages_cap - 1);
        while (t->pages[i].token) {
            if (!strcmp(t->pages[i].token, token)) {
                page = t->pages[i].page;
                break;
            }
            i = (i + 1) & (t->pages_cap - 1);
        }
    }
    pthread_mutex_unlock(&t->mu);
    return page;
}

static const char *reason_for(int code)
{
    switch (code) {
    case 400: return "BadRequest";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "NotFound";
    case 405: return "MethodNotAllowed";
    case 409: return "Conflict";
    case 410: return "Expired";
    case 422: return "Invalid";
    case 429: return "TooManyRequests";
    case 500: return "InternalError";
    case 503: return "ServiceUnavailable";
    case 504: return "Timeout";
    default: return "";
    }
}

static const char *verb_word(lwc_verb v)
{
    switch (v) {
    case LWC_VERB_LIST: return "list";
    case LWC_VERB_WATCH: return "watch";
    case LWC_VERB_GET: return "get";
    case LWC_VERB_WRITE: return "update";
    default: return "get";
    }
}

static void default_message(char *msg, size_t len, int code, const lwc_mock_request_class *ri, unsigned long long rv,
                            unsigned long long compacted)
{
    const char *res = ri->resource ? ri->resource : "resources";
    switch (code) {
    case 401:
        snprintf(msg, len, "Unauthorized");
        break;
    case 403:
        if (ri->ns)
            snprintf(msg, len, "%s is forbidden: User \"system:anonymous\" cannot %s resource \"%s\" in API group \"\" in the namespace \"%s\"",
                     res, verb_word(ri->verb), res, ri->ns);
        else
            snprintf(msg, len, "%s is forbidden: User \"system:anonymous\" cannot %s resource \"%s\" in API group \"\" at the cluster scope",
                     res, verb_word(ri->verb), res);
        break;
    case 404:
        snprintf(msg, len, "the server could not find the requested resource");
        break;
    case 405:
        snprintf(msg, len, "the server does not allow this method on the requested resource");
        break;
    case 409:
        snprintf(msg, len, "Operation cannot be fulfilled on %s: the object has been modified; please apply your changes to the latest version and try again", res);
        break;
    case 410:
        if (ri->verb == LWC_VERB_WATCH)
            snprintf(msg, len, "too old resource version: %llu (%llu)", rv, compacted);
        else
            snprintf(msg, len, "The resourceVersion for the provided list is too old.");
        break;
    case 422:
        snprintf(msg, len, "%s is invalid", res);
        break;
    case 429:
        snprintf(msg, len, "Too many requests, please try again later.");
        break;
    case 500:
        snprintf(msg, len, "Internal error occurred: injected fault");
        break;
    case 502:
        snprintf(msg, len, "error trying to reach service: injected bad gateway");
        break;
    case 503:
        snprintf(msg, len, "the server is currently unable to handle the request");
        break;
    case 504:
        snprintf(msg, len, "Timeout: Too large resource version: %llu, current: %llu", rv + 1, rv);
        break;
    default:
        snprintf(msg, len, "the server rejected our request for an unknown reason");
    }
}

void lwcm_fault_reply(reply *r, const lwc_action *a, const lwc_mock_request_class *ri, const char *cont_token,
                 unsigned long long current_rv, unsigned long long compacted_rv)
{
    char msg[600];
    int code = a->status;
    if (a->plain_text) {
        /* API Priority and Fairness rejects with text, not a Status (apiserver filters/priority-and-fairness.go). */
        const char *text = a->message ? a->message : "Too many requests, please try again later.\n";
        size_t n = strlen(text);
        char *body = malloc(n + 1);
        if (body)
            memcpy(body, text, n + 1);
        lwcm_reply_json(r, code, body, n);
        r->content_type = "text/plain; charset=utf-8";
        r->retry_after = a->retry_after;
        return;
    }
    char *fresh = NULL;
    if (a->message) {
        snprintf(msg, sizeof msg, "%s", a->message);
    } else if (code == 410 && ri->has_continue) {
        continue_token tok;
        char why[256];
        if (a->inconsistent_token && lwcm_continue_token_decode(cont_token, &tok, why, sizeof why) == 0) {
            fresh = lwcm_continue_token_encode(-1, tok.start);
            lwcm_continue_token_free(&tok);
        }
        snprintf(msg, sizeof msg, "%s", fresh ? lwcm_status_msg_expired_continue : lwcm_status_msg_expired_continue_no_token);
    } else {
        default_message(msg, sizeof msg, code, ri, current_rv, compacted_rv);
    }
    cJSON *details = NULL;
    if (code == 504 && !a->message) {
        details = cJSON_CreateObject();
        cJSON *causes = details ? cJSON_AddArrayToObject(details, "causes") : NULL;
        cJSON *c = causes ? cJSON_CreateObject() : NULL;
        if (c) {
            cJSON_AddStringToObject(c, "reason", "ResourceVersionTooLarge");
            cJSON_AddStringToObject(c, "message", "Too large resource version");
            if (!cJSON_AddItemToArray(causes, c))
                cJSON_Delete(c);
        }
    }
    if (a->retry_after && a->retry_after_in_body) {
        if (!details)
            details = cJSON_CreateObject();
        if (details)
            cJSON_AddNumberToObject(details, "retryAfterSeconds", a->retry_after);
    }
    lwcm_reply_status(r, code, reason_for(code), msg, details, fresh);
    free(fresh);
    /* The header alone, when the scenario asks for it without the body's field. */
    if (a->retry_after)
        r->retry_after = a->retry_after;
}

cJSON *lwcm_fault_error_status(const lwc_action *a, unsigned long long rv, unsigned long long compacted_rv)
{
    char msg[600];
    lwc_mock_request_class ri;
    memset(&ri, 0, sizeof ri);
    ri.verb = LWC_VERB_WATCH;
    if (a->message)
        snprintf(msg, sizeof msg, "%s", a->message);
    else
        default_message(msg, sizeof msg, a->status, &ri, rv, compacted_rv);
    return lwcm_status_object(a->status, reason_for(a->status), msg, NULL, NULL);
}
