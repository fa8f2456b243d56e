//! API-server faults end to end: error rates, added latency, dropped watches and scripted fault
//! windows, over real HTTPS against the sim (the pure decisions are unit-tested in
//! `sim::server::fault`).

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use bellows_e2e::sim::controllers::ControllerSettings;
use bellows_e2e::sim::server::fault::{ApiFault, ApiFilter, ErrorKind};
use bellows_e2e::sim::{SimConfig, SimHandle, scenario};
use serde_json::json;

use common::{Client, WatchStream, configmap, start_bare_sim, start_sim_with};

const CONFIGMAPS: &str = "/api/v1/namespaces/default/configmaps";

fn only(verbs: &[&str], resources: &[&str]) -> ApiFilter {
    ApiFilter {
        verbs: verbs.iter().map(|v| (*v).to_owned()).collect(),
        resources: resources.iter().map(|r| (*r).to_owned()).collect(),
        groups: Vec::new(),
    }
}

/// A bare sim (no kubelets, no controllers) with a scenario given as text.
async fn start_with_scenario(text: &str) -> SimHandle {
    let scenario = scenario::parse(text, Path::new(".")).expect("scenario parses");
    let controllers = ControllerSettings { enabled: false, ..ControllerSettings::default() };
    start_sim_with(SimConfig {
        scenario: Some(scenario),
        kubelets: false,
        controllers,
        ..SimConfig::default()
    })
    .await
}

/// The codes of `count` sequential GETs of one `ConfigMap`.
async fn get_codes(client: &Client, count: usize) -> Vec<u16> {
    let mut codes = Vec::with_capacity(count);
    for _ in 0..count {
        codes.push(client.get(&format!("{CONFIGMAPS}/cm")).await.status);
    }
    codes
}

