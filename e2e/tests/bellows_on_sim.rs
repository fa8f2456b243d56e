//! The real `bellows run` against bellows-sim: metrics through the aggregator (`kubectl top`,
//! `get --raw`), authorization of the aggregated API, and the HPA scaling a Deployment to what the
//! upstream formula gives.
//!
//! The harness is `common::stack`. Scenario `e2e/scenarios/e2e-steady.yaml`: 2 pods requesting 100m CPU, each
//! using 10m + 1m per request/s of a steady 100 requests/s split over ready pods.

mod common;

use std::time::Duration;

use common::stack::{Stack, StackOptions};
use serde_json::{Value, json};

fn pod_metrics_via_aggregator(stack: &Stack) -> Option<Value> {
    let (ok, out, _) =
        stack.kubectl(&["get", "--raw", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods"])?;
    let list: Value = serde_json::from_str(&out).ok().filter(|_| ok)?;
    (list["items"].as_array()?.len() == 2).then_some(list)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_served_through_the_aggregator_with_the_load_models_numbers() {
    let mut stack = Stack::start(StackOptions::new("metrics")).await;
    if common::kubectl::find_kubectl().is_err() {
        eprintln!("skipping: no kubectl (run `make kubectl`)");
        return;
    }
    let list = stack
        .wait_for("pod metrics through the aggregator", Duration::from_secs(60), pod_metrics_via_aggregator)
        .await;
    // 10m + 1m × (100 rps / 2 pods) = 60m per pod. The kubelet integrates it exactly but stamps
    // samples in whole milliseconds, so the rate over a ~10 s window is within 0.1% of 60m.
    for item in list["items"].as_array().unwrap() {
        let cpu = item["containers"][0]["usage"]["cpu"].as_str().unwrap();
        let nanos: u64 =
            cpu.strip_suffix('n').and_then(|n| n.parse().ok()).expect("CPU in nanocores, as metrics-server");
        assert!((59_940_000..=60_060_000).contains(&nanos), "cpu {cpu} in {item}");
        assert_eq!(item["containers"][0]["usage"]["memory"], "32Mi");
        assert_eq!(item["window"].as_str().map(|w| w.ends_with('s')), Some(true));
    }
    let (ok, top, err) = stack.kubectl(&["top", "pods", "--no-headers"]).unwrap();
    assert!(ok, "{err}");
    let rows: Vec<Vec<&str>> = top.lines().map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(rows.len(), 2, "{top}");
    for row in rows {
        // kubectl rounds nanocores up to whole millicores (Quantity.MilliValue).
        assert!(["60m", "61m"].contains(&row[1]), "{top}");
        assert_eq!(row[2], "32Mi", "{top}");
    }
    let (ok, nodes, err) = stack.kubectl(&["top", "nodes", "--no-headers"]).unwrap();
    assert!(ok, "{err}");
    assert_eq!(nodes.lines().count(), 2, "{nodes}");
    // An identity without RBAC is refused by the aggregator before bellows is asked.
    let nobody = stack.sim.issue_client_cert("nobody", &[]).unwrap();
    let client = common::Client::with_cert(&stack.sim, &nobody);
    let reply = client.get("/apis/metrics.k8s.io/v1beta1/nodes").await;
    assert_eq!(reply.status, 403, "{:?}", reply.body);
    // Straight to bellows without credentials: anonymous, refused by SubjectAccessReview.
    let direct = std::process::Command::new("curl")
        .args(["-sk", &format!("https://127.0.0.1:{}/apis/metrics.k8s.io/v1beta1/nodes", stack.port)])
        .output();
    if let Ok(out) = direct {
        let body: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        assert_eq!(body["code"], 403, "{body}");
        assert_eq!(body["reason"], "Forbidden");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hpa_scales_to_what_the_formula_gives_and_no_further() {
    let mut stack = Stack::start(StackOptions::new("hpa")).await;
    stack
        .sim
        .create(
            "autoscaling",
            "horizontalpodautoscalers",
            json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
                "metadata": {"name": "web", "namespace": "default"},
                "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                         "minReplicas": 2, "maxReplicas": 10,
                         "metrics": [{"type": "Resource", "resource": {"name": "cpu",
                             "target": {"type": "Utilization", "averageUtilization": 30}}}]}}),
        )
        .unwrap();
    // 2 pods at 60% vs 30% → ceil(2 × 2) = 4. With 4 pods: 10m + 25m = 35% → ceil(4 × 35/30) = 5.
    // With 5 pods: 10m + 20m = 30% → within tolerance: 5 is the fixed point.
    let replicas = |s: &Stack| {
        s.sim.get("apps", "deployments", "default", "web").and_then(|d| d["spec"]["replicas"].as_i64())
    };
    stack.wait_for("the first scale-up", Duration::from_secs(90), |s| replicas(s).filter(|r| *r > 2)).await;
    assert_eq!(replicas(&stack), Some(4), "first step is ceil(2 × 60/30)");
    stack.wait_for("the second scale-up", Duration::from_secs(90), |s| replicas(s).filter(|r| *r > 4)).await;
    assert_eq!(replicas(&stack), Some(5));
    // No further: hold for a few syncs and metric resolutions.
    tokio::time::sleep(Duration::from_secs(25)).await;
    assert_eq!(replicas(&stack), Some(5), "bellows log:\n{}", stack.log());
    let hpa = stack.sim.get("autoscaling", "horizontalpodautoscalers", "default", "web").unwrap();
    assert_eq!(hpa["status"]["desiredReplicas"], 5);
    // 30m per pod, measured a hair above and rounded up to whole millicores: 30% or 31%, both
    // within the 10% tolerance of the 30% target.
    let utilization =
        hpa["status"]["currentMetrics"][0]["resource"]["current"]["averageUtilization"].as_i64();
    assert!(matches!(utilization, Some(30 | 31)), "{utilization:?}");
    let conditions: Vec<(&str, &str)> = hpa["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["type"].as_str().unwrap(), c["reason"].as_str().unwrap()))
        .collect();
    assert!(conditions.contains(&("ScalingActive", "ValidMetricFound")), "{conditions:?}");
    let (events, _) = stack
        .sim
        .cluster()
        .list(&bellows_e2e::sim::store::ResourceKey::new("events.k8s.io", "events"), Some("default"));
    let rescales: Vec<&str> = events
        .iter()
        .filter(|e| e["reason"] == "SuccessfulRescale")
        .filter_map(|e| e["note"].as_str())
        .collect();
    assert!(
        rescales
            .contains(&"New size: 4; reason: cpu resource utilization (percentage of request) above target"),
        "{rescales:?}"
    );
    // The second step's reason may be empty: upstream names a reason only when the current metric
    // proposal itself differs from the current size, not when stabilization carries an earlier,
    // higher recommendation forward (which happens when the first 4-pod sample still counted a
    // pod as initializing).
    assert!(rescales.iter().any(|r| r.starts_with("New size: 5; reason: ")), "{rescales:?}");
}
