/* Scenario pieces the control endpoints need. */
#ifndef LWC_SCENARIO_INTERNAL_H
#define LWC_SCENARIO_INTERNAL_H

#include "lwc_scenario.h"

lwc_step *lwcm_scenario_step_parse(const char *json, char *err, size_t errlen);
void lwcm_scenario_step_free(lwc_step *s);
/* The words a scenario's "match" uses for a verb and a resourceVersion kind
 * (scenario_names.c): the request log names its classification in them. */
extern const char *const lwcm_scenario_verb_names[];
extern const char *const lwcm_scenario_rv_names[];

#endif