/// Whether the stream ends (rather than only falling silent) within `wait`.
async fn ends_within(stream: &mut WatchStream, wait: Duration) -> bool {
    let started = Instant::now();
    loop {
        let left = wait.saturating_sub(started.elapsed());
        match stream.next_within(left).await {
            // Bookmarks and events may still come before the end.
            Some(_) => {}
            None => return started.elapsed() < wait,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_rate_fails_about_that_fraction_of_matching_requests_reproducibly() {
    let sim = start_bare_sim(0).await;
    let client = Client::admin(&sim);
    assert_eq!(client.post(CONFIGMAPS, &configmap("cm", &json!({}))).await.status, 201);
    let fault = ApiFault {
        filter: only(&["get"], &["configmaps"]),
        error_rate: 0.25,
        seed: 11,
        ..ApiFault::default()
    };
    sim.set_api_faults(vec![fault.clone()]);

    let codes = get_codes(&client, 200).await;
    let errors = codes.iter().filter(|c| **c == 500).count();
    assert_eq!(errors + codes.iter().filter(|c| **c == 200).count(), 200, "{codes:?}");
    assert!((30..=70).contains(&errors), "{errors} of 200 failed, want about 50");
    // Other verbs and resources are untouched.
    for _ in 0..20 {
        assert_eq!(client.get(CONFIGMAPS).await.status, 200);
        assert_eq!(client.get("/api/v1/namespaces/default").await.status, 200);
    }
    // The same seed from a fresh start gives the same sequence.
    sim.set_api_faults(vec![fault]);
    assert_eq!(get_codes(&client, 200).await, codes);

    sim.set_api_faults(vec![ApiFault { error_rate: 1.0, ..ApiFault::default() }]);
    let failed = client.get(&format!("{CONFIGMAPS}/cm")).await;
    assert_eq!(failed.status, 500);
    assert_eq!(failed.body["reason"], "InternalError");
    assert_eq!(
        failed.body["message"],
        "Internal error occurred: injected fault (bellows-sim API error rate)"
    );
    sim.clear_api_faults();
    assert_eq!(get_codes(&client, 20).await, vec![200; 20]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttled_requests_get_429_with_retry_after_seconds() {
    let sim = start_bare_sim(0).await;
    let client = Client::admin(&sim);
    sim.set_api_faults(vec![ApiFault {
        filter: only(&["patch"], &["deployments/scale"]),
        error_rate: 1.0,
        error: ErrorKind::TooManyRequests,
        retry_after: 3,
        ..ApiFault::default()
    }]);
    let created =
        client.post("/apis/apps/v1/namespaces/default/deployments", &common::deployment("web", 1)).await;
    assert_eq!(created.status, 201);
    let scale = "/apis/apps/v1/namespaces/default/deployments/web/scale";
    let patched =
        client.patch(scale, "application/merge-patch+json", &json!({"spec": {"replicas": 3}})).await;
    assert_eq!(patched.status, 429, "{:?}", patched.body);
    assert_eq!(patched.body["reason"], "TooManyRequests");
    assert_eq!(patched.body["details"]["retryAfterSeconds"], 3);
    // The deployment itself is not throttled.
    let main = client
        .patch(
            "/apis/apps/v1/namespaces/default/deployments/web",
            "application/merge-patch+json",
            &json!({"spec": {"replicas": 2}}),
        )
        .await;
    assert_eq!(main.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn latency_delays_matching_requests_by_at_least_the_configured_time() {
    let sim = start_bare_sim(0).await;
    let client = Client::admin(&sim);
    sim.set_api_faults(vec![ApiFault {
        filter: only(&["list"], &["configmaps"]),
        latency: Duration::from_millis(300),
        jitter: Duration::from_millis(100),
        ..ApiFault::default()
    }]);
    for _ in 0..3 {
        let started = Instant::now();
        assert_eq!(client.get(CONFIGMAPS).await.status, 200);
        assert!(started.elapsed() >= Duration::from_millis(300), "{:?}", started.elapsed());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_watch_ends_and_a_rewatch_from_the_last_bookmark_loses_no_events() {
    let sim = start_bare_sim(0).await;
    let client = Client::admin(&sim);
    let rv =
        client.get(CONFIGMAPS).await.body["metadata"]["resourceVersion"].as_str().expect("rv").to_owned();
    let mut watch =
        client.watch(&format!("{CONFIGMAPS}?watch=1&allowWatchBookmarks=true&resourceVersion={rv}")).await;
    assert_eq!(client.post(CONFIGMAPS, &configmap("a", &json!({}))).await.status, 201);
    let added = watch.next().await;
    assert_eq!(
        (added["type"].as_str(), added["object"]["metadata"]["name"].as_str()),
        (Some("ADDED"), Some("a"))
    );
    let bookmark = loop {
        let event = watch.next().await;
        if event["type"] == "BOOKMARK" {
            break event["object"]["metadata"]["resourceVersion"].as_str().expect("rv").to_owned();
        }
    };

    sim.drop_watches();
    assert!(ends_within(&mut watch, Duration::from_secs(3)).await, "the watch did not end");
    // Written while no watch is open.
    assert_eq!(client.post(CONFIGMAPS, &configmap("b", &json!({}))).await.status, 201);
    let mut rewatch = client.watch(&format!("{CONFIGMAPS}?watch=1&resourceVersion={bookmark}")).await;
    let resumed = rewatch.next().await;
    assert_eq!(
        (resumed["type"].as_str(), resumed["object"]["metadata"]["name"].as_str()),
        (Some("ADDED"), Some("b"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scripted_error_fault_is_active_only_in_its_window() {
    let sim = start_with_scenario(
        "nodes: {count: 1}\n\
         faults:\n  - {api: {verbs: [get], resources: [configmaps], errorRate: 1}, from: 3s, to: 5s}\n",
    )
    .await;
    let client = Client::admin(&sim);
    assert_eq!(client.post(CONFIGMAPS, &configmap("cm", &json!({}))).await.status, 201);
    let (mut before, mut inside, mut after) = (0, 0, 0);
    let deadline = Instant::now() + Duration::from_secs(20);
    while sim.api_faults().now() < 5.6 && Instant::now() < deadline {
        let t0 = sim.api_faults().now();
        let code = client.get(&format!("{CONFIGMAPS}/cm")).await.status;
        let t1 = sim.api_faults().now();
        if t1 < 3.0 {
            assert_eq!(code, 200, "at {t0:.2}–{t1:.2}s");
            before += 1;
        } else if t0 >= 3.0 && t1 < 5.0 {
            assert_eq!(code, 500, "at {t0:.2}–{t1:.2}s");
            inside += 1;
        } else if t0 >= 5.0 {
            assert_eq!(code, 200, "at {t0:.2}–{t1:.2}s");
            after += 1;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(before > 0 && inside > 0 && after > 0, "before {before}, inside {inside}, after {after}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scripted_watch_drops_close_matching_watches_every_period() {
    let sim = start_with_scenario(
        "nodes: {count: 1}\nfaults:\n  - {api: {resources: [configmaps], dropWatchesEvery: 1s}, from: 0s}\n",
    )
    .await;
    let client = Client::admin(&sim);
    let rv =
        client.get(CONFIGMAPS).await.body["metadata"]["resourceVersion"].as_str().expect("rv").to_owned();
    let secrets = format!("/api/v1/namespaces/default/secrets?watch=1&resourceVersion={rv}");
    let mut untouched = client.watch(&secrets).await;
    for _ in 0..2 {
        let mut watch = client.watch(&format!("{CONFIGMAPS}?watch=1&resourceVersion={rv}")).await;
        assert!(ends_within(&mut watch, Duration::from_millis(2500)).await, "the watch was not dropped");
    }
    // A watch the filter does not select stays open.
    assert!(!ends_within(&mut untouched, Duration::from_millis(1500)).await, "the secrets watch ended");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rewatch_from_beyond_the_watch_log_after_a_drop_gets_410_expired() {
    let controllers = ControllerSettings { enabled: false, ..ControllerSettings::default() };
    let sim = start_sim_with(SimConfig {
        watch_log_capacity: 3,
        kubelets: false,
        controllers,
        ..SimConfig::default()
    })
    .await;
    let client = Client::admin(&sim);
    let rv =
        client.get(CONFIGMAPS).await.body["metadata"]["resourceVersion"].as_str().expect("rv").to_owned();
    let mut watch = client.watch(&format!("{CONFIGMAPS}?watch=1&resourceVersion={rv}")).await;
    sim.drop_watches();
    assert!(ends_within(&mut watch, Duration::from_secs(3)).await, "the watch did not end");
    // More writes than the log keeps while no watch is open.
    for i in 0..5 {
        assert_eq!(client.post(CONFIGMAPS, &configmap(&format!("cm-{i}"), &json!({}))).await.status, 201);
    }
    let mut rewatch = client.watch(&format!("{CONFIGMAPS}?watch=1&resourceVersion={rv}")).await;
    let expired = rewatch.next().await;
    assert_eq!(expired["type"], "ERROR");
    assert_eq!(
        (expired["object"]["code"].as_i64(), expired["object"]["reason"].as_str()),
        (Some(410), Some("Expired"))
    );
}
