/* Writes over HTTP and hostile input: every error a full Status with the
 * apiserver's code and reason, and nothing that crashes or hangs the server. */
#include "http_util.h"
#include "lwc_mockserver.h"

#include "check_main.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static lwc_mock *srv;

static void setup(void)
{
    lwc_mock_config cfg;
    lwc_mock_config_init(&cfg);
    cfg.seed = 3;
    cfg.max_body_bytes = 64 * 1024;
    char err[256];
    ck_assert_msg(lwc_mock_start(&cfg, &srv, err, sizeof err) == LWC_MOCK_OK, "start: %s", err);
    ck_assert_int_eq(lwc_mock_create(srv, "/api/v1", "namespaces", "{\"metadata\":{\"name\":\"team-a\"}}", NULL, err,
                                     sizeof err), LWC_MOCK_OK);
}

static void teardown(void)
{
    lwc_mock_stop(srv);
    srv = NULL;
}

static cJSON *call(const char *method, const char *path, const char *ctype, const char *body, long want)
{
    char url[1024];
    snprintf(url, sizeof url, "%s%s", lwc_mock_url(srv), path);
    http_response r;
    ck_assert_int_eq(http_request(method, url, "application/json", ctype, body, &r), 0);
    ck_assert_msg(r.status == want, "%s %s: status %ld, want %ld: %s", method, path, r.status, want, r.body);
    char ct[128];
    ck_assert_msg(http_header(&r, "Content-Type", ct, sizeof ct) && !strcmp(ct, "application/json"),
                  "%s %s: Content-Type is not application/json", method, path);
    cJSON *doc = http_json(&r);
    ck_assert_msg(doc != NULL, "%s %s: body is not JSON: %s", method, path, r.body);
    http_response_free(&r);
    return doc;
}

static const char *str(const cJSON *o, const char *a, const char *b)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, a);
    if (b)
        x = cJSON_GetObjectItemCaseSensitive(x, b);
    return cJSON_IsString(x) ? x->valuestring : NULL;
}

static void assert_status(const cJSON *doc, int code, const char *reason, const char *msg_part)
{
    ck_assert_str_eq(str(doc, "kind", NULL), "Status");
    ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(doc, "code")->valueint, code);
    ck_assert_str_eq(str(doc, "reason", NULL), reason);
    const char *msg = str(doc, "message", NULL);
    ck_assert_msg(msg && strstr(msg, msg_part), "message \"%s\" lacks \"%s\"", msg ? msg : "", msg_part);
}

static const char pod[] = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"web\",\"labels\":{\"app\":\"web\"}},"
                          "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"nginx\"}]}}";

