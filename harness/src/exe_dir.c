/* The running program's directory, from /proc/self/exe (see exe_dir.h). */
#include "exe_dir.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int lwch_exe_dir(char *out, size_t len)
{
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    if (!slash)
        return -1;
    *slash = '\0';
    return (size_t)snprintf(out, len, "%s", buf) < len ? 0 : -1;
}

int lwch_exe_sibling(const char *name, char *out, size_t len)
{
    char dir[PATH_MAX];
    if (lwch_exe_dir(dir, sizeof dir) != 0)
        return -1;
    return (size_t)snprintf(out, len, "%s/%s", dir, name) < len ? 0 : -1;
}
