/* Small helpers shared by the fuzz targets: the input as a C string. */
#ifndef LWC_FUZZ_UTIL_H
#define LWC_FUZZ_UTIL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A NUL-terminated copy of the input (NULL when out of memory, which the
 * targets treat as "nothing to do"). */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s) {
        memcpy(s, data, size);
        s[size] = '\0';
    }
    return s;
}

#endif
