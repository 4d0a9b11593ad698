/* LIST: one page of a collection at a consistent resourceVersion, with the
 * apiserver's resourceVersion and continue rules (apiserver
 * pkg/storage/etcd3/store.go GetList, cacher.go, continue.go). */
#include "continue_token.h"
#include "handlers.h"
#include "list_options.h"
#include "mock_internal.h"
#include "table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The key a continue token resumes after: relative to the namespace for a
 * namespaced list, the whole key otherwise. */
static const char *relative_key(const obj_version *v, const char *ns)
{
    return ns ? v->name : v->key;
}

static void write_list(strbuf *sb, const resource_def *def, const list_page *page, const char *cont,
                       int with_remaining)
{
    /* Sized up front: a 500-item page is one allocation, not twenty. */
    size_t need = 256;
    for (size_t i = 0; i < page->n; i++)
        need += page->items[i]->json_len + 1;
    lwcc_strbuf_reserve(sb, need);
    lwcc_strbuf_puts(sb, "{\"kind\":");
    lwcc_strbuf_put_json_string(sb, def->list_kind);
    lwcc_strbuf_puts(sb, ",\"apiVersion\":");
    lwcc_strbuf_put_json_string(sb, def->api_version);
    lwcc_strbuf_printf(sb, ",\"metadata\":{\"resourceVersion\":\"%llu\"", (unsigned long long)page->rv);
    if (cont) {
        lwcc_strbuf_puts(sb, ",\"continue\":");
        lwcc_strbuf_put_json_string(sb, cont);
        if (with_remaining && *cont)
            lwcc_strbuf_printf(sb, ",\"remainingItemCount\":%lld", page->remaining);
    }
    lwcc_strbuf_puts(sb, "},\"items\":[");
    for (size_t i = 0; i < page->n; i++) {
        if (i)
            lwcc_strbuf_putc(sb, ',');
        lwcm_obj_write_list_item(sb, def, page->items[i]);
    }
    lwcc_strbuf_puts(sb, "]}");
}

/* Waits, as the watch cache does, for a resourceVersion the server has not
 * reached; answers 504 ResourceVersionTooLarge when it does not come. */
static int wait_for_rv(lwc_mock *srv, uint64_t want, reply *r)
{
    if (lwcm_store_current_rv(srv->st) >= want)
        return 0;
    if (lwcm_store_wait_rv(srv->st, want, (int)srv->cfg.too_large_wait_ms))
        return 0;
    lwcm_reply_too_large_rv(r, (unsigned long long)want, (unsigned long long)lwcm_store_current_rv(srv->st));
    return -1;
}

