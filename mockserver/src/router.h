/* Maps a request's method and path to a handler, as the apiserver's REST
 * installer lays out /api/v1 and /apis/GROUP/VERSION. */
#ifndef LWC_ROUTER_H
#define LWC_ROUTER_H

#include "lwc_mockserver.h"
#include "reply.h"
#include "request.h"

void lwcm_route_request(lwc_mock *srv, const request *req, reply *r);

#endif
