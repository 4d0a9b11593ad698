/* The client protocol's standard-output side (client-protocol.md): lines
 * split out of a byte stream, and each line read as one message. */
#ifndef LWC_HARNESS_PROTOCOL_H
#define LWC_HARNESS_PROTOCOL_H

#include "itemset.h"

#include <stddef.h>

/* Lines longer than this are a protocol error rather than a way to make the
 * harness allocate without end (a 100,000-object SNAPSHOT is about 15 MB). */
#define PROTOCOL_MAX_LINE ((size_t)64 * 1024 * 1024)

typedef struct linebuf {
    char *buf;
    size_t len, cap, start;
    size_t scanned; /* start <= scanned <= len; buf[start..scanned) holds no '\n': each byte is searched once */
} linebuf;

void lwch_linebuf_init(linebuf *lb);
void lwch_linebuf_free(linebuf *lb);
/* Appends bytes; -1 when out of memory or when a line outgrows PROTOCOL_MAX_LINE. */
int lwch_linebuf_feed(linebuf *lb, const char *data, size_t n);
/* The next complete line (without "\n" or a trailing "\r"), NUL-terminated
 * in place, or NULL. Valid until the next feed. */
char *lwch_linebuf_next(linebuf *lb, size_t *len);
/* Bytes of an unterminated last line (what a client left at exit). */
size_t lwch_linebuf_pending(const linebuf *lb);

typedef enum {
    MSG_HELLO,
    MSG_READY,
    MSG_SNAPSHOT,
    MSG_EVENT,
    MSG_RESTART,
    MSG_LOG,
    MSG_OTHER, /* a JSON object with another or no "type": ignored, as unknown fields are */
} msg_type;

typedef enum { EV_ADDED, EV_MODIFIED, EV_DELETED } event_kind;

typedef struct client_msg {
    msg_type type;
    long long seq;     /* SNAPSHOT */
    itemset items;     /* SNAPSHOT, sorted */
    event_kind event;  /* EVENT */
    itemset subject;   /* EVENT: its one object */
    char text[512];    /* HELLO client name, RESTART reason, LOG "level: message", OTHER's type */
    int protocol;      /* HELLO: the version it speaks */
    unsigned caps;     /* HELLO: lwc_capability bits declared */
    char unknown[256]; /* HELLO: capability names this harness does not know, comma-separated */
} client_msg;

/* Returns 0, or -1 with why the line breaks the protocol. */
int lwch_protocol_parse_line(const char *line, size_t len, client_msg *out, char *err, size_t errlen);
void lwch_client_msg_free(client_msg *m);
const char *lwch_event_kind_name(event_kind k);

#endif