START_TEST(create_get_update_patch_delete)
{
    cJSON *made = call("POST", "/api/v1/namespaces/team-a/pods", "application/json", pod, 201);
    ck_assert_str_eq(str(made, "metadata", "namespace"), "team-a");
    ck_assert_ptr_nonnull(str(made, "metadata", "uid"));
    ck_assert_ptr_nonnull(str(made, "metadata", "creationTimestamp"));
    char rv1[32];
    snprintf(rv1, sizeof rv1, "%s", str(made, "metadata", "resourceVersion"));
    cJSON *got = call("GET", "/api/v1/namespaces/team-a/pods/web", NULL, NULL, 200);
    ck_assert_str_eq(str(got, "kind", NULL), "Pod");
    ck_assert_str_eq(str(got, "metadata", "uid"), str(made, "metadata", "uid"));
    cJSON_Delete(got);

    /* PUT with the current RV succeeds, and keeps uid; with a stale one, 409 Conflict. */
    char body[512];
    snprintf(body, sizeof body,
             "{\"metadata\":{\"name\":\"web\",\"resourceVersion\":\"%s\",\"labels\":{\"app\":\"web2\"}},"
             "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"nginx\"}]}}", rv1);
    cJSON *upd = call("PUT", "/api/v1/namespaces/team-a/pods/web", "application/json", body, 200);
    ck_assert_str_eq(str(upd, "metadata", "uid"), str(made, "metadata", "uid"));
    ck_assert_str_ne(str(upd, "metadata", "resourceVersion"), rv1);
    cJSON *conflict = call("PUT", "/api/v1/namespaces/team-a/pods/web", "application/json", body, 409);
    assert_status(conflict, 409, "Conflict", "the object has been modified");
    cJSON_Delete(conflict);
    cJSON_Delete(upd);

    cJSON *patched = call("PATCH", "/api/v1/namespaces/team-a/pods/web", "application/merge-patch+json",
                          "{\"metadata\":{\"labels\":{\"app\":null,\"tier\":\"front\"}}}", 200);
    const cJSON *labels = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(patched, "metadata"), "labels");
    ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(labels, "app"));
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(labels, "tier")->valuestring, "front");
    cJSON_Delete(patched);
    cJSON *bad_patch = call("PATCH", "/api/v1/namespaces/team-a/pods/web", "application/json-patch+json",
                            "[{\"op\":\"remove\",\"path\":\"/metadata/labels\"}]", 415);
    assert_status(bad_patch, 415, "UnsupportedMediaType", "unknown format");
    cJSON_Delete(bad_patch);

    cJSON *gone = call("DELETE", "/api/v1/namespaces/team-a/pods/web", NULL, NULL, 200);
    ck_assert_str_eq(str(gone, "metadata", "name"), "web");
    cJSON_Delete(gone);
    cJSON *nf = call("GET", "/api/v1/namespaces/team-a/pods/web", NULL, NULL, 404);
    assert_status(nf, 404, "NotFound", "pods \"web\" not found");
    ck_assert_str_eq(str(nf, "details", "name"), "web");
    ck_assert_str_eq(str(nf, "details", "kind"), "pods");
    cJSON_Delete(nf);
    nf = call("DELETE", "/api/v1/namespaces/team-a/pods/web", NULL, NULL, 404);
    cJSON_Delete(nf);
    cJSON_Delete(made);
}
END_TEST

/* What a create of a pod is refused with, in order (the first, a 201,
 * makes "web" for the 409): the status, its reason and part of its message. */
static const struct refused_create {
    const char *ns, *body;
    long status;
    const char *reason, *message;
} refused_creates[] = {
    {"team-a", NULL, 201, NULL, NULL},
    {"team-a", NULL, 409, "AlreadyExists", "pods \"web\" already exists"},
    {"nope", NULL, 404, "NotFound", "namespaces \"nope\" not found"},
    {"team-a", "{\"metadata\":{}}", 422, "Invalid", "Pod \"\" is invalid: metadata.name: Required value"},
    {"team-a", "{\"metadata\":{\"name\":\"Bad_Name\"}}", 422, "Invalid", "metadata.name: Invalid value: \"Bad_Name\""},
    {"team-a", "{\"metadata\":{\"name\":\"x\",\"namespace\":\"other\"}}", 400, "BadRequest",
     "does not match the namespace sent on the request"},
    {"team-a", "{not json", 400, "BadRequest", "json parse error"},
    {"team-a", "[1,2,3]", 400, "BadRequest", "must be a JSON object"},
    {"team-a", "{\"kind\":\"Service\",\"metadata\":{\"name\":\"x\"}}", 400, "BadRequest",
     "does not match the expected kind"},
};

START_TEST(create_errors)
{
    cJSON *d;
    for (size_t i = 0; i < sizeof refused_creates / sizeof refused_creates[0]; i++) {
        const struct refused_create *c = &refused_creates[i];
        char path[128];
        snprintf(path, sizeof path, "/api/v1/namespaces/%s/pods", c->ns);
        d = call("POST", path, "application/json", c->body ? c->body : pod, c->status);
        if (c->reason)
            assert_status(d, (int)c->status, c->reason, c->message);
        /* details.group is omitempty: the core group leaves it out. */
        if (c->status == 422)
            ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(d, "details"), "group"));
        cJSON_Delete(d);
    }
    /* generateName gets a random suffix. */
    d = call("POST", "/api/v1/namespaces/team-a/pods", "application/json",
             "{\"metadata\":{\"generateName\":\"job-\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}}", 201);
    ck_assert_int_eq(strncmp(str(d, "metadata", "name"), "job-", 4), 0);
    ck_assert_uint_eq(strlen(str(d, "metadata", "name")), 9);
    cJSON_Delete(d);
}
END_TEST

