/* The paginated list: limit=page_size, then every continue token until the
 * server sends none (absent or "": k3d sends "", kube-rs PR #1250), with no
 * resourceVersion or resourceVersionMatch on continue requests (the
 * apiserver answers those with 400 and 422: kubernetes #85221, #107310).
 *
 * The list asks for no resourceVersion at all: a consistent, most recent
 * read (kube-rs ListSemantic::MostRecent). client-go's first list asks for
 * resourceVersion=0 instead, which a lagging cache may answer with an older
 * state than the client has seen (kubernetes #59848), and which ignores
 * limit; the relist-rv0 bug does that.
 *
 * A 410 Expired on a continue page means the snapshot of page 1 has been
 * compacted. The choice here is to start a fresh paginated list from page
 * 1, as kube-rs does: the store then holds one consistent snapshot, and
 * memory stays bounded by the page size. client-go's pager instead issues
 * one unpaged list (FullListIfExpired), which holds the whole collection in
 * one response (gardener/dashboard#3271 asks never to do that), and the
 * inconsistent continue token the 410 carries would mix two snapshots. */
#include "api.h"
#include "reflector_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct page_sink {
    lwcr_buf body;
    size_t max;
} page_sink;

static int on_page_bytes(void *ud, const char *data, size_t len)
{
    page_sink *s = ud;
    if (s->body.len + len > s->max)
        return LWC_EPROTO;
    return lwcr_buf_append(&s->body, data, len);
}

void lwcr_list_result_free(lwcr_list_result *res)
{
    lwcr_table_free(&res->items);
    lwcr_buf_free(&res->rv);
    lwcr_buf_free(&res->last_item_rv);
}

static int transient(const lwcr_failure *f)
{
    if (f->rc == LWC_EIO || f->rc == LWC_ETIMEDOUT)
        return 1;
    return f->status == 429 || f->status == 500 || f->status == 502 || f->status == 503 || f->status == 504;
}

static int page_url(lwc_reflector *r, lwcr_buf *url, const char *cont, const char *list_rv)
{
    if (lwcr_buf_puts(url, r->list_url) != LWC_OK)
        return LWC_ENOMEM;
    char limit[32];
    snprintf(limit, sizeof limit, "%ld", r->cfg.page_size);
    int rc = LWC_OK;
    if (r->cfg.label_selector && *r->cfg.label_selector)
        rc |= lwcr_url_param(url, "labelSelector", r->cfg.label_selector);
    if (r->cfg.page_size > 0)
        rc |= lwcr_url_param(url, "limit", limit);
    if (cont) {
        rc |= lwcr_url_param(url, "continue", cont);
        /* The bug: the list options' resourceVersion rides along with the
         * token, as in client-go's pager during the 1.17 cycle. */
        if (lwcr_bug(r->cfg.bugs, LWC_BUG_CONTINUE_WITH_RV) && list_rv && *list_rv)
            rc |= lwcr_url_param(url, "resourceVersion", list_rv);
    } else if (lwcr_bug(r->cfg.bugs, LWC_BUG_RELIST_RV0)) {
        rc |= lwcr_url_param(url, "resourceVersion", "0");
    }
    return rc == LWC_OK ? LWC_OK : LWC_ENOMEM;
}

/* Adds one page's items to res; LWC_EPROTO when the page is not a list. */
static int take_page(lwc_reflector *r, const page_sink *sink, unsigned page, lwcr_list_result *res, char **next,
                     lwcr_failure *f)
{
    *next = NULL;
    cJSON *doc = cJSON_ParseWithLength(sink->body.data ? sink->body.data : "", sink->body.len);
    if (!cJSON_IsObject(doc)) {
        cJSON_Delete(doc);
        f->rc = LWC_EPROTO;
        snprintf(f->reason, sizeof f->reason, "list page %u: the body is not a JSON object (%zu bytes)", page,
                 sink->body.len);
        return LWC_EPROTO;
    }
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(doc, "metadata");
    const char *rv = lwcr_json_str(meta, "resourceVersion");
    const char *cont = lwcr_json_str(meta, "continue");
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(doc, "items");
    if (page == 1) {
        /* Every page of one list carries the same snapshot; client-go's pager
         * keeps the first page's. Without one there is nowhere to watch
         * from (kube-rs NoResourceVersion, PR #1259). */
        if (!rv || !*rv) {
            cJSON_Delete(doc);
            f->rc = LWC_EPROTO;
            snprintf(f->reason, sizeof f->reason, "list page 1 has no metadata.resourceVersion");
            return LWC_EPROTO;
        }
        if (lwcr_buf_puts(&res->rv, rv) != LWC_OK)
            goto nomem;
    }
    if (items && !cJSON_IsArray(items) && !cJSON_IsNull(items)) {
        cJSON_Delete(doc);
        f->rc = LWC_EPROTO;
        snprintf(f->reason, sizeof f->reason, "list page %u: items is not an array", page);
        return LWC_EPROTO;
    }
    const cJSON *it;
    size_t skipped = 0;
    cJSON_ArrayForEach(it, items)
    {
        const char *why = NULL;
        lwcr_obj *o = lwcr_obj_from_json(it, &why);
        if (!o) {
            if (why && strcmp(why, "out of memory") == 0)
                goto nomem;
            skipped++;
            continue;
        }
        lwcr_buf_reset(&res->last_item_rv);
        if (lwcr_buf_puts(&res->last_item_rv, o->ref.rv) != LWC_OK || lwcr_table_put(&res->items, o, NULL) != LWC_OK) {
            free(o);
            goto nomem;
        }
    }
    if (skipped)
        lwcr_log(r, LWC_LOG_WARN, "list page %u: skipped %zu items without metadata.name", page, skipped);
    /* The first-page-only bug (kube-rs 0.92.0): the page had a
     * resourceVersion, so the list was declared complete before its continue
     * token was looked at. */
    if (cont && *cont && !(page == 1 && lwcr_bug(r->cfg.bugs, LWC_BUG_FIRST_PAGE_ONLY))) {
        *next = lwcr_strdup(cont);
        if (!*next)
            goto nomem;
    }
    cJSON_Delete(doc);
    return LWC_OK;
nomem:
    cJSON_Delete(doc);
    f->rc = LWC_ENOMEM;
    snprintf(f->reason, sizeof f->reason, "list page %u: out of memory", page);
    return LWC_ENOMEM;
}

