// The lwc client protocol around @kubernetes/client-node's informer (makeInformer / ListWatch).
//
// The library does the list/watch loop (dist/cache.js ListWatch.doneHandler, dist/watch.js).
// This file is glue: it builds the list function the informer calls, restarts the informer
// from its `error` handler as the library's informer example does, and translates the cache
// and its callbacks into protocol lines.
import * as k8s from '@kubernetes/client-node';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';

const require = createRequire(import.meta.url);
const LIB_VERSION = require('@kubernetes/client-node/package.json').version;

function usage(msg) {
    process.stderr.write(`lwc-client-node: ${msg}\n` +
        'usage: lwc-client-node.mjs [--list=pager|one-page] [--restart-delay-ms=N]\n');
    process.exit(2);
}

// Options. --list=pager (default): the list function follows metadata.continue itself, because
// the informer calls it once and stores whatever it returns (cache.js:108-117).
// --list=one-page: the list function returns the first page only, as a list function written
// from the library's examples plus a `limit` does; the informer then keeps only that page.
let listMode = 'pager';
let restartDelayMs = 1000;
for (const arg of process.argv.slice(2)) {
    let m;
    if ((m = /^--list=(pager|one-page)$/.exec(arg))) listMode = m[1];
    else if ((m = /^--restart-delay-ms=(\d+)$/.exec(arg))) restartDelayMs = Number(m[1]);
    else usage(`unknown argument ${arg}`);
}

const env = process.env;
const apiPath = env.LWC_API_PATH || '/api/v1';
const resource = env.LWC_RESOURCE || 'pods';
const namespace = env.LWC_NAMESPACE || '';
const collection = env.LWC_COLLECTION ||
    (namespace ? `${apiPath}/namespaces/${namespace}/${resource}` : `${apiPath}/${resource}`);
const pageSize = Number(env.LWC_PAGE_SIZE || '0');
if (!Number.isInteger(pageSize) || pageSize < 0) usage(`bad LWC_PAGE_SIZE ${env.LWC_PAGE_SIZE}`);
const labelSelector = env.LWC_LABEL_SELECTOR || undefined;

function out(obj) {
    // stdout is a pipe: synchronous on Linux, so a line is whole before process.exit.
    process.stdout.write(JSON.stringify(obj) + '\n');
}
function log(level, message) {
    out({ type: 'LOG', level, message });
}

const kc = new k8s.KubeConfig();
kc.loadFromDefault();

// One page of the collection through the generated API client, the way client-node users list.
function pageFunction() {
    const common = {};
    if (pageSize > 0) common.limit = pageSize;
    if (labelSelector) common.labelSelector = labelSelector;
    if (apiPath === '/api/v1') {
        const core = kc.makeApiClient(k8s.CoreV1Api);
        const table = {
            pods: [(p) => core.listPodForAllNamespaces(p), (p) => core.listNamespacedPod(p)],
            configmaps: [(p) => core.listConfigMapForAllNamespaces(p), (p) => core.listNamespacedConfigMap(p)],
            services: [(p) => core.listServiceForAllNamespaces(p), (p) => core.listNamespacedService(p)],
            secrets: [(p) => core.listSecretForAllNamespaces(p), (p) => core.listNamespacedSecret(p)],
            namespaces: [(p) => core.listNamespace(p), null],
            nodes: [(p) => core.listNode(p), null],
        };
        const fns = table[resource];
        if (!fns) usage(`no CoreV1Api list call for ${resource}`);
        if (namespace) {
            if (!fns[1]) usage(`${resource} is cluster-scoped but LWC_NAMESPACE is ${namespace}`);
            return (cont) => fns[1]({ ...common, namespace, _continue: cont });
        }
        return (cont) => fns[0]({ ...common, _continue: cont });
    }
    const m = /^\/apis\/([^/]+)\/([^/]+)$/.exec(apiPath);
    if (!m) usage(`cannot parse LWC_API_PATH ${apiPath}`);
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    const base = { ...common, group: m[1], version: m[2], plural: resource };
    if (namespace) return (cont) => custom.listNamespacedCustomObject({ ...base, namespace, _continue: cont });
    return (cont) => custom.listClusterCustomObject({ ...base, _continue: cont });
}

