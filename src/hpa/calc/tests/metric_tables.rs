//! Pods, Object and External vectors, ported by value from upstream `TestReplicaCalcPodMetric`,
//! `TestReplicaCalcObjectMetric`, `TestReplicaCalcObjectPerPodMetric`,
//! `TestReplicaCalcExternalMetric` and `TestReplicaCalcExternalPerPodMetric` (classic names:
//! `TestReplicaCalcScaleUpCM*`, `TestReplicaCalcToleranceCM*`, `TestReplicaCalcConfigurableToleranceCM*`,
//! `TestReplicaCalcScaleUpOverflow`, `TestExternalPerPodMetricReplicaOverflow`,
//! `TestExternalPerPodMetricUsageOverflow`, `TestReplicaCalcExternalMetricUsageOverflow`).

use jiff::Timestamp;

use super::fixtures::{F, RUN, Scenario, T, cool, hot, zero_time};
use crate::hpa::calc::{
    MetricIdentifier, MetricSamples, MetricSpec, MetricTarget, ObjectReference, ReplicaProposal, Tolerances,
};

/// Upstream `testExternalSelector` as Go's `%+v` prints it.
const EXTERNAL_SELECTOR: &str = "&LabelSelector{MatchLabels:map[string]string{label: value,},MatchExpressions:[]LabelSelectorRequirement{},}";

fn qps() -> MetricIdentifier {
    MetricIdentifier::named("qps")
}

fn deployment() -> ObjectReference {
    ObjectReference {
        kind: "Deployment".into(),
        name: "some-deployment".into(),
        api_version: Some("apps/v1".into()),
    }
}

fn pods_spec(target: i64) -> MetricSpec {
    MetricSpec::Pods { metric: qps(), target: MetricTarget::average_value(target) }
}

fn object_value_spec(target: i64) -> MetricSpec {
    MetricSpec::Object { described_object: deployment(), metric: qps(), target: MetricTarget::value(target) }
}

fn object_average_spec(target: i64) -> MetricSpec {
    MetricSpec::Object {
        described_object: deployment(),
        metric: qps(),
        target: MetricTarget::average_value(target),
    }
}

fn external_metric() -> MetricIdentifier {
    MetricIdentifier { name: "qps".into(), selector: Some(EXTERNAL_SELECTOR.into()) }
}

fn external_value_spec(target: i64) -> MetricSpec {
    MetricSpec::External { metric: external_metric(), target: MetricTarget::value(target) }
}

fn external_average_spec(target: i64) -> MetricSpec {
    MetricSpec::External { metric: external_metric(), target: MetricTarget::average_value(target) }
}

fn object(value: i64) -> MetricSamples {
    MetricSamples::Object { value, timestamp: zero_time() }
}

fn external(values: &[i64]) -> MetricSamples {
    MetricSamples::External { values: values.to_vec(), timestamp: zero_time() }
}

/// Which number upstream reports as "usage" for the metric type.
#[derive(Clone, Copy)]
enum Usage {
    /// `current.averageValue` (Pods, per-pod Object/External).
    Average,
    /// `current.value` (Object/External Value).
    Total,
}

struct Case {
    upstream: &'static str,
    scenario: Scenario,
    spec: MetricSpec,
    samples: MetricSamples,
    tolerances: Option<Tolerances>,
    replicas: i32,
    usage: i64,
}

fn case(
    upstream: &'static str,
    scenario: Scenario,
    spec: MetricSpec,
    samples: MetricSamples,
    expect: (i32, i64),
) -> Case {
    Case { upstream, scenario, spec, samples, tolerances: None, replicas: expect.0, usage: expect.1 }
}

/// Upstream's `Tolerances{defaultTestingTolerance, .01}`.
fn up_one_percent(mut c: Case) -> Case {
    c.tolerances = Some(Tolerances { scale_down: 0.1, scale_up: 0.01 });
    c
}

fn usage_of(p: &ReplicaProposal, usage: Usage) -> Option<i64> {
    match usage {
        Usage::Average => p.average_value,
        Usage::Total => p.value,
    }
}

