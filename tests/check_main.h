/* The end of every Check test program's main (the server's, the watcher's
 * and the harness's): run the suite, exit 1 on any failure. */
#ifndef LWC_TEST_CHECK_MAIN_H
#define LWC_TEST_CHECK_MAIN_H

#include <check.h>

static inline int run_suite(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}

#endif
