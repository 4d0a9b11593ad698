/* An outside project's test, built against an installed lwc through
 * pkg-config only: it embeds the mock server, lists pods over a plain
 * socket, and checks that the demo world came back. */
#include <lwc_mockserver.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void)
{
    lwc_mock_config cfg;
    lwc_mock_config_init(&cfg);
    cfg.port = 0;
    cfg.demo_world = 1;
    lwc_mock *srv = NULL;
    char err[512];
    if (lwc_mock_start(&cfg, &srv, err, sizeof err) != LWC_MOCK_OK) {
        fprintf(stderr, "embed: cannot start the server: %s\n", err);
        return 1;
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(lwc_mock_port(srv))};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    const char req[] = "GET /api/v1/namespaces/kube-system/pods?limit=2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    char buf[65536];
    size_t got = 0;
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || write(fd, req, sizeof req - 1) < 0) {
        perror("embed: request");
        lwc_mock_stop(srv);
        return 1;
    }
    ssize_t n;
    while (got < sizeof buf - 1 && (n = read(fd, buf + got, sizeof buf - 1 - got)) > 0)
        got += (size_t)n;
    buf[got] = '\0';
    close(fd);
    lwc_mock_stop(srv);
    int ok = strstr(buf, "HTTP/1.1 200") && strstr(buf, "\"kind\":\"PodList\"") && strstr(buf, "\"continue\"");
    printf("embed: %s\n", ok ? "the embedded server listed a page of kube-system pods" : "unexpected answer");
    if (!ok)
        fprintf(stderr, "%.2000s\n", buf);
    return ok ? 0 : 1;
}
