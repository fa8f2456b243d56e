//! Zero replicas with v1.36 semantics (`HPAScaleToZero` on, KEP-2021, PR #135118), ported by value
//! from upstream `horizontal_test.go` (the gate-on variants; test names in comments). Upstream
//! compares conditions after merging them into the HPA's list, where a `ScaledToZero` condition
//! that was already there keeps the first place; a sync lists its own conditions in the order it
//! sets them (`ScaledToZero` last), and the controller's merge restores upstream's order.

use jiff::Timestamp;

use super::super::*;
use super::{now, pod};
use crate::hpa::behavior::{ConditionStatus, ConditionType};
use crate::hpa::calc::{MetricIdentifier, MetricTarget, ObjectReference, ResourceName};

/// The metric of a case, with the value the metrics API reports (milli-units).
enum Metric {
    /// Upstream's Object `qps` of Deployment `some-deployment` with a `Value` target.
    ObjectValue { target: i64, value: i64 },
    /// An External `qps` with a `Value` target.
    ExternalValue { target: i64, value: i64 },
    /// CPU utilization, one level per pod (each pod requests 1 CPU).
    Cpu { target: i32, levels: Vec<i64> },
}

/// Builder in the shape of upstream's `testCase` for zero-replica cases.
struct ZeroCase {
    min: i32,
    max: i32,
    replicas: i32,
    metric: Metric,
    scaled_to_zero: bool,
    behavior: Option<Behavior>,
}

impl ZeroCase {
    fn new(min: i32, replicas: i32, metric: Metric) -> Self {
        Self { min, max: 6, replicas, metric, scaled_to_zero: false, behavior: None }
    }

    /// The object already carries `ScaledToZero=True` (upstream `initialConditions`).
    fn scaled_to_zero(mut self) -> Self {
        self.scaled_to_zero = true;
        self
    }

    fn behavior(mut self, behavior: Behavior) -> Self {
        self.behavior = Some(behavior);
        self
    }

    fn run(&self) -> SyncDecision {
        let pods: Vec<PodSnapshot> = (0..self.replicas).map(|i| pod(&format!("web-{i}"), 1000)).collect();
        let t: Timestamp = now();
        let metric = match &self.metric {
            Metric::ObjectValue { target, value } => (
                MetricSpec::Object {
                    described_object: ObjectReference {
                        kind: "Deployment".into(),
                        name: "some-deployment".into(),
                        api_version: Some("apps/v1".into()),
                    },
                    metric: MetricIdentifier::named("qps"),
                    target: MetricTarget::value(*target),
                },
                MetricSamples::Object { value: *value, timestamp: t },
            ),
            Metric::ExternalValue { target, value } => (
                MetricSpec::External {
                    metric: MetricIdentifier::named("qps"),
                    target: MetricTarget::value(*target),
                },
                MetricSamples::External { values: vec![*value], timestamp: t },
            ),
            Metric::Cpu { target, levels } => (
                MetricSpec::Resource { name: ResourceName::Cpu, target: MetricTarget::utilization(*target) },
                super::cpu_samples(levels),
            ),
        };
        let metrics = [metric];
        let input = SyncInput {
            reference: "Deployment/test-namespace/test-rc".into(),
            namespace: "test-namespace",
            min_replicas: Some(self.min),
            max_replicas: self.max,
            behavior: self.behavior.clone(),
            scale: ScaleSnapshot {
                spec_replicas: self.replicas,
                status_replicas: self.replicas,
                selector: Some("name=test-pod".into()),
            },
            pods: &pods,
            metrics: &metrics,
            calc: CalcConfig::default(),
            normalize: NormalizeConfig::upstream_test(),
            now: t,
            scaled_to_zero: self.scaled_to_zero,
        };
        // Upstream's zero tests start from an empty recommendation list (no first-sight seed).
        sync(&input, &mut Some(History::default()))
    }
}

/// `(type, status, reason)` of every condition, as upstream's tests compare them.
fn summary(d: &SyncDecision) -> Vec<(&'static str, ConditionStatus, &str)> {
    d.conditions.iter().map(|c| (c.kind.as_str(), c.status, c.reason.as_str())).collect()
}

use ConditionStatus::{False, True};

const OK_RESCALE: [(&str, ConditionStatus, &str); 3] = [
    ("AbleToScale", True, "SucceededRescale"),
    ("ScalingActive", True, "ValidMetricFound"),
    ("ScalingLimited", False, "DesiredWithinRange"),
];

