//! Scale to zero and back through the controller (v1.36 `ScaledToZero` semantics, spec §8.1): the
//! condition is read from the object's status, persisted for HPAs and policies, and merged in
//! upstream's order (a condition keeps the place it was first added at).

use k8s_openapi::apimachinery::pkg::api::resource::Quantity as K8sQuantity;

use super::ownership::policy;
use super::*;

/// External `queue_depth` with an `AverageValue` target of 10 (replicas = ceil(value / 10)).
fn queue_metric() -> v2::MetricSpec {
    v2::MetricSpec {
        type_: "External".to_owned(),
        external: Some(v2::ExternalMetricSource {
            metric: v2::MetricIdentifier { name: "queue_depth".to_owned(), selector: None },
            target: v2::MetricTarget {
                type_: "AverageValue".to_owned(),
                average_value: Some(K8sQuantity("10".to_owned())),
                ..v2::MetricTarget::default()
            },
        }),
        ..v2::MetricSpec::default()
    }
}

/// The queue holds `depth` items at `when`.
fn set_queue(c: &Cluster, depth: i64, when: Timestamp) {
    c.world().external_metrics.insert("queue_depth".to_owned(), (vec![depth * 1000], when));
}

/// What a Deployment controller does after a scale write: the pods follow `spec.replicas`.
fn settle(c: &Cluster) {
    let mut w = c.world();
    let Some(scale) = w.scales.get_mut(&("default".to_owned(), "web".to_owned())) else { return };
    scale.status_replicas = scale.spec_replicas;
    let n = scale.spec_replicas;
    w.pods = (0..n).map(|i| pod(&format!("web-{i}"), 3600, 3600)).collect();
}

/// `behavior.scaleDown` without a stabilization window (the first-sight seed would otherwise
/// hold a scale-down for five minutes); default policies.
fn no_down_window() -> v2::HorizontalPodAutoscalerBehavior {
    v2::HorizontalPodAutoscalerBehavior {
        scale_down: Some(v2::HPAScalingRules {
            stabilization_window_seconds: Some(0),
            ..v2::HPAScalingRules::default()
        }),
        scale_up: None,
    }
}

/// HPA `web`: minReplicas 0, the queue metric.
fn zero_hpa() -> Autoscaler {
    let mut b = hpa();
    if let Some(spec) = b.0.spec.as_mut() {
        spec.min_replicas = Some(0);
        spec.metrics = Some(vec![queue_metric()]);
        spec.behavior = Some(no_down_window());
    }
    b.view()
}

fn zero_context(c: &Cluster) -> Context {
    Context::new(c.clients(), Config::default())
}

fn summary(status: &AutoscalerStatus) -> Vec<(&str, &str, &str)> {
    status.conditions.iter().map(|c| (c.type_.as_str(), c.status.as_str(), c.reason.as_str())).collect()
}

#[tokio::test]
async fn an_hpa_scales_to_zero_and_back_with_the_scaled_to_zero_condition() {
    let c = cluster(2);
    let ctx = zero_context(&c);
    let mut a = zero_hpa();
    set_queue(&c, 0, at(0));
    assert_eq!(run(&ctx, &a, at(0)).await.unwrap().rescaled, Some((2, 0)));
    apply_writes(&mut a, &c);
    settle(&c);
    let stz = condition(&a.status, "ScaledToZero");
    assert_eq!((stz.status.as_str(), stz.reason.as_str()), ("True", "ScaledToZero"));
    assert_eq!(stz.message, "the HPA controller scaled the workload to zero");

    // At zero with the condition, the metric is read and keeps the target at zero.
    let reads = c.world().scale_reads;
    let outcome = run(&ctx, &a, at(15)).await.unwrap();
    assert_eq!(outcome.rescaled, None);
    assert_eq!(c.world().scale_reads, reads + 1);
    apply_writes(&mut a, &c);
    assert_eq!(condition(&a.status, "ScaledToZero").status, "True", "carried over");

    set_queue(&c, 30, at(30));
    assert_eq!(run(&ctx, &a, at(30)).await.unwrap().rescaled, Some((0, 3)));
    apply_writes(&mut a, &c);
    assert_eq!(
        summary(&a.status),
        [
            ("AbleToScale", "True", "SucceededRescale"),
            ("ScalingActive", "True", "ValidMetricFound"),
            ("ScalingLimited", "False", "DesiredWithinRange"),
            ("ScaledToZero", "False", "NotScaledToZero"),
        ]
    );
    assert_eq!(
        c.world().events.last().unwrap().1.message,
        "New size: 3; reason: external metric queue_depth(nil) above target"
    );
}

