/* Unit tests of lwc_common: the growable buffer, whole-file I/O, UTF-8, the monotonic clock and lwc_fail. */
#include "lwc_fail.h"
#include "monotonic.h"
#include "strbuf.h"
#include "utf8.h"

#include "check_main.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

START_TEST(strbuf_grows)
{
    strbuf sb;
    lwcc_strbuf_init(&sb);
    for (int i = 0; i < 10000; i++)
        ck_assert_int_eq(lwcc_strbuf_printf(&sb, "%d,", i), 0);
    ck_assert(!sb.failed);
    ck_assert_ptr_nonnull(strstr(lwcc_strbuf_str(&sb), "9999,"));
    char big[1000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    lwcc_strbuf_printf(&sb, "%s", big);
    ck_assert_uint_eq(strlen(lwcc_strbuf_str(&sb)), sb.len);
    size_t len = 0;
    char *s = lwcc_strbuf_take(&sb, &len);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(strlen(s), len);
    ck_assert_ptr_null(sb.data);
    free(s);
}
END_TEST

/* Taking a buffer nothing was appended to gives "", not uninitialised memory. */
START_TEST(strbuf_empty_take_is_empty_string)
{
    strbuf sb;
    lwcc_strbuf_init(&sb);
    ck_assert_str_eq(lwcc_strbuf_str(&sb), "");
    size_t len = 99;
    char *s = lwcc_strbuf_take(&sb, &len);
    ck_assert_ptr_nonnull(s);
    ck_assert_str_eq(s, "");
    ck_assert_uint_eq(len, 0);
    free(s);
}
END_TEST

START_TEST(strbuf_reset_and_json)
{
    strbuf sb;
    lwcc_strbuf_init(&sb);
    lwcc_strbuf_puts(&sb, "old");
    lwcc_strbuf_reset(&sb);
    ck_assert_str_eq(lwcc_strbuf_str(&sb), "");
    lwcc_strbuf_put_json_string(&sb, "a\"b\\c\n\x01");
    lwcc_strbuf_putc(&sb, '!');
    ck_assert_str_eq(lwcc_strbuf_str(&sb), "\"a\\\"b\\\\c\\n\\u0001\"!");
    lwcc_strbuf_free(&sb);
}
END_TEST

/* After a failure every append refuses and take hands back NULL. */
START_TEST(strbuf_failure_is_sticky)
{
    strbuf sb;
    lwcc_strbuf_init(&sb);
    /* A size that overflows: refused before any allocation is tried. */
    ck_assert_int_eq(lwcc_strbuf_reserve(&sb, (size_t)-1), -1);
    ck_assert(sb.failed);
    ck_assert_int_eq(lwcc_strbuf_puts(&sb, "x"), -1);
    ck_assert_str_eq(lwcc_strbuf_str(&sb), "");
    ck_assert_ptr_null(lwcc_strbuf_take(&sb, NULL));
}
END_TEST

START_TEST(files_round_trip)
{
    char dir[] = "/tmp/lwc-common-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[64], err[256];
    snprintf(path, sizeof path, "%s/f", dir);
    ck_assert_int_eq(lwc_write_file(path, "abc\0d", 5, err, sizeof err), 0);
    size_t len = 0;
    char *got = lwc_read_file(path, 1 << 20, &len, err, sizeof err);
    ck_assert_ptr_nonnull(got);
    ck_assert_uint_eq(len, 5);
    ck_assert_mem_eq(got, "abc\0d", 6);
    free(got);
    errno = 0;
    ck_assert_ptr_null(lwc_read_file(path, 4, NULL, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "larger than"));
    ck_assert_int_eq(errno, EFBIG);
    unlink(path);
    ck_assert_ptr_null(lwc_read_file(path, 1 << 20, NULL, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, path));
    ck_assert_int_eq(lwc_write_file(dir, "x", 1, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, dir));
    rmdir(dir);
}
END_TEST

START_TEST(utf8)
{
    const char in[] = "ok \xC3\xA9 \xFF bad \xE2\x82 cut \xED\xA0\x80 surrogate \xF0\x9F\x98\x80";
    char *out = lwcc_utf8_sanitize(in, sizeof in - 1, 1, NULL);
    ck_assert_ptr_nonnull(out);
    ck_assert_str_eq(out, "ok \xC3\xA9 \xEF\xBF\xBD bad \xEF\xBF\xBD\xEF\xBF\xBD cut \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD "
                          "surrogate \xF0\x9F\x98\x80");
    free(out);
    char nul[] = {'a', 0, 'b'};
    out = lwcc_utf8_sanitize(nul, 3, 1, NULL);
    ck_assert_str_eq(out, "a\xEF\xBF\xBD" "b");
    free(out);
    /* Without nul_too a NUL is kept (the server leaves it to the JSON parser); the length counts past it. */
    const char mixed[] = {'a', 0, '\xFF', 'b'};
    size_t len = 0;
    out = lwcc_utf8_sanitize(mixed, sizeof mixed, 0, &len);
    ck_assert_uint_eq(len, 6);
    ck_assert_mem_eq(out, "a\0\xEF\xBF\xBD" "b", 7);
    free(out);
    out = lwcc_utf8_sanitize("", 0, 1, &len);
    ck_assert_uint_eq(len, 0);
    ck_assert_str_eq(out, "");
    free(out);
    /* Overlong: C0 is refused as a lead byte; E0 and F0 leads pass it and
     * need the code point check. */
    ck_assert_uint_eq(lwcc_utf8_seq((const unsigned char *)"\xC0\x80", 2), 0);
    ck_assert_uint_eq(lwcc_utf8_seq((const unsigned char *)"\xE0\x9F\xBF", 3), 0);
    ck_assert_uint_eq(lwcc_utf8_seq((const unsigned char *)"\xF0\x8F\xBF\xBF", 4), 0);
    ck_assert_uint_eq(lwcc_utf8_seq((const unsigned char *)"\xE0\xA0\x80", 3), 3);         /* U+0800 */
    ck_assert_uint_eq(lwcc_utf8_seq((const unsigned char *)"\xF0\x90\x80\x80", 4), 4);    /* U+10000 */
    ck_assert_uint_eq(lwcc_utf8_seq((const unsigned char *)"\xF4\x90\x80\x80", 4), 0); /* past U+10FFFF */
}
END_TEST

START_TEST(fail_formats_and_returns_the_code)
{
    char err[16];
    ck_assert_int_eq(lwc_fail(err, sizeof err, -7, "%s %d", "bad", 42), -7);
    ck_assert_str_eq(err, "bad 42");
    ck_assert_int_eq(lwc_fail(err, sizeof err, 3, "%s", "a message longer than the buffer"), 3);
    ck_assert_str_eq(err, "a message longe");
    ck_assert_int_eq(lwc_fail(NULL, 0, 5, "nowhere to write"), 5);
}
END_TEST

/* A timed wait on a monotonic condition ends at its deadline: not before it,
 * and not much later (it would be off by the epoch if the clocks disagreed). */
START_TEST(monotonic_timed_wait)
{
    pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t cond;
    ck_assert_int_eq(lwcc_monotonic_cond_init(&cond), 0);
    double t0 = lwcc_monotonic_ms();
    struct timespec deadline = lwcc_monotonic_deadline(120);
    pthread_mutex_lock(&mu);
    int rc = 0;
    while (rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&cond, &mu, &deadline);
    pthread_mutex_unlock(&mu);
    double waited = lwcc_monotonic_ms() - t0;
    ck_assert_msg(waited >= 119.0 && waited < 5000.0, "waited %.1f ms for a 120 ms deadline", waited);
    pthread_cond_destroy(&cond);
    /* A negative timeout is now, not the past of a wrapped-around count. */
    struct timespec now = lwcc_monotonic_deadline(-5);
    ck_assert(now.tv_nsec >= 0 && now.tv_nsec < 1000000000L);
    ck_assert(now.tv_sec * 1000.0 + now.tv_nsec / 1e6 >= t0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("common");
    TCase *tc = tcase_create("common");
    tcase_add_test(tc, strbuf_grows);
    tcase_add_test(tc, strbuf_empty_take_is_empty_string);
    tcase_add_test(tc, strbuf_reset_and_json);
    tcase_add_test(tc, strbuf_failure_is_sticky);
    tcase_add_test(tc, files_round_trip);
    tcase_add_test(tc, utf8);
    tcase_add_test(tc, monotonic_timed_wait);
    tcase_add_test(tc, fail_formats_and_returns_the_code);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
