/* The watch stream's line reader: lines split across chunks, many lines in
 * one chunk, CRLF, truncated and garbage input, and the line-size cap. */
#include "lwc_reflector.h"
#include "watch_stream.h"

#include "check_main.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

typedef struct got {
    char *lines[64];
    size_t n;
    int stop_at; /* return 7 from the callback at this line (1-based); 0 never */
} got;

static int collect(void *ud, char *line, size_t len)
{
    got *g = ud;
    ck_assert_uint_eq(strlen(line), len);
    if (g->n < 64)
        g->lines[g->n++] = strdup(line);
    return g->stop_at && (int)g->n == g->stop_at ? 7 : 0;
}

static void got_free(got *g)
{
    for (size_t i = 0; i < g->n; i++)
        free(g->lines[i]);
    g->n = 0;
}

/* Streams fed to a reader and what it must make of them: the feed's
 * return, the lines delivered, in order, and what is left pending. */
static const struct feed_case {
    const char *name;
    size_t cap;          /* the line-size cap */
    const char *stream;
    int byte_at_a_time;  /* 1: one byte a feed (every boundary falls inside a line once); 0: one feed */
    int stop_at;         /* the callback stops the stream at this line (1-based); 0 never */
    int rc;              /* what the (last) feed returns */
    const char *lines[5]; /* NULL-terminated */
    long pending;        /* bytes left pending; -1 not checked */
} feeds[] = {
    {"split across chunks", 1024, "{\"type\":\"ADDED\"}\n{\"type\":\"MODIFIED\"}\n", 1, 0, 0,
     {"{\"type\":\"ADDED\"}", "{\"type\":\"MODIFIED\"}"}, 0},
    {"many lines in one chunk, and CRLF", 1024, "a\r\nbb\n\nccc\r\n", 0, 0, 0, {"a", "bb", "", "ccc"}, -1},
    /* The stream ends here: the half event must be dropped, not parsed. */
    {"a truncated tail is pending, not delivered", 1024, "{\"type\":\"ADDED\"}\n{\"type\":\"MODI", 0, 0, 0,
     {"{\"type\":\"ADDED\"}"}, (long)sizeof "{\"type\":\"MODI" - 1},
    {"garbage and binary bytes are just lines", 1024, "<html>502 Bad Gateway</html>\n\x01\x02\xff\n", 0, 0, 0,
     {"<html>502 Bad Gateway</html>", "\x01\x02\xff"}, -1},
    /* "ok" came before the long one */
    {"an oversized complete line in one chunk", 8, "ok\n0123456789\nlater\n", 0, 0, LWC_EPROTO, {"ok"}, -1},
    {"a line of exactly the cap is fine", 8, "01234567\n", 0, 0, 0, {"01234567"}, -1},
    {"the callback can stop the stream", 1024, "1\n2\n3\n", 0, 2, 7, {"1", "2"}, -1},
};

START_TEST(feeds_make_lines)
{
    const struct feed_case *f = &feeds[_i];
    lwcr_line_reader r;
    lwcr_lines_init(&r, f->cap);
    got g = {.stop_at = f->stop_at};
    size_t len = strlen(f->stream);
    if (f->byte_at_a_time)
        for (size_t i = 0; i < len; i++)
            ck_assert_int_eq(lwcr_lines_feed(&r, f->stream + i, 1, collect, &g), f->rc);
    else
        ck_assert_msg(lwcr_lines_feed(&r, f->stream, len, collect, &g) == f->rc, "%s: feed did not return %d", f->name,
                      f->rc);
    size_t want = 0;
    while (f->lines[want])
        want++;
    ck_assert_msg(g.n == want, "%s: %zu lines, want %zu", f->name, g.n, want);
    for (size_t i = 0; i < want; i++)
        ck_assert_msg(!strcmp(g.lines[i], f->lines[i]), "%s: line %zu is \"%s\", want \"%s\"", f->name, i,
                      g.lines[i], f->lines[i]);
    if (f->pending >= 0)
        ck_assert_msg(lwcr_lines_pending(&r) == (size_t)f->pending, "%s: %zu bytes pending, want %ld", f->name,
                      lwcr_lines_pending(&r), f->pending);
    got_free(&g);
    lwcr_lines_free(&r);
}
END_TEST

START_TEST(oversized_line_is_an_error_and_memory_stays_bounded)
{
    const size_t cap = 4096;
    lwcr_line_reader r;
    lwcr_lines_init(&r, cap);
    got g = {0};
    char chunk[1000];
    memset(chunk, 'x', sizeof chunk);
    int rc = 0;
    size_t fed = 0;
    /* A line without end: the reader must refuse it soon after the cap,
     * not buffer megabytes. */
    while (rc == 0 && fed < 100 * cap) {
        rc = lwcr_lines_feed(&r, chunk, sizeof chunk, collect, &g);
        fed += sizeof chunk;
    }
    ck_assert_int_eq(rc, LWC_EPROTO);
    ck_assert_uint_le(fed, cap + sizeof chunk);
    ck_assert_uint_le(r.buf.cap, 4 * (cap + sizeof chunk));
    ck_assert_uint_eq(g.n, 0);
    lwcr_lines_free(&r);
}
END_TEST

START_TEST(default_cap_is_16_mib)
{
    lwcr_line_reader r;
    lwcr_lines_init(&r, 0);
    ck_assert_uint_eq(r.max_line, (size_t)16 << 20);
    lwcr_lines_free(&r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("line_reader");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, feeds_make_lines, 0, (int)(sizeof feeds / sizeof feeds[0]));
    tcase_add_test(tc, oversized_line_is_an_error_and_memory_stays_bounded);
    tcase_add_test(tc, default_cap_is_16_mib);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
