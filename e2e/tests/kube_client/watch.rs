//! `kube::runtime::watcher` and `reflector` against the sim: the store converges to exactly the
//! server's list (names and resourceVersions) in list-then-watch and streaming-list modes,
//! bookmarks arrive and keep a label-selected watcher resumable, and a watcher resuming from a
//! compacted resourceVersion gets 410, relists and is right again afterwards.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bellows_e2e::sim::{SimConfig, SimHandle};
use futures::StreamExt as _;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams, WatchEvent, WatchParams};
use kube::runtime::reflector::{self, Store};
use kube::runtime::watcher::{self, Event};
use serde_json::json;
use tokio::task::JoinHandle;

use super::common::{start_bare_sim, start_sim_with};
use super::{configmap, eventually, kube_client};

/// What one watcher event was, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seen {
    Init,
    InitApply(String),
    InitDone,
    Apply(String),
    Delete(String),
    /// A watcher error with the API status code (0 when not an API status).
    Error(u16),
}

/// A reflector on `api` driven by a background task that records every watcher event.
struct Running {
    store: Store<ConfigMap>,
    seen: Arc<Mutex<Vec<Seen>>>,
    task: JoinHandle<()>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Running {
    fn start(api: Api<ConfigMap>, config: watcher::Config) -> Self {
        let (store, writer) = reflector::store();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        let stream = reflector::reflector(writer, watcher::watcher(api, config));
        let task = tokio::spawn(async move {
            let mut stream = std::pin::pin!(stream);
            while let Some(event) = stream.next().await {
                let name = |cm: &ConfigMap| cm.metadata.name.clone().unwrap_or_default();
                let seen = match event {
                    Ok(Event::Init) => Seen::Init,
                    Ok(Event::InitApply(cm)) => Seen::InitApply(name(&cm)),
                    Ok(Event::InitDone) => Seen::InitDone,
                    Ok(Event::Apply(cm)) => Seen::Apply(name(&cm)),
                    Ok(Event::Delete(cm)) => Seen::Delete(name(&cm)),
                    Err(watcher::Error::WatchError(status)) => Seen::Error(status.code),
                    Err(_) => Seen::Error(0),
                };
                log.lock().expect("event log").push(seen);
            }
        });
        Self { store, seen, task }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("event log").clone()
    }

    fn count(&self, what: &Seen) -> usize {
        self.seen().iter().filter(|s| *s == what).count()
    }

    /// The store's objects as name → resourceVersion.
    fn snapshot(&self) -> BTreeMap<String, String> {
        versions(self.store.state().iter().map(AsRef::as_ref))
    }
}

fn versions<'a>(items: impl Iterator<Item = &'a ConfigMap>) -> BTreeMap<String, String> {
    items
        .map(|cm| {
            (
                cm.metadata.name.clone().unwrap_or_default(),
                cm.metadata.resource_version.clone().unwrap_or_default(),
            )
        })
        .collect()
}

async fn server_list(api: &Api<ConfigMap>, labels: &str) -> BTreeMap<String, String> {
    let params = if labels.is_empty() { ListParams::default() } else { ListParams::default().labels(labels) };
    versions(api.list(&params).await.expect("list").items.iter())
}

/// Wait until the reflector's store equals the server's list under `labels`; returns it.
async fn converged(running: &Running, api: &Api<ConfigMap>, labels: &str) -> BTreeMap<String, String> {
    eventually("the reflector store equals the server's list", || async {
        let server = server_list(api, labels).await;
        (running.snapshot() == server).then_some(server)
    })
    .await
}

async fn create(api: &Api<ConfigMap>, name: &str, tier: &str) {
    api.create(&PostParams::default(), &configmap(name, tier)).await.expect("create");
}

async fn set_data(api: &Api<ConfigMap>, name: &str, value: &str) {
    api.patch(name, &PatchParams::default(), &Patch::Merge(json!({"data": {"k": value}})))
        .await
        .expect("merge patch");
}

