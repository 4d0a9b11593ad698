/* The client under test as a child process: its own process group, pipes
 * for its three standard streams, a pidfd to learn of its exit in poll(),
 * and the SIGTERM-then-SIGKILL ending (client-protocol.md, "Harness to
 * client"). */
#ifndef LWC_HARNESS_CLIENT_PROCESS_H
#define LWC_HARNESS_CLIENT_PROCESS_H

#include <stddef.h>
#include <sys/types.h>

typedef struct client_proc {
    pid_t pid;    /* also the process group id; 0 when nothing runs */
    int pidfd;    /* readable when the client exited; -1 without pidfd support */
    int in_fd;    /* the client's stdin (ours to write; -1 once closed) */
    int out_fd;   /* its stdout and stderr (ours to read; non-blocking) */
    int err_fd;
    int reaped;   /* waitpid collected the status */
    int status;   /* waitpid status when reaped */
} client_proc;

void lwch_client_init(client_proc *cp);
/* Starts argv[0] (searched in PATH when it has no '/') with envp. */
int lwch_client_spawn(client_proc *cp, char *const argv[], char *const envp[], char *err, size_t errlen);
/* Writes one command line; -1 with errno when the client cannot take it
 * (EPIPE: it closed its stdin; EAGAIN: it stopped reading). */
int lwch_client_send(client_proc *cp, const char *line);
void lwch_client_close_stdin(client_proc *cp);
/* Signals the whole process group, so helpers the client started go too. */
void lwch_client_signal(client_proc *cp, int sig);
/* Collects the exit status if the client has exited (without waiting);
 * kills what is left of its process group first, so nothing outlives it.
 * Returns 1 when reaped. */
int lwch_client_try_reap(client_proc *cp);
/* SIGKILL to the group, then wait for the exit (it cannot be refused). */
void lwch_client_kill_and_reap(client_proc *cp);
/* Closes our pipe ends and the pidfd. */
void lwch_client_close(client_proc *cp);
/* "exit status 3", "killed by signal 9 (Killed)". */
void lwch_client_describe_status(int status, char *buf, size_t len);

#endif