START_TEST(oversized_body_is_413)
{
    size_t n = 200 * 1024;
    char *big = malloc(n + 64);
    snprintf(big, 64, "{\"metadata\":{\"name\":\"big\"},\"data\":{\"x\":\"");
    size_t off = strlen(big);
    memset(big + off, 'a', n);
    strcpy(big + off + n, "\"}}");
    cJSON *d = call("POST", "/api/v1/namespaces/team-a/configmaps", "application/json", big, 413);
    assert_status(d, 413, "RequestEntityTooLarge", "Request entity too large: limit is 65536");
    cJSON_Delete(d);
    free(big);
    /* The server still answers. */
    d = call("GET", "/api/v1/namespaces", NULL, NULL, 200);
    cJSON_Delete(d);
}
END_TEST

START_TEST(unknown_paths_and_methods)
{
    cJSON *d = call("GET", "/api/v1/frobs", NULL, NULL, 404);
    assert_status(d, 404, "NotFound", "the server could not find the requested resource");
    cJSON_Delete(d);
    /* Outside every served group-version the apiserver's mux answers in plain text (measured on
     * kube-apiserver 1.33, fidelity/results.md). */
    const char *const unserved[] = {"/totally/else", "/apis/nope.io/v1/things"};
    for (size_t i = 0; i < 2; i++) {
        char url[1024], ct[128];
        snprintf(url, sizeof url, "%s%s", lwc_mock_url(srv), unserved[i]);
        http_response r;
        ck_assert_int_eq(http_request(NULL, url, "application/json", NULL, NULL, &r), 0);
        ck_assert_int_eq(r.status, 404);
        ck_assert_str_eq(http_header(&r, "Content-Type", ct, sizeof ct), "text/plain; charset=utf-8");
        ck_assert_str_eq(r.body, "404 page not found\n");
        http_response_free(&r);
    }
    d = call("GET", "/api/v1/namespaces/team-a/pods/x/status", NULL, NULL, 404);
    cJSON_Delete(d);
    d = call("POST", "/api/v1/pods", "application/json", pod, 405);
    assert_status(d, 405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(d, "message")->valuestring,
                     "the server does not allow this method on the requested resource");
    cJSON_Delete(d);
    d = call("DELETE", "/api/v1/namespaces/team-a/pods", NULL, NULL, 405);
    cJSON_Delete(d);
}
END_TEST

START_TEST(delete_answers_as_each_store_does)
{
    /* kube-apiserver 1.33 (fidelity/results.md): a configmap's DELETE answers a Success Status
     * naming it; a pod's (graceful deletion) answers the object. */
    cJSON *d = call("POST", "/api/v1/namespaces/team-a/configmaps", "application/json",
                    "{\"metadata\":{\"name\":\"cm\"},\"data\":{\"k\":\"v\"}}", 201);
    char uid[64];
    snprintf(uid, sizeof uid, "%s", str(d, "metadata", "uid"));
    cJSON_Delete(d);
    d = call("DELETE", "/api/v1/namespaces/team-a/configmaps/cm", NULL, NULL, 200);
    ck_assert_str_eq(str(d, "kind", NULL), "Status");
    ck_assert_str_eq(str(d, "status", NULL), "Success");
    ck_assert_str_eq(str(d, "details", "name"), "cm");
    ck_assert_str_eq(str(d, "details", "kind"), "configmaps");
    ck_assert_str_eq(str(d, "details", "uid"), uid);
    ck_assert_ptr_nonnull(cJSON_GetObjectItemCaseSensitive(d, "metadata"));
    cJSON_Delete(d);
    d = call("POST", "/api/v1/namespaces/team-a/pods", "application/json", pod, 201);
    cJSON_Delete(d);
    d = call("DELETE", "/api/v1/namespaces/team-a/pods/web", NULL, NULL, 200);
    ck_assert_str_eq(str(d, "kind", NULL), "Pod");
    cJSON_Delete(d);
}
END_TEST

