/* Label and field selectors with the apiserver's grammar
 * (apimachinery pkg/labels/selector.go, pkg/fields/selector.go). */
#ifndef LWC_SELECTOR_H
#define LWC_SELECTOR_H

#include <stddef.h>

typedef struct label_pair {
    char *key;
    char *value;
} label_pair;

typedef enum {
    SEL_EXISTS,
    SEL_NOT_EXISTS,
    SEL_IN,     /* "=", "==", "in" */
    SEL_NOT_IN, /* "!=", "notin": also true when the key is absent */
    SEL_GT,
    SEL_LT
} sel_op;

typedef struct sel_requirement {
    char *key;
    sel_op op;
    char **values;
    size_t nvalues;
} sel_requirement;

typedef struct label_selector {
    sel_requirement *reqs;
    size_t n;
} label_selector;

typedef enum { FIELD_NAME, FIELD_NAMESPACE, FIELD_OTHER } field_name;

typedef struct field_requirement {
    field_name field;
    char *path; /* FIELD_OTHER: e.g. "status.phase"; which are supported depends on the resource */
    int negate;
    char *value;
} field_requirement;

typedef struct field_selector {
    field_requirement *reqs;
    size_t n;
} field_selector;

/* Both parsers accept NULL or "" as "everything". On a syntax error they
 * return -1 with a message naming the offending part. */
int lwcm_label_selector_parse(const char *text, label_selector *out, char *err, size_t errlen);
void lwcm_label_selector_free(label_selector *sel);
int lwcm_label_selector_matches(const label_selector *sel, const label_pair *labels, size_t nlabels);

int lwcm_field_selector_parse(const char *text, field_selector *out, char *err, size_t errlen);
void lwcm_field_selector_free(field_selector *sel);
/* fields: the object's other selectable fields (path, value); an absent one is "". */
int lwcm_field_selector_matches(const field_selector *sel, const char *ns, const char *name, const label_pair *fields,
                           size_t nfields);

#endif
