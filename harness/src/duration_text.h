/* Durations as the reports print them: "-", "840 ms", "12.3 s". */
#ifndef LWC_HARNESS_DURATION_TEXT_H
#define LWC_HARNESS_DURATION_TEXT_H

#include <stddef.h>

/* "-" for a negative (unknown) ms; whole milliseconds below seconds_from_ms;
 * seconds with one decimal from there. sep goes between number and unit (" ",
 * or "" for narrow cells). */
void lwch_duration_text(char *buf, size_t len, double ms, double seconds_from_ms, const char *sep);

#endif
