/* The client as a child process: spawned under a keeper (its subreaper), with pipes, signals and reaping. */
#include "client_process.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

void lwch_client_init(client_proc *cp)
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

/* ---- the keeper: the client's parent and subreaper ----
 *
 * A process group does not hold a client's helpers: one that calls setsid()
 * (or setpgid) leaves it, and killing the group missed it. So the harness
 * forks a keeper, which marks itself a child subreaper (prctl
 * PR_SET_CHILD_SUBREAPER, Linux >= 3.4) and forks the client. Whatever the
 * client starts, in any session or group, is re-parented to the keeper
 * when its own parent dies, never to init. When the client exits, the keeper
 * SIGKILLs each of its children until it has none left, then exits with
 * the client's own status (the same code, or the same signal), so the
 * harness sees the client's status and knows nothing survived it.
 *
 * The keeper is forked from a threaded process and never calls exec: it
 * uses system calls only (async-signal-safe), no malloc, no stdio. */

static volatile sig_atomic_t keeper_client = 0; /* the client's pid, 0 once it exited */

/* The harness's signals reach the client's process group through the
 * keeper, which alone knows when that group id stops being the client's;
 * SIGUSR1 stands for SIGKILL, which the keeper could not catch. */
static void keeper_forward(int sig)
{
    pid_t c = keeper_client;
    if (c > 0)
        kill(-c, sig == SIGUSR1 ? SIGKILL : sig);
}

/* SIGKILLs every child the keeper has (read from /proc); returns how many. */
static int keeper_kill_children(void)
{
    /* The keeper has one thread, so its thread's children are all of its
     * children (thread-self: Linux 3.17, older than close_range's 5.9). */
    int fd = open("/proc/thread-self/children", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    char buf[4096];
    int killed = 0;
    long cur = -1;
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] >= '0' && buf[i] <= '9') {
                cur = (cur < 0 ? 0 : cur * 10) + (buf[i] - '0');
            } else if (cur >= 0) {
                kill((pid_t)cur, SIGKILL);
                killed++;
                cur = -1;
            }
        }
    }
    if (cur >= 0) {
        kill((pid_t)cur, SIGKILL);
        killed++;
    }
    close(fd);
    return killed;
}

static void keeper_main(char *const argv[], char *const envp[], const int in[2], const int out[2],
                        const int errp[2], const int ep[2])
{
    static const int forwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1};
    setpgid(0, 0);
    if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) {
        int e = errno;
        (void)!write(ep[1], &e, sizeof e);
        _exit(127);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = keeper_forward;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
        sigaction(forwarded[i], &sa, NULL);
    sigset_t all;
    sigfillset(&all);
    /* No forwarding before the client's pid is known. */
    sigprocmask(SIG_BLOCK, &all, NULL);
    pid_t c = fork();
    if (c == 0) {
        /* The client: its own process group, the default dispositions (the
         * harness ignores SIGPIPE and catches SIGINT/SIGTERM), nothing
         * blocked, the pipes on 0-2, every other descriptor closed (the mock
         * servers' sockets, other runs' pipes) except the exec-error pipe,
         * which closes on exec. */
        setpgid(0, 0);
        struct sigaction dfl;
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        static const int reset[] = {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1};
        for (size_t i = 0; i < sizeof reset / sizeof reset[0]; i++)
            sigaction(reset[i], &dfl, NULL);
        int efd = fcntl(ep[1], F_DUPFD_CLOEXEC, 3);
        if (efd < 0 || dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 || dup2(errp[1], 2) < 0)
            _exit(127);
        if (efd > 3)
            close_range(3, (unsigned)efd - 1, 0);
        close_range((unsigned)efd + 1, ~0U, 0);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execvpe(argv[0], argv, envp);
        int e = errno;
        (void)!write(efd, &e, sizeof e);
        _exit(127);
    }
    if (c < 0) {
        int e = errno;
        (void)!write(ep[1], &e, sizeof e);
        _exit(127);
    }
    keeper_client = c;
    /* The keeper holds none of the client's streams: the harness must see
     * the client's stdout close when the client closes it. */
    close_range(0, ~0U, 0);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    int status = 0;
    for (;;) {
        siginfo_t si;
        memset(&si, 0, sizeof si);
        /* WNOWAIT: the client's pid (its group id) stays reserved until
         * forwarding is off, so a signal never reaches a recycled group. */
        if (waitid(P_PID, (id_t)c, &si, WEXITED | WNOWAIT) == 0)
            break;
        if (errno != EINTR)
            break;
    }
    keeper_client = 0;
    while (waitpid(c, &status, 0) < 0 && errno == EINTR)
        ;
    /* Everything the client left: killed, and as each dies its own
     * children come to the keeper, until none is left. */
    for (;;) {
        keeper_kill_children();
        pid_t w = waitpid(-1, NULL, 0);
        if (w < 0 && errno == ECHILD)
            break;
    }
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        struct sigaction dfl;
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        sigaction(sig, &dfl, NULL);
        struct rlimit no_core = {0, 0};
        setrlimit(RLIMIT_CORE, &no_core);
        kill(getpid(), sig);
        _exit(128 + sig);
    }
    _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 127);
}

