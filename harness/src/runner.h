/* Running one scenario against one client: the mock server in process, the
 * client as a child, the timeline, the checks; everything event-driven on
 * one poll() loop per scenario. */
#ifndef LWC_HARNESS_RUNNER_H
#define LWC_HARNESS_RUNNER_H

#include "lwc_scenario.h"
#include "result.h"

typedef struct run_options {
    char *const *client_argv; /* the client command, already split into words */
    double timeout_scale;     /* multiplies every deadline the harness sets (not a step's afterMs) */
    int verbose;              /* trace the run on stderr */
    int interrupt_fd;         /* readable once the user pressed Ctrl-C; -1: none */
} run_options;

/* Fills res (lwch_result_init'ed by the caller). Never hangs: every wait has a
 * deadline, and the client is stopped, terminated or killed before this
 * returns. */
void lwch_run_scenario(const lwc_scenario *sc, const run_options *opt, scenario_result *res);

#endif