fn with_scaled_to_zero(
    status: ConditionStatus,
    reason: &'static str,
) -> Vec<(&'static str, ConditionStatus, &'static str)> {
    let mut all = OK_RESCALE.to_vec();
    all.push(("ScaledToZero", status, reason));
    all
}

#[test]
fn an_object_metric_scales_back_from_zero_when_the_autoscaler_scaled_to_zero() {
    // TestScaleUpFromZeroCMObject (gate on): Object target 15, value 20, from 0 → ceil(20/15) = 2.
    let d = ZeroCase::new(0, 0, Metric::ObjectValue { target: 15_000, value: 20_000 }).scaled_to_zero().run();
    assert_eq!((d.decision.desired_replicas, d.decision.rescale), (2, true));
    assert_eq!(summary(&d), with_scaled_to_zero(False, "NotScaledToZero"));
    let stz = d.conditions.iter().find(|c| c.kind == ConditionType::ScaledToZero).expect("set");
    assert_eq!(stz.message, "the HPA controller did not scale the workload to zero");
    assert_eq!(d.events[0].message, "New size: 2; reason: Deployment metric qps above target");
}

#[test]
fn scaling_back_from_zero_ignores_the_tolerance() {
    // TestScaleUpFromZeroIgnoresToleranceCMObject (gate on): target 1, value 1 → 1 although the
    // ratio 1.0 is within tolerance.
    let d = ZeroCase::new(0, 0, Metric::ObjectValue { target: 1_000, value: 1_000 }).scaled_to_zero().run();
    assert_eq!(d.decision.desired_replicas, 1);
    assert_eq!(summary(&d), with_scaled_to_zero(False, "NotScaledToZero"));
}

#[test]
fn an_object_metric_at_zero_scales_to_zero_and_sets_scaled_to_zero() {
    // TestScaleDownToZeroCMObject (gate on): 5 replicas, Object target 20, value 0 → 0.
    let d = ZeroCase::new(0, 5, Metric::ObjectValue { target: 20_000, value: 0 }).run();
    assert_eq!((d.decision.desired_replicas, d.decision.rescale), (0, true));
    assert_eq!(summary(&d), with_scaled_to_zero(True, "ScaledToZero"));
    let stz = d.conditions.iter().find(|c| c.kind == ConditionType::ScaledToZero).expect("set");
    assert_eq!(stz.message, "the HPA controller scaled the workload to zero");
    assert_eq!(d.events[0].message, "New size: 0; reason: All metrics below target");
}

#[test]
fn an_external_metric_at_zero_scales_to_zero_and_sets_scaled_to_zero() {
    // TestScaleDownToZeroCMExternal (gate on): 5 replicas, External target 14.4, value 0 → 0.
    let d = ZeroCase::new(0, 5, Metric::ExternalValue { target: 14_400, value: 0 }).run();
    assert_eq!(d.decision.desired_replicas, 0);
    assert_eq!(summary(&d), with_scaled_to_zero(True, "ScaledToZero"));
}

#[test]
fn a_target_at_zero_without_the_condition_stays_disabled_even_with_min_zero() {
    // TestScaleUpFromZeroWithoutCondition: min 0, replicas 0, Object 20 vs 15, no ScaledToZero
    // condition (scaled to zero by hand) → nothing happens.
    let d = ZeroCase::new(0, 0, Metric::ObjectValue { target: 15_000, value: 20_000 }).run();
    assert_eq!((d.decision.desired_replicas, d.decision.rescale), (0, false));
    assert!(d.metrics.is_none(), "metrics are not consulted");
    assert_eq!(
        summary(&d),
        [("AbleToScale", True, "SucceededGetScale"), ("ScalingActive", False, "ScalingDisabled")]
    );
    assert!(d.events.is_empty());
}

#[test]
fn raising_min_replicas_brings_a_target_scaled_to_zero_back_to_min() {
    // TestScaleUpFromZeroWhenMinReplicasIncreased (gate on): min raised to 2 while at zero; the
    // Object metric proposes ceil(10/15) = 1, normalization raises it to 2.
    let d = ZeroCase::new(2, 0, Metric::ObjectValue { target: 15_000, value: 10_000 }).scaled_to_zero().run();
    assert_eq!(d.decision.desired_replicas, 2);
    assert_eq!(
        summary(&d),
        [
            ("AbleToScale", True, "SucceededRescale"),
            ("ScalingActive", True, "ValidMetricFound"),
            ("ScalingLimited", True, "TooFewReplicas"),
            ("ScaledToZero", False, "NotScaledToZero"),
        ]
    );
    assert_eq!(d.events[0].message, "New size: 2; reason: Deployment metric qps above target");
}

