/* The public C API's life cycle: start a server (its state, demo world, control endpoints, HTTP) and stop it. */
#include "control.h"
#include "lwc_fail.h"
#include "demo_world.h"
#include "http_server.h"
#include "mock_internal.h"
#include "mock_runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void lwc_mock_config_init(lwc_mock_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->listen_addr = "127.0.0.1";
    cfg->rv0_ignores_limit = 1;
    cfg->watch_list = 1;
    cfg->bookmark_interval_ms = 60000;
    cfg->too_large_wait_ms = 3000;
    cfg->max_body_bytes = 3 * 1024 * 1024;
}

int lwc_mock_start(const lwc_mock_config *cfg, lwc_mock **out, char *err, size_t errlen)
{
    *out = NULL;
    lwc_mock *srv = calloc(1, sizeof *srv);
    if (!srv)
        return lwc_fail(err, errlen, LWC_MOCK_ENOMEM, "out of memory");
    srv->cfg = *cfg;
    const char *addr = cfg->listen_addr && *cfg->listen_addr ? cfg->listen_addr : "127.0.0.1";
    if (strlen(addr) >= sizeof srv->listen_addr) {
        free(srv);
        return lwc_fail(err, errlen, LWC_MOCK_EINVAL, "listen address too long");
    }
    snprintf(srv->listen_addr, sizeof srv->listen_addr, "%s", addr);
    srv->cfg.listen_addr = srv->listen_addr;
    if (!srv->cfg.max_body_bytes)
        srv->cfg.max_body_bytes = 3 * 1024 * 1024;
    if (!srv->cfg.bookmark_interval_ms)
        srv->cfg.bookmark_interval_ms = 60000;
    if (!srv->cfg.max_log_entries)
        srv->cfg.max_log_entries = LWC_MOCK_DEFAULT_LOG_ENTRIES;
    if (!srv->cfg.max_connections_per_ip)
        srv->cfg.max_connections_per_ip = LWC_MOCK_DEFAULT_CONNECTIONS_PER_IP;
    if (!srv->cfg.connection_timeout_s)
        srv->cfg.connection_timeout_s = LWC_MOCK_DEFAULT_CONNECTION_TIMEOUT_S;
    if (!srv->cfg.header_timeout_ms)
        srv->cfg.header_timeout_ms = LWC_MOCK_DEFAULT_HEADER_TIMEOUT_MS;
    if (!srv->cfg.store_quota_bytes)
        srv->cfg.store_quota_bytes = LWC_MOCK_DEFAULT_STORE_QUOTA_BYTES;
    srv->started_at = (long long)time(NULL);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t seed = cfg->seed ? cfg->seed : ((uint64_t)ts.tv_sec * 1000000007ULL) ^ (uint64_t)ts.tv_nsec;
    srv->rng = seed | 1;
    atomic_init(&srv->churn_serial, 0);
    if (lwcm_runtime_init(srv) != 0) {
        free(srv);
        return lwc_fail(err, errlen, LWC_MOCK_EIO, "pthread_mutex_init or pthread_cond_init failed");
    }
    if (lwcm_fault_table_init(&srv->faults) != 0) {
        lwcm_runtime_destroy(srv);
        free(srv);
        return lwc_fail(err, errlen, LWC_MOCK_EIO, "fault table init failed");
    }
    if (lwcm_request_log_init(&srv->log) != 0) {
        lwcm_fault_table_destroy(&srv->faults);
        lwcm_runtime_destroy(srv);
        free(srv);
        return lwc_fail(err, errlen, LWC_MOCK_EIO, "request log init failed");
    }
    srv->log.limit = srv->cfg.max_log_entries == SIZE_MAX ? 0 : srv->cfg.max_log_entries;
    if (cfg->log_requests)
        srv->log.echo = stderr;
    srv->st = lwcm_store_new(seed, cfg->history_limit);
    if (!srv->st) {
        lwc_mock_stop(srv);
        return lwc_fail(err, errlen, LWC_MOCK_ENOMEM, "out of memory");
    }
    lwcm_store_set_quota(srv->st, srv->cfg.store_quota_bytes == SIZE_MAX ? 0 : srv->cfg.store_quota_bytes);
    if (cfg->lagging_replica_writes > 0)
        lwcm_store_pin_history(srv->st, (uint64_t)cfg->lagging_replica_writes);
    for (int i = 0; i < lwcm_builtin_resource_count; i++) {
        resource_def def;
        if (lwcm_builtin_resource(i, &def) != 0 || lwcm_store_add_resource(srv->st, &def) < 0) {
            lwc_mock_stop(srv);
            return lwc_fail(err, errlen, LWC_MOCK_ENOMEM, "cannot register the built-in resources");
        }
    }
    if (cfg->demo_world) {
        int rc = lwcm_demo_world_populate(srv, err, errlen);
        if (rc != LWC_MOCK_OK) {
            lwc_mock_stop(srv);
            return rc;
        }
    }
    if (!srv->cfg.control_disabled)
        srv->control = lwcm_handle_control; /* the router reaches the control endpoints only through this */
    int rc = lwcm_http_server_start(srv, err, errlen);
    if (rc != LWC_MOCK_OK) {
        lwc_mock_stop(srv);
        return rc;
    }
    *out = srv;
    return LWC_MOCK_OK;
}

void lwc_mock_stop(lwc_mock *srv)
{
    if (!srv)
        return;
    lwcm_http_server_stop(srv);
    lwcm_store_free(srv->st);
    lwcm_request_log_destroy(&srv->log);
    lwcm_fault_table_destroy(&srv->faults);
    lwcm_runtime_destroy(srv);
    free(srv);
}

unsigned short lwc_mock_port(const lwc_mock *srv)
{
    return srv->port;
}

const char *lwc_mock_url(const lwc_mock *srv)
{
    return srv->url;
}

