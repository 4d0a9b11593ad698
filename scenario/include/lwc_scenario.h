/* Scenarios: a world, server behaviour, faults, a timeline and expectations,
 * read from a JSON file (scenarios/README.md is the format's reference) into
 * plain data that code can also build, run and print back.
 *
 * A bad file is refused with its path, the JSON path of the bad member
 * (e.g. "faults[2].action.status") and what was expected. Unknown members
 * are errors: a typo must not silently weaken a test.
 *
 * The language only (lwc_scenario, scenario/): running a scenario on a
 * server, faults at run time and matching logged requests are the server's
 * (lwc_mockserver.h, which includes this header). */
#ifndef LWC_SCENARIO_H
#define LWC_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A request's verb, as the router classifies it (ANY only in matchers). The
 * server's request log (lwc_mockserver.h) records each request's verb and
 * resourceVersion kind with these too. */
typedef enum { LWC_VERB_ANY, LWC_VERB_LIST, LWC_VERB_WATCH, LWC_VERB_GET, LWC_VERB_WRITE } lwc_verb;
/* Its resourceVersion parameter: unset or "", "0", or any other value (ANY only in matchers). */
typedef enum { LWC_RV_ANY, LWC_RV_UNSET, LWC_RV_ZERO, LWC_RV_SET } lwc_rv_match;

typedef enum { LWC_TRI_ANY = -1, LWC_TRI_NO = 0, LWC_TRI_YES = 1 } lwc_tristate;

/* Which requests a fault or an expectation is about. Unset fields match all. */
typedef struct lwc_matcher {
    lwc_verb verb;
    char *resource;   /* plural; NULL: any */
    char *namespace_; /* NULL: any; "" only all-namespace or cluster requests */
    lwc_tristate has_continue;
    int page;         /* list page number (1 = no continue); 0: any */
    lwc_rv_match rv;
    long long limit;  /* expectations only: -1 any, -2 the scenario's page size */
    int watch_list;   /* -1 any; 1 streaming-list watches only; 0 others */
    int status;       /* expectations only: the response's HTTP status; 0 any */
} lwc_matcher;

typedef enum {
    LWC_ACT_STATUS,       /* answer with an HTTP status and its real Status body */
    LWC_ACT_ERROR_EVENT,  /* watch: 200, then an ERROR event after K events, then a clean end */
    LWC_ACT_CLOSE,        /* watch: clean end (final chunk) after K events */
    LWC_ACT_DROP,         /* watch: connection cut in the middle of event K+1 */
    LWC_ACT_STALL,        /* watch: after K events, nothing more, connection held open */
    LWC_ACT_SLOW,         /* watch: every event delayed by delay_ms */
    LWC_ACT_TRUNCATE,     /* watch: after K events, half an event then "\n" */
    LWC_ACT_GARBAGE,      /* watch: after K events, a line that is not JSON */
    LWC_ACT_DELAY,        /* any: answer normally after delay_ms */
} lwc_action_kind;

typedef struct lwc_action {
    lwc_action_kind kind;
    int status;              /* STATUS: 400..599; ERROR_EVENT: the Status code (default 410) */
    int inconsistent_token;  /* 410 on a continue: carry the rv:-1 token (default 1) */
    int retry_after;         /* seconds; 0: none */
    int retry_after_in_body; /* also details.retryAfterSeconds */
    int plain_text;          /* 429 as API Priority and Fairness sends it: text, not a Status */
    int after_events;
    int delay_ms;            /* SLOW, DELAY: the delay; other stream faults: fire no earlier than this after the watch began */
    int compact;             /* ERROR_EVENT: compact history to now first (a 410 always expires the client's RV) */
    int untrue;              /* a 410 the scenario knowingly sends for an RV that is still valid */
    char *message;           /* overrides the default message */
} lwc_action;

typedef struct lwc_fault {
    char *name;
    lwc_matcher match;
    int nth;    /* fire from the nth matching request on (default 1) */
    int times;  /* how many times it fires; 0: every time */
    lwc_action action;
} lwc_fault;