// The typed lists carry the token as metadata._continue, the custom-object lists as plain JSON.
function continueOf(list) {
    const md = list && list.metadata;
    return (md && (md._continue || md['continue'])) || undefined;
}

const listPage = pageFunction();

async function listFn() {
    let first = await listPage(undefined);
    const items = [...(first.items || [])];
    let cont = continueOf(first);
    if (listMode === 'pager') {
        while (cont) {
            const page = await listPage(cont);
            items.push(...(page.items || []));
            cont = continueOf(page);
        }
    } else if (cont) {
        log('warn', `one-page list function: the informer drops the rest of the list (continue ${cont})`);
    }
    setImmediate(checkReady);
    return { ...first, items };
}

const informer = k8s.makeInformer(kc, collection, listFn, labelSelector);

let ready = false;
let stopping = false;
let restartTimer = null;
let connects = 0;

function key(obj) {
    const md = obj.metadata || {};
    return { namespace: md.namespace || '', name: md.name || '', uid: md.uid || '',
        resourceVersion: md.resourceVersion || '' };
}
function event(kind) {
    return (obj) => out({ type: 'EVENT', event: kind, ...key(obj) });
}
informer.on('add', event('ADDED'));
informer.on('update', event('MODIFIED'));
informer.on('delete', event('DELETED'));

informer.on('connect', () => {
    connects++;
    // ListWatch fires `connect` before each list-or-watch; it lists when it holds no RV
    // (cache.js:104-118): after a 410 on a watch, or when the adapter restarts it before READY.
    if (!informer.latestResourceVersion()) {
        if (ready) out({ type: 'RESTART', reason: 'informer lists again (resourceVersion reset after 410)' });
        log('info', `connect #${connects}: list`);
    } else {
        log('debug', `connect #${connects}: watch from resourceVersion ${informer.latestResourceVersion()}`);
    }
});

informer.on('error', (err) => {
    if (stopping) return; // informer.stop() aborts the watch and reports it as an error (1.4.0)
    const code = err && (err.code || err.statusCode);
    log('warn', `informer error (${code || 'no code'}): ${String(err && err.message || err).split('\n')[0]}; ` +
        `restarting it in ${restartDelayMs} ms`);
    // The informer stops after an error (cache.js:96-98, 111-113); the library's informer
    // example restarts it from this handler after a delay.
    if (restartTimer) clearTimeout(restartTimer);
    restartTimer = setTimeout(() => {
        restartTimer = null;
        informer.start();
    }, restartDelayMs);
});

// READY: client-node has no HasSynced. ListWatch stores the list's items and its RV
// synchronously right after the list function's promise resolves (cache.js:109-117), in the
// microtask that resumes doneHandler; a macrotask scheduled when the list function returns
// runs after it, when the RV is set and the items are in the cache.
function checkReady() {
    if (!ready && informer.latestResourceVersion()) {
        ready = true;
        out({ type: 'READY' });
    }
}
function stop() {
    if (stopping) return;
    stopping = true;
    if (restartTimer) clearTimeout(restartTimer);
    informer.stop().finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 500).unref();
}

out({
    type: 'HELLO', protocol: 2, client: `@kubernetes/client-node ${LIB_VERSION} informer (node ${process.versions.node})`,
    capabilities: ['rewatch', 'relist', 'retry', 'events'],
});
log('info', `makeInformer(${collection}) list=${listMode} limit=${pageSize || 'none'} ` +
    `labelSelector=${labelSelector || 'none'} restart-delay=${restartDelayMs}ms`);

const input = createInterface({ input: process.stdin });
input.on('line', (line) => {
    const cmd = line.trim();
    let m;
    if ((m = /^DUMP (\d+)$/.exec(cmd))) {
        const items = informer.list().map(key);
        out({ type: 'SNAPSHOT', seq: Number(m[1]), items });
    } else if (cmd === 'STOP') {
        stop();
    } else if (cmd) {
        log('warn', `unknown command ${cmd}`);
    }
});
input.on('close', stop);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

informer.start();
