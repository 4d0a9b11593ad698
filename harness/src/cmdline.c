/* Splits a client command line into words as a POSIX shell would, expanding nothing. */
#include "cmdline.h"
#include "lwc_fail.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lwch_cmdline_free(char **argv)
{
    if (!argv)
        return;
    for (char **a = argv; *a; a++)
        free(*a);
    free(argv);
}

static int push_word(char ***argv, size_t *n, size_t *cap, const char *w, size_t len)
{
    if (*n + 2 > *cap) {
        size_t ncap = *cap ? *cap * 2 : 8;
        char **nv = realloc(*argv, ncap * sizeof *nv);
        if (!nv)
            return -1;
        *argv = nv;
        *cap = ncap;
    }
    char *copy = malloc(len + 1);
    if (!copy)
        return -1;
    memcpy(copy, w, len);
    copy[len] = '\0';
    (*argv)[(*n)++] = copy;
    (*argv)[*n] = NULL;
    return 0;
}

int lwch_cmdline_split(const char *line, char ***argv_out, char *err, size_t errlen)
{
    *argv_out = NULL;
    size_t linelen = strlen(line);
    /* A word is never longer than the line, so one buffer of that size does. */
    char *word = malloc(linelen + 1);
    char **argv = NULL;
    size_t n = 0, cap = 0;
    if (!word)
        return lwc_fail(err, errlen, -1, "out of memory");
    const char *p = line;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n')
            p++;
        if (!*p)
            break;
        if (*p == '#') { /* a comment runs to the end of the line */
            while (*p && *p != '\n')
                p++;
            continue;
        }
        size_t wl = 0;
        int quoted = 0; /* '' and "" make an empty word; a lone backslash-newline makes none */
        while (*p && *p != ' ' && *p != '\t' && *p != '\n') {
            if (*p == '\'') {
                quoted = 1;
                const char *end = strchr(p + 1, '\'');
                if (!end) {
                    snprintf(err, errlen, "unterminated single quote in the command: %s", line);
                    goto fail;
                }
                memcpy(word + wl, p + 1, (size_t)(end - p - 1));
                wl += (size_t)(end - p - 1);
                p = end + 1;
            } else if (*p == '"') {
                quoted = 1;
                p++;
                while (*p && *p != '"') {
                    if (*p == '\\' && (p[1] == '$' || p[1] == '`' || p[1] == '"' || p[1] == '\\')) {
                        word[wl++] = p[1];
                        p += 2;
                    } else if (*p == '\\' && p[1] == '\n') {
                        p += 2; /* line continuation */
                    } else {
                        word[wl++] = *p++;
                    }
                }
                if (*p != '"') {
                    snprintf(err, errlen, "unterminated double quote in the command: %s", line);
                    goto fail;
                }
                p++;
            } else if (*p == '\\') {
                if (p[1] == '\n') {
                    p += 2;
                } else if (p[1]) {
                    word[wl++] = p[1];
                    p += 2;
                } else {
                    p++; /* a trailing backslash escapes nothing */
                }
            } else {
                word[wl++] = *p++;
            }
        }
        if ((wl > 0 || quoted) && push_word(&argv, &n, &cap, word, wl) != 0) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
    }
    free(word);
    if (n == 0) {
        lwch_cmdline_free(argv);
        return lwc_fail(err, errlen, -1, "the client command is empty");
    }
    *argv_out = argv;
    return 0;
fail:
    free(word);
    lwch_cmdline_free(argv);
    return -1;
}
