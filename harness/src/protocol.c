/* The client protocol's stdout side: a line buffer over the pipe and the
 * reading of each line as one message (docs/client-protocol.md). */
#include "protocol.h"
#include "lwc_fail.h"
#include "lwc_scenario.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lwch_linebuf_init(linebuf *lb)
{
    memset(lb, 0, sizeof *lb);
}

void lwch_linebuf_free(linebuf *lb)
{
    free(lb->buf);
    memset(lb, 0, sizeof *lb);
}

int lwch_linebuf_feed(linebuf *lb, const char *data, size_t n)
{
    /* Drop consumed lines first so the buffer holds at most one partial line plus the new bytes. */
    if (lb->start > 0) {
        memmove(lb->buf, lb->buf + lb->start, lb->len - lb->start);
        lb->len -= lb->start;
        lb->scanned -= lb->start;
        lb->start = 0;
    }
    if (lb->len + n + 1 > lb->cap) {
        if (lb->len + n > PROTOCOL_MAX_LINE + 65536)
            return -1;
        size_t ncap = lb->cap ? lb->cap : 65536;
        while (ncap < lb->len + n + 1)
            ncap *= 2;
        char *nb = realloc(lb->buf, ncap);
        if (!nb)
            return -1;
        lb->buf = nb;
        lb->cap = ncap;
    }
    memcpy(lb->buf + lb->len, data, n);
    lb->len += n;
    lb->buf[lb->len] = '\0';
    /* An unterminated line already longer than the limit will never be
     * accepted. Only the new bytes are searched: rescanning the whole
     * partial line for every chunk made a long line quadratic. */
    if (!memchr(lb->buf + lb->scanned, '\n', lb->len - lb->scanned)) {
        lb->scanned = lb->len;
        if (lb->len > PROTOCOL_MAX_LINE)
            return -1;
    }
    return 0;
}

char *lwch_linebuf_next(linebuf *lb, size_t *len)
{
    if (!lb->buf || lb->start >= lb->len)
        return NULL;
    char *p = lb->buf + lb->start;
    char *nl = memchr(lb->buf + lb->scanned, '\n', lb->len - lb->scanned);
    if (!nl) {
        lb->scanned = lb->len;
        return NULL;
    }
    size_t l = (size_t)(nl - p);
    *nl = '\0';
    if (l > 0 && p[l - 1] == '\r')
        p[--l] = '\0';
    lb->start += (size_t)(nl - p) + 1;
    lb->scanned = lb->start;
    *len = l;
    return p;
}

size_t lwch_linebuf_pending(const linebuf *lb)
{
    return lb->len - lb->start;
}

void lwch_client_msg_free(client_msg *m)
{
    lwch_itemset_free(&m->items);
    lwch_itemset_free(&m->subject);
}

const char *lwch_event_kind_name(event_kind k)
{
    return k == EV_ADDED ? "ADDED" : k == EV_MODIFIED ? "MODIFIED" : "DELETED";
}

static void preview(const char *line, size_t len, char *out, size_t outlen)
{
    size_t n = len < 120 ? len : 120;
    size_t o = 0;
    for (size_t i = 0; i < n && o + 5 < outlen; i++) {
        unsigned char c = (unsigned char)line[i];
        if (c < 0x20 || c == 0x7f)
            o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", c);
        else
            out[o++] = (char)c;
    }
    out[o] = '\0';
    if (len > n && o + 4 < outlen)
        strcat(out, "...");
}

/* HELLO: {"protocol":2,"client":"name version","capabilities":["rewatch",...]}.
 * Unknown capability names are kept aside for a note, not refused: a newer
 * client must run on an older harness. */
static int parse_hello(const cJSON *doc, client_msg *out, char *err, size_t errlen)
{
    const cJSON *proto = cJSON_GetObjectItemCaseSensitive(doc, "protocol");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(doc, "client");
    const cJSON *caps = cJSON_GetObjectItemCaseSensitive(doc, "capabilities");
    if (!cJSON_IsNumber(proto) || proto->valuedouble != floor(proto->valuedouble) || proto->valuedouble < 1 ||
        proto->valuedouble > 1000) {
        return lwc_fail(err, errlen, -1, "a HELLO without an integer \"protocol\" version");
    }
    out->protocol = (int)proto->valuedouble;
    if (name && !cJSON_IsString(name))
        return lwc_fail(err, errlen, -1, "a HELLO whose \"client\" is not a string");
    snprintf(out->text, sizeof out->text, "%s", name ? name->valuestring : "");
    if (caps && !cJSON_IsArray(caps))
        return lwc_fail(err, errlen, -1, "a HELLO whose \"capabilities\" is not an array of strings");
    const cJSON *c;
    size_t off = 0;
    cJSON_ArrayForEach(c, caps) {
        if (!cJSON_IsString(c))
            return lwc_fail(err, errlen, -1, "a HELLO whose \"capabilities\" is not an array of strings");
        unsigned bit = lwc_capability_from_name(c->valuestring);
        out->caps |= bit;
        if (!bit && off + 4 < sizeof out->unknown) {
            int n = snprintf(out->unknown + off, sizeof out->unknown - off, "%s%.60s", off ? ", " : "", c->valuestring);
            if (n > 0)
                off += (size_t)n;
        }
    }
    return 0;
}