/* The most faults a scenario may hold: what a server installs at once
 * (README "Limits"; lwc_mockserver.h's LWC_MOCK_MAX_FAULTS is this). */
#define LWC_SCENARIO_MAX_FAULTS 1000

typedef enum {
    LWC_STEP_CREATE, LWC_STEP_UPDATE, LWC_STEP_DELETE, LWC_STEP_DELETE_ALL, LWC_STEP_RECREATE,
    LWC_STEP_RELABEL, LWC_STEP_COMPACT, LWC_STEP_CLOSE_WATCHES, LWC_STEP_ADD_FAULT, LWC_STEP_REMOVE_FAULT,
    LWC_STEP_WAIT, LWC_STEP_CHECKPOINT, LWC_STEP_CHURN
} lwc_step_kind;

typedef enum {
    LWC_TRIGGER_NONE,          /* right after the previous step */
    LWC_TRIGGER_READY,         /* the client announced READY */
    LWC_TRIGGER_LIST_PAGES,    /* the count-th list response was served */
    LWC_TRIGGER_WATCH_OPENED,  /* the count-th watch was opened */
    LWC_TRIGGER_WATCH_CLOSED,  /* the count-th watch ended */
    LWC_TRIGGER_REQUESTS,      /* the count-th request of `match` was answered */
} lwc_trigger_kind;

typedef struct lwc_step {
    lwc_trigger_kind trigger;
    int count;
    lwc_matcher trigger_match;
    int after_ms;          /* then wait this long */
    lwc_step_kind kind;
    char *resource;        /* the collection acted on (plural); NULL: the scenario's */
    char *object_json;     /* CREATE, UPDATE, RECREATE (optional) */
    char *ns, *name;       /* DELETE, RECREATE, RELABEL; DELETE_ALL: ns (NULL: all) */
    char *label_selector;  /* DELETE_ALL, RELABEL (alternative to name) */
    char *labels_json;     /* RELABEL: {"k":"v"|null} merged into labels */
    int count_objects;     /* CHURN: writes to make; DELETE_ALL: at most (0 all) */
    int interval_ms;       /* CHURN: between writes */
    lwc_fault *fault;      /* ADD_FAULT */
    char *fault_name;      /* REMOVE_FAULT */
    char *checkpoint;      /* CHECKPOINT: its name */
    int deadline_ms;       /* CHECKPOINT: convergence deadline */
} lwc_step;

typedef struct lwc_expectation {
    lwc_matcher match;
    long long at_least; /* -1: no bound */
    long long at_most;  /* -1: no bound */
    int from_step;      /* count only requests after this step ran (-1: from the start) */
    int window_ms;      /* with from_step: only this long after it (0: to the end) */
    char *why;
} lwc_expectation;

typedef struct lwc_generator {
    char *resource;       /* NULL: the scenario's */
    int namespaces;
    char *namespace_prefix;
    int per_namespace;
    char *name_prefix;
    char *labels_json;    /* labels of every generated object */
    int label_every;      /* labels only on every Nth object (default 1) */
} lwc_generator;

/* What a correct client may lack, and a scenario may need
 * (docs/client-protocol.md, "Capabilities"). */
typedef enum {
    LWC_CAP_REWATCH = 1u << 0,       /* reopens a watch that ended, from its last RV */
    LWC_CAP_RELIST = 1u << 1,        /* lists again by itself after 410 Gone */
    LWC_CAP_RETRY = 1u << 2,         /* retries failed requests with a backoff */
    LWC_CAP_BOOKMARKS = 1u << 3,     /* asks for bookmarks and moves its RV on them */
    LWC_CAP_WATCH_LIST = 1u << 4,    /* streaming lists when LWC_WATCH_LIST=1 */
    LWC_CAP_WATCH_TIMEOUT = 1u << 5, /* takes LWC_WATCH_TIMEOUT, abandons a silent watch */
    LWC_CAP_EVENTS = 1u << 6,        /* sends EVENT lines */
} lwc_capability;
/* What a client without a HELLO line (protocol version 1) is taken to declare. */
#define LWC_CAP_PROTOCOL1 (LWC_CAP_REWATCH | LWC_CAP_RELIST | LWC_CAP_RETRY)

