// lwc client-protocol adapter around kube-rs: kube_runtime::watcher feeding a reflector store,
// READY when the store's reader is ready, DUMP answered from reader.state().
//
// The list/watch loop is entirely kube-runtime's (watcher + reflector + default_backoff); this file
// only turns the LWC_* environment into a watcher::Config and the store into protocol lines.
use std::io::Write;

use futures::StreamExt;
use kube::{
    api::{Api, ApiResource, DynamicObject, GroupVersionKind},
    runtime::{
        reflector::{self, store::Writer},
        watcher, WatchStreamExt,
    },
    Client, ResourceExt,
};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};

/// The kube-runtime version this binary was built against (read from its Cargo.lock by build.rs).
const KUBE_VERSION: &str = env!("LWC_KUBE_VERSION");

/// Capabilities this build of kube-runtime really has (README.md says why for each).
fn capabilities() -> Vec<&'static str> {
    let mut caps = vec!["rewatch", "relist", "retry", "bookmarks", "watchList"];
    // The client-side idle timeout on watch streams (timeoutSeconds + 5 s) arrived in kube 4.0.0
    // (kube-rs/kube PR #1945); before it a silent stream is awaited until the server closes it.
    if cfg!(feature = "idle-timeout") {
        caps.push("watchTimeout");
    }
    caps
}

/// One protocol line on stdout; stdout's lock keeps each line whole.
fn emit(line: &Value) {
    let mut out = std::io::stdout().lock();
    // A closed stdout means the harness is gone: nothing useful is left to do with the error.
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn log(level: &str, message: &str) {
    emit(&json!({"type": "LOG", "level": level, "message": message}));
}

fn env_or_empty(name: &str) -> String {
    std::env::var(name).unwrap_or_default()
}

/// The ApiResource for LWC_API_PATH (`/api/v1` or `/apis/GROUP/VERSION`) and LWC_RESOURCE.
fn api_resource(api_path: &str, plural: &str) -> Result<ApiResource, String> {
    let parts: Vec<&str> = api_path.trim_matches('/').split('/').collect();
    let (group, version) = match parts.as_slice() {
        ["api", version] => ("", *version),
        ["apis", group, version] => (*group, *version),
        _ => return Err(format!("LWC_API_PATH {api_path:?} is neither /api/VERSION nor /apis/GROUP/VERSION")),
    };
    if plural.is_empty() {
        return Err("LWC_RESOURCE is empty".into());
    }
    // The kind only labels the type (the watcher's requests use the plural); a guess from the
    // plural is enough for that.
    let singular = plural.strip_suffix('s').unwrap_or(plural);
    let mut kind: Vec<char> = singular.chars().collect();
    if let Some(first) = kind.first_mut() {
        *first = first.to_ascii_uppercase();
    }
    let gvk = GroupVersionKind::gvk(group, version, &kind.into_iter().collect::<String>());
    Ok(ApiResource::from_gvk_with_plural(&gvk, plural))
}

/// watcher::Config from the scenario's environment.
fn watcher_config() -> Result<watcher::Config, String> {
    let mut cfg = watcher::Config::default();
    match env_or_empty("LWC_PAGE_SIZE").as_str() {
        "" => {}
        "0" => cfg.page_size = None,
        n => {
            let size: u32 = n.parse().map_err(|e| format!("LWC_PAGE_SIZE {n:?}: {e}"))?;
            cfg = cfg.page_size(size);
        }
    }
    let selector = env_or_empty("LWC_LABEL_SELECTOR");
    if !selector.is_empty() {
        cfg = cfg.labels(&selector);
    }
    if env_or_empty("LWC_WATCH_LIST") == "1" {
        cfg = cfg.streaming_lists();
    }
    let timeout = env_or_empty("LWC_WATCH_TIMEOUT");
    if !timeout.is_empty() {
        let secs: u32 = timeout.parse().map_err(|e| format!("LWC_WATCH_TIMEOUT {timeout:?}: {e}"))?;
        cfg = cfg.timeout(secs);
    }
    Ok(cfg)
}

fn snapshot(store: &reflector::Store<DynamicObject>, seq: &str) -> Value {
    let items: Vec<Value> = store
        .state()
        .iter()
        .map(|obj| {
            json!({
                "namespace": obj.namespace().unwrap_or_default(),
                "name": obj.name_any(),
                "uid": obj.uid().unwrap_or_default(),
                "resourceVersion": obj.resource_version().unwrap_or_default(),
            })
        })
        .collect();
    // seq is echoed as the number the harness sent.
    let seq: Value = seq.parse::<u64>().map(Value::from).unwrap_or_else(|_| Value::from(seq));
    json!({"type": "SNAPSHOT", "seq": seq, "items": items})
}

async fn run() -> Result<(), String> {
    emit(&json!({
        "type": "HELLO",
        "protocol": 2,
        "client": format!("kube-rs {KUBE_VERSION} (kube_runtime::watcher + reflector, DynamicObject)"),
        "capabilities": capabilities(),
    }));

    let ar = api_resource(&env_or_empty("LWC_API_PATH"), &env_or_empty("LWC_RESOURCE"))?;
    let cfg = watcher_config()?;
    // KUBECONFIG is read by Config::infer(), as for any kube-rs program.
    let client = Client::try_default().await.map_err(|e| format!("Client::try_default: {e}"))?;
    let namespace = env_or_empty("LWC_NAMESPACE");
    let api: Api<DynamicObject> = if namespace.is_empty() {
        Api::all_with(client, &ar)
    } else {
        Api::namespaced_with(client, &namespace, &ar)
    };

    let writer = Writer::new(ar);
    let reader = writer.as_reader();

    // The reflector keeps the store; the stream has to be polled for anything to happen.
    let mut lists = 0u64;
    let stream = reflector::reflector(writer, watcher::watcher(api, cfg)).default_backoff();
    tokio::spawn(stream.for_each(move |ev| {
        match ev {
            Ok(watcher::Event::Init) => {
                lists += 1;
                if lists > 1 {
                    emit(&json!({"type": "RESTART", "reason": "watcher::Event::Init (a new initial list)"}));
                }
            }
            Ok(_) => {}
            // default_backoff() waits before the watcher's next poll; the watcher recovers itself.
            Err(e) => log("warn", &format!("watcher error: {e}")),
        }
        futures::future::ready(())
    }));

    let ready_reader = reader.clone();
    tokio::spawn(async move {
        match ready_reader.wait_until_ready().await {
            Ok(()) => emit(&json!({"type": "READY"})),
            Err(e) => log("error", &format!("store never became ready: {e}")),
        }
    });

    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    loop {
        let line = lines.next_line().await.map_err(|e| format!("reading stdin: {e}"))?;
        let Some(line) = line else { return Ok(()) }; // end of input means STOP
        let mut words = line.split_whitespace();
        match (words.next(), words.next()) {
            (Some("DUMP"), Some(seq)) => emit(&snapshot(&reader, seq)),
            (Some("STOP"), _) => return Ok(()),
            _ => log("warn", &format!("unknown command {line:?}")),
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let code = match run().await {
        Ok(()) => 0,
        Err(e) => {
            log("error", &e);
            eprintln!("lwc-kube-rs: {e}");
            1
        }
    };
    // Exit at once: the watcher task would otherwise keep the runtime alive.
    std::process::exit(code);
}