/// Create three objects, start a reflector, then create ten, update five and delete three.
async fn reflector_follows_writes(config: watcher::Config) -> (SimHandle, Running) {
    let sim = start_bare_sim(0).await;
    let api: Api<ConfigMap> = Api::default_namespaced(kube_client(&sim).await);
    for i in 0..3 {
        create(&api, &format!("pre-{i}"), "a").await;
    }
    let running = Running::start(api.clone(), config);
    tokio::time::timeout(Duration::from_secs(10), running.store.wait_until_ready())
        .await
        .expect("the store is ready within 10 s")
        .expect("the writer is alive");
    for i in 0..10 {
        create(&api, &format!("cm-{i}"), "a").await;
    }
    for i in 0..5 {
        set_data(&api, &format!("cm-{i}"), "changed").await;
    }
    for name in ["pre-0", "cm-7", "cm-8"] {
        api.delete(name, &DeleteParams::default()).await.expect("delete");
    }
    let server = converged(&running, &api, "").await;
    assert_eq!(server.len(), 10, "{server:?}");
    assert!(!server.contains_key("pre-0") && server.contains_key("cm-9"));
    let cm3 = running.store.state().into_iter().find(|cm| cm.metadata.name.as_deref() == Some("cm-3"));
    assert_eq!(cm3.and_then(|cm| cm.data.clone()).unwrap()["k"], "changed");
    let seen = running.seen();
    assert_eq!(seen.iter().filter(|s| **s == Seen::Init).count(), 1, "{seen:?}");
    assert_eq!(seen.iter().filter(|s| **s == Seen::InitDone).count(), 1, "{seen:?}");
    let initial: Vec<_> = seen.iter().filter(|s| matches!(s, Seen::InitApply(_))).collect();
    assert_eq!(initial.len(), 3, "{seen:?}");
    assert!(seen.contains(&Seen::Delete("cm-8".into())) && seen.contains(&Seen::Apply("cm-4".into())));
    (sim, running)
}

#[tokio::test]
async fn a_list_then_watch_reflector_converges_to_the_servers_list() {
    reflector_follows_writes(watcher::Config::default().page_size(2)).await;
}

#[tokio::test]
async fn a_streaming_list_reflector_converges_to_the_servers_list() {
    let (_sim, running) = reflector_follows_writes(watcher::Config::default().streaming_lists()).await;
    // The initial objects came from the watch itself, ended by the initial-events-end bookmark.
    let seen = running.seen();
    assert_eq!(seen[0], Seen::Init);
    assert_eq!(seen[4], Seen::InitDone, "{seen:?}");
}

#[tokio::test]
async fn a_raw_watch_with_bookmarks_receives_bookmarks_at_the_latest_version() {
    let sim = start_bare_sim(0).await;
    let api: Api<ConfigMap> = Api::default_namespaced(kube_client(&sim).await);
    create(&api, "first", "a").await;
    let rv = api.list(&ListParams::default()).await.expect("list").metadata.resource_version.unwrap();
    let stream = api.watch(&WatchParams::default().timeout(10), &rv).await.expect("watch");
    let mut stream = std::pin::pin!(stream);
    let mut next = async || {
        tokio::time::timeout(Duration::from_secs(3), stream.next())
            .await
            .expect("an event within 3 s")
            .expect("the stream is open")
            .expect("a decodable event")
    };
    let WatchEvent::Bookmark(first) = next().await else { panic!("expected a bookmark first") };
    assert!(first.metadata.resource_version.parse::<u64>().unwrap() >= rv.parse::<u64>().unwrap());
    create(&api, "second", "a").await;
    let added_rv = loop {
        match next().await {
            WatchEvent::Added(cm) => break cm.metadata.resource_version.unwrap(),
            WatchEvent::Bookmark(_) => {}
            other => panic!("unexpected {other:?}"),
        }
    };
    let later = loop {
        if let WatchEvent::Bookmark(b) = next().await {
            break b;
        }
    };
    assert!(later.metadata.resource_version.parse::<u64>().unwrap() >= added_rv.parse::<u64>().unwrap());
}

