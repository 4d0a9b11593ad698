/* Backoff: the first wait, growth, the cap, jitter that actually spreads,
 * reset, Retry-After as a floor (and its own cap), the no-backoff bug, and
 * parsing Retry-After as seconds or an HTTP date. */
#include "backoff.h"

#include "check_main.h"

#include <check.h>
#include <string.h>

START_TEST(grows_within_bounds_up_to_the_cap)
{
    lwcr_backoff b;
    lwcr_backoff_init(&b, 100, 3000, 60000, 42);
    int64_t d = 100;
    for (int i = 0; i < 12; i++) {
        int64_t w = lwcr_backoff_next(&b, -1);
        int64_t lo = d < 3000 ? d : 3000;
        ck_assert_msg(w >= lo && w <= 3000 && w < 2 * lo + 1, "attempt %d: %lld ms, want [%lld, min(2x, cap)]", i,
                      (long long)w, (long long)lo);
        d *= 2;
    }
    /* Far past the cap it stays at the cap, never overflows. */
    for (int i = 0; i < 100; i++)
        ck_assert_int_le(lwcr_backoff_next(&b, -1), 3000);
}
END_TEST

START_TEST(jitter_spreads_the_waits)
{
    int64_t min = 1 << 30, max = 0;
    for (uint64_t seed = 1; seed <= 200; seed++) {
        lwcr_backoff b;
        lwcr_backoff_init(&b, 1000, 30000, 60000, seed * 7919);
        int64_t w = lwcr_backoff_next(&b, -1);
        min = w < min ? w : min;
        max = w > max ? w : max;
    }
    ck_assert_int_ge(min, 1000);
    ck_assert_int_lt(max, 2000);
    ck_assert_int_gt(max - min, 500); /* 200 clients do not come back in lockstep */
}
END_TEST

START_TEST(reset_starts_over)
{
    lwcr_backoff b;
    lwcr_backoff_init(&b, 100, 30000, 60000, 3);
    for (int i = 0; i < 6; i++)
        lwcr_backoff_next(&b, -1);
    ck_assert_int_ge(lwcr_backoff_next(&b, -1), 6400);
    lwcr_backoff_reset(&b);
    ck_assert_int_lt(lwcr_backoff_next(&b, -1), 200);
}
END_TEST

START_TEST(retry_after_is_a_floor_with_a_cap)
{
    lwcr_backoff b;
    lwcr_backoff_init(&b, 100, 30000, 5000, 9);
    int64_t w = lwcr_backoff_next(&b, 2000);
    ck_assert_int_ge(w, 2000);
    ck_assert_int_le(w, 2200); /* at most a tenth above */
    w = lwcr_backoff_next(&b, 0);
    ck_assert_int_ge(w, 200); /* the backoff still applies when Retry-After is shorter */
    w = lwcr_backoff_next(&b, 3600 * 1000);
    ck_assert_int_ge(w, 5000);
    ck_assert_int_le(w, 6000); /* a hostile Retry-After is clamped */
}
END_TEST

START_TEST(no_backoff_bug_waits_nothing)
{
    lwcr_backoff b;
    lwcr_backoff_init(&b, 100, 30000, 60000, 1);
    b.disabled = 1;
    for (int i = 0; i < 10; i++)
        ck_assert_int_eq(lwcr_backoff_next(&b, 5000), 0);
}
END_TEST

START_TEST(retry_after_parsing)
{
    time_t now = 1700000000; /* Tue, 14 Nov 2023 22:13:20 GMT */
    ck_assert_int_eq(lwcr_retry_after_parse("1", now), 1000);
    ck_assert_int_eq(lwcr_retry_after_parse(" 30 \r\n", now), 30000);
    ck_assert_int_eq(lwcr_retry_after_parse("0", now), 0);
    ck_assert_int_eq(lwcr_retry_after_parse("Tue, 14 Nov 2023 22:13:25 GMT", now), 5000);
    ck_assert_int_eq(lwcr_retry_after_parse("Tue, 14 Nov 2023 22:00:00 GMT", now), 0);
    ck_assert_int_eq(lwcr_retry_after_parse("soon", now), -1);
    ck_assert_int_eq(lwcr_retry_after_parse("-5", now), -1);
    ck_assert_int_eq(lwcr_retry_after_parse("", now), -1);
    ck_assert_int_eq(lwcr_retry_after_parse(NULL, now), -1);
    ck_assert_int_gt(lwcr_retry_after_parse("99999999999999999999", now), 0); /* no overflow */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("backoff");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, grows_within_bounds_up_to_the_cap);
    tcase_add_test(tc, jitter_spreads_the_waits);
    tcase_add_test(tc, reset_starts_over);
    tcase_add_test(tc, retry_after_is_a_floor_with_a_cap);
    tcase_add_test(tc, no_backoff_bug_waits_nothing);
    tcase_add_test(tc, retry_after_parsing);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
