/* lwc-watch as a real child process, spoken to over pipes the way the
 * harness does: its stdout lines are read on a thread and kept, parsed, so
 * that a test waits for a line (with a deadline) instead of sleeping. */
#ifndef CUT_CHILD_H
#define CUT_CHILD_H

#include <check.h>
#include <cjson/cJSON.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct child child;

/* argv[0] is the program. env: "K=V" strings (NULL-terminated) added to the
 * test's own environment, from which every LWC_* and KUBECONFIG is removed. */
child *child_start(char *const argv[], char *const env[]);
pid_t child_pid(const child *c);

/* Waits for a stdout line, from index *cursor on, whose "type" is type (NULL:
 * any) and that pred accepts (NULL: any); on success *cursor moves past it.
 * The line stays owned by the child. NULL after timeout_ms. */
const cJSON *child_wait(child *c, size_t *cursor, const char *type, int (*pred)(const cJSON *, void *), void *ud,
                        int timeout_ms);
/* A child_wait predicate: a LOG line whose message contains needle (a string). */
int child_log_contains(const cJSON *line, void *needle);
/* The same, for a message that begins with prefix. */
int child_log_begins(const cJSON *line, void *prefix);
/* Sends "DUMP seq" and waits for its SNAPSHOT. */
const cJSON *child_dump(child *c, unsigned seq, int timeout_ms);
int child_send(child *c, const char *line);
void child_close_stdin(child *c);

size_t child_line_count(child *c);
const cJSON *child_line(child *c, size_t i);
/* stdout lines that were not JSON objects: protocol errors. */
size_t child_bad_lines(child *c);
/* What the child wrote on stderr so far (a copy to free). */
char *child_stderr(child *c);

/* Waits for the exit; returns the milliseconds it took, or -1 on timeout.
 * *status gets the waitpid status. */
long child_wait_exit(child *c, int timeout_ms, int *status);
void child_signal(child *c, int sig);
/* SIGSTOP, and wait until every thread of the child has stopped (the
 * signal alone returns before they have); then SIGCONT with child_resume. */
int child_freeze(child *c, int timeout_ms);
void child_resume(child *c);
/* Kills the child if it still runs, reaps it, frees everything. */
void child_free(child *c);

/* STOP must end the watcher, status 0, within the protocol's 2 s, with no
 * protocol error. Under ASan a leak makes the status non-zero, so this also
 * checks for leaks. Fails the running Check test otherwise. */
void child_stop_ok(child *c);

/* Runs each test in its own test case (timeout 60 s, teardown as the
 * checked fixture's); returns the process exit status: 1 when any failed. */
typedef struct cut_test {
    const char *name;
    const TTest *test;
} cut_test;
int cut_run_tests(const char *suite, const cut_test *tests, size_t n, void (*teardown)(void));

#endif
