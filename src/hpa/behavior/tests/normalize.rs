//! Whole normalization (`reconcileAutoscaler` from the metric proposal on): branches, conditions,
//! rescale reasons and history updates. Controller-level upstream tests are ported by their
//! normalization inputs (the metric proposal they produce) and expected outputs.

use super::super::{
    ConditionStatus, DecisionPath, Gate, History, ScalingPolicy, ZeroState, gate, record_rescale,
};
use super::{case, cond, hist, now, rec, rules};

use ConditionStatus::{False, True};

#[test]
fn first_sight_blocks_scale_down_for_one_window() {
    // TestScaleDownStabilizeInitialSize: 5 replicas, metrics propose 3 (as in TestScaleDown), no
    // history → seeded with 5 → stays at 5, AbleToScale ScaleDownStabilized.
    let (d, h) = case(5, 2, 6).proposal(3).run();
    assert_eq!(d.path, DecisionPath::Legacy);
    assert_eq!((d.desired_replicas, d.rescale), (5, false));
    assert_eq!(cond(d.able_to_scale.as_ref()), Some((True, "ScaleDownStabilized")));
    assert_eq!(cond(d.scaling_limited.as_ref()), Some((False, "DesiredWithinRange")));
    let recs: Vec<i32> = h.recommendations.iter().map(|r| r.replicas).collect();
    assert_eq!(recs, [5, 3]);
}

#[test]
fn empty_history_scales_down_at_once() {
    // TestScaleDown: same inputs with an empty (not absent) history → 3.
    let (d, _) = case(5, 2, 6).proposal(3).history(History::default()).run();
    assert_eq!((d.desired_replicas, d.rescale), (3, true));
    assert_eq!(d.rescale_reason, "All metrics below target");
    assert_eq!(cond(d.able_to_scale.as_ref()), Some((True, "ReadyForNewScale")));
    assert_eq!(d.rescale_event_message().as_deref(), Some("New size: 3; reason: All metrics below target"));
}

#[test]
fn recent_high_recommendation_stabilizes_a_downscale() {
    // TestStabilizeDownscale: 4 replicas, history [{10, -10m}, {4, -1m}], metrics propose 2 →
    // 4 (the -1m entry), AbleToScale ScaleDownStabilized, ScalingLimited False.
    let (d, h) =
        case(4, 1, 5).proposal(2).history(hist(vec![rec(10, 600), rec(4, 60)], vec![], vec![])).run();
    assert_eq!((d.desired_replicas, d.rescale), (4, false));
    assert_eq!(d.stabilized_replicas, Some(4));
    assert_eq!(cond(d.able_to_scale.as_ref()), Some((True, "ScaleDownStabilized")));
    assert_eq!(cond(d.scaling_limited.as_ref()), Some((False, "DesiredWithinRange")));
    // The expired -10m slot was reused for the new proposal.
    let recs: Vec<i32> = h.recommendations.iter().map(|r| r.replicas).collect();
    assert_eq!(recs, [2, 4]);
}

#[test]
fn legacy_stabilization_can_lift_above_current_and_is_then_capped() {
    // Own, spec §5: recommendation 10 a minute ago, current 4, metrics ask 3 → stabilized 10,
    // capped to max(2*4, 4) = 8 with the production factor.
    let (d, _) =
        case(4, 1, 20).production().proposal(3).history(hist(vec![rec(10, 60)], vec![], vec![])).run();
    assert_eq!(d.stabilized_replicas, Some(10));
    assert_eq!(d.legacy_scale_up_limit, Some(8));
    assert_eq!((d.desired_replicas, d.rescale), (8, true));
    assert_eq!(cond(d.scaling_limited.as_ref()), Some((True, "ScaleUpLimit")));
    // The proposal was below current, so upstream's reason text says so.
    assert_eq!(d.rescale_reason, "All metrics below target");
}

#[test]
fn scale_up_hits_max_replicas() {
    // TestNoBackoffUpscaleCMNoBackoffCpu shape: 3 replicas, max 5, metrics propose more than 5 →
    // 5, ScalingLimited True TooManyReplicas (cap max(8*3, 4) = 24 is above max).
    let (d, _) = case(3, 1, 5).proposal(7).history(History::default()).run();
    assert_eq!((d.desired_replicas, d.rescale), (5, true));
    assert_eq!(cond(d.scaling_limited.as_ref()), Some((True, "TooManyReplicas")));
    assert_eq!(d.rescale_reason, "cpu resource utilization (percentage of request) above target");
    assert_eq!(
        d.rescale_event_message().as_deref(),
        Some("New size: 5; reason: cpu resource utilization (percentage of request) above target")
    );
}

#[test]
fn proposal_equal_to_current_is_ready_for_new_scale() {
    // TestNoBackoffUpscaleCM-style no-op / TestComputedToleranceAlgImplementation tc2: no change.
    let (d, _) = case(10, 0, 1000).proposal(10).history(History::default()).run();
    assert_eq!((d.desired_replicas, d.rescale), (10, false));
    assert_eq!(cond(d.able_to_scale.as_ref()), Some((True, "ReadyForNewScale")));
    assert_eq!(d.rescale_reason, "");
    assert_eq!(d.rescale_event_message(), None);
}

