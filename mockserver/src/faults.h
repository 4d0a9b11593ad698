/* Fault injection: faults match requests (verb, resource, namespace,
 * continue, page, RV, as request_match.c decides) and answer them with errors or shape their watch
 * streams. Also the page numbers of continue tokens, which faults and
 * expectations match on. */
#ifndef LWC_FAULTS_H
#define LWC_FAULTS_H

#include "lwc_mockserver.h"
#include "reply.h"

#include <pthread.h>

typedef struct fault_slot {
    lwc_fault fault;
    long long matched;
    long long fired;
} fault_slot;

typedef struct page_entry {
    char *token;
    int page;
} page_entry;

typedef struct fault_table {
    pthread_mutex_t mu;
    fault_slot *slots;
    size_t n, cap;
    page_entry *pages; /* open addressing, by token */
    size_t pages_cap, pages_used;
} fault_table;

int lwcm_fault_table_init(fault_table *t);
void lwcm_fault_table_destroy(fault_table *t);
/* 0, -1 out of memory, FAULT_TABLE_FULL when LWC_MOCK_MAX_FAULTS are installed
 * (README "Limits"). */
#define FAULT_TABLE_FULL (-2)
int lwcm_fault_table_add(fault_table *t, const lwc_fault *f);
int lwcm_fault_table_remove(fault_table *t, const char *name);
void lwcm_fault_table_clear(fault_table *t);
/* A JSON array of the faults with how often each matched and fired. */
char *lwcm_fault_table_json(fault_table *t);

/* The first fault that fires for this request (the router's classification
 * and list page number), copied into *out (free with lwcm_fault_action_clear);
 * 0 when none fires. */
int lwcm_fault_table_fire(fault_table *t, const lwc_mock_request_class *c, int page, lwc_action *out);
void lwcm_fault_action_clear(lwc_action *a);

/* Continue tokens and the page they lead to. */
void lwcm_fault_table_note_page(fault_table *t, const char *token, int page);
int lwcm_fault_table_page_of(fault_table *t, const char *token);

/* The reply of a status action, as the apiserver would give it. The
 * continue token (when the request had one) feeds 410's inconsistent token. */
void lwcm_fault_reply(reply *r, const lwc_action *a, const lwc_mock_request_class *c, const char *cont_token,
                 unsigned long long current_rv, unsigned long long compacted_rv);

/* The Status object of an ERROR event for a watch-stream fault. */
cJSON *lwcm_fault_error_status(const lwc_action *a, unsigned long long rv, unsigned long long compacted_rv);

/* Copies a fault (deep). */
int lwcm_fault_copy(lwc_fault *dst, const lwc_fault *src);

#endif
