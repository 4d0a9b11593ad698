/* Fuzz target: label and field selector parsing and matching (the mock
 * server's selector.h). The first byte picks which; the rest is the text. */
#include "fuzz_util.h"
#include "selector.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char *s = fuzz_cstr(data + 1, size - 1);
    if (!s)
        return 0;
    char err[512];
    label_pair labels[] = {{"app", "web"}, {"tier", "front"}, {"x.io/k", ""}};
    if (data[0] & 1) {
        field_selector f;
        if (lwcm_field_selector_parse(s, &f, err, sizeof err) == 0) {
            label_pair fields[] = {{"status.phase", "Running"}, {"spec.nodeName", "node-1"}};
            (void)lwcm_field_selector_matches(&f, "default", "pod-1", fields, 2);
            lwcm_field_selector_free(&f);
        }
    } else {
        label_selector l;
        if (lwcm_label_selector_parse(s, &l, err, sizeof err) == 0) {
            (void)lwcm_label_selector_matches(&l, labels, 3);
            lwcm_label_selector_free(&l);
        }
    }
    free(s);
    return 0;
}
