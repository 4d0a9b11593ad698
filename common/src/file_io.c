/* Whole-file reads into, and writes from, memory, with errors naming the file. */
#include "strbuf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *lwc_read_file(const char *path, size_t max, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    strbuf sb;
    lwcc_strbuf_init(&sb);
    lwcc_strbuf_append(&sb, "", 0); /* an empty file is "" */
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0 && sb.len <= max)
        lwcc_strbuf_append(&sb, buf, n);
    int bad = ferror(f);
    fclose(f);
    if (bad || sb.failed || sb.len > max) {
        int too_big = !bad && !sb.failed;
        if (too_big)
            snprintf(err, errlen, "%s: larger than %zu MiB", path, max >> 20);
        else
            snprintf(err, errlen, "%s: %s", path, bad ? "read error" : "out of memory");
        lwcc_strbuf_free(&sb);
        if (too_big)
            errno = EFBIG; /* so a caller can add its own advice */
        return NULL;
    }
    return lwcc_strbuf_take(&sb, len);
}

int lwc_write_file(const char *path, const char *s, size_t n, char *err, size_t errlen)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    int bad = fwrite(s, 1, n, f) != n || ferror(f);
    /* fclose flushes: a full disk may only show here. */
    if (fclose(f) != 0)
        bad = 1;
    if (bad) {
        snprintf(err, errlen, "%s: write failed: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}