int lwch_client_spawn(client_proc *cp, char *const argv[], char *const envp[], char *err, size_t errlen)
{
    lwch_client_init(cp);
    int in[2] = {-1, -1}, out[2] = {-1, -1}, errp[2] = {-1, -1}, ep[2] = {-1, -1};
    /* O_CLOEXEC everywhere: with -j, another scenario's client must not
     * inherit this one's pipes (it would hold them open past our EOF). */
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(errp, O_CLOEXEC) != 0 ||
        pipe2(ep, O_CLOEXEC) != 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        goto fail;
    }
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        goto fail;
    }
    if (pid == 0)
        keeper_main(argv, envp, in, out, errp, ep);
    /* Also here: the harness may signal the group before the keeper ran. */
    setpgid(pid, pid);
    cp->pid = pid;
    close_fd(&in[0]);
    close_fd(&out[1]);
    close_fd(&errp[1]);
    close_fd(&ep[1]);
    /* EOF: the client's exec succeeded (its copy closed on exec, the
     * keeper's with the rest); an errno: it did not. */
    int e = 0;
    ssize_t n;
    while ((n = read(ep[0], &e, sizeof e)) < 0 && errno == EINTR)
        ;
    close_fd(&ep[0]);
    cp->in_fd = in[1];
    cp->out_fd = out[0];
    cp->err_fd = errp[0];
    if (n == (ssize_t)sizeof e) {
        snprintf(err, errlen, "cannot start the client \"%s\": %s", argv[0], strerror(e));
        lwch_client_kill_and_reap(cp);
        lwch_client_close(cp);
        return -1;
    }
    if (set_nonblock(cp->in_fd) != 0 || set_nonblock(cp->out_fd) != 0 || set_nonblock(cp->err_fd) != 0) {
        snprintf(err, errlen, "fcntl O_NONBLOCK: %s", strerror(errno));
        lwch_client_kill_and_reap(cp);
        lwch_client_close(cp);
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
    close_fd(&ep[0]);
    close_fd(&ep[1]);
    return -1;
}

int lwch_client_send(client_proc *cp, const char *line)
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

void lwch_client_close_stdin(client_proc *cp)
{
    close_fd(&cp->in_fd);
}

void lwch_client_signal(client_proc *cp, int sig)
{
    /* Through the keeper (see keeper_forward), only while it is unreaped. */
    if (cp->pid > 0 && !cp->reaped)
        kill(cp->pid, sig == SIGKILL ? SIGUSR1 : sig);
}

/* The keeper exits only once the client and everything it started are
 * gone; before that, SIGKILL to the client's group (through the keeper),
 * which then kills what is left. */
static void kill_group_and_reap(client_proc *cp)
{
    kill(cp->pid, SIGUSR1);
    int status = 0;
    pid_t r;
    do {
        r = waitpid(cp->pid, &status, 0);
    } while (r < 0 && errno == EINTR);
    cp->reaped = 1;
    cp->status = status;
}

int lwch_client_try_reap(client_proc *cp)
{
    if (cp->pid <= 0 || cp->reaped)
        return cp->reaped;
    siginfo_t si;
    memset(&si, 0, sizeof si);
    if (waitid(P_PID, (id_t)cp->pid, &si, WEXITED | WNOHANG | WNOWAIT) != 0 || si.si_pid == 0)
        return 0;
    /* The keeper has exited: nothing of the client is left; reap it. */
    int status = 0;
    while (waitpid(cp->pid, &status, 0) < 0 && errno == EINTR)
        ;
    cp->reaped = 1;
    cp->status = status;
    return 1;
}

void lwch_client_kill_and_reap(client_proc *cp)
{
    if (cp->pid <= 0 || cp->reaped)
        return;
    kill_group_and_reap(cp);
}

void lwch_client_close(client_proc *cp)
{
    close_fd(&cp->in_fd);
    close_fd(&cp->out_fd);
    close_fd(&cp->err_fd);
    close_fd(&cp->pidfd);
}

void lwch_client_describe_status(int status, char *buf, size_t len)
{
    if (WIFEXITED(status))
        snprintf(buf, len, "exit status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
    else
        snprintf(buf, len, "wait status 0x%x", (unsigned)status);
}
