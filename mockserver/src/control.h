/* Control endpoints under /lwc/v1/: the scenario language's actions at run
 * time, so a server can be driven from a shell with curl. Off with
 * --no-control (lwc_mock_config.control_disabled). */
#ifndef LWC_CONTROL_H
#define LWC_CONTROL_H

#include "lwc_mockserver.h"
#include "reply.h"
#include "request.h"

void lwcm_handle_control(lwc_mock *srv, const request *req, reply *r);

#endif