#[test]
fn with_behavior_raising_min_replicas_still_brings_the_target_back_to_min() {
    // The behavior path does not apply minReplicas on scale-up; upstream's post-normalization
    // step (`currentReplicas == 0 && minReplicas != 0 && scaledToZero && desired < min`) does.
    let d = ZeroCase::new(3, 0, Metric::ObjectValue { target: 15_000, value: 10_000 })
        .scaled_to_zero()
        .behavior(Behavior::default())
        .run();
    assert_eq!((d.decision.desired_replicas, d.decision.rescale), (3, true));
    assert_eq!(d.events[0].message, "New size: 3; reason: Deployment metric qps above target");
    assert!(d.decision.explanation.iter().any(|l| l == "scaling back from zero: raised to minReplicas 3"));
}

#[test]
fn a_normal_rescale_clears_a_stale_scaled_to_zero_condition() {
    // TestScaledToZeroConditionHandledOnNormalRescale (gate on): min 1, 3 replicas, CPU 30% with
    // 300/500/700 → 5, ScaledToZero becomes False/NotScaledToZero.
    let d =
        ZeroCase::new(1, 3, Metric::Cpu { target: 30, levels: vec![300, 500, 700] }).scaled_to_zero().run();
    assert_eq!(d.decision.desired_replicas, 5);
    assert_eq!(summary(&d), with_scaled_to_zero(False, "NotScaledToZero"));
}

#[test]
fn a_manual_scale_to_zero_with_min_above_zero_disables_the_autoscaler() {
    // TestManualScaleToZeroDisablesHPA: min 1, replicas 0, CPU target, no condition → disabled.
    let d = ZeroCase::new(1, 0, Metric::Cpu { target: 50, levels: vec![] }).run();
    assert_eq!((d.decision.desired_replicas, d.decision.rescale), (0, false));
    assert_eq!(
        summary(&d),
        [("AbleToScale", True, "SucceededGetScale"), ("ScalingActive", False, "ScalingDisabled")]
    );
}

#[test]
fn a_resource_only_spec_scaled_to_zero_stays_at_zero() {
    // shouldComputeMetricsForZeroReplicas: with the condition but neither an Object/External
    // metric nor a raised minReplicas, nothing can bring the target back; the condition is left
    // as it is (the sync does not set it, so the caller carries it over).
    let d = ZeroCase::new(0, 0, Metric::Cpu { target: 50, levels: vec![] }).scaled_to_zero().run();
    assert_eq!((d.decision.desired_replicas, d.decision.rescale), (0, false));
    assert!(d.conditions.iter().all(|c| c.kind != ConditionType::ScaledToZero));
}

#[test]
fn a_cpu_scale_down_to_zero_is_not_marked_scaled_to_zero() {
    // TestZeroMinReplicasDesiredZero shape: CPU-only, min 0, the metric proposes 0 → 0 replicas,
    // but without an Object/External metric nothing could scale it back: NotScaledToZero.
    let d = ZeroCase::new(0, 3, Metric::Cpu { target: 90, levels: vec![0, 0, 0] }).run();
    assert_eq!(d.decision.desired_replicas, 0);
    let stz = d.conditions.iter().find(|c| c.kind == ConditionType::ScaledToZero).expect("set");
    assert_eq!((stz.status, stz.reason.as_str()), (False, "NotScaledToZero"));
}

#[test]
fn the_first_step_back_from_zero_is_at_most_four_without_behavior() {
    // Spec §8.1: legacy scale-up cap max(factor × 0, 4) = 4; value 200 vs 15 proposes 14.
    let mut case =
        ZeroCase::new(0, 0, Metric::ObjectValue { target: 15_000, value: 200_000 }).scaled_to_zero();
    case.max = 20;
    let d = case.run();
    assert_eq!(d.decision.proposal, Some(14));
    assert_eq!(d.decision.desired_replicas, 4);
    let limited = d.conditions.iter().find(|c| c.kind == ConditionType::ScalingLimited).expect("set");
    assert_eq!((limited.status, limited.reason.as_str()), (True, "ScaleUpLimit"));
}

#[test]
fn the_first_step_back_from_zero_is_at_most_four_with_the_default_behavior() {
    // Spec §8.1: default scale-up policies max(0 + 4 pods, ceil(0 × 200%)) = 4.
    let mut case = ZeroCase::new(0, 0, Metric::ObjectValue { target: 15_000, value: 200_000 })
        .scaled_to_zero()
        .behavior(Behavior::default());
    case.max = 20;
    let d = case.run();
    assert_eq!(d.decision.desired_replicas, 4);
}