void lwcm_handle_list(lwc_mock *srv, const request *req, int res, const char *ns, reply *r)
{
    list_options o;
    if (lwcm_list_options_parse(req, 0, srv->cfg.watch_list, &o, r) != 0)
        return;
    const resource_def *def = lwcm_store_resource(srv->st, res);
    if (lwcm_list_options_check_fields(&o, def, r) != 0) {
        lwcm_list_options_free(&o);
        return;
    }
    list_query q;
    memset(&q, 0, sizeof q);
    q.res = res;
    q.ns = ns;
    q.labels = o.labels.n ? &o.labels : NULL;
    q.fields = o.fields.n ? &o.fields : NULL;
    q.limit = o.limit > 0 ? (size_t)o.limit : 0;
    q.at_current = 1;
    continue_token tok;
    memset(&tok, 0, sizeof tok);
    int has_rv = o.rv && *o.rv;
    const char *rvm = o.rvm && *o.rvm ? o.rvm : NULL;
    char msg[512];

    if (o.continue_token && *o.continue_token) {
        if (has_rv && strcmp(o.rv, "0") != 0) {
            lwcm_reply_bad_request(r, "specifying resource version is not allowed when using continue");
            goto done;
        }
        char why[400];
        if (lwcm_continue_token_decode(o.continue_token, &tok, why, sizeof why) != 0) {
            snprintf(msg, sizeof msg, "invalid continue token: %s", why);
            lwcm_reply_bad_request(r, msg);
            goto done;
        }
        q.start = tok.start;
        q.start_exclusive = tok.exclusive;
        if (tok.rv == -1) {
            q.at_current = 1; /* the inconsistent continuation reads the latest state */
        } else if (tok.rv < 0) {
            lwcm_reply_bad_request(r, "invalid continue token: continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
            goto done;
        } else {
            /* A compacted or future token RV is the store's answer below. */
            q.at_current = 0;
            q.at_rv = (uint64_t)tok.rv;
        }
    } else if (!has_rv) {
        q.at_current = 1;
    } else if (o.rv_num == 0) {
        /* The watch cache answers RV=0 whole: limit ignored, no continue (cacher.go). */
        if (srv->cfg.rv0_ignores_limit)
            q.limit = 0;
        if (srv->cfg.lagging_replica_writes > 0) {
            /* A replica whose cache lags answers RV=0 from an older state (kubernetes#59848). */
            uint64_t cur = lwcm_store_current_rv(srv->st);
            uint64_t lag = (uint64_t)srv->cfg.lagging_replica_writes;
            uint64_t at = cur > lag ? cur - lag : 1;
            /* Its cache is its own: a compaction of the history watches see does not reach it. */
            uint64_t oldest = lwcm_store_history_start(srv->st);
            q.at_current = 0;
            q.at_rv = at < oldest ? oldest : at;
            q.below_floor_ok = 1;
        }
    } else {
        int exact = (rvm && strcmp(rvm, "Exact") == 0) || (!rvm && q.limit > 0);
        if (srv->cfg.expire_below_floor && o.rv_num < lwcm_store_compacted_rv(srv->st)) {
            /* A fresh apiserver's cache starts at its floor: anything older is gone (kubernetes#133810). */
            char m[128];
            snprintf(m, sizeof m, "too old resource version: %llu (%llu)", (unsigned long long)o.rv_num,
                     (unsigned long long)lwcm_store_compacted_rv(srv->st));
            lwcm_reply_status(r, 410, "Expired", m, NULL, NULL);
            goto done;
        }
        if (wait_for_rv(srv, o.rv_num, r) != 0)
            goto done;
        if (exact) {
            /* Below the compaction point the store answers STORE_EXPIRED: 410 below. */
            q.at_current = 0;
            q.at_rv = o.rv_num;
        }
    }

    /* Storage that caps pages does so whatever the client asked (Grafana, grafana#129458). */
    if (srv->cfg.page_size_cap > 0 && (q.limit == 0 || q.limit > (size_t)srv->cfg.page_size_cap))
        q.limit = (size_t)srv->cfg.page_size_cap;
    list_page page;
    int rc = lwcm_store_list(srv->st, &q, &page, NULL);
    if (rc == STORE_EXPIRED && tok.start) {
        /* etcd3 handleCompactedErrorForPaging: 410 with a fresh rv:-1 token from the same key. */
        char *fresh = tok.exclusive ? lwcm_continue_token_encode(-1, tok.start) : NULL;
        lwcm_reply_status(r, 410, "Expired", fresh ? lwcm_status_msg_expired_continue : lwcm_status_msg_expired_continue_no_token, NULL,
                     fresh);
        free(fresh);
        goto done;
    }
    if (rc == STORE_TOO_LARGE && tok.start) {
        lwcm_reply_internal(r, "mvcc: required revision is a future revision");
        goto done;
    }
    if (rc == STORE_EXPIRED) {
        lwcm_reply_status(r, 410, "Expired", "The resourceVersion for the provided list is too old.", NULL, NULL);
        goto done;
    }
    if (rc != STORE_OK) {
        lwcm_reply_internal(r, rc == STORE_ENOMEM ? "out of memory" : "list failed");
        goto done;
    }
    char *cont = NULL;
    if (page.more && page.n) {
        /* A first page with RV unset is a consistent read from the watch cache (1.31+), whose
         * tokens start with "/"; continue pages and exact reads come from etcd, whose do not
         * (measured against kube-apiserver 1.33, fidelity/results.md). */
        strbuf start;
        lwcc_strbuf_init(&start);
        if (!o.continue_token && !has_rv)
            lwcc_strbuf_putc(&start, '/');
        lwcc_strbuf_puts(&start, relative_key(page.items[page.n - 1], ns));
        char *start_key = lwcc_strbuf_take(&start, NULL);
        cont = start_key ? lwcm_continue_token_encode((int64_t)page.rv, start_key) : NULL;
        free(start_key);
        if (!cont) {
            lwcm_list_page_free(&page);
            lwcm_reply_internal(r, "out of memory");
            goto done;
        }
    }
    if (cont && req->page > 0)
        lwcm_fault_table_note_page(&srv->faults, cont, req->page + 1);
    /* k3d-style servers end with "continue": "" (kube-rs PR #1250 looped on it). */
    const char *shown_cont = cont ? cont : (srv->cfg.last_page_empty_continue && q.limit > 0) ? "" : NULL;
    /* remainingItemCount is an estimate the apiserver gives only without selectors. */
    int with_remaining = !(o.label_text && *o.label_text) && !(o.field_text && *o.field_text);
    strbuf sb;
    lwcc_strbuf_init(&sb);
    if (lwcm_wants_table(req))
        lwcm_table_write_list(&sb, def, &page, shown_cont, with_remaining);
    else
        write_list(&sb, def, &page, shown_cont, with_remaining);
    int more = cont && *cont;
    free(cont);
    uint64_t served_rv = page.rv;
    lwcm_list_page_free(&page);
    size_t len = 0;
    char *body = lwcc_strbuf_take(&sb, &len);
    /* The log says which snapshot this page was (metadata.resourceVersion),
     * so a reader need not infer it from when the request came: an RV=0 list
     * on a lagging replica is older than the server's RV at that moment.
     * Only for a page actually sent: an out-of-memory 500 served nothing. */
    if (body) {
        if (more)
            lwcm_request_log_list_more(&srv->log, req->log_idx);
        lwcm_request_log_served_rv(&srv->log, req->log_idx, served_rv);
    }
    lwcm_reply_json(r, 200, body, len);
done:
    lwcm_continue_token_free(&tok);
    lwcm_list_options_free(&o);
}