// Upstream TestScaleUpFromZeroCMObject's expected order: a ScaledToZero condition the object
// already had stays first.
#[tokio::test]
async fn a_scaled_to_zero_condition_keeps_its_place_in_the_list() {
    let c = cluster(0);
    let ctx = zero_context(&c);
    let mut a = zero_hpa();
    a.status.conditions = vec![StatusCondition {
        last_transition_time: Some(at(-60)),
        ..StatusCondition::new(
            "ScaledToZero",
            true,
            "ScaledToZero",
            "the HPA controller scaled the workload to zero",
        )
    }];
    set_queue(&c, 20, at(0));
    assert_eq!(run(&ctx, &a, at(0)).await.unwrap().rescaled, Some((0, 2)));
    apply_writes(&mut a, &c);
    assert_eq!(
        summary(&a.status),
        [
            ("ScaledToZero", "False", "NotScaledToZero"),
            ("AbleToScale", "True", "SucceededRescale"),
            ("ScalingActive", "True", "ValidMetricFound"),
            ("ScalingLimited", "False", "DesiredWithinRange"),
        ]
    );
    assert_eq!(condition(&a.status, "ScaledToZero").last_transition_time, Some(at(0)), "the status flipped");
}

// Upstream TestScaleUpFromZeroWithoutCondition: scaled to zero by hand, nothing happens.
#[tokio::test]
async fn a_target_scaled_to_zero_by_hand_is_left_alone_even_with_min_zero() {
    let c = cluster(0);
    let ctx = zero_context(&c);
    set_queue(&c, 20, at(0));
    let outcome = run(&ctx, &zero_hpa(), at(0)).await.unwrap();
    assert_eq!(outcome.rescaled, None);
    let w = c.world();
    let status = AutoscalerStatus::from_hpa(Some(&w.hpa_status[0].1));
    assert_eq!(
        summary(&status),
        [("AbleToScale", "True", "SucceededGetScale"), ("ScalingActive", "False", "ScalingDisabled")]
    );
    assert!(w.events.is_empty());
}

#[tokio::test]
async fn a_policy_persists_scaled_to_zero_and_explains_the_zero_state() {
    let c = cluster(2);
    let ctx = zero_context(&c);
    let mut a = policy("web-policy", 50);
    a.min_replicas = Some(0);
    a.metrics = vec![queue_metric()];
    a.behavior = Some(no_down_window());
    set_queue(&c, 0, at(0));
    assert_eq!(run(&ctx, &a, at(0)).await.unwrap().rescaled, Some((2, 0)));
    apply_writes(&mut a, &c);
    settle(&c);
    let status = a.policy_status.clone().unwrap();
    let stz = status.conditions.iter().find(|c| c.type_ == "ScaledToZero").unwrap();
    assert_eq!((stz.status.as_str(), stz.reason.as_str()), ("True", "ScaledToZero"));
    assert_eq!(
        status.last_decision.as_ref().unwrap().reason,
        "2 → 0: queue_depth 0 of 10 per-pod target; scaled to zero"
    );

    set_queue(&c, 30, at(20));
    assert_eq!(run(&ctx, &a, at(20)).await.unwrap().rescaled, Some((0, 3)));
    apply_writes(&mut a, &c);
    let status = a.policy_status.clone().unwrap();
    let stz = status.conditions.iter().find(|c| c.type_ == "ScaledToZero").unwrap();
    assert_eq!((stz.status.as_str(), stz.reason.as_str()), ("False", "NotScaledToZero"));
    assert_eq!(
        status.last_decision.as_ref().unwrap().reason,
        "0 → 3: queue_depth 30 total of 10 per-pod target; back from zero"
    );
}
