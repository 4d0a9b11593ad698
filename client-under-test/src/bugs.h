/* The bug switches: each reproduces one real client bug (bugs.c names the
 * public report). The loop asks lwcr_bug(mask, LWC_BUG_...) at the one
 * place where the buggy client went wrong. */
#ifndef LWCR_BUGS_H
#define LWCR_BUGS_H

#include "lwc_reflector.h"

static inline int lwcr_bug(unsigned mask, lwc_bug b)
{
    return (mask & LWC_BUG_BIT(b)) != 0;
}

#endif