int lwch_protocol_parse_line(const char *line, size_t len, client_msg *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    lwch_itemset_init(&out->items);
    lwch_itemset_init(&out->subject);
    char pv[600];
    const char *end = NULL;
    cJSON *doc = cJSON_ParseWithLengthOpts(line, len, &end, 0);
    if (!doc || !cJSON_IsObject(doc) || (end && (size_t)(end - line) < len && strspn(end, " \t") != len - (size_t)(end - line))) {
        preview(line, len, pv, sizeof pv);
        snprintf(err, errlen, "%s on stdout: \"%s\"", doc ? "a line that is not one JSON object" : "a line that is not JSON", pv);
        cJSON_Delete(doc);
        return -1;
    }
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(doc, "type");
    int rc = 0;
    if (!cJSON_IsString(type)) {
        out->type = MSG_OTHER;
        snprintf(out->text, sizeof out->text, "(no \"type\")");
    } else if (!strcmp(type->valuestring, "HELLO")) {
        out->type = MSG_HELLO;
        rc = parse_hello(doc, out, err, errlen);
    } else if (!strcmp(type->valuestring, "READY")) {
        out->type = MSG_READY;
    } else if (!strcmp(type->valuestring, "SNAPSHOT")) {
        out->type = MSG_SNAPSHOT;
        const cJSON *seq = cJSON_GetObjectItemCaseSensitive(doc, "seq");
        /* Bounded before the cast: a double beyond long long's range is
         * undefined behaviour to convert (found by fuzz_protocol_line). */
        if (!cJSON_IsNumber(seq) || seq->valuedouble != floor(seq->valuedouble) || seq->valuedouble < -9e15 ||
            seq->valuedouble > 9e15) {
            rc = lwc_fail(err, errlen, -1, "a SNAPSHOT without an integer \"seq\"");
        } else {
            out->seq = (long long)seq->valuedouble;
            char why[256];
            if (lwch_itemset_from_snapshot(cJSON_GetObjectItemCaseSensitive(doc, "items"), &out->items, why, sizeof why) != 0) {
                rc = lwc_fail(err, errlen, -1, "SNAPSHOT seq %lld: %s", out->seq, why);
            }
        }
    } else if (!strcmp(type->valuestring, "EVENT")) {
        out->type = MSG_EVENT;
        const cJSON *ev = cJSON_GetObjectItemCaseSensitive(doc, "event");
        const char *e = cJSON_IsString(ev) ? ev->valuestring : "";
        if (!strcmp(e, "ADDED"))
            out->event = EV_ADDED;
        else if (!strcmp(e, "MODIFIED"))
            out->event = EV_MODIFIED;
        else if (!strcmp(e, "DELETED"))
            out->event = EV_DELETED;
        else {
            preview(line, len, pv, sizeof pv);
            rc = lwc_fail(err, errlen, -1, "an EVENT whose \"event\" is not ADDED, MODIFIED or DELETED: \"%s\"", pv);
        }
        if (rc == 0) {
            /* The event's object has the members of a SNAPSHOT item: read it as a one-item list. */
            cJSON *arr = cJSON_CreateArray();
            cJSON *ref = arr ? cJSON_CreateObjectReference(doc->child) : NULL;
            char why[256];
            if (!arr || !ref) {
                cJSON_Delete(arr);
                rc = lwc_fail(err, errlen, -1, "out of memory");
            } else {
                cJSON_AddItemToArray(arr, ref);
                if (lwch_itemset_from_snapshot(arr, &out->subject, why, sizeof why) != 0) {
                    preview(line, len, pv, sizeof pv);
                    rc = lwc_fail(err, errlen, -1, "an EVENT whose object %s: \"%s\"",
                                  strstr(why, "has") ? strstr(why, "has") : why, pv);
                }
                cJSON_Delete(arr);
            }
        }
    } else if (!strcmp(type->valuestring, "RESTART")) {
        out->type = MSG_RESTART;
        const cJSON *r = cJSON_GetObjectItemCaseSensitive(doc, "reason");
        snprintf(out->text, sizeof out->text, "%s", cJSON_IsString(r) ? r->valuestring : "");
    } else if (!strcmp(type->valuestring, "LOG")) {
        out->type = MSG_LOG;
        const cJSON *lv = cJSON_GetObjectItemCaseSensitive(doc, "level");
        const cJSON *msg = cJSON_GetObjectItemCaseSensitive(doc, "message");
        snprintf(out->text, sizeof out->text, "%s: %s", cJSON_IsString(lv) ? lv->valuestring : "info",
                 cJSON_IsString(msg) ? msg->valuestring : "");
    } else {
        out->type = MSG_OTHER;
        snprintf(out->text, sizeof out->text, "%s", type->valuestring);
    }
    cJSON_Delete(doc);
    if (rc != 0)
        lwch_client_msg_free(out);
    return rc;
}
