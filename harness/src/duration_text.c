/* Formats a duration in ms for the terminal table and the matrix pages. */
#include "duration_text.h"

#include <stdio.h>

void lwch_duration_text(char *buf, size_t len, double ms, double seconds_from_ms, const char *sep)
{
    if (ms < 0)
        snprintf(buf, len, "-");
    else if (ms < seconds_from_ms)
        snprintf(buf, len, "%.0f%sms", ms, sep);
    else
        snprintf(buf, len, "%.1f%ss", ms / 1000.0, sep);
}
