/* lwc-watch's protocol lines on stdout (HELLO, READY, events), one writer under a lock. */
#include "cli_output.h"

#include "util.h"

#include <pthread.h>
#include <string.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static FILE *outf;
static int failed;
static lwcr_buf line; /* built under mu */

int out_init(FILE *f)
{
    outf = f;
    /* Full buffering: the initial list's ADDED lines go out in large
     * writes; every READY, SNAPSHOT and batch end flushes. */
    return setvbuf(f, NULL, _IOFBF, 1 << 16) == 0 ? 0 : -1;
}

void out_destroy(void)
{
    pthread_mutex_lock(&mu);
    lwcr_buf_free(&line);
    pthread_mutex_unlock(&mu);
}

int out_failed(void)
{
    pthread_mutex_lock(&mu);
    int f = failed;
    pthread_mutex_unlock(&mu);
    return f;
}

/* Length of the valid UTF-8 sequence at s (of n bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len;
    unsigned min;
    unsigned cp;
    if (c < 0x80)
        return 1;
    if ((c & 0xE0) == 0xC0) {
        len = 2, min = 0x80, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3, min = 0x800, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4, min = 0x10000, cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

/* A JSON string; bytes that are not UTF-8 become U+FFFD, since a server's
 * garbage must not make our line invalid. */
static int put_str(const char *s)
{
    static const char hex[] = "0123456789abcdef";
    int rc = lwcr_buf_append(&line, "\"", 1);
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t n = strlen((const char *)p);
    size_t run = 0; /* plain bytes not yet copied, ending at i */
    for (size_t i = 0; i < n && rc == 0;) {
        unsigned char c = p[i];
        const char *esc = NULL;
        char u[7];
        size_t l = 1;
        if (c == '"')
            esc = "\\\"";
        else if (c == '\\')
            esc = "\\\\";
        else if (c == '\n')
            esc = "\\n";
        else if (c < 0x20) {
            memcpy(u, "\\u00", 4);
            u[4] = hex[c >> 4];
            u[5] = hex[c & 15];
            u[6] = '\0';
            esc = u;
        } else if (c >= 0x80) {
            l = utf8_len(p + i, n - i);
            if (!l) {
                esc = "\\ufffd";
                l = 1;
            }
        }
        if (esc) {
            rc |= lwcr_buf_append(&line, p + i - run, run);
            rc |= lwcr_buf_puts(&line, esc);
            run = 0;
        } else {
            run += l;
        }
        i += l;
    }
    rc |= lwcr_buf_append(&line, p + n - run, run);
    rc |= lwcr_buf_append(&line, "\"", 1);
    return rc;
}

/* Writes the line built so far, with its newline. Called with mu held. */
static void emit(int flush)
{
    if (failed || !outf)
        return;
    if (lwcr_buf_append(&line, "\n", 1) != 0 || fwrite(line.data, 1, line.len, outf) != line.len ||
        (flush && fflush(outf) != 0))
        failed = 1;
}

void out_flush(void)
{
    pthread_mutex_lock(&mu);
    if (!failed && outf && fflush(outf) != 0)
        failed = 1;
    pthread_mutex_unlock(&mu);
}

void out_hello(const char *client, const char *const *capabilities)
{
    pthread_mutex_lock(&mu);
    lwcr_buf_reset(&line);
    int rc = lwcr_buf_puts(&line, "{\"type\":\"HELLO\",\"protocol\":2,\"client\":");
    rc |= put_str(client);
    rc |= lwcr_buf_puts(&line, ",\"capabilities\":[");
    for (size_t i = 0; capabilities[i]; i++) {
        rc |= i ? lwcr_buf_puts(&line, ",") : 0;
        rc |= put_str(capabilities[i]);
    }
    rc |= lwcr_buf_puts(&line, "]}");
    if (rc == 0)
        emit(1);
    pthread_mutex_unlock(&mu);
}

void out_ready(void)
{
    pthread_mutex_lock(&mu);
    lwcr_buf_reset(&line);
    if (lwcr_buf_puts(&line, "{\"type\":\"READY\"}") == 0)
        emit(1);
    pthread_mutex_unlock(&mu);
}

static const char *event_name(lwc_event_type t)
{
    return t == LWC_ADDED ? "ADDED" : t == LWC_MODIFIED ? "MODIFIED" : "DELETED";
}

static int put_ref_fields(const lwc_object_ref *o)
{
    int rc = lwcr_buf_puts(&line, "\"namespace\":");
    rc |= put_str(o->ns);
    rc |= lwcr_buf_puts(&line, ",\"name\":");
    rc |= put_str(o->name);
    rc |= lwcr_buf_puts(&line, ",\"uid\":");
    rc |= put_str(o->uid);
    rc |= lwcr_buf_puts(&line, ",\"resourceVersion\":");
    rc |= put_str(o->rv);
    return rc;
}

void out_event(lwc_event_type type, const lwc_object_ref *obj)
{
    pthread_mutex_lock(&mu);
    lwcr_buf_reset(&line);
    int rc = lwcr_buf_printf(&line, "{\"type\":\"EVENT\",\"event\":\"%s\",", event_name(type));
    rc |= put_ref_fields(obj);
    rc |= lwcr_buf_puts(&line, "}");
    if (rc == 0)
        emit(0);
    pthread_mutex_unlock(&mu);
}

void out_restart(const char *reason)
{
    pthread_mutex_lock(&mu);
    lwcr_buf_reset(&line);
    int rc = lwcr_buf_puts(&line, "{\"type\":\"RESTART\",\"reason\":");
    rc |= put_str(reason);
    rc |= lwcr_buf_puts(&line, "}");
    if (rc == 0)
        emit(1);
    pthread_mutex_unlock(&mu);
}

void out_log(const char *level, const char *message)
{
    pthread_mutex_lock(&mu);
    lwcr_buf_reset(&line);
    int rc = lwcr_buf_puts(&line, "{\"type\":\"LOG\",\"level\":");
    rc |= put_str(level);
    rc |= lwcr_buf_puts(&line, ",\"message\":");
    rc |= put_str(message);
    rc |= lwcr_buf_puts(&line, "}");
    if (rc == 0)
        emit(1);
    pthread_mutex_unlock(&mu);
}

int out_snapshot(unsigned long long seq, const lwc_snapshot *snap)
{
    pthread_mutex_lock(&mu);
    lwcr_buf_reset(&line);
    int rc = lwcr_buf_printf(&line, "{\"type\":\"SNAPSHOT\",\"seq\":%llu,\"items\":[", seq);
    for (size_t i = 0; i < snap->n && rc == 0; i++) {
        rc |= lwcr_buf_puts(&line, i ? ",{" : "{");
        rc |= put_ref_fields(&snap->items[i]);
        rc |= lwcr_buf_puts(&line, "}");
    }
    rc |= lwcr_buf_puts(&line, "]}");
    if (rc == 0)
        emit(1);
    pthread_mutex_unlock(&mu);
    return rc == 0 ? 0 : -1;
}