fn run_table(cases: &[Case], usage: Usage, timestamp: Option<Timestamp>) {
    for c in cases {
        let result = c.scenario.run(&c.spec, &c.samples, c.tolerances);
        let Ok(result) = result else { panic!("{}: unexpected {result:?}", c.upstream) };
        let p = &result.proposal;
        assert_eq!(
            (p.replicas, usage_of(p, usage), p.timestamp),
            (c.replicas, Some(c.usage), timestamp),
            "{}",
            c.upstream
        );
    }
}

#[test]
fn pods_metric_vectors_match_upstream() {
    let samples = Scenario::custom_samples;
    let s = Scenario::new;
    run_table(
        &[
            // TestReplicaCalcPodMetric/scale up (TestReplicaCalcScaleUpCM)
            case("scale up", s(3), pods_spec(15000), samples(&[20000, 10000, 30000]), (4, 20000)),
            // TestReplicaCalcPodMetric/scale up: unready hot-CPU pod scales less (…UnreadyHotCpuNoLessScale)
            case(
                "scale up: unready hot-CPU pod scales less",
                s(3).readiness(&[T, T, F]).start(&[cool(), cool(), hot()]),
                pods_spec(15000),
                samples(&[50000, 10000, 30000]),
                (6, 30000),
            ),
            // TestReplicaCalcPodMetric/scale up: unready hot-CPU pods avoid scale-down (…UnreadyHotCpuScaleWouldScaleDown)
            case(
                "scale up: unready hot-CPU pods avoid scale-down",
                s(3).readiness(&[F, T, F]).start(&[hot(), cool(), hot()]),
                pods_spec(15000),
                samples(&[50000, 15000, 30000]),
                (7, 31666),
            ),
            // TestReplicaCalcPodMetric/scale down (TestReplicaCalcScaleDownCM)
            case("scale down", s(5), pods_spec(20000), samples(&[12000; 5]), (3, 12000)),
            // TestReplicaCalcPodMetric/within default tolerance (TestReplicaCalcToleranceCM)
            case(
                "within default tolerance",
                s(3),
                pods_spec(20000),
                samples(&[20000, 21000, 21000]),
                (3, 20666),
            ),
            // TestReplicaCalcPodMetric/outside configurable 1% tolerance (TestReplicaCalcConfigurableToleranceCM)
            up_one_percent(case(
                "outside configurable 1% tolerance",
                s(3),
                pods_spec(20000),
                samples(&[20000, 21000, 21000]),
                (4, 20666),
            )),
            // TestReplicaCalcPodMetric/no change: missing metrics (TestPlainMetricReplicaCalcMissingMetricsNoChangeEq)
            case(
                "no change: missing metrics",
                s(5),
                pods_spec(20000),
                samples(&[20000, 19000, 21000]),
                (5, 20000),
            ),
            // TestReplicaCalcPodMetric/rolling update with maxSurge (…DuringRollingUpdateWithMaxSurgeCM)
            case(
                "rolling update with maxSurge: extra pod missing metric",
                s(2).phases(&[RUN, RUN, RUN]),
                pods_spec(17000),
                samples(&[10000, 10000]),
                (2, 10000),
            ),
        ],
        Usage::Average,
        Some(zero_time()),
    );
}

#[test]
fn object_value_vectors_match_upstream() {
    let s = Scenario::new;
    run_table(
        &[
            // TestReplicaCalcObjectMetric/scale up (TestReplicaCalcScaleUpCMObject)
            case("scale up", s(3), object_value_spec(15000), object(20000), (4, 20000)),
            // TestReplicaCalcObjectMetric/scale up: very large metric saturates (TestReplicaCalcScaleUpOverflow)
            case(
                "very large metric saturates replicas",
                s(3),
                object_value_spec(1),
                object(i64::MAX),
                (i32::MAX, i64::MAX),
            ),
            // TestReplicaCalcObjectMetric/scale up: ignores unready pods (…ScaleUpCMObjectIgnoresUnreadyPods)
            case(
                "scale up: ignores unready pods",
                s(3).readiness(&[F, T, F]),
                object_value_spec(10000),
                object(50000),
                (5, 50000),
            ),
            // TestReplicaCalcObjectMetric/scale down (TestReplicaCalcScaleDownCMObject)
            case("scale down", s(5), object_value_spec(20000), object(12000), (3, 12000)),
            // TestReplicaCalcObjectMetric/within default tolerance (TestReplicaCalcToleranceCMObject)
            case("within default tolerance", s(3), object_value_spec(20000), object(20666), (3, 20666)),
            // TestReplicaCalcObjectMetric/outside configurable 1% tolerance (…ConfigurableToleranceCMObject)
            up_one_percent(case(
                "outside configurable 1% tolerance",
                s(3),
                object_value_spec(20000),
                object(20666),
                (4, 20666),
            )),
        ],
        Usage::Total,
        // Upstream returns a zero timestamp for Object Value targets.
        None,
    );
}

