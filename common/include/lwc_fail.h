/* Errors travel as a return code with a message, naming what failed and
 * where, in the caller's buffer: lwc_fail writes the one and hands back the
 * other, so a failure path is one line: return lwc_fail(err, errlen, -1, ...). */
#ifndef LWC_FAIL_H
#define LWC_FAIL_H

#include <stddef.h>

/* Formats the message into err (errlen bytes, truncated, always terminated;
 * nothing when err is NULL or errlen 0) and returns code. */
int lwc_fail(char *err, size_t errlen, int code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
