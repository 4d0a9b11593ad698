/* Benchmark helpers: a monotonic clock, a process's RSS and CPU time from /proc, the open-file limit. */
#include "bench_util.h"
#include "monotonic.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

double bench_now(void)
{
    return lwcc_monotonic_ms() / 1000.0;
}

static FILE *open_proc(pid_t pid, const char *what)
{
    char path[64];
    if (pid > 0)
        snprintf(path, sizeof path, "/proc/%ld/%s", (long)pid, what);
    else
        snprintf(path, sizeof path, "/proc/self/%s", what);
    return fopen(path, "r");
}

long bench_proc_status(pid_t pid, const char *field)
{
    FILE *f = open_proc(pid, "status");
    if (!f)
        return -1;
    char line[256];
    size_t flen = strlen(field);
    long v = -1;
    while (fgets(line, sizeof line, f)) {
        if (!strncmp(line, field, flen) && line[flen] == ':') {
            v = strtol(line + flen + 1, NULL, 10);
            break;
        }
    }
    fclose(f);
    return v;
}

double bench_proc_cpu(pid_t pid)
{
    FILE *f = open_proc(pid, "stat");
    if (!f)
        return -1;
    char buf[1024];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* The command name may hold spaces and parentheses: fields start after the last ')'. */
    char *p = strrchr(buf, ')');
    if (!p)
        return -1;
    unsigned long utime = 0, stime = 0;
    /* After ')': state(3) ... utime is field 14, stime 15; skip fields 3..13. */
    if (sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2)
        return -1;
    return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

long bench_raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return -1;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            perror("setrlimit(RLIMIT_NOFILE)");
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    return (long)rl.rlim_cur;
}