/// A sim keeping only 20 watch events per resource, and a reflector on `tier=watched` `ConfigMaps`
/// whose watches last 1 s; 40 writes to other `ConfigMaps` (in bursts of 4 every 400 ms, so each
/// bookmark interval sees few) move the log past the reflector's last object.
async fn selective_watcher_under_unrelated_writes(config: watcher::Config) -> (SimHandle, Running) {
    let sim = start_sim_with(SimConfig {
        bookmark_interval: Duration::from_millis(200),
        watch_log_capacity: 20,
        controllers: bellows_e2e::sim::controllers::ControllerSettings {
            enabled: false,
            ..Default::default()
        },
        ..SimConfig::default()
    })
    .await;
    let api: Api<ConfigMap> = Api::default_namespaced(kube_client(&sim).await);
    create(&api, "w-1", "watched").await;
    create(&api, "w-2", "watched").await;
    let running = Running::start(api.clone(), config.labels("tier=watched").timeout(1));
    tokio::time::timeout(Duration::from_secs(10), running.store.wait_until_ready())
        .await
        .expect("ready")
        .expect("writer alive");
    for burst in 0..10 {
        for i in 0..4 {
            create(&api, &format!("other-{burst}-{i}"), "other").await;
        }
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
    // Let the last 1 s watch end and resume once more.
    tokio::time::sleep(Duration::from_millis(1300)).await;
    set_data(&api, "w-1", "after").await;
    api.delete("w-2", &DeleteParams::default()).await.expect("delete");
    create(&api, "w-3", "watched").await;
    let server = converged(&running, &api, "tier=watched").await;
    assert_eq!(server.keys().collect::<Vec<_>>(), ["w-1", "w-3"]);
    (sim, running)
}

#[tokio::test]
async fn bookmarks_keep_a_label_selected_watcher_resuming_without_a_relist() {
    let (_sim, running) = selective_watcher_under_unrelated_writes(watcher::Config::default()).await;
    let seen = running.seen();
    assert_eq!(running.count(&Seen::Init), 1, "{seen:?}");
    assert!(!seen.iter().any(|s| matches!(s, Seen::Error(_))), "{seen:?}");
}

#[tokio::test]
async fn without_bookmarks_a_watcher_resuming_from_a_compacted_version_gets_410_and_relists() {
    let (_sim, running) =
        selective_watcher_under_unrelated_writes(watcher::Config::default().disable_bookmarks()).await;
    let seen = running.seen();
    let gone = seen.iter().position(|s| *s == Seen::Error(410)).expect("a 410 from the resumed watch");
    assert_eq!(seen[gone + 1], Seen::Init, "{seen:?}");
    let relisted: Vec<_> = seen[gone + 1..].iter().take_while(|s| **s != Seen::InitDone).collect();
    assert!(relisted.iter().any(|s| matches!(s, Seen::InitApply(n) if n == "w-1")), "{seen:?}");
    assert!(running.count(&Seen::Init) >= 2);
}

#[tokio::test]
async fn a_raw_watch_from_a_compacted_version_gets_a_410_expired_error_event() {
    let sim = start_sim_with(SimConfig { watch_log_capacity: 5, ..SimConfig::default() }).await;
    let api: Api<ConfigMap> = Api::default_namespaced(kube_client(&sim).await);
    let first = api.create(&PostParams::default(), &configmap("old", "a")).await.expect("create");
    for i in 0..8 {
        set_data(&api, "old", &i.to_string()).await;
    }
    let old_rv = first.metadata.resource_version.unwrap();
    let stream = api.watch(&WatchParams::default(), &old_rv).await.expect("the watch request succeeds");
    let mut stream = std::pin::pin!(stream);
    let event = tokio::time::timeout(Duration::from_secs(3), stream.next())
        .await
        .expect("an event within 3 s")
        .expect("one event")
        .expect("decodable");
    let WatchEvent::Error(status) = event else { panic!("expected an ERROR event, got {event:?}") };
    assert_eq!(status.code, 410);
    assert_eq!(status.reason, "Expired");
    assert!(status.message.starts_with("too old resource version: "), "{}", status.message);
    assert!(stream.next().await.is_none(), "the stream ends after the error");
}
