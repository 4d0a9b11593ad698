/* The words a scenario file uses for the model's enums (scenario_names.h). */
#include "scenario_names.h"

#include "lwc_scenario.h"

#include <stddef.h>

const char *const lwcm_scenario_verb_names[] = {"any", "list", "watch", "get", "write", NULL};
const char *const lwcm_scenario_rv_names[] = {"any", "unset", "zero", "set", NULL};
const char *const lwcm_scenario_stream_names[] = {"errorEvent", "close", "drop",    "stall", "slow",
                                             "truncate",   "garbage", "delay", NULL};
const char *const lwcm_scenario_step_names[] = {"create",       "update",   "delete",      "deleteAll", "recreate",
                                           "relabel",      "compact",  "closeWatches", "addFault", "removeFault",
                                           "wait",         "checkpoint", "churn",      NULL};
const char *const lwcm_scenario_trigger_names[] = {"ready", "listPages", "watchOpened", "watchClosed", "requests", NULL};
const char *const lwcm_scenario_watch_list_names[] = {"rejected", "served", "noEndBookmark", NULL};

/* A word added or lost on one side only fails the build (the NULL counts one). */
#define WORDS(t) (sizeof t / sizeof t[0] - 1)
_Static_assert(WORDS(lwcm_scenario_verb_names) == LWC_VERB_WRITE + 1, "lwcm_scenario_verb_names follows lwc_verb");
_Static_assert(WORDS(lwcm_scenario_rv_names) == LWC_RV_SET + 1, "lwcm_scenario_rv_names follows lwc_rv_match");
_Static_assert(WORDS(lwcm_scenario_stream_names) == LWC_ACT_DELAY - LWC_ACT_ERROR_EVENT + 1,
               "lwcm_scenario_stream_names follows lwc_action_kind");
_Static_assert(WORDS(lwcm_scenario_step_names) == LWC_STEP_CHURN + 1, "lwcm_scenario_step_names follows lwc_step_kind");
_Static_assert(WORDS(lwcm_scenario_trigger_names) == LWC_TRIGGER_REQUESTS - LWC_TRIGGER_READY + 1,
               "lwcm_scenario_trigger_names follows lwc_trigger_kind");
