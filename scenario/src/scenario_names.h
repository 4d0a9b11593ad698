/* The words a scenario file uses for the model's enums, shared by the parser
 * and the printer so that what one writes the other reads back. Each table is
 * NULL-terminated and indexed by its enum, less the offset its comment gives. */
#ifndef LWC_SCENARIO_NAMES_H
#define LWC_SCENARIO_NAMES_H

/* lwcm_scenario_verb_names (lwc_verb) and lwcm_scenario_rv_names
 * (lwc_rv_match), which the server's request log uses too. */
#include "scenario_internal.h"

extern const char *const lwcm_scenario_stream_names[];     /* lwc_action_kind - LWC_ACT_ERROR_EVENT */
extern const char *const lwcm_scenario_step_names[];       /* lwc_step_kind */
extern const char *const lwcm_scenario_trigger_names[];    /* lwc_trigger_kind - LWC_TRIGGER_READY */
extern const char *const lwcm_scenario_watch_list_names[]; /* lwc_scenario.watch_list_mode */

#endif
