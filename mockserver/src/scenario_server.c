/* Starting a server set up as a scenario says: its behaviour, resource, world and faults. */
#include "lwc_mockserver.h"
#include "mock_internal.h"
#include "scenario_run.h"

#include <stdint.h>
#include <stdio.h>

/* A scenario's world is the scenario's, however large the parser lets it be
 * (2,000,000 generated objects, about 3 GB of running pods): it is built
 * with no quota, and the server's quota then bounds what is written on top
 * of it (its bytes plus store_quota_bytes). */
static void quota_on_top_of_world(lwc_mock *srv)
{
    size_t configured = srv->cfg.store_quota_bytes;
    if (configured == SIZE_MAX)
        return;
    size_t live, hist, none;
    lwcm_store_usage(srv->st, &live, &hist, &none);
    size_t world = live + hist;
    lwcm_store_set_quota(srv->st, world > SIZE_MAX - configured ? 0 : world + configured);
}

int lwc_scenario_start_server(const lwc_scenario *sc, const lwc_mock_config *base, lwc_mock **out, char *err,
                              size_t errlen)
{
    lwc_mock_config cfg = *base;
    cfg.demo_world = 0;
    cfg.history_limit = sc->history_limit;
    cfg.rv0_ignores_limit = sc->rv0_ignores_limit;
    cfg.page_size_cap = sc->page_size_cap;
    cfg.bookmarks_never = !sc->bookmarks;
    cfg.bookmark_interval_ms = sc->bookmark_interval_ms;
    cfg.watch_list = sc->watch_list_mode != 0;
    cfg.watch_list_no_end_bookmark = sc->watch_list_mode == 2;
    cfg.lagging_replica_writes = sc->lagging_replica_writes;
    cfg.last_page_empty_continue = sc->last_page_empty_continue;
    cfg.expire_below_floor = sc->expire_below_floor;
    cfg.watch_expired_http = sc->watch_expired_http;
    lwc_mock *srv = NULL;
    int rc = lwc_mock_start(&cfg, &srv, err, errlen);
    if (rc != LWC_MOCK_OK)
        return rc;
    if (sc->kind && lwcm_store_find_resource(srv->st, sc->api_path, sc->plural) < 0) {
        rc = lwc_mock_add_resource(srv, sc->group, sc->version, sc->plural, sc->singular ? sc->singular : sc->plural,
                                   sc->kind, sc->namespaced, err, errlen);
        if (rc != LWC_MOCK_OK) {
            lwc_mock_stop(srv);
            return rc;
        }
    }
    if (lwcm_store_find_resource(srv->st, sc->api_path, sc->plural) < 0) {
        snprintf(err, errlen, "%s: resource: the server has no \"%s\" under %s; give \"kind\" and \"namespaced\" to register it",
                 sc->path, sc->plural, sc->api_path);
        lwc_mock_stop(srv);
        return LWC_MOCK_EINVAL;
    }
    lwcm_store_set_quota(srv->st, 0);
    rc = lwcm_scenario_populate(srv, sc, err, errlen);
    if (rc != LWC_MOCK_OK) {
        lwc_mock_stop(srv);
        return rc;
    }
    quota_on_top_of_world(srv);
    for (size_t i = 0; i < sc->nfaults; i++) {
        rc = lwc_mock_add_fault(srv, &sc->faults[i], err, errlen);
        if (rc != LWC_MOCK_OK) {
            lwc_mock_stop(srv);
            return rc;
        }
    }
    *out = srv;
    return LWC_MOCK_OK;
}
