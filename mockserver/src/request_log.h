/* Every request the server saw, with what it answered: how the harness and
 * tests learn what a client asked for. */
#ifndef LWC_REQUEST_LOG_H
#define LWC_REQUEST_LOG_H

#include "lwc_mockserver.h"

#include <pthread.h>
#include <stdio.h>
#include <time.h>

typedef struct request_log {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    lwc_mock_request *entries; /* entries[i - base] is the entry of index i */
    size_t n, cap;             /* n: entries ever begun (the next index); cap: of the array */
    size_t base;               /* the oldest index still held; older ones were dropped */
    size_t limit;              /* most entries held at once (0: no limit) */
    size_t answered; /* entries with a status */
    /* Bumped, with a broadcast on cond, by every change a reader can see
     * (begin, answer, classify, fault, served RV, finish) and by lwcm_request_log_wake:
     * waiters compare it with the value they last saw, so a change between
     * two waits is never lost and "a stream ended" wakes them like "a
     * request was answered" does. */
    uint64_t generation;
    double t0_ms; /* lwcc_monotonic_ms() at init: start_ms counts from here */
    FILE *echo; /* when set, one line per finished request */
} request_log;

int lwcm_request_log_init(request_log *log);
void lwcm_request_log_destroy(request_log *log);
/* Returns the entry's index, or (size_t)-1 when out of memory. */
size_t lwcm_request_log_begin(request_log *log, const char *method, const char *uri);
void lwcm_request_log_answer(request_log *log, size_t idx, int status, int is_watch);
void lwcm_request_log_finish(request_log *log, size_t idx, uint64_t bytes);
/* A fault answered or shaped the request (its page is lwcm_request_log_classify's). */
void lwcm_request_log_fault(request_log *log, size_t idx);
/* Records the router's classification (its strings copied) and the list
 * page number, before faults are consulted; -1 when out of memory. */
int lwcm_request_log_classify(request_log *log, size_t idx, const lwc_mock_request_class *c, int page);
/* A deep copy of an entry, the strings its own (free with
 * lwc_mock_request_free); -1 when out of memory, dst then holds nothing. */
int lwcm_request_copy(lwc_mock_request *dst, const lwc_mock_request *src);
/* The resourceVersion a list page or a watch's start was served at; called
 * before the answer, so a reader that sees the status sees this too. */
void lwcm_request_log_served_rv(request_log *log, size_t idx, uint64_t rv);
/* A list page that carries a continue token (set before the answer). */
void lwcm_request_log_list_more(request_log *log, size_t idx);
/* The entry of absolute index idx, NULL once dropped (or never made);
 * call with mu held. */
lwc_mock_request *lwcm_request_log_entry(request_log *log, size_t idx);
/* A change with no entry behind it: wakes lwc_mock_log_wait_change callers. */
void lwcm_request_log_wake(request_log *log);
double lwcm_request_log_now_ms(const request_log *log);

#endif
