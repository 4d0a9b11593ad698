/* The watch stream's line reader: lines split across chunks, many lines in
 * one chunk, CRLF, truncated and garbage input, and the line-size cap. */
#include "lwc_reflector.h"
#include "watch_stream.h"

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

START_TEST(split_across_chunks)
{
    lwcr_line_reader r;
    lwcr_lines_init(&r, 1024);
    got g = {0};
    const char *stream = "{\"type\":\"ADDED\"}\n{\"type\":\"MODIFIED\"}\n";
    /* One byte at a time: every boundary falls inside a line once. */
    for (size_t i = 0; stream[i]; i++)
        ck_assert_int_eq(lwcr_lines_feed(&r, stream + i, 1, collect, &g), 0);
    ck_assert_uint_eq(g.n, 2);
    ck_assert_str_eq(g.lines[0], "{\"type\":\"ADDED\"}");
    ck_assert_str_eq(g.lines[1], "{\"type\":\"MODIFIED\"}");
    ck_assert_uint_eq(lwcr_lines_pending(&r), 0);
    got_free(&g);
    lwcr_lines_free(&r);
}
END_TEST

START_TEST(many_lines_one_chunk_and_crlf)
{
    lwcr_line_reader r;
    lwcr_lines_init(&r, 1024);
    got g = {0};
    const char *chunk = "a\r\nbb\n\nccc\r\n";
    ck_assert_int_eq(lwcr_lines_feed(&r, chunk, strlen(chunk), collect, &g), 0);
    ck_assert_uint_eq(g.n, 4);
    ck_assert_str_eq(g.lines[0], "a");
    ck_assert_str_eq(g.lines[1], "bb");
    ck_assert_str_eq(g.lines[2], "");
    ck_assert_str_eq(g.lines[3], "ccc");
    got_free(&g);
    lwcr_lines_free(&r);
}
END_TEST

START_TEST(truncated_tail_is_pending_not_delivered)
{
    lwcr_line_reader r;
    lwcr_lines_init(&r, 1024);
    got g = {0};
    const char *chunk = "{\"type\":\"ADDED\"}\n{\"type\":\"MODI";
    ck_assert_int_eq(lwcr_lines_feed(&r, chunk, strlen(chunk), collect, &g), 0);
    ck_assert_uint_eq(g.n, 1);
    /* The stream ends here: the half event must be dropped, not parsed. */
    ck_assert_uint_eq(lwcr_lines_pending(&r), strlen("{\"type\":\"MODI"));
    got_free(&g);
    lwcr_lines_free(&r);
}
END_TEST

START_TEST(garbage_and_binary_bytes_are_just_lines)
{
    lwcr_line_reader r;
    lwcr_lines_init(&r, 1024);
    got g = {0};
    const char chunk[] = "<html>502 Bad Gateway</html>\n\x01\x02\xff\n";
    ck_assert_int_eq(lwcr_lines_feed(&r, chunk, sizeof chunk - 1, collect, &g), 0);
    ck_assert_uint_eq(g.n, 2);
    ck_assert_str_eq(g.lines[0], "<html>502 Bad Gateway</html>");
    ck_assert_str_eq(g.lines[1], "\x01\x02\xff");
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

START_TEST(oversized_complete_line_in_one_chunk)
{
    lwcr_line_reader r;
    lwcr_lines_init(&r, 8);
    got g = {0};
    const char *chunk = "ok\n0123456789\nlater\n";
    ck_assert_int_eq(lwcr_lines_feed(&r, chunk, strlen(chunk), collect, &g), LWC_EPROTO);
    ck_assert_uint_eq(g.n, 1); /* "ok" came before the long one */
    got_free(&g);
    lwcr_lines_free(&r);
}
END_TEST

START_TEST(line_of_exactly_the_cap_is_fine)
{
    lwcr_line_reader r;
    lwcr_lines_init(&r, 8);
    got g = {0};
    ck_assert_int_eq(lwcr_lines_feed(&r, "01234567\n", 9, collect, &g), 0);
    ck_assert_uint_eq(g.n, 1);
    got_free(&g);
    lwcr_lines_free(&r);
}
END_TEST

START_TEST(callback_can_stop_the_stream)
{
    lwcr_line_reader r;
    lwcr_lines_init(&r, 1024);
    got g = {.stop_at = 2};
    const char *chunk = "1\n2\n3\n";
    ck_assert_int_eq(lwcr_lines_feed(&r, chunk, strlen(chunk), collect, &g), 7);
    ck_assert_uint_eq(g.n, 2);
    got_free(&g);
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
    tcase_add_test(tc, split_across_chunks);
    tcase_add_test(tc, many_lines_one_chunk_and_crlf);
    tcase_add_test(tc, truncated_tail_is_pending_not_delivered);
    tcase_add_test(tc, garbage_and_binary_bytes_are_just_lines);
    tcase_add_test(tc, oversized_line_is_an_error_and_memory_stays_bounded);
    tcase_add_test(tc, oversized_complete_line_in_one_chunk);
    tcase_add_test(tc, line_of_exactly_the_cap_is_fine);
    tcase_add_test(tc, callback_can_stop_the_stream);
    tcase_add_test(tc, default_cap_is_16_mib);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
