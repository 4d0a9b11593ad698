/* Fuzz target: the harness's client-protocol line parser, fed through its
 * line buffer (protocol.c: lwch_linebuf_feed, lwch_linebuf_next, lwch_protocol_parse_line). */
#include "fuzz_util.h"
#include "protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    linebuf lb;
    lwch_linebuf_init(&lb);
    /* In two pieces, as reads from a pipe split lines anywhere. */
    size_t half = size / 2;
    for (int piece = 0; piece < 2; piece++) {
        const uint8_t *p = piece ? data + half : data;
        size_t n = piece ? size - half : half;
        if (lwch_linebuf_feed(&lb, (const char *)p, n) != 0)
            break;
        char *line;
        size_t len;
        while ((line = lwch_linebuf_next(&lb, &len))) {
            client_msg m;
            char err[512];
            if (lwch_protocol_parse_line(line, len, &m, err, sizeof err) == 0)
                lwch_client_msg_free(&m);
        }
    }
    lwch_linebuf_free(&lb);
    return 0;
}
