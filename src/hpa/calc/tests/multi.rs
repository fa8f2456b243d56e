//! Dispatch and multi-metric combination (`computeReplicasForMetric[s]`), checked against the
//! rules of spec/hpa.md §2.1 and §4 and the upstream `horizontal_test.go` cases named per test.

use super::fixtures::{Scenario, cool, hot, now, test_config, zero_time};
use crate::hpa::calc::{
    CalcContext, Hold, MetricIdentifier, MetricSamples, MetricSpec, MetricTarget, MetricsDecision,
    ObjectReference, Replicas, ResourceName, TargetType, compute_replicas_for_metrics,
};

fn cpu_utilization(target: i32) -> MetricSpec {
    MetricSpec::Resource { name: ResourceName::Cpu, target: MetricTarget::utilization(target) }
}

fn pods_qps(target: i64) -> MetricSpec {
    MetricSpec::Pods { metric: MetricIdentifier::named("qps"), target: MetricTarget::average_value(target) }
}

fn external_qps(target: i64) -> MetricSpec {
    MetricSpec::External { metric: MetricIdentifier::named("qps"), target: MetricTarget::value(target) }
}

fn object_qps(target: MetricTarget) -> MetricSpec {
    MetricSpec::Object {
        described_object: ObjectReference {
            kind: "Deployment".into(),
            name: "some-deployment".into(),
            api_version: None,
        },
        metric: MetricIdentifier::named("qps"),
        target,
    }
}

fn unavailable(reason: &str) -> MetricSamples {
    MetricSamples::Unavailable { reason: reason.into() }
}

/// Three ready pods requesting 1000m per container, using 300/500/700m per container.
fn three_pods() -> Scenario {
    Scenario::new(3).cpu(3, 1000).levels(&[300, 500, 700])
}

fn decide(
    scenario: &Scenario,
    replicas: Replicas,
    metrics: &[(MetricSpec, MetricSamples)],
) -> MetricsDecision {
    let pods = scenario.pods();
    let config = test_config(None);
    let ctx = CalcContext { pods: &pods, config: &config, namespace: "test-namespace", now: now() };
    compute_replicas_for_metrics(&ctx, replicas, metrics)
}

const THREE: Replicas = Replicas { spec: 3, status: 3 };

#[test]
fn the_largest_valid_proposal_wins() {
    let s = three_pods();
    let d = decide(
        &s,
        THREE,
        &[
            (pods_qps(15000), Scenario::custom_samples(&[20000, 10000, 30000])),
            (cpu_utilization(30), s.resource_samples()),
        ],
    );
    assert_eq!(d.replicas, Some(5));
    assert_eq!(d.metric.as_deref(), Some("cpu resource utilization (percentage of request)"));
    assert_eq!(d.timestamp, Some(zero_time()));
    assert_eq!((d.invalid_count, d.error, d.failure_reason), (0, None, None));
    let proposals: Vec<_> =
        d.metrics.iter().map(|m| m.result.as_ref().map(|r| r.proposal.replicas)).collect();
    assert_eq!(proposals, [Some(4), Some(5)]);
}

#[test]
fn an_invalid_metric_blocks_a_scale_down() {
    let s = three_pods();
    // Utilization 50% of a 100% target proposes 2 replicas, below the spec's 3.
    let d = decide(
        &s,
        THREE,
        &[(cpu_utilization(100), s.resource_samples()), (external_qps(100), unavailable("boom"))],
    );
    assert_eq!(d.replicas, None);
    assert_eq!(d.metric, None);
    assert_eq!(d.invalid_count, 1);
    assert_eq!(d.failure_reason, Some("FailedGetExternalMetric"));
    assert_eq!(
        d.error.map(|e| e.to_string()).as_deref(),
        Some(
            "invalid metrics (1 invalid out of 2), first error is: failed to get qps external metric value: \
             unable to get external metric test-namespace/qps/<nil>: boom"
        )
    );
}

