//! `HorizontalPodAutoscalers` through both `autoscaling` versions: v2 is stored, v1 is a converted
//! view of the same objects (upstream `pkg/apis/autoscaling/v1/conversion.go`), so a write through
//! either version is read through both, and a v1 round trip keeps every v2 field.

mod common;

use std::time::Duration;

use bellows_e2e::sim::SimConfig;
use serde_json::{Value, json};

use bellows_e2e::sim::controllers::ControllerSettings;
use common::kubectl::KubectlSim;
use common::{Client, start_bare_sim};

const V1: &str = "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers";
const V2: &str = "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers";
const METRICS: &str = "autoscaling.alpha.kubernetes.io/metrics";
const BEHAVIOR: &str = "autoscaling.alpha.kubernetes.io/behavior";

fn scale_target(name: &str) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "name": name})
}

/// A v1 HPA with a CPU target.
fn v1_hpa(name: &str, max: i64, cpu: i64) -> Value {
    json!({"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler", "metadata": {"name": name},
           "spec": {"scaleTargetRef": scale_target(name), "minReplicas": 1, "maxReplicas": max,
                    "targetCPUUtilizationPercentage": cpu}})
}

fn pods_metric() -> Value {
    json!({"type": "Pods", "pods": {"metric": {"name": "packets-per-second"},
           "target": {"type": "AverageValue", "averageValue": "1k"}}})
}

fn cpu_metric(percent: i64) -> Value {
    json!({"type": "Resource", "resource": {"name": "cpu",
           "target": {"type": "Utilization", "averageUtilization": percent}}})
}

fn behavior() -> Value {
    json!({"scaleDown": {"stabilizationWindowSeconds": 60,
                         "policies": [{"type": "Pods", "value": 1, "periodSeconds": 30}]}})
}

