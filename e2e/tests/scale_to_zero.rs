//! Scale to zero and back (issue 6, spec §8.1, v1.36 `ScaledToZero` semantics): an
//! `AutoscalingPolicy` with `minReplicas: 0` and one External metric, served by a tiny
//! `external.metrics.k8s.io` server behind the sim's aggregator, on the Deployment `web` of
//! `e2e/scenarios/e2e-steady.yaml` (2 replicas), with the real bellows syncing every second.
//!
//! The metric is `queue_depth` with an `AverageValue` target of 10, so the formula is
//! `ceil(queue_depth / 10)` from any replica count (upstream `GetExternalPerPodMetricReplicas`;
//! from zero `usage / (target × 0)` is never within tolerance). Default scale-up policies allow
//! `max(current + 4, 2 × current)` per 15 s; the scale-down stabilization window is set to 0 so the
//! scale to zero is not held back for five minutes.

mod common;

use std::time::Duration;

use common::external_metrics::ExternalMetrics;
use common::stack::{Stack, StackOptions};
use serde_json::{Value, json};

const METRIC: &str = "queue_depth";
const WAIT: Duration = Duration::from_secs(30);

fn policy() -> Value {
    json!({
        "apiVersion": "autoscaling.bellows.dev/v1alpha1",
        "kind": "AutoscalingPolicy",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "horizontal": {
                "minReplicas": 0,
                "maxReplicas": 10,
                "metrics": [{"type": "External", "external": {
                    "metric": {"name": METRIC},
                    "target": {"type": "AverageValue", "averageValue": "10"},
                }}],
                "behavior": {"scaleDown": {"stabilizationWindowSeconds": 0}},
            },
        },
    })
}

/// Install the committed `AutoscalingPolicy` CRD into the sim.
fn install_crds(stack: &Stack) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../crds/autoscalingpolicies.autoscaling.bellows.dev.yaml");
    let text = std::fs::read_to_string(&path).expect("committed CRD file");
    for doc in text.split("\n---").filter(|d| d.contains("kind:")) {
        let crd: Value = serde_saphyr::from_str(doc).expect("CRD parses");
        stack.sim.create("apiextensions.k8s.io", "customresourcedefinitions", crd).expect("CRD installs");
    }
}

fn deployment_replicas(stack: &Stack) -> Option<i64> {
    stack.sim.get("apps", "deployments", "default", "web")?["spec"]["replicas"].as_i64()
}

fn policy_status(stack: &Stack) -> Value {
    stack
        .sim
        .get("autoscaling.bellows.dev", "autoscalingpolicies", "default", "web")
        .map(|p| p["status"].clone())
        .unwrap_or_default()
}

/// `(status, reason, message)` of the policy's `ScaledToZero` condition.
fn scaled_to_zero(status: &Value) -> Option<(String, String, String)> {
    let c = status["conditions"].as_array()?.iter().find(|c| c["type"] == "ScaledToZero")?;
    let text = |k: &str| c[k].as_str().unwrap_or_default().to_owned();
    Some((text("status"), text("reason"), text("message")))
}

/// Waits until the Deployment has `replicas` and the policy's status says so.
async fn wait_for_replicas(stack: &mut Stack, replicas: i64) -> Value {
    stack
        .wait_for(&format!("the Deployment at {replicas} replicas"), WAIT, |s| {
            let status = policy_status(s);
            (deployment_replicas(s) == Some(replicas) && status["desiredReplicas"] == replicas)
                .then_some(status)
        })
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_autoscaling_policy_scales_to_zero_and_back_with_an_external_metric() {
    let mut stack =
        Stack::start(StackOptions::new("scale-to-zero").with_sync_period("1s").without_bellows()).await;
    install_crds(&stack);
    let metrics = ExternalMetrics::start(&stack.sim).await;
    metrics.set(METRIC, "60");
    stack.sim.create("autoscaling.bellows.dev", "autoscalingpolicies", policy()).expect("policy is valid");
    let kubeconfig = stack.dir.join("kubeconfig");
    stack.start_bellows(&kubeconfig);

    // 60 / 10 = 6 from 2 (the scale-up policies allow max(2 + 4, 2 × 2) = 6).
    let status = wait_for_replicas(&mut stack, 6).await;
    assert_eq!(status["currentReplicas"], 2, "{status}");
    assert!(
        metrics
            .requests()
            .iter()
            .any(|p| p.starts_with("/apis/external.metrics.k8s.io/v1beta1/namespaces/default/queue_depth")),
        "bellows read the metric through the aggregator: {:?}",
        metrics.requests()
    );
    let stz = scaled_to_zero(&status).expect("every rescale sets ScaledToZero");
    assert_eq!(stz.0, "False", "{status}");
    assert_eq!(stz.1, "NotScaledToZero");

    // 0 → ceil(0 / 10) = 0: the autoscaler scales to zero itself and records it.
    metrics.set(METRIC, "0");
    let status = wait_for_replicas(&mut stack, 0).await;
    let stz = scaled_to_zero(&status).expect("ScaledToZero present");
    assert_eq!(
        stz,
        ("True".into(), "ScaledToZero".into(), "the HPA controller scaled the workload to zero".into()),
        "{status}"
    );
    // Stays at zero while the queue is empty (metrics are still read: the condition allows it).
    let reads = metrics.requests().len();
    stack
        .wait_for("another metric read at zero", WAIT, |_| {
            (metrics.requests().len() > reads + 1).then_some(())
        })
        .await;
    assert_eq!(deployment_replicas(&stack), Some(0));
    check_kubectl_shows_zero(&stack);

    // 30 → ceil(30 / 10) = 3 from zero (within the first step's max(0 + 4, …) bound).
    metrics.set(METRIC, "30");
    let status = wait_for_replicas(&mut stack, 3).await;
    assert_eq!(status["currentReplicas"], 0, "{status}");
    let stz = scaled_to_zero(&status).expect("ScaledToZero present");
    assert_eq!(
        stz,
        (
            "False".into(),
            "NotScaledToZero".into(),
            "the HPA controller did not scale the workload to zero".into()
        ),
        "{status}"
    );
    let reason = status["lastDecision"]["reason"].as_str().unwrap_or_default();
    assert!(reason.starts_with("0 → 3: queue_depth 30 total of 10 per-pod target"), "{reason}");
    assert!(reason.ends_with("; back from zero"), "{reason}");
}

/// `kubectl get asp` prints the zero state: Desired 0 and a reason saying why.
fn check_kubectl_shows_zero(stack: &Stack) {
    let Some((ok, out, err)) = stack.kubectl(&["get", "asp", "web"]) else {
        eprintln!("skipping the kubectl check: no kubectl (run `make kubectl`)");
        return;
    };
    assert!(ok, "{err}");
    let mut lines = out.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split_whitespace().collect();
    let row = lines.next().unwrap_or_default();
    let column = |name: &str| header.iter().position(|h| *h == name);
    let cells: Vec<&str> = row.split_whitespace().collect();
    let desired = column("DESIRED").and_then(|i| cells.get(i)).copied();
    assert_eq!(desired, Some("0"), "{out}");
    assert!(row.contains("zero"), "the reason names the zero state: {out}");
}
