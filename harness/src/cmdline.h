/* Splitting a client command line into words the way a POSIX shell does
 * (client-protocol.md, "Start"): blanks separate words; single quotes keep
 * everything literally; double quotes keep everything except that a
 * backslash escapes $ ` " \ and newline; an unquoted backslash escapes the
 * next character; '#' at the start of a word begins a comment. Nothing is
 * expanded: $HOME, *, ~ and operators such as | or ; stay literal words. */
#ifndef LWC_HARNESS_CMDLINE_H
#define LWC_HARNESS_CMDLINE_H

#include <stddef.h>

/* On success *argv_out is a NULL-terminated malloc'd vector (free it with
 * lwch_cmdline_free) holding at least one word. Returns 0, or -1 with a message
 * (unterminated quote, empty command, out of memory). */
int lwch_cmdline_split(const char *line, char ***argv_out, char *err, size_t errlen);
void lwch_cmdline_free(char **argv);

#endif