#[test]
fn an_invalid_metric_still_allows_a_scale_up_and_reports_the_error() {
    let s = three_pods();
    let d = decide(
        &s,
        THREE,
        &[(external_qps(100), unavailable("boom")), (cpu_utilization(30), s.resource_samples())],
    );
    assert_eq!(d.replicas, Some(5));
    assert_eq!(d.failure_reason, None);
    assert!(d.error.is_some_and(|e| e.to_string().starts_with("invalid metrics (1 invalid out of 2)")));
}

#[test]
fn an_invalid_metric_still_allows_staying_at_the_current_count() {
    let s = three_pods();
    // Utilization 50% of a 50% target: within tolerance, proposal 3 == spec replicas.
    let d = decide(
        &s,
        THREE,
        &[(cpu_utilization(50), s.resource_samples()), (external_qps(100), unavailable("boom"))],
    );
    assert_eq!(d.replicas, Some(3));
}

#[test]
fn all_metrics_invalid_gives_the_upstream_event_text() {
    let s = Scenario::new(3).cpu(3, 1000).levels(&[]);
    let d = decide(&s, THREE, &[(cpu_utilization(80), s.resource_samples())]);
    assert_eq!(d.replicas, None);
    assert_eq!(d.failure_reason, Some("FailedGetResourceMetric"));
    // spec/hpa.md §7.2 FailedComputeMetricsReplicas example.
    assert_eq!(
        d.error.map(|e| e.to_string()).as_deref(),
        Some(
            "invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: \
             failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from \
             resource metrics API"
        )
    );
    assert_eq!(d.metrics[0].failure_reason, Some("FailedGetResourceMetric"));
}

#[test]
fn no_metrics_means_no_scaling_and_no_error() {
    let d = decide(&three_pods(), THREE, &[]);
    assert_eq!((d.replicas, d.error), (None, None));
}

#[test]
fn per_pod_object_targets_compare_against_status_replicas() {
    let s = three_pods();
    let samples = MetricSamples::Object { value: 6000, timestamp: now() };
    let d = decide(
        &s,
        Replicas { spec: 3, status: 5 },
        &[(object_qps(MetricTarget::average_value(2000)), samples)],
    );
    let proposal = &d.metrics[0].result.as_ref().unwrap().proposal;
    assert_eq!((proposal.replicas, proposal.current_replicas, proposal.average_value), (3, 5, Some(1200)));
    assert_eq!(d.metric.as_deref(), Some("external metric qps(nil)"));
    assert_eq!(d.timestamp, Some(now()));
}

#[test]
fn object_value_scales_from_zero_without_tolerance() {
    let none = Scenario::new(0);
    let zero = Replicas { spec: 0, status: 0 };
    let value = |v| MetricSamples::Object { value: v, timestamp: now() };
    // horizontal_test.go TestScaleUpFromZeroCMObject: value 20 against target 15 → 2.
    let d = decide(&none, zero, &[(object_qps(MetricTarget::value(15000)), value(20000))]);
    assert_eq!((d.replicas, d.metric.as_deref()), (Some(2), Some("Deployment metric qps")));
    // horizontal_test.go TestScaleUpFromZeroIgnoresToleranceCMObject: 1.0 against 1.0 → 1.
    let d = decide(&none, zero, &[(object_qps(MetricTarget::value(1000)), value(1000))]);
    assert_eq!(d.replicas, Some(1));
    // TestScaleDownToZeroCMObject: a zero value from one replica proposes zero.
    let d = decide(
        &Scenario::new(1),
        Replicas { spec: 1, status: 1 },
        &[(object_qps(MetricTarget::value(1000)), value(0))],
    );
    assert_eq!(d.replicas, Some(0));
}