/// A v2 HPA with a Pods metric, a CPU metric and a scale-down behavior.
fn v2_hpa(name: &str) -> Value {
    json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": name},
           "spec": {"scaleTargetRef": scale_target(name), "minReplicas": 2, "maxReplicas": 10,
                    "metrics": [pods_metric(), cpu_metric(60)], "behavior": behavior()}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_hpa_created_through_v1_is_read_through_v2_with_a_cpu_metric() {
    let sim = start_bare_sim(0).await;
    let client = Client::admin(&sim);
    let created = client.post(V1, &v1_hpa("web", 5, 65)).await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    assert_eq!(created.body["apiVersion"], "autoscaling/v1");
    assert_eq!(created.body["spec"]["targetCPUUtilizationPercentage"], 65);

    let v2 = client.get(&format!("{V2}/web")).await;
    assert_eq!(v2.status, 200, "{:?}", v2.body);
    assert_eq!(v2.body["apiVersion"], "autoscaling/v2");
    assert_eq!(v2.body["spec"]["metrics"], json!([cpu_metric(65)]));
    assert_eq!(v2.body["spec"]["maxReplicas"], 5);
    assert!(v2.body["spec"].get("targetCPUUtilizationPercentage").is_none(), "{}", v2.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_v2_hpa_keeps_its_metrics_and_behavior_through_a_v1_put() {
    let sim = start_bare_sim(0).await;
    let client = Client::admin(&sim);
    assert_eq!(client.post(V2, &v2_hpa("web")).await.status, 201);

    let v1 = client.get(&format!("{V1}/web")).await;
    assert_eq!(v1.status, 200, "{:?}", v1.body);
    assert_eq!(v1.body["spec"]["targetCPUUtilizationPercentage"], 60);
    let annotations = &v1.body["metadata"]["annotations"];
    let metrics: Value =
        serde_json::from_str(annotations[METRICS].as_str().expect("metrics annotation")).unwrap();
    assert_eq!(
        metrics,
        json!([{"type": "Pods", "pods": {"metricName": "packets-per-second", "targetAverageValue": "1k"}}])
    );
    let encoded: Value =
        serde_json::from_str(annotations[BEHAVIOR].as_str().expect("behavior annotation")).unwrap();
    assert_eq!(encoded["ScaleDown"]["StabilizationWindowSeconds"], 60);

    let mut changed = v1.body.clone();
    changed["spec"]["maxReplicas"] = json!(12);
    let put = client.put(&format!("{V1}/web"), &changed).await;
    assert_eq!(put.status, 200, "{:?}", put.body);
    assert_eq!(put.body["spec"]["maxReplicas"], 12);

    let v2 = client.get(&format!("{V2}/web")).await;
    assert_eq!(v2.body["spec"]["maxReplicas"], 12);
    assert_eq!(v2.body["spec"]["metrics"], json!([pods_metric(), cpu_metric(60)]));
    assert_eq!(v2.body["spec"]["behavior"], behavior());
    assert!(v2.body["metadata"].get("annotations").is_none(), "round-trip annotations stored: {}", v2.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_v1_merge_patch_changes_the_cpu_target_and_keeps_the_other_metrics() {
    let sim = start_bare_sim(0).await;
    let client = Client::admin(&sim);
    assert_eq!(client.post(V2, &v2_hpa("web")).await.status, 201);
    let patch = json!({"spec": {"targetCPUUtilizationPercentage": 75}});
    let patched = client.patch(&format!("{V1}/web"), "application/merge-patch+json", &patch).await;
    assert_eq!(patched.status, 200, "{:?}", patched.body);
    assert_eq!(patched.body["spec"]["targetCPUUtilizationPercentage"], 75);
    let v2 = client.get(&format!("{V2}/web")).await;
    assert_eq!(v2.body["spec"]["metrics"], json!([pods_metric(), cpu_metric(75)]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_v1_status_write_is_read_through_v2_as_a_cpu_current_metric() {
    let sim = start_bare_sim(0).await;
    let client = Client::admin(&sim);
    let created = client.post(V1, &v1_hpa("web", 5, 50)).await;
    let mut obj = created.body.clone();
    obj["status"] =
        json!({"currentReplicas": 2, "desiredReplicas": 3, "currentCPUUtilizationPercentage": 90});
    let put = client.put(&format!("{V1}/web/status"), &obj).await;
    assert_eq!(put.status, 200, "{:?}", put.body);
    assert_eq!(put.body["status"]["currentCPUUtilizationPercentage"], 90);

    let v2 = client.get(&format!("{V2}/web")).await;
    assert_eq!(v2.body["status"]["desiredReplicas"], 3);
    assert_eq!(
        v2.body["status"]["currentMetrics"],
        json!([{"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 90}}}])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_v1_watch_sees_v1_shaped_objects_written_through_v2() {
    let sim = start_bare_sim(0).await;
    let client = Client::admin(&sim);
    let mut watch = client.watch(&format!("{V1}?watch=true")).await;
    assert_eq!(client.post(V2, &v2_hpa("web")).await.status, 201);
    let event = watch.next_within(Duration::from_secs(5)).await.expect("an ADDED event");
    assert_eq!(event["type"], "ADDED");
    let obj = &event["object"];
    assert_eq!(obj["apiVersion"], "autoscaling/v1");
    assert_eq!(obj["spec"]["targetCPUUtilizationPercentage"], 60);
    assert!(obj["spec"].get("metrics").is_none(), "{obj}");
    assert!(obj["metadata"]["annotations"][METRICS].is_string(), "{obj}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_lists_autoscaling_v2_preferred_and_v1_with_hpa_status() {
    let sim = start_bare_sim(0).await;
    let client = Client::admin(&sim);
    let group = client.get("/apis/autoscaling").await;
    assert_eq!(group.body["preferredVersion"]["version"], "v2");
    let versions: Vec<&str> = group.body["versions"]
        .as_array()
        .expect("versions")
        .iter()
        .filter_map(|v| v["version"].as_str())
        .collect();
    assert_eq!(versions, ["v2", "v1"]);
    let list = client.get("/apis/autoscaling/v1").await;
    let names: Vec<&str> = list.body["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    assert!(
        names.contains(&"horizontalpodautoscalers") && names.contains(&"horizontalpodautoscalers/status"),
        "{names:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_gets_a_v2_hpa_as_autoscaling_v1() {
    let controllers = ControllerSettings { enabled: false, ..ControllerSettings::default() };
    let Some(k) = KubectlSim::start(SimConfig { controllers, ..SimConfig::default() }).await else { return };
    let client = Client::admin(&k.sim);
    assert_eq!(client.post(V2, &v2_hpa("web")).await.status, 201);

    // The full resource name: kubectl's shortcut expander (client-go restmapper) drops the version
    // of a short name, so `hpa.v1.autoscaling` is fetched at the preferred v2, as against a real
    // kube-apiserver.
    let out = k.ok(&["get", "horizontalpodautoscalers.v1.autoscaling", "web", "-o", "json"]).await;
    let obj: Value = serde_json::from_str(&out).expect("kubectl prints JSON");
    assert_eq!(obj["apiVersion"], "autoscaling/v1");
    assert_eq!(obj["spec"]["targetCPUUtilizationPercentage"], 60);
    assert!(obj["metadata"]["annotations"][BEHAVIOR].is_string(), "{obj}");

    // The Table rows are the same through either version.
    let table = k.ok(&["get", "horizontalpodautoscalers.v1.autoscaling", "web", "--no-headers"]).await;
    let cells: Vec<&str> = table.split_whitespace().collect();
    assert_eq!(cells[..2], ["web", "Deployment/web"], "{table}");
    assert!(table.contains("cpu: <unknown>/60%"), "{table}");
}
