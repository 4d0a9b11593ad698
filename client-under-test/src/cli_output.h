/* lwc-watch's standard output: one JSON object a line (client-protocol.md),
 * written whole under one lock so that lines from the reflector's thread
 * and the command thread never interleave. */
#ifndef LWCW_OUTPUT_H
#define LWCW_OUTPUT_H

#include "lwc_reflector.h"

#include <stdio.h>

int out_init(FILE *f);
void out_destroy(void);
/* Non-zero once a write failed (the reader is gone). */
int out_failed(void);
void out_flush(void);

/* The protocol's first line: who we are and what we can do (capabilities: NULL-terminated). */
void out_hello(const char *client, const char *const *capabilities);
void out_ready(void);
void out_event(lwc_event_type type, const lwc_object_ref *obj);
void out_restart(const char *reason);
void out_log(const char *level, const char *message);
int out_snapshot(unsigned long long seq, const lwc_snapshot *snap);

#endif
