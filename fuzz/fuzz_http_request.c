/* Fuzz target: the mock server's HTTP request path, over a real socket to
 * one in-process server (libmicrohttpd's parser, on_uri and on_request,
 * the router, every handler). The input is sent as the raw request; the
 * target reads until the server closes or 50 ms pass with nothing. Control endpoints
 * are off (their steps are fuzzed through the scenario parser) and a future
 * resourceVersion waits 1 ms, so that one input costs little time. */
#include "lwc_mockserver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static lwc_mock *srv;
static struct sockaddr_in addr;

static int start(void)
{
    lwc_mock_config cfg;
    lwc_mock_config_init(&cfg);
    cfg.seed = 1;
    cfg.control_disabled = 1;
    cfg.too_large_wait_ms = 1;
    cfg.connection_timeout_s = 1;
    char err[256];
    if (lwc_mock_start(&cfg, &srv, err, sizeof err) != LWC_MOCK_OK)
        return -1;
    const char *colon = strrchr(lwc_mock_url(srv), ':');
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)atoi(colon + 1));
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!srv && start() != 0)
        return 0;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        close(fd);
        return 0;
    }
    size_t off = 0;
    while (off < size) {
        ssize_t w = send(fd, data + off, size - off, MSG_NOSIGNAL);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    shutdown(fd, SHUT_WR);
    char buf[65536];
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 50) <= 0)
            break;
        if (recv(fd, buf, sizeof buf, 0) <= 0)
            break;
    }
    close(fd);
    return 0;
}