START_TEST(container_defaults_in_go_member_order)
{
    /* kube-apiserver 1.33 writes a container's defaults in the struct's order (fidelity/results.md). */
    cJSON *d = call("POST", "/api/v1/namespaces/team-a/pods", "application/json",
                    "{\"metadata\":{\"name\":\"ordered\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"nginx:1.27\"}]}}",
                    201);
    const cJSON *c = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(d, "spec"), "containers"), 0);
    const char *want[] = {"name", "image", "resources", "terminationMessagePath", "terminationMessagePolicy", "imagePullPolicy"};
    const cJSON *m = c ? c->child : NULL;
    for (size_t i = 0; i < sizeof want / sizeof *want; i++, m = m->next) {
        ck_assert_msg(m != NULL, "container has only %zu members", i);
        ck_assert_str_eq(m->string, want[i]);
    }
    cJSON_Delete(d);
}
END_TEST

START_TEST(deleting_a_namespace_takes_its_contents)
{
    cJSON *d = call("POST", "/api/v1/namespaces/team-a/pods", "application/json", pod, 201);
    cJSON_Delete(d);
    d = call("DELETE", "/api/v1/namespaces/team-a", NULL, NULL, 200);
    cJSON_Delete(d);
    d = call("GET", "/api/v1/pods", NULL, NULL, 200);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(d, "items")), 0);
    cJSON_Delete(d);
}
END_TEST

