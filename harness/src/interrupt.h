/* Ctrl-C for the harness's programs (lwc-harness, lwc-explore): SIGINT,
 * SIGTERM and SIGHUP set a flag and make a pipe readable that every run's
 * poll loop watches, so each kills its client and returns at once. */
#ifndef LWC_HARNESS_INTERRUPT_H
#define LWC_HARNESS_INTERRUPT_H

/* Installs the handlers (and ignores SIGPIPE: a client that dies while we
 * write DUMP must give EPIPE, not kill us). 0, or -1 with errno set. */
int lwch_interrupt_install(void);
/* The pipe's read end: readable once interrupted, never drained. */
int lwch_interrupt_fd(void);
/* Non-zero once a signal came. */
int lwch_interrupt_requested(void);

#endif
