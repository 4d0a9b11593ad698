/* Whether a request matches a matcher, decided over the router's classification alone. */
#include "request_match.h"

#include <string.h>

int lwcm_request_class_matches(const lwc_matcher *m, const lwc_mock_request_class *c, int page)
{
    if (!c->resolved)
        return 0;
    if (m->verb != LWC_VERB_ANY && m->verb != c->verb)
        return 0;
    if (m->resource && strcmp(m->resource, c->resource) != 0)
        return 0;
    if (m->namespace_ && strcmp(m->namespace_, c->ns ? c->ns : "") != 0)
        return 0;
    if (m->has_continue != LWC_TRI_ANY && (m->has_continue == LWC_TRI_YES) != (c->has_continue != 0))
        return 0;
    if (m->page && m->page != page)
        return 0;
    if (m->rv != LWC_RV_ANY && m->rv != c->rv)
        return 0;
    if (m->watch_list >= 0 && m->watch_list != c->watch_list)
        return 0;
    return 1;
}

int lwc_matcher_matches(const lwc_matcher *m, const lwc_mock_request *req, int scenario_page_size)
{
    if (!lwcm_request_class_matches(m, &req->cls, req->page))
        return 0;
    if (m->status && m->status != req->status)
        return 0;
    if (m->limit != -1 && req->cls.limit != (m->limit == -2 ? scenario_page_size : m->limit))
        return 0;
    return 1;
}
