/* The built-in demo world that lwc-mockserver serves without a scenario. */
#ifndef LWC_DEMO_WORLD_H
#define LWC_DEMO_WORLD_H

#include "lwc_mockserver.h"

#include <stddef.h>

int lwcm_demo_world_populate(lwc_mock *srv, char *err, size_t errlen);

#endif
