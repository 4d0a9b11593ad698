/* A scripted HTTP server that answers with whatever bytes a test writes, for hostile-input tests. */
#include "script_server.h"

#include "monotonic.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_REQ 4096

struct script_server {
    int lfd;
    int stop_pipe[2];
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    ss_handler handler;
    void *ud;
    ss_request *reqs;
    int n;
    char url[64];
};

void ss_send(int fd, const char *data, size_t len)
{
    while (len) {
        ssize_t w = send(fd, data, len, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return; /* the client went away: fine for a hostile server */
        data += w;
        len -= (size_t)w;
    }
}

void ss_json(int fd, int status, const char *body)
{
    char head[256];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n",
                     status, strlen(body));
    ss_send(fd, head, (size_t)n);
    ss_send(fd, body, strlen(body));
}

void ss_status(int fd, int status, const char *reason, int code, const char *extra_headers)
{
    char body[512], head[512];
    snprintf(body, sizeof body,
             "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
             "\"message\":\"scripted %s\",\"reason\":\"%s\",\"code\":%d}",
             reason, reason, code);
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n%s"
                     "Connection: close\r\n\r\n",
                     status, strlen(body), extra_headers ? extra_headers : "");
    ss_send(fd, head, (size_t)n);
    ss_send(fd, body, strlen(body));
}

void ss_chunked_head(int fd)
{
    const char *h = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
                    "Connection: close\r\n\r\n";
    ss_send(fd, h, strlen(h));
}

void ss_chunk(int fd, const char *data, size_t len)
{
    char size[32];
    int n = snprintf(size, sizeof size, "%zx\r\n", len);
    ss_send(fd, size, (size_t)n);
    ss_send(fd, data, len);
    ss_send(fd, "\r\n", 2);
}

void ss_chunk_str(int fd, const char *s)
{
    ss_chunk(fd, s, strlen(s));
}

void ss_chunk_end(int fd)
{
    ss_send(fd, "0\r\n\r\n", 5);
}

void ss_hold(script_server *s, int fd)
{
    for (;;) {
        struct pollfd p[2] = {{.fd = fd, .events = POLLIN}, {.fd = s->stop_pipe[0], .events = POLLIN}};
        if (poll(p, 2, -1) < 0 && errno != EINTR)
            return;
        if (p[1].revents)
            return;
        if (p[0].revents) {
            char b[256];
            if (recv(fd, b, sizeof b, 0) <= 0)
                return;
        }
    }
}

/* Reads the request head; 0 when a request line arrived. */
static int read_head(script_server *s, int fd, char *target, size_t len)
{
    char buf[MAX_REQ + 1];
    size_t got = 0;
    while (got < MAX_REQ) {
        struct pollfd p[2] = {{.fd = fd, .events = POLLIN}, {.fd = s->stop_pipe[0], .events = POLLIN}};
        if (poll(p, 2, 5000) <= 0 || p[1].revents)
            return -1;
        ssize_t r = recv(fd, buf + got, MAX_REQ - got, 0);
        if (r <= 0)
            return -1;
        got += (size_t)r;
        buf[got] = '\0';
        if (strstr(buf, "\r\n\r\n"))
            break;
    }
    char method[16];
    if (sscanf(buf, "%15s %8191s", method, target) != 2)
        return -1;
    (void)len;
    return 0;
}

static void *serve(void *arg)
{
    script_server *s = arg;
    for (;;) {
        struct pollfd p[2] = {{.fd = s->lfd, .events = POLLIN}, {.fd = s->stop_pipe[0], .events = POLLIN}};
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (p[1].revents)
            break;
        int fd = accept(s->lfd, NULL, NULL);
        if (fd < 0)
            continue;
        ss_request req;
        memset(&req, 0, sizeof req);
        if (read_head(s, fd, req.target, sizeof req.target) == 0) {
            req.at_ms = (long long)lwcc_monotonic_ms();
            pthread_mutex_lock(&s->mu);
            req.index = s->n;
            /* Out of memory: the request goes unrecorded, and the test
             * waiting for it fails on its deadline. */
            ss_request *grown = realloc(s->reqs, (size_t)(s->n + 1) * sizeof *s->reqs);
            if (grown) {
                s->reqs = grown;
                s->reqs[s->n++] = req;
                pthread_cond_broadcast(&s->cv);
            }
            pthread_mutex_unlock(&s->mu);
            s->handler(s->ud, &req, fd, s);
        }
        shutdown(fd, SHUT_WR);
        close(fd);
    }
    return NULL;
}

script_server *ss_start(ss_handler h, void *ud)
{
    script_server *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->handler = h;
    s->ud = ud;
    s->lfd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    if (bind(s->lfd, (struct sockaddr *)&a, sizeof a) || listen(s->lfd, 16) ||
        getsockname(s->lfd, (struct sockaddr *)&a, &al) || pipe(s->stop_pipe)) {
        close(s->lfd);
        free(s);
        return NULL;
    }
    snprintf(s->url, sizeof s->url, "http://127.0.0.1:%d", ntohs(a.sin_port));
    pthread_mutex_init(&s->mu, NULL);
    lwcc_monotonic_cond_init(&s->cv);
    pthread_create(&s->thread, NULL, serve, s);
    return s;
}

const char *ss_url(const script_server *s)
{
    return s->url;
}

void ss_stop(script_server *s)
{
    if (!s)
        return;
    ssize_t w = write(s->stop_pipe[1], "x", 1);
    (void)w;
    pthread_join(s->thread, NULL);
    close(s->lfd);
    close(s->stop_pipe[0]);
    close(s->stop_pipe[1]);
    free(s->reqs);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s);
}

int ss_wait(script_server *s, int n, int timeout_ms)
{
    struct timespec until = lwcc_monotonic_deadline(timeout_ms);
    pthread_mutex_lock(&s->mu);
    while (s->n < n)
        if (pthread_cond_timedwait(&s->cv, &s->mu, &until) == ETIMEDOUT)
            break;
    int ok = s->n >= n;
    pthread_mutex_unlock(&s->mu);
    return ok;
}

int ss_count(script_server *s)
{
    pthread_mutex_lock(&s->mu);
    int n = s->n;
    pthread_mutex_unlock(&s->mu);
    return n;
}

ss_request ss_get(script_server *s, int i)
{
    pthread_mutex_lock(&s->mu);
    ss_request r = s->reqs[i];
    pthread_mutex_unlock(&s->mu);
    return r;
}

int ss_has_param(script_server *s, int i, const char *key, char *value, size_t len)
{
    ss_request r = ss_get(s, i);
    const char *q = strchr(r.target, '?');
    size_t klen = strlen(key);
    while (q && *q) {
        q++;
        if (strncmp(q, key, klen) == 0 && q[klen] == '=') {
            const char *v = q + klen + 1;
            size_t vl = strcspn(v, "&");
            if (value && len) {
                size_t n = vl < len - 1 ? vl : len - 1;
                memcpy(value, v, n);
                value[n] = '\0';
            }
            return 1;
        }
        q = strchr(q, '&');
    }
    if (value && len)
        value[0] = '\0';
    return 0;
}
