//! Whole syncs, with expectations taken from upstream `horizontal_test.go` controller tests
//! (replica counts, event and condition texts) where one exists.

use jiff::{SignedDuration, Timestamp};

use super::*;
use crate::hpa::behavior::{ConditionStatus, ConditionType};
use crate::hpa::calc::{
    ConditionStatus as PodCondition, ContainerRequests, MetricTarget, PerPodSamples, PodMetricSample,
    PodPhase, ReadyCondition, ResourceList, ResourceName,
};

fn now() -> Timestamp {
    "2026-03-01T12:00:00Z".parse().unwrap()
}

/// A Running pod, Ready for ten minutes (outside every readiness window), requesting `cpu` millicores.
fn pod(name: &str, cpu: i64) -> PodSnapshot {
    let since = now() - SignedDuration::from_mins(10);
    PodSnapshot {
        name: name.into(),
        phase: PodPhase::Running,
        deleting: false,
        start_time: Some(since),
        ready: Some(ReadyCondition { status: PodCondition::True, last_transition_time: since }),
        containers: vec![ContainerRequests {
            name: "app".into(),
            requests: ResourceList { cpu: Some(cpu), memory: None },
            restartable: false,
        }],
        init_containers: vec![],
        pod_requests: None,
    }
}

/// One CPU sample per level, for pods `web-0`, `web-1`, … (millicores, sampled at [`now`]).
fn cpu_samples(levels: &[i64]) -> MetricSamples {
    MetricSamples::PerPod(PerPodSamples {
        pods: levels
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let sample =
                    PodMetricSample { value: *v, timestamp: now(), window: SignedDuration::from_secs(30) };
                (format!("web-{i}"), sample)
            })
            .collect(),
        timestamp: Some(now()),
    })
}

/// An HPA fixture in the shape of upstream's `testCase`: pods with 1 CPU requested each, a CPU
/// utilization target, reported levels in millicores.
struct Case {
    min: Option<i32>,
    max: i32,
    spec_replicas: i32,
    selector: Option<String>,
    target: i32,
    levels: Option<Vec<i64>>,
    behavior: Option<Behavior>,
}

impl Case {
    fn new(spec_replicas: i32, target: i32, levels: &[i64]) -> Self {
        Self {
            min: Some(2),
            max: 6,
            spec_replicas,
            selector: Some("app=web".into()),
            target,
            levels: Some(levels.to_vec()),
            behavior: None,
        }
    }

    fn run(&self, history: &mut Option<History>) -> SyncDecision {
        let levels = self.levels.clone().unwrap_or_default();
        let pods: Vec<PodSnapshot> = (0..levels.len()).map(|i| pod(&format!("web-{i}"), 1000)).collect();
        let samples = match &self.levels {
            Some(levels) => cpu_samples(levels),
            None => {
                MetricSamples::Unavailable { reason: "no metrics returned from resource metrics API".into() }
            }
        };
        let metrics = [(
            MetricSpec::Resource { name: ResourceName::Cpu, target: MetricTarget::utilization(self.target) },
            samples,
        )];
        let input = SyncInput {
            reference: "Deployment/default/web".into(),
            namespace: "default",
            min_replicas: self.min,
            max_replicas: self.max,
            behavior: self.behavior.clone(),
            scale: ScaleSnapshot {
                spec_replicas: self.spec_replicas,
                status_replicas: self.spec_replicas,
                selector: self.selector.clone(),
            },
            pods: &pods,
            metrics: &metrics,
            calc: CalcConfig::default(),
            normalize: NormalizeConfig::default(),
            now: now(),
            scaled_to_zero: false,
        };
        sync(&input, history)
    }
}

fn condition(d: &SyncDecision, kind: ConditionType) -> &Condition {
    d.conditions.iter().find(|c| c.kind == kind).expect("condition present")
}

#[test]
fn scale_up_follows_upstream_test_scale_up() {
    // horizontal_test.go TestScaleUp: 3 replicas, target 30%, levels 300/500/700 of 1 CPU → 5.
    let d = Case::new(3, 30, &[300, 500, 700]).run(&mut Some(History::default()));
    assert_eq!(d.decision.desired_replicas, 5);
    assert!(d.decision.rescale);
    assert_eq!(
        d.events,
        [Event {
            event_type: "Normal",
            reason: "SuccessfulRescale".into(),
            message: "New size: 5; reason: cpu resource utilization (percentage of request) above target"
                .into(),
        }]
    );
    let kinds: Vec<ConditionType> = d.conditions.iter().map(|c| c.kind).collect();
    assert_eq!(
        kinds,
        [
            ConditionType::AbleToScale,
            ConditionType::ScalingActive,
            ConditionType::ScalingLimited,
            // v1.36 (gate on) sets it on every rescale.
            ConditionType::ScaledToZero
        ]
    );
    let able = condition(&d, ConditionType::AbleToScale);
    assert_eq!(able.reason, "SucceededRescale");
    assert_eq!(able.message, "the HPA controller was able to update the target scale to 5");
    let active = condition(&d, ConditionType::ScalingActive);
    assert_eq!(active.reason, "ValidMetricFound");
    assert_eq!(
        active.message,
        "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)"
    );
    assert_eq!(condition(&d, ConditionType::ScalingLimited).reason, "DesiredWithinRange");
    assert_eq!(d.error, None);
}

