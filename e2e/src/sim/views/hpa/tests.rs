//! Conversion vectors for `autoscaling/v1` ↔ `autoscaling/v2` HPAs, after upstream
//! `pkg/apis/autoscaling/v1/conversion.go` (the expected values follow its functions one by one).

use serde_json::{Value, json};

use super::{
    BEHAVIOR_ANNOTATION, CONDITIONS_ANNOTATION, CURRENT_METRICS_ANNOTATION, METRICS_ANNOTATION, v1_to_v2,
    v2_to_v1,
};

fn cpu_metric(percent: i64) -> Value {
    json!({"type": "Resource", "resource": {"name": "cpu",
           "target": {"type": "Utilization", "averageUtilization": percent}}})
}

fn pods_metric() -> Value {
    json!({"type": "Pods", "pods": {"metric": {"name": "packets-per-second"},
           "target": {"type": "AverageValue", "averageValue": "1k"}}})
}

fn memory_value_metric() -> Value {
    json!({"type": "Resource", "resource": {"name": "memory",
           "target": {"type": "AverageValue", "averageValue": "500Mi"}}})
}

fn object_metric() -> Value {
    json!({"type": "Object", "object": {
        "describedObject": {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "name": "main"},
        "metric": {"name": "requests-per-second", "selector": {"matchLabels": {"verb": "GET"}}},
        "target": {"type": "Value", "value": "10k"}}})
}

fn external_metric() -> Value {
    json!({"type": "External", "external": {
        "metric": {"name": "queue_messages_ready", "selector": {"matchLabels": {"queue": "worker"}}},
        "target": {"type": "AverageValue", "averageValue": "30"}}})
}

fn container_metric() -> Value {
    json!({"type": "ContainerResource", "containerResource": {"name": "cpu", "container": "app",
           "target": {"type": "Utilization", "averageUtilization": 60}}})
}

fn behavior() -> Value {
    json!({
        "scaleUp": {"stabilizationWindowSeconds": 0, "selectPolicy": "Max",
                    "policies": [{"type": "Pods", "value": 4, "periodSeconds": 15},
                                 {"type": "Percent", "value": 100, "periodSeconds": 15}]},
        "scaleDown": {"stabilizationWindowSeconds": 300,
                      "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}]},
    })
}

/// A v2 HPA named `web` with `metrics`, an optional behavior and a status.
fn v2(metrics: &[Value], behavior: Option<Value>, status: Value) -> Value {
    let mut hpa = json!({
        "metadata": {"name": "web", "namespace": "default", "annotations": {"team": "payments"}},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                 "minReplicas": 2, "maxReplicas": 10, "metrics": metrics},
    });
    if !status.is_null() {
        hpa["status"] = status;
    }
    if let Some(b) = behavior {
        hpa["spec"]["behavior"] = b;
    }
    hpa
}

fn full_status() -> Value {
    json!({
        "observedGeneration": 3, "lastScaleTime": "2026-01-01T00:00:00Z",
        "currentReplicas": 4, "desiredReplicas": 5,
        "currentMetrics": [
            {"type": "Pods", "pods": {"metric": {"name": "packets-per-second"},
                                      "current": {"averageValue": "866m"}}},
            {"type": "Resource", "resource": {"name": "cpu",
                                              "current": {"averageValue": "210m", "averageUtilization": 42}}},
        ],
        "conditions": [{"type": "AbleToScale", "status": "True", "reason": "ReadyForNewScale",
                        "lastTransitionTime": "2026-01-01T00:00:00Z"}],
    })
}

fn annotation(v1: &Value, key: &str) -> Value {
    serde_json::from_str(v1["metadata"]["annotations"][key].as_str().unwrap_or("null")).unwrap()
}

#[test]
fn a_cpu_only_v2_hpa_is_a_plain_v1_hpa() {
    let v1 = v2_to_v1(v2(&[cpu_metric(70)], None, json!({"currentReplicas": 2, "desiredReplicas": 2})));
    assert_eq!(v1["spec"]["targetCPUUtilizationPercentage"], 70);
    assert_eq!(v1["spec"]["maxReplicas"], 10);
    assert_eq!(v1["spec"]["scaleTargetRef"]["name"], "web");
    assert!(v1["spec"].get("metrics").is_none());
    assert_eq!(v1["metadata"]["annotations"], json!({"team": "payments"}));
    assert_eq!(v1["status"], json!({"currentReplicas": 2, "desiredReplicas": 2}));
}

#[test]
fn metrics_v1_cannot_express_travel_in_the_metrics_annotation_in_v1_shape() {
    let hpa = v2(
        &[pods_metric(), object_metric(), external_metric(), memory_value_metric(), cpu_metric(50)],
        None,
        Value::Null,
    );
    let v1 = v2_to_v1(hpa);
    assert_eq!(v1["spec"]["targetCPUUtilizationPercentage"], 50);
    assert_eq!(
        annotation(&v1, METRICS_ANNOTATION),
        json!([
            {"type": "Pods", "pods": {"metricName": "packets-per-second", "targetAverageValue": "1k"}},
            {"type": "Object", "object": {
                "target": {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "name": "main"},
                "metricName": "requests-per-second", "selector": {"matchLabels": {"verb": "GET"}},
                "targetValue": "10k"}},
            {"type": "External", "external": {"metricName": "queue_messages_ready",
                "metricSelector": {"matchLabels": {"queue": "worker"}}, "targetAverageValue": "30"}},
            {"type": "Resource", "resource": {"name": "memory", "targetAverageValue": "500Mi"}},
        ])
    );
}