int lwcr_list(lwc_reflector *r, lwcr_list_result *res, lwcr_failure *f)
{
    memset(res, 0, sizeof *res);
    memset(f, 0, sizeof *f);
    f->retry_after_ms = -1;
    lwcr_table_init(&res->items);
    page_sink sink = {.max = r->cfg.max_body_bytes};
    lwcr_buf url = {0};
    char *cont = NULL;
    unsigned page = 1, retries = 0;
    int rc;
    for (;;) {
        lwcr_buf_reset(&url);
        lwcr_buf_reset(&sink.body);
        if (page_url(r, &url, cont, res->rv.data) != LWC_OK) {
            rc = lwcr_fail(LWC_ENOMEM, f->reason, sizeof f->reason, "list: out of memory");
            f->rc = rc;
            break;
        }
        lwcr_http_req req = {
            .url = url.data, .on_body = on_page_bytes, .ud = &sink, .idle_timeout_ms = r->cfg.list_idle_timeout_ms};
        lwcr_http_res hr;
        lwcr_http_get(r->http, &req, &hr);
        char what[64];
        snprintf(what, sizeof what, "list page %u", page);
        if (hr.rc == LWC_ESTOPPED) {
            lwcr_http_res_free(&hr);
            rc = f->rc = LWC_ESTOPPED;
            break;
        }
        if (hr.rc == LWC_OK && hr.status >= 200 && hr.status < 300) {
            lwcr_http_res_free(&hr);
            char *next = NULL;
            rc = take_page(r, &sink, page, res, &next, f);
            if (rc != LWC_OK)
                break;
            /* A server that hands back the token it was given would be
             * followed for ever, as fast as it answers: a protocol error,
             * so the list fails, the reflector backs off and relists. */
            if (next && cont && !strcmp(next, cont)) {
                free(next);
                rc = f->rc = LWC_EPROTO;
                snprintf(f->reason, sizeof f->reason,
                         "list page %u: the server sent back the continue token it was given (a list that never "
                         "ends)",
                         page);
                break;
            }
            retries = 0;
            free(cont);
            cont = next;
            res->pages = page;
            if (!cont)
                break;
            page++;
            continue;
        }
        if (hr.rc == LWC_EPROTO && hr.body_rc == LWC_EPROTO)
            snprintf(hr.detail, sizeof hr.detail, "body larger than %zu bytes", sink.max);
        lwcr_failure_from_http(f, what, &hr);
        lwcr_http_res_free(&hr);
        f->on_continue = cont != NULL;
        if (f->rc == LWC_EEXPIRED) {
            snprintf(f->reason, sizeof f->reason, "410 Expired on %s", cont ? "continue" : "list");
            rc = LWC_EEXPIRED;
            break;
        }
        /* A transient failure mid-list keeps the token, which stays good
         * until compaction: retry that page rather than start over. */
        if (cont && transient(f) && retries < r->cfg.page_retries) {
            retries++;
            lwcr_log(r, LWC_LOG_WARN, "%s; retry %u of %u", f->reason, retries, r->cfg.page_retries);
            if (lwcr_sleep(r, lwcr_backoff_next(&r->bo, f->retry_after_ms)) == LWC_ESTOPPED) {
                rc = f->rc = LWC_ESTOPPED;
                break;
            }
            continue;
        }
        rc = f->rc;
        break;
    }
    free(cont);
    lwcr_buf_free(&url);
    lwcr_buf_free(&sink.body);
    if (rc != LWC_OK) {
        lwcr_list_result_free(res);
        lwcr_table_init(&res->items);
    }
    return rc;
}
