/* Ctrl-C: a flag and a self-pipe, set from the signal handler (see interrupt.h). */
#include "interrupt.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

static int interrupt_pipe[2] = {-1, -1};
static atomic_int interrupted;

static void on_signal(int sig)
{
    (void)sig;
    int saved = errno;
    atomic_store(&interrupted, 1);
    /* Never drained: every runner's poll() sees it readable and kills its client. */
    ssize_t n = write(interrupt_pipe[1], "!", 1);
    (void)n;
    errno = saved;
}

int lwch_interrupt_install(void)
{
    if (pipe2(interrupt_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
        return -1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0 || sigaction(SIGHUP, &sa, NULL) != 0)
        return -1;
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

int lwch_interrupt_fd(void)
{
    return interrupt_pipe[0];
}

int lwch_interrupt_requested(void)
{
    return atomic_load(&interrupted);
}
