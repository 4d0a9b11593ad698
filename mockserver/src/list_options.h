/* ListOptions from the query string, decoded and validated with the
 * apiserver's rules (apimachinery internalversion validation, apiserver
 * handlers/get.go): 400 for what does not parse, 422 for what is forbidden. */
#ifndef LWC_LIST_OPTIONS_H
#define LWC_LIST_OPTIONS_H

#include "reply.h"
#include "request.h"
#include "resources.h"
#include "selector.h"

#include <stdint.h>

typedef struct list_options {
    int watch;
    const char *rv;  /* NULL or "": unset */
    uint64_t rv_num; /* parsed rv when set */
    const char *rvm; /* NULL or "": unset */
    const char *continue_token;
    long long limit;
    int allow_bookmarks;
    int send_initial_events_set;
    int send_initial_events;
    long long timeout_seconds; /* 0: unset */
    const char *label_text;
    const char *field_text;
    label_selector labels;
    field_selector fields;
} list_options;

/* Decodes options; on failure fills r with the error and returns -1.
 * for_watch selects the watch validation rules. */
int lwcm_list_options_parse(const request *req, int for_watch, int watch_list_enabled, list_options *o, reply *r);
/* 400 for field selector paths the resource does not support. */
int lwcm_list_options_check_fields(const list_options *o, const resource_def *def, reply *r);
void lwcm_list_options_free(list_options *o);

#endif
