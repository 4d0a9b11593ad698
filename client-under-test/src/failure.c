/* Why a list or watch request failed, read from its HTTP answer: the reason, the
 * code and the Retry-After the server asked for. Used by the pager and the watch. */
#include "api.h"
#include "reflector_internal.h"

#include <stdio.h>

void lwcr_failure_from_http(lwcr_failure *f, const char *what, const lwcr_http_res *res)
{
    f->rc = res->rc;
    f->status = res->status;
    f->retry_after_ms = -1;
    if (res->rc != LWC_OK) {
        snprintf(f->reason, sizeof f->reason, "%.64s: %.40s%s%.250s", what, lwc_strerror(res->rc), res->detail[0] ? ": " : "",
                 res->detail);
        return;
    }
    lwcr_status st;
    lwcr_status_parse(res->error_body.data, res->error_body.len, &st);
    snprintf(f->reason, sizeof f->reason, "%.64s: HTTP %ld%s%.63s%s%.250s", what, res->status, st.reason[0] ? " " : "",
             st.reason, st.message[0] ? ": " : "", st.message);
    if (res->status == 429 || (res->status >= 500 && res->status <= 599))
        f->retry_after_ms = res->retry_after_ms >= 0 ? res->retry_after_ms : st.retry_after_ms;
    f->rc = res->status == 410 ? LWC_EEXPIRED : LWC_EHTTP;
}
