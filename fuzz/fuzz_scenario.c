/* Fuzz target: the scenario parser (lwc_scenario_parse); what loads must
 * print (lwc_scenario_print) and load again. */
#include "fuzz_util.h"
#include "lwc_scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size);
    if (!s)
        return 0;
    char err[1024];
    lwc_scenario *sc = lwc_scenario_parse(s, "fuzz.json", err, sizeof err);
    if (sc) {
        char *printed = lwc_scenario_print(sc);
        if (printed) {
            lwc_scenario *again = lwc_scenario_parse(printed, "printed.json", err, sizeof err);
            if (!again)
                __builtin_trap(); /* the printer wrote what the parser refuses */
            lwc_scenario_free(again);
            free(printed);
        }
        lwc_scenario_free(sc);
    }
    free(s);
    return 0;
}