#[test]
fn scale_down_follows_upstream_test_scale_down() {
    // horizontal_test.go TestScaleDown: 5 replicas, target 50%, levels summing to 28% → 3.
    let d = Case::new(5, 50, &[100, 300, 500, 250, 250]).run(&mut Some(History::default()));
    assert_eq!(d.decision.desired_replicas, 3);
    assert_eq!(d.events[0].message, "New size: 3; reason: All metrics below target");
}

#[test]
fn first_sight_seeds_history_so_the_first_scale_down_is_stabilized() {
    let mut history = None;
    let d = Case::new(5, 50, &[100, 300, 500, 250, 250]).run(&mut history);
    assert_eq!(d.decision.desired_replicas, 5);
    assert!(!d.decision.rescale);
    assert_eq!(condition(&d, ConditionType::AbleToScale).reason, "ScaleDownStabilized");
    assert!(d.events.is_empty());
    let seeded = history.expect("history seeded");
    assert_eq!(seeded.recommendations.first().map(|r| (r.timestamp, r.replicas)), Some((now(), 5)));
}

#[test]
fn a_scale_without_selector_is_upstreams_selector_required() {
    let mut case = Case::new(3, 30, &[300, 500, 700]);
    case.selector = None;
    let d = case.run(&mut Some(History::default()));
    assert!(!d.decision.rescale);
    assert_eq!(d.decision.desired_replicas, 3);
    assert_eq!(d.events[0], Event::warning("SelectorRequired", "selector is required"));
    assert_eq!(d.events[1], Event::warning("FailedComputeMetricsReplicas", "selector is required"));
    let active = condition(&d, ConditionType::ScalingActive);
    assert_eq!((active.status, active.reason.as_str()), (ConditionStatus::False, "InvalidSelector"));
    assert_eq!(active.message, "the HPA target's scale is missing a selector");
    assert_eq!(
        d.error.as_deref(),
        Some(
            "failed to compute desired number of replicas based on listed metrics for Deployment/default/web: selector is required"
        )
    );
}

#[test]
fn an_unparsable_selector_is_upstreams_invalid_selector() {
    // TestConditionInvalidSelectorUnparsable uses "cheddar cheese".
    let mut case = Case::new(3, 30, &[300, 500, 700]);
    case.selector = Some("cheddar cheese".into());
    let d = case.run(&mut Some(History::default()));
    assert_eq!(d.events[0].reason, "InvalidSelector");
    assert!(
        d.events[0]
            .message
            .starts_with("couldn't convert selector into a corresponding internal selector object: "),
        "{}",
        d.events[0].message
    );
    assert_eq!(condition(&d, ConditionType::ScalingActive).reason, "InvalidSelector");
    assert!(!d.decision.rescale);
}

#[test]
fn unavailable_metrics_stop_scaling_with_upstreams_texts() {
    let mut case = Case::new(3, 30, &[300, 500, 700]);
    case.levels = None;
    let d = case.run(&mut Some(History::default()));
    assert!(!d.decision.rescale);
    // Upstream: computeStatusForResourceMetric records the event and builds the condition from
    // "failed to get cpu utilization: …"; computeReplicasForMetric then wraps it in "failed to get
    // cpu resource metric value: …", which only the FailedComputeMetricsReplicas summary quotes.
    let inner = "failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API";
    assert_eq!(d.events[0], Event::warning("FailedGetResourceMetric", inner));
    assert_eq!(
        d.events[1],
        Event::warning(
            "FailedComputeMetricsReplicas",
            format!(
                "invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: {inner}"
            )
        )
    );
    let active = condition(&d, ConditionType::ScalingActive);
    assert_eq!((active.status, active.reason.as_str()), (ConditionStatus::False, "FailedGetResourceMetric"));
    assert_eq!(active.message, format!("the HPA was unable to compute the replica count: {inner}"));
    assert!(d.error.as_deref().is_some_and(|e| e.starts_with(
        "failed to compute desired number of replicas based on listed metrics for Deployment/default/web: invalid metrics"
    )));
}

#[test]
fn a_target_at_zero_replicas_with_min_above_zero_is_disabled() {
    let d = Case::new(0, 30, &[]).run(&mut Some(History::default()));
    assert_eq!(d.decision.desired_replicas, 0);
    assert!(d.metrics.is_none(), "metrics are not consulted");
    let active = condition(&d, ConditionType::ScalingActive);
    assert_eq!(active.reason, "ScalingDisabled");
    assert!(d.events.is_empty());
}

#[test]
fn above_max_scales_to_max_without_consulting_metrics() {
    // TestScaleDownRCImmediately: 12 replicas, max 5 → 5 whatever the metrics say.
    let mut case = Case::new(12, 50, &[10; 12]);
    case.max = 5;
    let d = case.run(&mut Some(History::default()));
    assert_eq!(d.decision.desired_replicas, 5);
    assert!(d.metrics.is_none());
    assert_eq!(d.events[0].message, "New size: 5; reason: Current number of replicas above Spec.MaxReplicas");
    assert!(d.conditions.iter().all(|c| c.kind != ConditionType::ScalingActive));
}

#[test]
fn a_rescale_with_behavior_records_the_scale_event() {
    let mut case = Case::new(3, 30, &[300, 500, 700]);
    case.behavior = Some(Behavior::default());
    let mut history = Some(History::default());
    let d = case.run(&mut history);
    assert_eq!(d.decision.desired_replicas, 5);
    let events = &history.expect("history").scale_up_events;
    assert_eq!(events.len(), 1);
    assert_eq!((events[0].timestamp, events[0].replica_change), (now(), 2));
}

mod zero;
