/* lwc_fail: an error message into the caller's buffer, and the code to return. */
#include "lwc_fail.h"

#include <stdarg.h>
#include <stdio.h>

int lwc_fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}