#[test]
fn raw_cpu_average_targets_still_skip_initialising_pods() {
    // Pod 0 just started: its sample is dropped, then re-added at zero on the scale-up.
    let s = Scenario::new(3).start(&[hot(), cool(), cool()]).cpu(3, 1000).levels(&[300, 500, 700]);
    let spec = MetricSpec::Resource { name: ResourceName::Cpu, target: MetricTarget::average_value(400) };
    let result = s.run(&spec, &s.resource_samples(), None).unwrap();
    assert_eq!(result.metric, "cpu resource");
    let p = result.proposal;
    assert_eq!((p.replicas, p.average_value, p.usage_ratio), (6, Some(1200), 3.0));
    assert_eq!(p.rebalanced_usage_ratio, Some(2.0));
}

#[test]
fn missing_pods_on_a_plain_scale_down_within_tolerance_hold_the_count() {
    // TestReplicaCalcPodMetric/no change: missing metrics, with the hold reason exposed.
    let p = Scenario::new(5)
        .run(&pods_qps(20000), &Scenario::custom_samples(&[20000, 19000, 21000]), None)
        .unwrap();
    assert_eq!(p.proposal.hold, Some(Hold::WithinToleranceAfterRebalance));
    assert_eq!(p.proposal.missing_pods, ["test-pod-3", "test-pod-4"]);
}

#[test]
fn targets_that_validation_rejects_are_errors_naming_the_field() {
    let s = three_pods();
    let zero = s.run(&cpu_utilization(0), &s.resource_samples(), None).unwrap_err();
    assert_eq!(
        zero.error.to_string(),
        "failed to get cpu resource metric value: failed to get cpu utilization: invalid averageUtilization 0 \
         for metric cpu: must be greater than 0"
    );
    let neither = MetricTarget {
        target_type: TargetType::Utilization,
        value: None,
        average_value: None,
        average_utilization: None,
    };
    let spec = MetricSpec::Resource { name: ResourceName::Cpu, target: neither };
    assert_eq!(
        s.run(&spec, &s.resource_samples(), None).unwrap_err().error.to_string(),
        "failed to get cpu resource metric value: invalid resource metric source: neither an average utilization \
         target nor an average value (usage) target was set"
    );
    let mismatched = MetricTarget { target_type: TargetType::AverageValue, ..MetricTarget::value(5) };
    let sample = MetricSamples::Object { value: 1, timestamp: now() };
    assert_eq!(
        s.run(&object_qps(mismatched), &sample, None).unwrap_err().error.to_string(),
        "failed to get object metric value: invalid object metric source: neither a value target nor an average \
         value target was set"
    );
}

#[test]
fn samples_of_the_wrong_shape_are_reported() {
    let s = three_pods();
    let wrong = MetricSamples::Object { value: 1, timestamp: now() };
    assert_eq!(
        s.run(&cpu_utilization(50), &wrong, None).unwrap_err().error.to_string(),
        "failed to get cpu resource metric value: failed to get cpu utilization: cpu needs per-pod samples, got object"
    );
}

#[test]
fn a_container_metric_names_the_container_in_its_error() {
    let s = three_pods();
    let spec = MetricSpec::ContainerResource {
        name: ResourceName::Cpu,
        container: "sidecar".into(),
        target: MetricTarget::utilization(50),
    };
    let samples = crate::hpa::calc::resource_samples(&s.pod_usage(), ResourceName::Cpu, None);
    let failure = s.run(&spec, &samples, None).unwrap_err();
    assert_eq!(failure.reason, "FailedGetContainerResourceMetric");
    assert_eq!(
        failure.error.to_string(),
        "failed to get sidecar container metric value: failed to get cpu utilization: container sidecar not found \
         in Pod test-pod-0"
    );
}

#[test]
fn decisions_serialise_errors_as_their_message() {
    let s = three_pods();
    let d = decide(&s, THREE, &[(external_qps(100), unavailable("boom"))]);
    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(json["replicas"], serde_json::Value::Null);
    assert_eq!(json["invalidCount"], 1);
    assert_eq!(json["failureReason"], "FailedGetExternalMetric");
    assert_eq!(json["metrics"][0]["type"], "External");
    assert!(json["error"].as_str().is_some_and(|e| e.ends_with("test-namespace/qps/<nil>: boom")));
}

