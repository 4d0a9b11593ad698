/* Fuzz target: what lwc-watch decodes from a server: watch event lines
 * through its line reader (with a small line cap), each event's object or
 * Status, and a list page's metadata and items, into its object table. The
 * first byte picks watch stream or list page. */
#include "api.h"
#include "fuzz_util.h"
#include "table.h"
#include "watch_stream.h"

#include <cjson/cJSON.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void take_object(lwcr_table *t, const cJSON *obj)
{
    const char *why = NULL;
    lwcr_obj *o = lwcr_obj_from_json(obj, &why);
    if (!o)
        return;
    lwcr_obj *old = NULL;
    if (lwcr_table_put(t, o, &old) != 0)
        free(o);
    free(old);
}

static int on_line(void *ud, char *line, size_t len)
{
    lwcr_table *t = ud;
    cJSON *ev = cJSON_ParseWithLength(line, len);
    const char *type = lwcr_json_str(ev, "type");
    const cJSON *obj = cJSON_GetObjectItemCaseSensitive(ev, "object");
    if (type && cJSON_IsObject(obj)) {
        if (!strcmp(type, "ERROR")) {
            lwcr_status st;
            lwcr_status_from_json(obj, &st);
        } else {
            take_object(t, obj);
        }
    }
    cJSON_Delete(ev);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    lwcr_table t;
    lwcr_table_init(&t);
    const char *body = (const char *)data + 1;
    size_t n = size - 1;
    if (data[0] & 1) {
        lwcr_line_reader lr;
        lwcr_lines_init(&lr, 4096);
        size_t half = n / 2;
        if (lwcr_lines_feed(&lr, body, half, on_line, &t) == 0)
            (void)lwcr_lines_feed(&lr, body + half, n - half, on_line, &t);
        lwcr_lines_free(&lr);
    } else {
        cJSON *doc = cJSON_ParseWithLength(body, n);
        const cJSON *meta = cJSON_GetObjectItemCaseSensitive(doc, "metadata");
        (void)lwcr_json_str(meta, "resourceVersion");
        (void)lwcr_json_str(meta, "continue");
        const cJSON *it;
        cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(doc, "items")) take_object(&t, it);
        cJSON_Delete(doc);
        lwcr_status st;
        lwcr_status_parse(body, n, &st);
    }
    lwcr_table_free(&t);
    return 0;
}
