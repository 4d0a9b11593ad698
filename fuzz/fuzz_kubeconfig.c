/* Fuzz target: lwc-watch's kubeconfig reader (the block-YAML subset). */
#include "lwc_reflector.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lwc_kubeconfig kc;
    char err[512];
    if (lwc_kubeconfig_parse((const char *)data, size, &kc, err, sizeof err) == 0)
        lwc_kubeconfig_free(&kc);
    return 0;
}