#[test]
fn a_pod_without_requests_fails_the_utilization_metric_with_the_full_upstream_chain() {
    // spec/hpa.md §2.9: "... failed to get cpu utilization: missing request for cpu in container
    // daprd of Pod x" (issue #87935 shape: one pod without a request fails the whole metric).
    let s = Scenario::new(1).levels(&[100]);
    let mut pods = s.pods();
    pods[0].containers[1].name = "daprd".into();
    pods[0].containers[0].requests.cpu = Some(100);
    let config = test_config(None);
    let ctx = CalcContext { pods: &pods, config: &config, namespace: "ns", now: now() };
    let d = compute_replicas_for_metrics(
        &ctx,
        Replicas { spec: 1, status: 1 },
        &[(cpu_utilization(50), s.resource_samples())],
    );
    assert_eq!(
        d.metrics[0].error.as_deref(),
        Some(
            "failed to get cpu resource metric value: failed to get cpu utilization: missing request for cpu in \
             container daprd of Pod test-pod-0"
        )
    ); // The condition and the per-metric event quote it without computeReplicasForMetric's wrapper.
    assert_eq!(
        d.metrics[0].condition_error.as_deref(),
        Some("failed to get cpu utilization: missing request for cpu in container daprd of Pod test-pod-0")
    );
}

#[test]
fn memory_utilization_ignores_cpu_readiness_windows() {
    // A just-started, never-ready pod still counts for memory: 3 pods at 60% of a 50% target.
    let s = Scenario::new(3)
        .readiness(&[super::fixtures::F, super::fixtures::T, super::fixtures::T])
        .start(&[hot(), cool(), cool()]);
    let mut pods = s.pods();
    for p in &mut pods {
        for c in &mut p.containers {
            c.requests.memory = Some(1_000_000);
        }
    }
    let items: Vec<_> = s
        .clone()
        .levels(&[0, 0, 0])
        .pod_usage()
        .into_iter()
        .map(|mut u| {
            for c in &mut u.containers {
                c.usage = crate::hpa::calc::ResourceList { cpu: None, memory: Some(600_000) };
            }
            u
        })
        .collect();
    let samples = crate::hpa::calc::resource_samples(&items, ResourceName::Memory, None);
    let config = test_config(None);
    let ctx = CalcContext { pods: &pods, config: &config, namespace: "ns", now: now() };
    let spec = MetricSpec::Resource { name: ResourceName::Memory, target: MetricTarget::utilization(50) };
    let result = crate::hpa::calc::compute_replicas_for_metric(&ctx, THREE, &spec, &samples).unwrap();
    assert_eq!(result.metric, "memory resource utilization (percentage of request)");
    let p = result.proposal;
    assert_eq!((p.replicas, p.utilization, p.ready_pods), (4, Some(60), Some(3)));
    assert!(p.skipped_pods.is_empty());
}

#[test]
fn surge_pods_can_raise_a_slight_scale_down_as_upstream_does() {
    // spec/hpa.md §2.4 quirk: the simple path multiplies by the ready count and has no direction
    // guard. Four ready pods (one surge pod) at 42.5% (truncated to 42%) of a 50% target, ratio
    // 0.84, with spec replicas 3 propose ceil(0.84 * 4) = 4.
    let s = Scenario::new(4).cpu(4, 1000).levels(&[425, 425, 425, 425]);
    let pods = s.pods();
    let config = test_config(None);
    let ctx = CalcContext { pods: &pods, config: &config, namespace: "ns", now: now() };
    let result = crate::hpa::calc::compute_replicas_for_metric(
        &ctx,
        THREE,
        &cpu_utilization(50),
        &s.resource_samples(),
    );
    let p = result.unwrap().proposal;
    assert_eq!((p.usage_ratio, p.replicas, p.current_replicas), (0.84, 4, 3));
}