#[test]
fn object_per_pod_vectors_match_upstream() {
    let s = Scenario::new;
    run_table(
        &[
            // TestReplicaCalcObjectPerPodMetric/usage overflow with huge target leaves replicas unchanged
            case("huge target", s(1), object_average_spec(i64::MAX), object(i64::MAX), (1, i64::MAX)),
            // TestReplicaCalcObjectPerPodMetric/scale up (TestReplicaCalcScaleUpCMPerPodObject)
            case("scale up", s(3), object_average_spec(5000), object(20000), (4, 6667)),
            // TestReplicaCalcObjectPerPodMetric/scale down (TestReplicaCalcScaleDownPerPodCMObject)
            case("scale down", s(5), object_average_spec(2000), object(6000), (3, 1200)),
            // TestReplicaCalcObjectPerPodMetric/within default tolerance (TestReplicaCalcTolerancePerPodCMObject)
            case("within default tolerance", s(4), object_average_spec(5000), object(20166), (4, 5042)),
            // TestReplicaCalcObjectPerPodMetric/outside configurable 1% tolerance
            up_one_percent(case(
                "outside 1% tolerance",
                s(4),
                object_average_spec(5000),
                object(20208),
                (5, 5052),
            )),
            // TestReplicaCalcObjectPerPodMetric/statusReplicas zero does not overflow usage
            case("statusReplicas zero", s(0), object_average_spec(5000), object(20000), (4, 0)),
            // TestReplicaCalcObjectPerPodMetric/statusReplicas zero and metric zero does not underflow
            case("statusReplicas zero and metric zero", s(0), object_average_spec(5000), object(0), (0, 0)),
        ],
        Usage::Average,
        Some(zero_time()),
    );
}

#[test]
fn external_value_vectors_match_upstream() {
    let s = Scenario::new;
    run_table(
        &[
            // TestReplicaCalcExternalMetric/scale down: ignores unready pods (…ScaleUpCMExternalIgnoresUnreadyPods)
            case(
                "scale down: ignores unready pods (would otherwise scale up)",
                s(3).readiness(&[F, T, F]),
                external_value_spec(4400),
                external(&[8600]),
                (2, 8600),
            ),
            // TestReplicaCalcExternalMetric/scale down (TestReplicaCalcScaleDownCMExternal)
            case("scale down", s(5), external_value_spec(14334), external(&[8600]), (3, 8600)),
            // TestReplicaCalcExternalMetric/within default tolerance (TestReplicaCalcToleranceCMExternal)
            case("within default tolerance", s(3), external_value_spec(8888), external(&[8600]), (3, 8600)),
            // TestReplicaCalcExternalMetric/outside configurable 1% tolerance
            up_one_percent(case(
                "outside 1% tolerance",
                s(3),
                external_value_spec(8800),
                external(&[8900]),
                (4, 8900),
            )),
            // TestReplicaCalcExternalMetric/usage overflow caps at MaxInt64 (TestReplicaCalcExternalMetricUsageOverflow)
            case(
                "usage overflow caps at MaxInt64",
                s(3),
                external_value_spec(i64::MAX),
                external(&[i64::MAX / 2 + 1, i64::MAX / 2 + 1]),
                (3, i64::MAX),
            ),
        ],
        Usage::Total,
        // Upstream discards the external metric's timestamp for Value targets.
        None,
    );
}

