/* lwc-watch as a child process on pipes, its stdout lines kept so tests wait for a line with a deadline. */
#include "child.h"

#include "check_main.h"
#include "monotonic.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

struct child {
    pid_t pid;
    int in_fd, out_fd, err_fd;
    pthread_t out_thread, err_thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    cJSON **lines;
    size_t nlines, cap;
    size_t bad;
    char *err_text;
    size_t err_len;
    int out_eof;
    int reaped;
    int status;
};

static void add_line(child *c, const char *text, size_t len)
{
    cJSON *j = cJSON_ParseWithLength(text, len);
    pthread_mutex_lock(&c->mu);
    if (!cJSON_IsObject(j)) {
        c->bad++;
        fprintf(stderr, "child: not a JSON object line: %.200s\n", text);
        cJSON_Delete(j);
    } else {
        if (c->nlines == c->cap) {
            c->cap = c->cap ? c->cap * 2 : 256;
            c->lines = realloc(c->lines, c->cap * sizeof *c->lines);
            if (!c->lines)
                abort(); /* test code: no way on without memory */
        }
        c->lines[c->nlines++] = j;
    }
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

static void *read_out(void *arg)
{
    child *c = arg;
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (len == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
        ssize_t n = read(c->out_fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
        size_t start = 0;
        for (size_t i = len - (size_t)n; i < len; i++) {
            if (buf[i] == '\n') {
                buf[i] = '\0';
                add_line(c, buf + start, i - start);
                start = i + 1;
            }
        }
        memmove(buf, buf + start, len - start);
        len -= start;
    }
    if (len)
        add_line(c, buf, len);
    free(buf);
    pthread_mutex_lock(&c->mu);
    c->out_eof = 1;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

static void *read_err(void *arg)
{
    child *c = arg;
    char chunk[4096];
    for (;;) {
        ssize_t n = read(c->err_fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        fwrite(chunk, 1, (size_t)n, stderr); /* ctest shows it on failure */
        pthread_mutex_lock(&c->mu);
        c->err_text = realloc(c->err_text, c->err_len + (size_t)n + 1);
        memcpy(c->err_text + c->err_len, chunk, (size_t)n);
        c->err_len += (size_t)n;
        c->err_text[c->err_len] = '\0';
        pthread_mutex_unlock(&c->mu);
    }
    return NULL;
}

child *child_start(char *const argv[], char *const env[])
{
    int in[2], out[2], err[2];
    if (pipe(in) || pipe(out) || pipe(err))
        return NULL;
    size_t n = 0, k = 0;
    while (environ[n])
        n++;
    size_t extra = 0;
    while (env && env[extra])
        extra++;
    char **envp = calloc(n + extra + 1, sizeof *envp);
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "LWC_", 4) != 0 && strncmp(environ[i], "KUBECONFIG=", 11) != 0)
            envp[k++] = environ[i];
    for (size_t i = 0; i < extra; i++)
        envp[k++] = env[i];
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    int fds[6] = {in[0], in[1], out[0], out[1], err[0], err[1]};
    for (int i = 0; i < 6; i++)
        posix_spawn_file_actions_addclose(&fa, fds[i]);
    child *c = calloc(1, sizeof *c);
    int rc = posix_spawn(&c->pid, argv[0], &fa, NULL, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    free(envp);
    close(in[0]);
    close(out[1]);
    close(err[1]);
    if (rc != 0) {
        close(in[1]);
        close(out[0]);
        close(err[0]);
        free(c);
        errno = rc;
        return NULL;
    }
    c->in_fd = in[1];
    c->out_fd = out[0];
    c->err_fd = err[0];
    fcntl(c->in_fd, F_SETFD, FD_CLOEXEC);
    fcntl(c->out_fd, F_SETFD, FD_CLOEXEC);
    fcntl(c->err_fd, F_SETFD, FD_CLOEXEC);
    pthread_mutex_init(&c->mu, NULL);
    lwcc_monotonic_cond_init(&c->cv);
    pthread_create(&c->out_thread, NULL, read_out, c);
    pthread_create(&c->err_thread, NULL, read_err, c);
    return c;
}

pid_t child_pid(const child *c)
{
    return c->pid;
}

const cJSON *child_wait(child *c, size_t *cursor, const char *type, int (*pred)(const cJSON *, void *), void *ud,
                        int timeout_ms)
{
    struct timespec until = lwcc_monotonic_deadline(timeout_ms);
    size_t from = cursor ? *cursor : 0;
    const cJSON *found = NULL;
    pthread_mutex_lock(&c->mu);
    for (;;) {
        for (; from < c->nlines && !found; from++) {
            const cJSON *l = c->lines[from];
            const cJSON *t = cJSON_GetObjectItemCaseSensitive(l, "type");
            if (type && (!cJSON_IsString(t) || strcmp(t->valuestring, type) != 0))
                continue;
            if (pred && !pred(l, ud))
                continue;
            found = l;
        }
        if (found || c->out_eof)
            break;
        if (pthread_cond_timedwait(&c->cv, &c->mu, &until) == ETIMEDOUT)
            break;
    }
    pthread_mutex_unlock(&c->mu);
    if (found && cursor)
        *cursor = from;
    return found;
}

static int seq_is(const cJSON *l, void *ud)
{
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(l, "seq");
    return cJSON_IsNumber(s) && (unsigned)s->valuedouble == *(unsigned *)ud;
}

int child_log_contains(const cJSON *line, void *needle)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(line, "message");
    return cJSON_IsString(m) && strstr(m->valuestring, (const char *)needle) != NULL;
}

int child_log_begins(const cJSON *line, void *prefix)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(line, "message");
    return cJSON_IsString(m) && strncmp(m->valuestring, prefix, strlen(prefix)) == 0;
}

const cJSON *child_dump(child *c, unsigned seq, int timeout_ms)
{
    char cmd[64];
    snprintf(cmd, sizeof cmd, "DUMP %u", seq);
    if (child_send(c, cmd) != 0)
        return NULL;
    return child_wait(c, NULL, "SNAPSHOT", seq_is, &seq, timeout_ms);
}

int child_send(child *c, const char *line)
{
    size_t len = strlen(line);
    char *buf = malloc(len + 1);
    memcpy(buf, line, len);
    buf[len] = '\n';
    size_t off = 0;
    int rc = 0;
    while (off < len + 1) {
        ssize_t w = write(c->in_fd, buf + off, len + 1 - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            rc = -1;
            break;
        }
        off += (size_t)w;
    }
    free(buf);
    return rc;
}

void child_close_stdin(child *c)
{
    if (c->in_fd >= 0) {
        close(c->in_fd);
        c->in_fd = -1;
    }
}

size_t child_line_count(child *c)
{
    pthread_mutex_lock(&c->mu);
    size_t n = c->nlines;
    pthread_mutex_unlock(&c->mu);
    return n;
}

const cJSON *child_line(child *c, size_t i)
{
    pthread_mutex_lock(&c->mu);
    const cJSON *l = i < c->nlines ? c->lines[i] : NULL;
    pthread_mutex_unlock(&c->mu);
    return l;
}

size_t child_bad_lines(child *c)
{
    pthread_mutex_lock(&c->mu);
    size_t n = c->bad;
    pthread_mutex_unlock(&c->mu);
    return n;
}

char *child_stderr(child *c)
{
    pthread_mutex_lock(&c->mu);
    char *s = strdup(c->err_text ? c->err_text : "");
    pthread_mutex_unlock(&c->mu);
    return s;
}

long child_wait_exit(child *c, int timeout_ms, int *status)
{
    double t0 = lwcc_monotonic_ms();
    while (!c->reaped) {
        pid_t p = waitpid(c->pid, &c->status, WNOHANG);
        if (p == c->pid) {
            c->reaped = 1;
            break;
        }
        if (lwcc_monotonic_ms() - t0 >= timeout_ms)
            return -1;
        struct timespec ts = {0, 5 * 1000000L};
        nanosleep(&ts, NULL);
    }
    if (status)
        *status = c->status;
    return (long)(lwcc_monotonic_ms() - t0);
}

void child_signal(child *c, int sig)
{
    if (!c->reaped)
        kill(c->pid, sig);
}

int child_freeze(child *c, int timeout_ms)
{
    if (c->reaped || kill(c->pid, SIGSTOP) != 0)
        return -1;
    double t0 = lwcc_monotonic_ms();
    for (;;) {
        int st = 0;
        pid_t p = waitpid(c->pid, &st, WUNTRACED | WNOHANG);
        if (p == c->pid && WIFSTOPPED(st))
            return 0;
        if (p == c->pid) { /* it exited instead */
            c->reaped = 1;
            c->status = st;
            return -1;
        }
        if (lwcc_monotonic_ms() - t0 >= timeout_ms)
            return -1;
        struct timespec ts = {0, 1000000L};
        nanosleep(&ts, NULL);
    }
}

void child_resume(child *c)
{
    if (!c->reaped)
        kill(c->pid, SIGCONT);
}

void child_free(child *c)
{
    if (!c)
        return;
    if (!c->reaped) {
        kill(c->pid, SIGCONT);
        child_close_stdin(c);
        if (child_wait_exit(c, 3000, NULL) < 0) {
            kill(c->pid, SIGKILL);
            child_wait_exit(c, 10000, NULL);
        }
    }
    child_close_stdin(c);
    pthread_join(c->out_thread, NULL);
    pthread_join(c->err_thread, NULL);
    close(c->out_fd);
    close(c->err_fd);
    for (size_t i = 0; i < c->nlines; i++)
        cJSON_Delete(c->lines[i]);
    free(c->lines);
    free(c->err_text);
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
    free(c);
}

void child_stop_ok(child *c)
{
    ck_assert_int_eq(child_send(c, "STOP"), 0);
    int status = 0;
    ck_assert_msg(child_wait_exit(c, 2000, &status) >= 0, "lwc-watch did not exit within 2 s of STOP");
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "lwc-watch exit status 0x%x", status);
    ck_assert_uint_eq(child_bad_lines(c), 0);
}

int cut_run_tests(const char *suite, const cut_test *tests, size_t n, void (*teardown)(void))
{
    Suite *s = suite_create(suite);
    for (size_t i = 0; i < n; i++) {
        TCase *tc = tcase_create(tests[i].name);
        tcase_add_checked_fixture(tc, NULL, teardown);
        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, tests[i].test);
        suite_add_tcase(s, tc);
    }
    return run_suite(s);
}