#[test]
fn below_min_scales_up_without_metrics() {
    // TestScaleUpRCImmediately: 1 replica, min 2 → 2; only AbleToScale (set after the update).
    let (d, _) = case(1, 2, 6).run();
    assert_eq!(d.path, DecisionPath::BelowMinReplicas);
    assert_eq!((d.desired_replicas, d.rescale), (2, true));
    assert_eq!(d.rescale_reason, "Current number of replicas below Spec.MinReplicas");
    assert!(d.conditions().is_empty());
}

#[test]
fn above_max_scales_down_without_metrics() {
    // TestScaleDownRCImmediately: 6 replicas, max 5 → 5, even though metrics would ask more.
    let (d, _) = case(6, 2, 5).proposal(20).run();
    assert_eq!(d.path, DecisionPath::AboveMaxReplicas);
    assert_eq!((d.desired_replicas, d.rescale), (5, true));
    assert_eq!(d.rescale_reason, "Current number of replicas above Spec.MaxReplicas");
    assert_eq!(d.proposal, None);
}

#[test]
fn zero_replicas_with_positive_min_disables_scaling() {
    // Spec §8.1 implicit maintenance mode (TestZeroReplicas shape).
    let (d, h) = case(0, 1, 5).proposal(3).run();
    assert_eq!(d.path, DecisionPath::ScalingDisabled);
    assert_eq!((d.desired_replicas, d.rescale), (0, false));
    assert_eq!(cond(d.scaling_active.as_ref()), Some((False, "ScalingDisabled")));
    assert_eq!(
        d.scaling_active.as_ref().map(|c| c.message.as_str()),
        Some("scaling is disabled since the replica count of the target is zero")
    );
    // recordInitialRecommendation still ran.
    assert_eq!(h.recommendations.len(), 1);
}

#[test]
fn zero_replicas_with_zero_min_scales_up_from_zero() {
    // TestScaleUpFromZeroCMObject (v1.36, gate on): min 0, ScaledToZero=True, an Object metric
    // proposes 2 from zero.
    let mut c = case(0, 0, 5).proposal(2).history(History::default());
    c.input.zero = ZeroState { scaled_to_zero: true, has_object_or_external: true };
    let (d, _) = c.run();
    assert_eq!(d.path, DecisionPath::Legacy);
    assert_eq!((d.desired_replicas, d.rescale), (2, true));
}

#[test]
fn zero_min_allows_scaling_to_zero() {
    // TestScaleDownToZeroCMObject shape: proposal 0 with min 0 → 0 (empty history).
    let (d, _) = case(5, 0, 5).proposal(0).history(History::default()).run();
    assert_eq!((d.desired_replicas, d.rescale), (0, true));
    assert_eq!(cond(d.scaling_limited.as_ref()), Some((False, "DesiredWithinRange")));
}

#[test]
fn too_few_replicas_raises_to_min() {
    // Own (TestConvertDesiredReplicasWithRules row 2 through normalize): 3 → proposal 1, min 2.
    let (d, _) = case(3, 2, 8).proposal(1).history(History::default()).run();
    assert_eq!(d.desired_replicas, 2);
    assert_eq!(cond(d.scaling_limited.as_ref()), Some((True, "TooFewReplicas")));
    assert_eq!(
        d.scaling_limited.as_ref().map(|c| c.message.as_str()),
        Some("the desired replica count is less than the minimum replica count")
    );
}

#[test]
fn missing_metrics_keep_the_current_count() {
    let (d, h) = case(4, 1, 10).history(History::default()).run();
    assert_eq!(d.path, DecisionPath::MetricsUnavailable);
    assert_eq!((d.desired_replicas, d.rescale), (4, false));
    assert!(h.recommendations.is_empty());
}

#[test]
fn behavior_scale_down_uses_the_flag_window_and_default_policies() {
    // TestScaleDownWithScalingRules: behavior with scaleUp rules (0,0,100,15,30) only, 5 → 3.
    let (d, _) = case(5, 2, 6)
        .behavior(Some(rules(0, 0, 100, 15, 30)), None)
        .proposal(3)
        .history(History::default())
        .run();
    assert_eq!(d.path, DecisionPath::Behavior);
    assert_eq!((d.desired_replicas, d.rescale), (3, true));
    assert_eq!(cond(d.scaling_limited.as_ref()), Some((False, "DesiredWithinRange")));
}

#[test]
fn behavior_first_sight_also_blocks_scale_down() {
    // Own: seeding applies to both paths; default scale-down window 300 s from the flag.
    let (d, _) = case(5, 2, 6).behavior(None, None).proposal(3).run();
    assert_eq!((d.desired_replicas, d.rescale), (5, false));
    assert_eq!(cond(d.able_to_scale.as_ref()), Some((True, "ScaleDownStabilized")));
}

