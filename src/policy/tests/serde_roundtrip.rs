//! Policies survive JSON and YAML round trips, use camelCase keys, and take the documented defaults.

use k8s_openapi::api::autoscaling::v2::{
    HPAScalingRules, MetricStatus, MetricValueStatus, ResourceMetricStatus,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use k8s_openapi::jiff::Timestamp;
use serde_json::json;

use super::fixtures::{external_metric, policy, resource_metric, rules, utilization, value};
use crate::policy::{
    AutoscalingPolicy, AutoscalingPolicyStatus, LastDecision, ScaleEvent, ScalingHistory,
    TimestampedRecommendation,
};

fn time(seconds: i64) -> Time {
    Time(Timestamp::from_second(seconds).expect("test timestamps are in range"))
}

/// A policy with every field set, status included.
fn full_policy() -> AutoscalingPolicy {
    let spec = policy()
        .replicas(0, 20)
        .metrics(vec![resource_metric("cpu", utilization(60)), external_metric("queue", value("30"))])
        .scale_up(HPAScalingRules { tolerance: Some(Quantity("50m".to_owned())), ..rules() })
        .cpu_initialization_period("3m")
        .build();
    let mut object = AutoscalingPolicy::new("web", spec);
    object.metadata.namespace = Some("shop".to_owned());
    object.status = Some(AutoscalingPolicyStatus {
        conditions: vec![Condition {
            type_: "AbleToScale".to_owned(),
            status: "True".to_owned(),
            reason: "SucceededRescale".to_owned(),
            message: "the HPA controller was able to update the target scale to 5".to_owned(),
            last_transition_time: time(1_700_000_000),
            observed_generation: Some(2),
        }],
        target: Some("Deployment/web".to_owned()),
        current_replicas: Some(3),
        desired_replicas: Some(5),
        current_metrics: vec![MetricStatus {
            type_: "Resource".to_owned(),
            resource: Some(ResourceMetricStatus {
                name: "cpu".to_owned(),
                current: MetricValueStatus {
                    average_utilization: Some(92),
                    average_value: Some(Quantity("460m".to_owned())),
                    value: None,
                },
            }),
            ..MetricStatus::default()
        }],
        last_scale_time: Some(time(1_700_000_000)),
        observed_generation: Some(2),
        last_decision: Some(LastDecision {
            time: time(1_700_000_000),
            from: 3,
            to: 5,
            reason: "3 → 5: cpu 92% of 60% target over 3 ready pods; 1 pod ignored (initializing)".to_owned(),
        }),
        history: Some(ScalingHistory {
            recommendations: vec![TimestampedRecommendation { timestamp: time(1_699_999_985), replicas: 4 }],
            scale_up_events: vec![ScaleEvent { timestamp: time(1_700_000_000), replica_change: 2 }],
            scale_down_events: vec![],
        }),
    });
    object
}

#[test]
fn full_policy_round_trips_through_json() {
    let object = full_policy();
    let json = serde_json::to_value(&object).expect("serialises");
    let back: AutoscalingPolicy = serde_json::from_value(json.clone()).expect("deserialises");
    assert_eq!(back, object);
    assert_eq!(json["apiVersion"], "autoscaling.bellows.dev/v1alpha1");
    assert_eq!(json["kind"], "AutoscalingPolicy");
    assert_eq!(
        json["spec"]["targetRef"],
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"})
    );
    assert_eq!(json["spec"]["horizontal"]["minReplicas"], 0);
    assert_eq!(json["spec"]["horizontal"]["maxReplicas"], 20);
    assert_eq!(json["spec"]["horizontal"]["cpuInitializationPeriod"], "3m");
    assert_eq!(json["spec"]["horizontal"]["behavior"]["scaleUp"]["tolerance"], "50m");
    assert_eq!(json["status"]["lastDecision"]["to"], 5);
    assert_eq!(json["status"]["lastScaleTime"], "2023-11-14T22:13:20Z");
    assert_eq!(
        json["status"]["history"]["scaleUpEvents"],
        json!([{"timestamp": "2023-11-14T22:13:20Z", "replicaChange": 2}])
    );
    assert_eq!(json["status"]["currentMetrics"][0]["resource"]["current"]["averageUtilization"], 92);
}

#[test]
fn full_policy_round_trips_through_yaml() {
    let object = full_policy();
    let yaml = serde_saphyr::to_string(&object).expect("serialises");
    let back: AutoscalingPolicy = serde_saphyr::from_str(&yaml).expect("deserialises");
    assert_eq!(back, object);
}

#[test]
fn omitted_fields_take_the_hpa_defaults() {
    let minimal = json!({
        "apiVersion": "autoscaling.bellows.dev/v1alpha1",
        "kind": "AutoscalingPolicy",
        "metadata": {"name": "web"},
        "spec": {"targetRef": {"kind": "Deployment", "name": "web"}, "horizontal": {"maxReplicas": 4}},
    });
    let object: AutoscalingPolicy = serde_json::from_value(minimal).expect("deserialises");
    let horizontal = object.spec.horizontal.expect("horizontal is set");
    assert_eq!(horizontal.min_replicas, 1);
    assert_eq!(horizontal.max_replicas, 4);
    assert!(horizontal.metrics.is_empty());
    assert_eq!(horizontal.behavior, None);
    assert_eq!(horizontal.cpu_initialization_period, "5m");
    assert_eq!(horizontal.initial_readiness_delay, "30s");
    assert_eq!(object.status, None);
}

#[test]
fn empty_status_serialises_as_an_empty_object() {
    let json = serde_json::to_value(AutoscalingPolicyStatus::default()).expect("serialises");
    assert_eq!(json, json!({}));
}

#[test]
fn empty_metrics_mean_cpu_at_80_percent() {
    let spec = policy().metrics(vec![]).build();
    let horizontal = spec.horizontal.expect("horizontal is set");
    assert_eq!(horizontal.effective_metrics(), vec![resource_metric("cpu", utilization(80))]);
    let spec = policy().metrics(vec![external_metric("queue", value("30"))]).build();
    let horizontal = spec.horizontal.expect("horizontal is set");
    assert_eq!(horizontal.effective_metrics(), vec![external_metric("queue", value("30"))]);
}

#[test]
fn duration_fields_parse_on_demand() {
    let spec = policy().cpu_initialization_period("2m30s").initial_readiness_delay("bogus").build();
    let horizontal = spec.horizontal.expect("horizontal is set");
    assert_eq!(horizontal.cpu_initialization_period(), Ok(std::time::Duration::from_secs(150)));
    assert_eq!(
        horizontal.initial_readiness_delay().map_err(|e| e.to_string()),
        Err(r#"invalid duration "bogus": expected a number followed by a unit such as 30s or 5m"#.to_owned())
    );
}
