#include "client_process.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>

void client_init(client_proc *cp)
{
    memset(cp, 0, sizeof *cp);
    cp->pidfd = cp->in_fd = cp->out_fd = cp->err_fd = -1;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static int set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

int client_spawn(client_proc *cp, char *const argv[], char *const envp[], char *err, size_t errlen)
{
    client_init(cp);
    int in[2] = {-1, -1}, out[2] = {-1, -1}, errp[2] = {-1, -1};
    /* O_CLOEXEC everywhere: with -j, another scenario's client must not
     * inherit this one's pipes (it would hold them open past our EOF). */
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(errp, O_CLOEXEC) != 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        goto fail;
    }
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    int rc = posix_spawn_file_actions_init(&fa);
    if (rc != 0) {
        snprintf(err, errlen, "posix_spawn_file_actions_init: %s", strerror(rc));
        goto fail;
    }
    rc = posix_spawnattr_init(&attr);
    if (rc != 0) {
        posix_spawn_file_actions_destroy(&fa);
        snprintf(err, errlen, "posix_spawnattr_init: %s", strerror(rc));
        goto fail;
    }
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    /* The harness ignores SIGPIPE and catches SIGINT/SIGTERM; the client gets the defaults. */
    sigaddset(&defaults, SIGPIPE);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGTERM);
    sigaddset(&defaults, SIGHUP);
    sigaddset(&defaults, SIGQUIT);
    if ((rc = posix_spawn_file_actions_adddup2(&fa, in[0], 0)) != 0 ||
        (rc = posix_spawn_file_actions_adddup2(&fa, out[1], 1)) != 0 ||
        (rc = posix_spawn_file_actions_adddup2(&fa, errp[1], 2)) != 0 ||
        /* Also the mock servers' sockets, which we do not create with CLOEXEC ourselves. */
        (rc = posix_spawn_file_actions_addclosefrom_np(&fa, 3)) != 0 ||
        (rc = posix_spawnattr_setpgroup(&attr, 0)) != 0 || (rc = posix_spawnattr_setsigmask(&attr, &none)) != 0 ||
        (rc = posix_spawnattr_setsigdefault(&attr, &defaults)) != 0 ||
        (rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                                  POSIX_SPAWN_SETSIGDEF)) != 0) {
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&attr);
        snprintf(err, errlen, "posix_spawn setup: %s", strerror(rc));
        goto fail;
    }
    pid_t pid = 0;
    rc = posix_spawnp(&pid, argv[0], &fa, &attr, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start the client \"%s\": %s", argv[0], strerror(rc));
        goto fail;
    }
    cp->pid = pid;
    close_fd(&in[0]);
    close_fd(&out[1]);
    close_fd(&errp[1]);
    cp->in_fd = in[1];
    cp->out_fd = out[0];
    cp->err_fd = errp[0];
    if (set_nonblock(cp->in_fd) != 0 || set_nonblock(cp->out_fd) != 0 || set_nonblock(cp->err_fd) != 0) {
        snprintf(err, errlen, "fcntl O_NONBLOCK: %s", strerror(errno));
        client_kill_and_reap(cp);
        client_close(cp);
        return -1;
    }
    /* Without a pidfd (kernels before 5.3) the runner polls waitpid instead. */
    cp->pidfd = pidfd_open(pid, 0);
    return 0;
fail:
    close_fd(&in[0]);
    close_fd(&in[1]);
    close_fd(&out[0]);
    close_fd(&out[1]);
    close_fd(&errp[0]);
    close_fd(&errp[1]);
    return -1;
}

int client_send(client_proc *cp, const char *line)
{
    if (cp->in_fd < 0) {
        errno = EPIPE;
        return -1;
    }
    size_t len = strlen(line), off = 0;
    while (off < len) {
        ssize_t n = write(cp->in_fd, line + off, len - off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        off += (size_t)n;
    }
    return 0;
}

void client_close_stdin(client_proc *cp)
{
    close_fd(&cp->in_fd);
}

void client_signal(client_proc *cp, int sig)
{
    /* Only while the leader is unreaped: its zombie keeps the group id ours. */
    if (cp->pid > 0 && !cp->reaped)
        kill(-cp->pid, sig);
}

/* Kills what is left of the group, then reaps the leader (which, unreaped,
 * keeps the group id ours until now). */
static void kill_group_and_reap(client_proc *cp)
{
    kill(-cp->pid, SIGKILL);
    int status = 0;
    pid_t r;
    do {
        r = waitpid(cp->pid, &status, 0);
    } while (r < 0 && errno == EINTR);
    cp->reaped = 1;
    cp->status = status;
}

int client_try_reap(client_proc *cp)
{
    if (cp->pid <= 0 || cp->reaped)
        return cp->reaped;
    siginfo_t si;
    memset(&si, 0, sizeof si);
    /* WNOWAIT first: the leader stays a zombie while we kill its group. */
    if (waitid(P_PID, (id_t)cp->pid, &si, WEXITED | WNOHANG | WNOWAIT) != 0 || si.si_pid == 0)
        return 0;
    kill_group_and_reap(cp);
    return 1;
}

void client_kill_and_reap(client_proc *cp)
{
    if (cp->pid <= 0 || cp->reaped)
        return;
    kill_group_and_reap(cp);
}

void client_close(client_proc *cp)
{
    close_fd(&cp->in_fd);
    close_fd(&cp->out_fd);
    close_fd(&cp->err_fd);
    close_fd(&cp->pidfd);
}

void client_describe_status(int status, char *buf, size_t len)
{
    if (WIFEXITED(status))
        snprintf(buf, len, "exit status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
    else
        snprintf(buf, len, "wait status 0x%x", (unsigned)status);
}