#[test]
fn behavior_rate_limit_reports_the_limiting_policy() {
    // TestScalingWithRules "scaleUp with pod policy limitation" through normalize: 10 → 40 with
    // Pods 30/60s.
    let (d, _) = case(10, 1, 1000)
        .behavior(Some(rules(30, 60, 0, 0, 0)), None)
        .proposal(50)
        .history(History::default())
        .run();
    assert_eq!(d.desired_replicas, 40);
    assert_eq!(d.rate_bound, Some(40));
    assert_eq!(cond(d.scaling_limited.as_ref()), Some((True, "ScaleUpLimit")));
    assert_eq!(
        d.limiting_policy.map(|p| (p.policy, p.period_start_replicas)),
        Some((ScalingPolicy::pods(30, 60), 10))
    );
    assert!(d.explanation.iter().any(|l| l.contains("30 pods per 60s")), "{:?}", d.explanation);
}

#[test]
fn behavior_scale_up_stabilization_holds_back() {
    // TestNormalizeDesiredReplicasWithBehavior "simple scale up stabilization" through normalize.
    let up = Some(rules(4, 15, 100, 15, 300));
    let (d, _) = case(1, 1, 10)
        .behavior(up, None)
        .proposal(7)
        .history(hist(vec![rec(4, 120), rec(5, 60)], vec![], vec![]))
        .run();
    assert_eq!(d.stabilized_replicas, Some(4));
    assert_eq!(d.desired_replicas, 4);
    assert_eq!(cond(d.able_to_scale.as_ref()), Some((True, "ScaleUpStabilized")));
}

#[test]
fn rescale_records_events_only_with_behavior() {
    // TestStoreScaleEvents "empty entries with default behavior" / "with two-policy-behavior".
    let mut h = History::default();
    record_rescale(&mut h, None, 3, 5, now());
    assert!(h.scale_up_events.is_empty());
    let (d, mut h) = case(3, 1, 10).behavior(None, None).proposal(5).history(History::default()).run();
    record_rescale(
        &mut h,
        Some(&super::super::Behavior::default()),
        d.current_replicas,
        d.desired_replicas,
        now(),
    );
    assert_eq!(h.scale_up_events.iter().map(|e| e.replica_change).collect::<Vec<_>>(), [2]);
}

#[test]
fn gate_orders_the_branches_as_upstream() {
    let none = ZeroState::default();
    assert_eq!(gate(0, 1, 5, none), Gate::ScalingDisabled);
    assert_eq!(gate(6, 2, 5, none), Gate::AboveMaxReplicas);
    assert_eq!(gate(1, 2, 5, none), Gate::BelowMinReplicas);
    assert_eq!(gate(3, 2, 5, none), Gate::ComputeMetrics);
}

#[test]
fn gate_at_zero_follows_upstream_should_compute_metrics_for_zero_replicas() {
    // horizontal.go shouldComputeMetricsForZeroReplicas (v1.36, gate HPAScaleToZero on).
    let zero = |scaled_to_zero, has_object_or_external| ZeroState { scaled_to_zero, has_object_or_external };
    // No ScaledToZero condition: scaled to zero by hand, whatever minReplicas and the metrics are.
    assert_eq!(gate(0, 0, 5, zero(false, true)), Gate::ScalingDisabled);
    assert_eq!(gate(0, 1, 5, zero(false, true)), Gate::ScalingDisabled);
    // Scaled to zero by the autoscaler: an Object/External metric can bring it back.
    assert_eq!(gate(0, 0, 5, zero(true, true)), Gate::ComputeMetrics);
    // … a Resource-only spec cannot, unless minReplicas was raised since.
    assert_eq!(gate(0, 0, 5, zero(true, false)), Gate::ScalingDisabled);
    assert_eq!(gate(0, 2, 5, zero(true, false)), Gate::ComputeMetrics);
}

#[test]
fn decision_serialises_with_camel_case_conditions() {
    let (d, _) = case(3, 2, 8).proposal(1).history(History::default()).run();
    let v = serde_json::to_value(&d).expect("serialisable");
    assert_eq!(v["desiredReplicas"], 2);
    assert_eq!(v["scalingLimited"]["type"], "ScalingLimited");
    assert_eq!(v["scalingLimited"]["status"], "True");
    assert_eq!(v["path"], "legacy");
}

#[test]
fn input_validation_names_the_bad_bound() {
    use super::super::BehaviorError;
    let mut input = case(3, 2, 8).input;
    assert_eq!(input.validate(), Ok(()));
    input.max_replicas = 1;
    assert_eq!(input.validate(), Err(BehaviorError::MaxBelowMin { min: 2, max: 1 }));
    assert_eq!(
        input.validate().map_err(|e| e.to_string()),
        Err("maxReplicas: 1 must be at least 1 and not less than minReplicas 2".to_owned())
    );
    input.min_replicas = Some(-1);
    assert_eq!(input.validate(), Err(BehaviorError::NegativeMinReplicas { min: -1 }));
    input.min_replicas = None;
    input.max_replicas = 1;
    assert_eq!(input.validate(), Ok(()));
}
