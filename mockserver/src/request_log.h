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
    lwc_mock_request *entries;
    size_t n, cap;
    size_t answered; /* entries with a status */
    struct timespec t0;
    FILE *echo; /* when set, one line per finished request */
} request_log;

int request_log_init(request_log *log);
void request_log_destroy(request_log *log);
/* Returns the entry's index, or (size_t)-1 when out of memory. */
size_t request_log_begin(request_log *log, const char *method, const char *uri);
void request_log_answer(request_log *log, size_t idx, int status, int is_watch);
void request_log_finish(request_log *log, size_t idx, uint64_t bytes);
void request_log_note(request_log *log, size_t idx, int page, int fault);
double request_log_now_ms(const request_log *log);

#endif