/* Raw bytes that no HTTP library would send. */
static void send_raw(const char *bytes, size_t len)
{
    int fd = test_connect_raw(srv);
    ssize_t w = send(fd, bytes, len, MSG_NOSIGNAL);
    (void)w;
    struct timeval tv = {2, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[512];
    ssize_t r = recv(fd, buf, sizeof buf, 0);
    (void)r;
    close(fd);
}

START_TEST(hostile_requests_do_not_hurt)
{
    /* wire/: a request line that is not one, a body of 100 GB announced, bad
     * percent escapes, a header never finished. */
    static const char *const wires[] = {"garbage-request-line", "huge-content-length", "bad-percent-escapes",
                                        "unfinished-header"};
    for (size_t i = 0; i < sizeof wires / sizeof wires[0]; i++) {
        size_t len;
        char *bytes = test_read_wire(wires[i], &len);
        send_raw(bytes, len);
        free(bytes);
    }
    /* Generated: 15,000 bytes of label selector. */
    char *longq = malloc(20000);
    strcpy(longq, "GET /api/v1/pods?labelSelector=");
    memset(longq + strlen(longq), 'a', 15000);
    strcpy(longq + 31 + 15000, " HTTP/1.1\r\nHost: x\r\n\r\n");
    send_raw(longq, strlen(longq));
    free(longq);
    cJSON *d = call("GET", "/api/v1/pods?continue=eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6OTk5OTk5OSwic3RhcnQiOiJhXHUwMDAwIn0", NULL, NULL, 500);
    assert_status(d, 500, "InternalError", "future revision");
    cJSON_Delete(d);
    d = call("GET", "/api/v1/pods?labelSelector=a%3D%3D%3D%3Db", NULL, NULL, 400);
    cJSON_Delete(d);
    d = call("GET", "/api/v1/namespaces", NULL, NULL, 200);
    cJSON_Delete(d);
}
END_TEST

START_TEST(request_log_records_requests)
{
    size_t before = lwc_mock_log_count(srv);
    cJSON *d = call("GET", "/api/v1/pods?limit=3&labelSelector=app%3Dweb", NULL, NULL, 200);
    cJSON_Delete(d);
    ck_assert_int_eq(lwc_mock_log_wait(srv, before + 1, 2000), LWC_MOCK_OK);
    lwc_mock_request req;
    ck_assert_int_eq(lwc_mock_log_get(srv, before, &req), LWC_MOCK_OK);
    ck_assert_str_eq(req.method, "GET");
    ck_assert_str_eq(req.path, "/api/v1/pods");
    ck_assert_str_eq(req.query, "limit=3&labelSelector=app%3Dweb");
    ck_assert_int_eq(req.status, 200);
    ck_assert(!req.is_watch);
    char *sel = lwc_mock_query_param(req.query, "labelSelector");
    ck_assert_str_eq(sel, "app=web");
    free(sel);
    ck_assert_ptr_null(lwc_mock_query_param(req.query, "continue"));
    lwc_mock_request_free(&req);
    ck_assert_int_eq(lwc_mock_log_get(srv, 1000000, &req), LWC_MOCK_ENOENT);
    ck_assert_int_eq(lwc_mock_log_wait(srv, before + 50, 100), LWC_MOCK_ETIMEDOUT);
}
END_TEST

START_TEST(api_errors_name_the_problem)
{
    char err[256];
    ck_assert_int_eq(lwc_mock_create(srv, "/api/v1", "frobs", "{}", NULL, err, sizeof err), LWC_MOCK_ENOENT);
    ck_assert(strstr(err, "no resource \"frobs\" under /api/v1"));
    ck_assert_int_eq(lwc_mock_create(srv, "/api/v1", "pods", "{", NULL, err, sizeof err), LWC_MOCK_EINVAL);
    ck_assert(strstr(err, "not a JSON object"));
    ck_assert_int_eq(lwc_mock_create(srv, "/api/v1", "pods", "{\"metadata\":{\"name\":\"x\"}}", NULL, err, sizeof err),
                     LWC_MOCK_EINVAL);
    ck_assert(strstr(err, "metadata.namespace is required"));
    ck_assert_int_eq(lwc_mock_delete(srv, "/api/v1", "pods", "a", "nope", NULL, err, sizeof err), LWC_MOCK_ENOENT);
    ck_assert_int_eq(lwc_mock_add_resource(srv, "example.com", "v1", "widgets", "widget", "Widget", 1, err, sizeof err),
                     LWC_MOCK_EEXIST);
    ck_assert_int_eq(lwc_mock_add_resource(srv, "stable.example.com", "v1", "crontabs", "crontab", "CronTab", 1, err,
                                           sizeof err), LWC_MOCK_OK);
    cJSON *d = call("GET", "/apis/stable.example.com/v1/crontabs", NULL, NULL, 200);
    ck_assert_str_eq(str(d, "kind", NULL), "CronTabList");
    cJSON_Delete(d);
    char *json = lwc_mock_list_json(srv, "/api/v1", "namespaces", NULL, "bad selector (", 0, err, sizeof err);
    ck_assert_ptr_null(json);
    json = lwc_mock_list_json(srv, "/api/v1", "namespaces", NULL, NULL, 0, err, sizeof err);
    ck_assert_ptr_nonnull(json);
    ck_assert(strstr(json, "\"name\":\"team-a\""));
    free(json);
}
END_TEST

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    Suite *s = suite_create("http_writes");
    TCase *tc = tcase_create("writes");
    tcase_set_timeout(tc, 30);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, create_get_update_patch_delete);
    tcase_add_test(tc, create_errors);
    tcase_add_test(tc, oversized_body_is_413);
    tcase_add_test(tc, unknown_paths_and_methods);
    tcase_add_test(tc, deleting_a_namespace_takes_its_contents);
    tcase_add_test(tc, container_defaults_in_go_member_order);
    tcase_add_test(tc, delete_answers_as_each_store_does);
    tcase_add_test(tc, hostile_requests_do_not_hurt);
    tcase_add_test(tc, request_log_records_requests);
    tcase_add_test(tc, api_errors_name_the_problem);
    suite_add_tcase(s, tc);
    int rc = run_suite(s);
    curl_global_cleanup();
    return rc;
}
