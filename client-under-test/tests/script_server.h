/* A scripted HTTP server for hostile-input tests: it answers each request
 * with whatever bytes the test's handler writes, including what no real
 * apiserver sends (garbage lines, a line of many megabytes, a close in the
 * middle of a chunk, silence). One connection at a time; every answer ends
 * the connection, so the client opens a new one per request. */
#ifndef CUT_SCRIPT_SERVER_H
#define CUT_SCRIPT_SERVER_H

#include <stddef.h>

typedef struct ss_request {
    char target[8192]; /* path?query as sent */
    long long at_ms;   /* monotonic time of arrival */
    int index;         /* 0, 1, 2, ... */
} ss_request;

typedef struct script_server script_server;
typedef void (*ss_handler)(void *ud, const ss_request *req, int fd, script_server *s);

/* Listens on 127.0.0.1 (a free port) and serves on a thread; NULL if it cannot. */
script_server *ss_start(ss_handler h, void *ud);
const char *ss_url(const script_server *s);
void ss_stop(script_server *s);

/* Waits until n requests arrived; 0 on timeout. */
int ss_wait(script_server *s, int n, int timeout_ms);
int ss_count(script_server *s);
ss_request ss_get(script_server *s, int i);
/* The value of a query parameter of request i, percent-decoding not done;
 * "" when absent (NULL when absent and absent_null). */
int ss_has_param(script_server *s, int i, const char *key, char *value, size_t len);

/* Response helpers for handlers. */
void ss_send(int fd, const char *data, size_t len);
void ss_json(int fd, int status, const char *body);
void ss_status(int fd, int status, const char *reason, int code, const char *extra_headers);
void ss_chunked_head(int fd);
void ss_chunk(int fd, const char *data, size_t len);
void ss_chunk_str(int fd, const char *s);
void ss_chunk_end(int fd);
/* Holds the connection open, sending nothing, until the client closes it
 * or the server stops. */
void ss_hold(script_server *s, int fd);

#endif
