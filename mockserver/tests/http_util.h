/* A small libcurl client for the tests: plain requests, and watch streams
 * read line by line with a deadline, so no test sleeps and hopes. */
#ifndef LWC_TEST_HTTP_UTIL_H
#define LWC_TEST_HTTP_UTIL_H

#include "lwc_mockserver.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <stddef.h>

typedef struct http_response {
    long status;
    char *body;
    size_t len;
    char *headers; /* raw header block */
} http_response;

/* method NULL means GET. Returns 0 when a response arrived; otherwise -1
 * and *out holds nothing to free. */
int http_request(const char *method, const char *url, const char *accept, const char *content_type,
                 const char *body, http_response *out);
void http_response_free(http_response *r);
/* The body parsed as JSON (NULL when it is not). */
cJSON *http_json(const http_response *r);
/* A header's value (case-insensitive name), copied into buf; NULL when absent. */
const char *http_header(const http_response *r, const char *name, char *buf, size_t len);

typedef struct watch_client watch_client;

watch_client *watch_open(const char *url, const char *accept);
/* The next complete line (without "\n"), malloc'd; NULL on timeout or end.
 * watch_ended tells which: the stream is over and no complete line is left. */
char *watch_next_line(watch_client *w, int timeout_ms);
cJSON *watch_next_event(watch_client *w, int timeout_ms);
int watch_ended(watch_client *w);
long watch_status(watch_client *w);
/* 1 when the stream ended with a clean final chunk, 0 when it was cut. */
int watch_clean_end(watch_client *w);
void watch_close(watch_client *w);

/* Event helpers. */
const char *event_type(const cJSON *ev);
const char *event_name(const cJSON *ev);
const char *event_rv(const cJSON *ev);

/* A pod with one container (and label app=APP unless app is NULL), created
 * or updated through the C API; fails the running Check test on error.
 * Returns the write's resourceVersion. */
uint64_t test_put_pod(lwc_mock *srv, const char *ns, const char *name, const char *app, int update);
/* GET path_query from the server: the status must be want_status and the body JSON. */
cJSON *test_get_json(lwc_mock *srv, const char *path_query, long want_status);
/* Parses a fault (JSON, as in a scenario) and adds it; fails the test on error. */
void test_add_fault(lwc_mock *srv, const char *json);
/* Opens a watch and waits for its 200, so the server holds it before the test writes. */
watch_client *test_open_watch(lwc_mock *srv, const char *path_query);
/* The bytes of wire/NAME.http (LWC_WIRE_DIR), exactly as a client sends
 * them, malloc'd, NUL-terminated, length in *len; fails the test on error. */
char *test_read_wire(const char *name, size_t *len);

/* A server started with cfg and a "default" namespace; fails the running test on error. */
lwc_mock *test_start_with_default_ns(const lwc_mock_config *cfg);

/* Raw sockets, for requests libcurl will not send. A TCP connection to the
 * server (IPv4 loopback); fails the running test on error. */
int test_connect_raw(lwc_mock *srv);
/* 1 when the server closed fd (end of stream or reset) within deadline_ms. */
int test_closed_by_server(int fd, int deadline_ms);
/* What the server sends on fd until it closes (*closed = 1; closed may be
 * NULL) or deadline_ms pass; malloc'd and NUL-terminated. */
char *test_read_until_close(int fd, int deadline_ms, int *closed);

#endif
