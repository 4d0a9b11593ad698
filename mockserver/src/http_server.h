/* The HTTP side: libmicrohttpd, one thread per connection (watches block
 * in their content reader), TCP_NODELAY, body limits, the request log. */
#ifndef LWC_HTTP_SERVER_H
#define LWC_HTTP_SERVER_H

#include "lwc_mockserver.h"

#include <stddef.h>

int lwcm_http_server_start(lwc_mock *srv, char *err, size_t errlen);
void lwcm_http_server_stop(lwc_mock *srv);
/* Request contexts allocated and not yet freed (a leak shows as a count
 * that never returns to 0 once every connection has closed). */
size_t lwcm_http_server_live_requests(lwc_mock *srv);

#endif
