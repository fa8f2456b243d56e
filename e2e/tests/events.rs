//! Events through both Event APIs: core/v1 and `events.k8s.io/v1` are two views of one stored
//! `events` resource, as in kube-apiserver (writes through either are seen through both, with
//! each API's field names and field selectors).

mod common;

use std::time::Duration;

use serde_json::{Value, json};

use common::{Client, start_bare_sim};

const CORE: &str = "/api/v1/namespaces/default/events";
const EVENTS_V1: &str = "/apis/events.k8s.io/v1/namespaces/default/events";

/// An `events.k8s.io/v1` Event about HPA `hpa`.
fn events_v1_event(name: &str, hpa: &str, note: &str) -> Value {
    json!({
        "apiVersion": "events.k8s.io/v1", "kind": "Event",
        "metadata": {"name": name},
        "eventTime": "2026-01-01T00:00:00.000000Z",
        "reportingController": "bellows", "reportingInstance": "bellows-0",
        "action": "Scale", "reason": "SuccessfulRescale", "type": "Normal", "note": note,
        "regarding": {"kind": "HorizontalPodAutoscaler", "apiVersion": "autoscaling/v2",
                      "namespace": "default", "name": hpa, "uid": format!("uid-{hpa}")},
    })
}

/// A core/v1 Event about pod `pod`.
fn core_event(name: &str, pod: &str, message: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Event", "metadata": {"name": name},
        "involvedObject": {"kind": "Pod", "namespace": "default", "name": pod},
        "reason": "Scheduled", "type": "Normal", "message": message, "count": 1,
        "source": {"component": "default-scheduler"},
        "firstTimestamp": "2026-01-01T00:00:00Z", "lastTimestamp": "2026-01-01T00:00:00Z",
    })
}

fn names(list: &Value) -> Vec<&str> {
    list["items"].as_array().expect("items").iter().filter_map(|e| e["metadata"]["name"].as_str()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_events_v1_event_is_listed_by_core_v1_with_core_field_names() {
    let sim = start_bare_sim(0).await;
    let client = Client::admin(&sim);
    let created = client.post(EVENTS_V1, &events_v1_event("web.1", "web", "New size: 4")).await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    assert_eq!(created.body["apiVersion"], "events.k8s.io/v1");
    assert_eq!(created.body["note"], "New size: 4");
    client.post(EVENTS_V1, &events_v1_event("db.1", "db", "New size: 2")).await;

    let core = client.get(&format!("{CORE}?fieldSelector=involvedObject.name%3Dweb")).await;
    assert_eq!(core.status, 200, "{:?}", core.body);
    assert_eq!(names(&core.body), ["web.1"]);
    let event = &core.body["items"][0];
    assert_eq!(event["apiVersion"], "v1");
    assert_eq!(event["message"], "New size: 4");
    assert_eq!(event["involvedObject"]["kind"], "HorizontalPodAutoscaler");
    assert_eq!(event["reportingComponent"], "bellows");
    assert!(event.get("note").is_none() && event.get("regarding").is_none(), "{event}");

    // What `kubectl describe hpa web` asks for.
    let describe = "involvedObject.name%3Dweb,involvedObject.namespace%3Ddefault,\
                    involvedObject.kind%3DHorizontalPodAutoscaler,involvedObject.uid%3Duid-web";
    let core = client.get(&format!("{CORE}?fieldSelector={describe}")).await;
    assert_eq!(names(&core.body), ["web.1"]);
    let one = client.get(&format!("{CORE}/web.1")).await;
    assert_eq!((one.status, one.body["message"].as_str()), (200, Some("New size: 4")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_core_event_is_served_by_events_v1_with_its_field_selectors() {
    let sim = start_bare_sim(0).await;
    let client = Client::admin(&sim);
    assert_eq!(client.post(CORE, &core_event("web-1.a", "web-1", "Assigned to node-1")).await.status, 201);
    assert_eq!(client.post(CORE, &core_event("web-2.a", "web-2", "Assigned to node-2")).await.status, 201);

    let list = client.get(&format!("{EVENTS_V1}?fieldSelector=regarding.name%3Dweb-2")).await;
    assert_eq!(list.status, 200, "{:?}", list.body);
    assert_eq!(names(&list.body), ["web-2.a"]);
    let event = &list.body["items"][0];
    assert_eq!(event["apiVersion"], "events.k8s.io/v1");
    assert_eq!(event["note"], "Assigned to node-2");
    assert_eq!(event["regarding"]["name"], "web-2");
    assert_eq!(event["deprecatedSource"]["component"], "default-scheduler");
    assert_eq!(event["deprecatedCount"], 1);
    // Core's labels are not events.k8s.io's, as upstream.
    let wrong = client.get(&format!("{EVENTS_V1}?fieldSelector=involvedObject.name%3Dweb-2")).await;
    assert_eq!(wrong.status, 400, "{:?}", wrong.body);
    assert_eq!(wrong.body["message"], "field label not supported: involvedObject.name");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn updates_through_events_v1_are_seen_by_a_core_watch() {
    let sim = start_bare_sim(0).await;
    let client = Client::admin(&sim);
    let created = client.post(EVENTS_V1, &events_v1_event("web.1", "web", "New size: 4")).await;
    let rv = created.body["metadata"]["resourceVersion"].as_str().expect("rv").to_owned();
    let mut watch = client.watch(&format!("{CORE}?watch=1&resourceVersion={rv}")).await;

    let mut patched = created.body.clone();
    patched["note"] = json!("New size: 5");
    patched["deprecatedCount"] = json!(2);
    let updated = client.put(&format!("{EVENTS_V1}/web.1"), &patched).await;
    assert_eq!(updated.status, 200, "{:?}", updated.body);
    assert_eq!(updated.body["note"], "New size: 5");

    let event = watch.next_within(Duration::from_secs(5)).await.expect("a MODIFIED event");
    assert_eq!(event["type"], "MODIFIED");
    assert_eq!(event["object"]["message"], "New size: 5");
    assert_eq!(event["object"]["count"], 2);

    let merged = client
        .patch(&format!("{EVENTS_V1}/web.1"), "application/merge-patch+json", &json!({"note": "New size: 6"}))
        .await;
    assert_eq!((merged.status, merged.body["note"].as_str()), (200, Some("New size: 6")));
    let core = client.get(&format!("{CORE}/web.1")).await;
    assert_eq!(core.body["message"], "New size: 6");
    assert_eq!(core.body["count"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_process_access_through_the_events_v1_key_converts_like_the_api() {
    let sim = start_bare_sim(0).await;
    let mut event = events_v1_event("web.1", "web", "New size: 4");
    event["metadata"]["namespace"] = json!("default");
    let created = sim.create("events.k8s.io", "events", event).expect("created");
    assert_eq!(
        (created["apiVersion"].as_str(), created["note"].as_str()),
        (Some("events.k8s.io/v1"), Some("New size: 4"))
    );
    let core = sim.get("", "events", "default", "web.1").expect("stored as core/v1");
    assert_eq!((core["apiVersion"].as_str(), core["message"].as_str()), (Some("v1"), Some("New size: 4")));
    let viewed = sim.get("events.k8s.io", "events", "default", "web.1").expect("seen through the view");
    assert_eq!(viewed["regarding"]["name"], "web");
    let key = bellows_e2e::sim::store::ResourceKey::new("events.k8s.io", "events");
    let (listed, _) = sim.cluster().list(&key, Some("default"));
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["note"], "New size: 4");
}
