/* The handlers the router dispatches to: list_handler.c, watch_stream.c,
 * object_handlers.c and discovery.c. */
#ifndef LWC_HANDLERS_H
#define LWC_HANDLERS_H

#include "lwc_mockserver.h"
#include "reply.h"
#include "request.h"

/* res is a store resource index; ns is NULL for all namespaces (or a
 * cluster-scoped resource). */
void lwcm_handle_list(lwc_mock *srv, const request *req, int res, const char *ns, reply *r);
void lwcm_handle_watch(lwc_mock *srv, const request *req, int res, const char *ns, reply *r);
void lwcm_handle_get(lwc_mock *srv, const request *req, int res, const char *ns, const char *name, reply *r);
void lwcm_handle_create(lwc_mock *srv, const request *req, int res, const char *ns, reply *r);
void lwcm_handle_update(lwc_mock *srv, const request *req, int res, const char *ns, const char *name, reply *r);
void lwcm_handle_patch(lwc_mock *srv, const request *req, int res, const char *ns, const char *name, reply *r);
void lwcm_handle_delete(lwc_mock *srv, const request *req, int res, const char *ns, const char *name, reply *r);
/* Discovery and /version; returns 0 when path is not a discovery path. */
int lwcm_handle_discovery(lwc_mock *srv, const request *req, reply *r);

#endif
