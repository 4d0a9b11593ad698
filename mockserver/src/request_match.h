/* The one matcher over a request's classification (lwc_mock_request_class):
 * the fault engine calls it as requests arrive, lwc_matcher_matches on the
 * logged copy. */
#ifndef LWC_REQUEST_MATCH_H
#define LWC_REQUEST_MATCH_H

#include "lwc_mockserver.h"

/* page: the list page number the server gave the request (0 unknown). The
 * expectation-only members (status, limit) are not looked at here. */
int lwcm_request_class_matches(const lwc_matcher *m, const lwc_mock_request_class *c, int page);

#endif