#[test]
fn status_metrics_and_conditions_travel_in_annotations_and_cpu_also_as_a_percentage() {
    let v1 = v2_to_v1(v2(&[cpu_metric(50)], None, full_status()));
    assert_eq!(v1["status"]["currentCPUUtilizationPercentage"], 42);
    assert_eq!(v1["status"]["observedGeneration"], 3);
    assert_eq!(v1["status"]["lastScaleTime"], "2026-01-01T00:00:00Z");
    assert_eq!(
        (v1["status"]["currentReplicas"].as_i64(), v1["status"]["desiredReplicas"].as_i64()),
        (Some(4), Some(5))
    );
    assert_eq!(
        annotation(&v1, CURRENT_METRICS_ANNOTATION),
        json!([
            {"type": "Pods", "pods": {"metricName": "packets-per-second", "currentAverageValue": "866m"}},
            {"type": "Resource", "resource": {"name": "cpu", "currentAverageUtilization": 42,
                                              "currentAverageValue": "210m"}},
        ])
    );
    assert_eq!(annotation(&v1, CONDITIONS_ANNOTATION)[0]["reason"], "ReadyForNewScale");
    assert!(v1["status"].get("conditions").is_none() && v1["status"].get("currentMetrics").is_none());
}

#[test]
fn behavior_travels_with_go_field_names_as_upstream_marshals_its_internal_type() {
    let v1 = v2_to_v1(v2(&[cpu_metric(50)], Some(behavior()), Value::Null));
    let encoded = annotation(&v1, BEHAVIOR_ANNOTATION);
    assert_eq!(encoded["ScaleUp"]["Policies"][0], json!({"Type": "Pods", "Value": 4, "PeriodSeconds": 15}));
    assert_eq!(encoded["ScaleDown"]["StabilizationWindowSeconds"], 300);
    assert!(v1["spec"].get("behavior").is_none());
}

#[test]
fn a_v1_hpa_becomes_a_v2_cpu_utilization_metric() {
    let v1 = json!({"metadata": {"name": "web"},
                    "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 5,
                             "targetCPUUtilizationPercentage": 65},
                    "status": {"currentReplicas": 1, "desiredReplicas": 1, "currentCPUUtilizationPercentage": 30}});
    let v2 = v1_to_v2(v1);
    assert_eq!(v2["spec"]["metrics"], json!([cpu_metric(65)]));
    assert_eq!(
        v2["status"]["currentMetrics"],
        json!([{"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 30}}}])
    );
    assert!(v2["spec"].get("targetCPUUtilizationPercentage").is_none());
    assert!(v2["metadata"].get("annotations").is_none());
}

// Upstream: "autoscaling/v1 formerly had an implicit default applied in the controller".
#[test]
fn a_v1_hpa_without_any_metric_gets_the_80_percent_cpu_default() {
    let v2 = v1_to_v2(json!({"metadata": {"name": "web"}, "spec": {"maxReplicas": 3}}));
    assert_eq!(v2["spec"]["metrics"], json!([cpu_metric(80)]));
}

#[test]
fn the_cpu_target_goes_after_the_annotated_metrics_as_upstream_orders_them() {
    let v1 = v2_to_v1(v2(&[cpu_metric(50), pods_metric()], None, Value::Null));
    assert_eq!(v1_to_v2(v1)["spec"]["metrics"], json!([pods_metric(), cpu_metric(50)]));
}

#[test]
fn malformed_round_trip_annotations_are_ignored_and_dropped() {
    let v1 = json!({"metadata": {"name": "web", "annotations": {
                        METRICS_ANNOTATION: "not json", BEHAVIOR_ANNOTATION: "{}", "keep": "me"}},
                    "spec": {"maxReplicas": 3, "targetCPUUtilizationPercentage": 40}});
    let v2 = v1_to_v2(v1);
    assert_eq!(v2["spec"]["metrics"], json!([cpu_metric(40)]));
    assert!(v2["spec"].get("behavior").is_none());
    assert_eq!(v2["metadata"]["annotations"], json!({"keep": "me"}));
}

#[test]
fn stale_round_trip_annotations_on_a_v2_object_are_replaced() {
    let mut hpa = v2(&[cpu_metric(50)], None, Value::Null);
    hpa["metadata"]["annotations"][METRICS_ANNOTATION] = json!("[{\"type\":\"Pods\"}]");
    let v1 = v2_to_v1(hpa);
    assert_eq!(v1["metadata"]["annotations"], json!({"team": "payments"}));
}

#[test]
fn v2_to_v1_to_v2_is_the_identity_for_representative_objects() {
    let cases = [
        v2(&[cpu_metric(70)], None, Value::Null),
        v2(&[pods_metric(), cpu_metric(50)], Some(behavior()), full_status()),
        v2(
            &[object_metric(), external_metric(), container_metric(), memory_value_metric()],
            Some(behavior()),
            full_status(),
        ),
        v2(&[memory_value_metric()], None, json!({"currentReplicas": 1, "desiredReplicas": 3})),
    ];
    for hpa in cases {
        assert_eq!(v1_to_v2(v2_to_v1(hpa.clone())), hpa);
    }
}

#[test]
fn v1_to_v2_to_v1_is_the_identity_for_a_v1_object() {
    let v1 = json!({"metadata": {"name": "web", "annotations": {"team": "payments"}},
                    "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "minReplicas": 1,
                             "maxReplicas": 5, "targetCPUUtilizationPercentage": 65},
                    "status": {"currentReplicas": 1, "desiredReplicas": 1}});
    assert_eq!(v2_to_v1(v1_to_v2(v1.clone())), v1);
}
