/* Small helpers shared by the benchmark tools: clocks, /proc readings and
 * the open-file limit. Kept apart from the mock server's sources so the
 * benchmarks measure the server without reaching into it. */
#ifndef LWC_BENCH_UTIL_H
#define LWC_BENCH_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Monotonic time in seconds, for intervals. */
double bench_now(void);

/* A "/proc/PID/status" field in kB (VmRSS, VmHWM, Threads gives a count);
 * pid 0 reads /proc/self. Returns -1 when absent. */
long bench_proc_status(pid_t pid, const char *field);

/* user+system CPU seconds of a process (pid 0: self), from /proc/PID/stat. */
double bench_proc_cpu(pid_t pid);

/* Raises RLIMIT_NOFILE's soft limit to the hard limit; returns the new soft
 * limit (1,000 watches need more than the default 1,024 descriptors). */
long bench_raise_nofile(void);

#endif
