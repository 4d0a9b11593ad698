/* Putting a scenario to work on a running server: its world, its faults and
 * its steps (lwc_scenario_do_step and the lwc_mock_*_fault calls are public). */
#ifndef LWC_SCENARIO_RUN_H
#define LWC_SCENARIO_RUN_H

#include "lwc_mockserver.h"

#include <stddef.h>

/* Creates the scenario's world.objects and world.generate objects. */
int lwcm_scenario_populate(lwc_mock *srv, const lwc_scenario *sc, char *err, size_t errlen);

#endif