/* "watchList" -> LWC_CAP_WATCH_LIST; 0 for a name that is not a capability. */
unsigned lwc_capability_from_name(const char *name);
/* "rewatch, relist" for those bits, "(none)" for none; returns the length it wanted. */
size_t lwc_capabilities_format(unsigned caps, char *out, size_t len);
/* Every name, comma-separated, for error messages. */
const char *lwc_capability_list(void);

typedef struct lwc_scenario {
    char *path;
    char *name;
    char *description;
    char *reference;
    unsigned requires;          /* lwc_capability bits the client must declare, else not applicable */
    /* the resource watched */
    char *group, *version, *plural, *singular, *kind;
    int namespaced;
    char api_path[160];
    /* what the client is told */
    char *client_namespace;   /* "" all namespaces */
    char *label_selector;
    int page_size;
    int watch_list;
    char *kubeconfig_namespace;
    int watch_timeout_seconds;  /* a hint passed as LWC_WATCH_TIMEOUT (0: none) */
    /* the world */
    char **objects; size_t nobjects;            /* JSON texts of whole objects */
    char **object_resources;                    /* plural per object (NULL: the scenario's) */
    lwc_generator *generators; size_t ngenerators;
    /* server behaviour */
    size_t history_limit;
    int rv0_ignores_limit;
    int page_size_cap;
    int bookmarks;              /* 0 never, 1 on request */
    unsigned bookmark_interval_ms;
    int watch_list_mode;        /* 0 rejected, 1 served, 2 served without the end bookmark */
    int lagging_replica_writes; /* RV=0 lists answered this many writes behind */
    int last_page_empty_continue;
    int expire_below_floor;     /* lists with any RV below the compaction point get 410 */
    int watch_expired_http;     /* watches below the compaction point get HTTP 410, not 200 + ERROR */
    /* faults, timeline, expectations */
    lwc_fault *faults; size_t nfaults;
    lwc_step *steps; size_t nsteps;
    lwc_expectation *expects; size_t nexpects;
    int deadline_ms;
} lwc_scenario;

/* Reads and validates a scenario. On failure returns NULL with
 * "FILE: JSON.PATH: what was expected" in err. */
lwc_scenario *lwc_scenario_load(const char *path, char *err, size_t errlen);
lwc_scenario *lwc_scenario_parse(const char *json, const char *path_for_errors, char *err, size_t errlen);
void lwc_scenario_free(lwc_scenario *sc);
/* The scenario's canonical text (malloc'd; NULL when out of memory): read
 * back by lwc_scenario_parse into the same model. One fault, step or
 * expectation a line, defaults left out: the form the catalog is kept in. */
char *lwc_scenario_print(const lwc_scenario *sc);

/* What a correct client must be able to do to pass a fault (a 410: relist;
 * 429, 5xx, 403: retry; a stream fault: rewatch), and the least a scenario's
 * "requires" must list for its faults, closes and streaming lists (a test
 * keeps the catalog to it; lwc-explore builds "requires" from it). A stall
 * needs only rewatch here: a scenario whose client must detect it itself
 * says watchTimeout in its own "requires". */
unsigned lwc_fault_needs(const lwc_fault *f);
unsigned lwc_scenario_needs(const lwc_scenario *sc);

/* One fault read from its JSON text, as a member of a scenario's "faults"
 * (the control API's POST /lwc/v1/faults body); the server installs it
 * with lwc_mock_add_fault (lwc_mockserver.h). */
lwc_fault *lwc_fault_parse(const char *json, char *err, size_t errlen);
void lwc_fault_free(lwc_fault *f);

#ifdef __cplusplus
}
#endif

#endif
