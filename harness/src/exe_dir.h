/* Where the running program lives: lwc-harness and lwc-explore find
 * lwc-watch and the catalog relative to it. */
#ifndef LWC_HARNESS_EXE_DIR_H
#define LWC_HARNESS_EXE_DIR_H

#include <stddef.h>

/* The directory of /proc/self/exe into out; 0, or -1 when it cannot be read or does not fit. */
int lwch_exe_dir(char *out, size_t len);
/* DIR/name for a program installed beside this one (the default client,
 * lwc-watch); 0, or -1 as lwch_exe_dir. */
int lwch_exe_sibling(const char *name, char *out, size_t len);

#endif