#[test]
fn external_per_pod_vectors_match_upstream() {
    let s = Scenario::new;
    run_table(
        &[
            // TestReplicaCalcExternalPerPodMetric/replica count overflow (TestExternalPerPodMetricReplicaOverflow)
            case(
                "replica count overflow saturates",
                s(1),
                external_average_spec(1),
                external(&[i64::MAX]),
                (i32::MAX, i64::MAX),
            ),
            // TestReplicaCalcExternalPerPodMetric/usage overflow with huge target (TestExternalPerPodMetricUsageOverflow)
            case("huge target", s(1), external_average_spec(i64::MAX), external(&[i64::MAX]), (1, i64::MAX)),
            // TestReplicaCalcExternalPerPodMetric/statusReplicas zero does not overflow usage
            case("statusReplicas zero", s(0), external_average_spec(5000), external(&[20000]), (4, 0)),
            // TestReplicaCalcExternalPerPodMetric/statusReplicas zero and metric zero does not underflow
            case(
                "statusReplicas zero and metric zero",
                s(0),
                external_average_spec(5000),
                external(&[0]),
                (0, 0),
            ),
            // TestReplicaCalcExternalPerPodMetric/scale up (TestReplicaCalcScaleUpPerPodCMExternal)
            case("scale up", s(3), external_average_spec(2150), external(&[8600]), (4, 2867)),
            // TestReplicaCalcExternalPerPodMetric/scale down (TestReplicaCalcScaleDownPerPodCMExternal)
            case("scale down", s(5), external_average_spec(2867), external(&[8600]), (3, 1720)),
            // TestReplicaCalcExternalPerPodMetric/within default tolerance (…TolerancePerPodCMExternal)
            case("within default tolerance", s(3), external_average_spec(2900), external(&[8600]), (3, 2867)),
            // TestReplicaCalcExternalPerPodMetric/outside configurable 1% tolerance
            up_one_percent(case(
                "outside 1% tolerance",
                s(3),
                external_average_spec(2800),
                external(&[8600]),
                (4, 2867),
            )),
        ],
        Usage::Average,
        Some(zero_time()),
    );
}

#[test]
fn external_metric_without_values_names_the_metric_and_selector() {
    let result = Scenario::new(3).run(&external_value_spec(100), &external(&[]), None);
    let Err(failure) = result else { panic!("expected an error, got {result:?}") };
    assert_eq!(failure.reason, "FailedGetExternalMetric");
    assert_eq!(
        failure.error.to_string(),
        format!(
            "failed to get qps external metric value: unable to get external metric \
             test-namespace/qps/{EXTERNAL_SELECTOR}: no metrics returned from external metrics API"
        )
    );
}

#[test]
fn object_fetch_failure_names_the_described_object() {
    let samples =
        MetricSamples::Unavailable { reason: "the server is currently unable to handle the request".into() };
    let result = Scenario::new(3).run(&object_value_spec(100), &samples, None);
    let Err(failure) = result else { panic!("expected an error, got {result:?}") };
    assert_eq!(
        failure.error.to_string(),
        "failed to get object metric value: unable to get metric qps on Deployment test-namespace/some-deployment: \
         the server is currently unable to handle the request"
    );
}

#[test]
fn pods_metric_without_samples_reports_the_custom_metrics_api() {
    let result = Scenario::new(3).run(&pods_spec(100), &Scenario::custom_samples(&[]), None);
    let Err(failure) = result else { panic!("expected an error, got {result:?}") };
    assert_eq!(
        failure.error.to_string(),
        "failed to get pods metric value: unable to get metric qps: no metrics returned from custom metrics API"
    );
}

#[test]
fn condition_texts_drop_the_per_type_wrapper_of_compute_replicas_for_metric() {
    // Upstream's computeStatusFor*Metric records the per-metric event and builds the
    // ScalingActive=False condition before computeReplicasForMetric adds "failed to get … metric
    // value: ", so those texts start one level down.
    let result = Scenario::new(3).run(&pods_spec(100), &Scenario::custom_samples(&[]), None);
    let Err(failure) = result else { panic!("expected an error, got {result:?}") };
    assert_eq!(
        failure.error.without_metric_wrapper().to_string(),
        "unable to get metric qps: no metrics returned from custom metrics API"
    );
    let result = Scenario::new(3).run(&external_value_spec(100), &external(&[]), None);
    let Err(failure) = result else { panic!("expected an error, got {result:?}") };
    assert_eq!(
        failure.error.without_metric_wrapper().to_string(),
        format!(
            "unable to get external metric test-namespace/qps/{EXTERNAL_SELECTOR}: no metrics returned from \
             external metrics API"
        )
    );
    // Errors without such a wrapper are left as they are.
    let inner = failure.error.without_metric_wrapper();
    assert_eq!(inner.without_metric_wrapper(), inner);
}
