//! Reconcile of one HPA: rescale, status, conditions, failures.

use super::*;
use crate::hpa::controller::clients::ClientError;

const SCALE_UP_REASON: &str = "cpu resource utilization (percentage of request) above target";

// Upstream `TestEventCreated` / `TestScaleUp`: the event text and the status of a scale-up.
#[tokio::test]
async fn full_reconcile_scales_a_deployment_from_3_to_5_and_reports_as_upstream() {
    let c = cluster(3);
    set_usage(&c, 800, at(0));
    let ctx = context(&c);
    let outcome = run(&ctx, &hpa().view(), at(0)).await.unwrap();

    assert_eq!(outcome.rescaled, Some((3, 5)));
    let w = c.world();
    assert_eq!(w.scale_writes, vec![("web".to_owned(), 5)]);
    assert_eq!(w.events.len(), 1);
    assert_eq!(w.events[0].1.reason, "SuccessfulRescale");
    assert_eq!(w.events[0].1.event_type, "Normal");
    assert_eq!(w.events[0].1.message, format!("New size: 5; reason: {SCALE_UP_REASON}"));
    let (_, status) = w.hpa_status.last().unwrap();
    assert_eq!(status.current_replicas, Some(3));
    assert_eq!(status.desired_replicas, 5);
    assert_eq!(status.observed_generation, Some(1));
    assert_eq!(status.last_scale_time.as_ref().map(|t| t.0), Some(at(0)));
    let metric = &status.current_metrics.as_ref().unwrap()[0];
    assert_eq!(metric.type_, "Resource");
    let current = &metric.resource.as_ref().unwrap().current;
    assert_eq!(current.average_utilization, Some(80));
    assert_eq!(current.average_value.as_ref().map(|q| q.0.as_str()), Some("800m"));
    let conditions: Vec<(&str, &str, &str)> = status
        .conditions
        .iter()
        .flatten()
        .map(|c| (c.type_.as_str(), c.status.as_str(), c.reason.as_deref().unwrap_or_default()))
        .collect();
    assert_eq!(
        conditions,
        vec![
            ("AbleToScale", "True", "SucceededRescale"),
            ("ScalingActive", "True", "ValidMetricFound"),
            ("ScalingLimited", "False", "DesiredWithinRange"),
            // v1.36 (gate on) sets it on every rescale.
            ("ScaledToZero", "False", "NotScaledToZero"),
        ]
    );
    let able = &status.conditions.as_ref().unwrap()[0];
    assert_eq!(able.message.as_deref(), Some("the HPA controller was able to update the target scale to 5"));
}

// Upstream `TestAvoidUnnecessaryUpdates`.
#[tokio::test]
async fn status_is_not_rewritten_when_nothing_changed() {
    let c = cluster(3);
    set_usage(&c, 500, at(0));
    let ctx = context(&c);
    let mut a = hpa().view();
    let first = run(&ctx, &a, at(0)).await.unwrap();
    assert!(first.status_written);
    assert_eq!(first.rescaled, None);
    apply_writes(&mut a, &c);
    let second = run(&ctx, &a, at(15)).await.unwrap();
    assert!(!second.status_written);
    assert_eq!(c.world().hpa_status.len(), 1);
    assert_eq!(c.world().hpa_status[0].1.desired_replicas, 3);
}

#[tokio::test]
async fn last_transition_time_moves_only_when_a_condition_flips() {
    let c = cluster(3);
    set_usage(&c, 500, at(0));
    let ctx = context(&c);
    let mut a = hpa().view();
    run(&ctx, &a, at(0)).await.unwrap();
    apply_writes(&mut a, &c);
    assert_eq!(condition(&a.status, "ScalingActive").last_transition_time, Some(at(0)));

    // Same statuses 15 s later: times stay.
    set_usage(&c, 510, at(15));
    run(&ctx, &a, at(15)).await.unwrap();
    apply_writes(&mut a, &c);
    assert_eq!(condition(&a.status, "ScalingActive").last_transition_time, Some(at(0)));

    // Metrics disappear: ScalingActive flips, AbleToScale does not.
    c.world().resource_error = Some("unable to fetch metrics from resource metrics API: boom".to_owned());
    let _ = run(&ctx, &a, at(30)).await;
    apply_writes(&mut a, &c);
    assert_eq!(condition(&a.status, "ScalingActive").status, "False");
    assert_eq!(condition(&a.status, "ScalingActive").last_transition_time, Some(at(30)));
    assert_eq!(condition(&a.status, "AbleToScale").status, "True");
    assert_eq!(condition(&a.status, "AbleToScale").last_transition_time, Some(at(0)));
}

// Upstream `TestConditionFailedGetScale`.
#[tokio::test]
async fn failed_get_scale_sets_able_to_scale_false_and_emits_an_event() {
    let c = cluster(3);
    c.world().get_scale_error = Some(ClientError::Api("deployments.apps \"web\" is forbidden".to_owned()));
    let ctx = context(&c);
    let err = run(&ctx, &hpa().view(), at(0)).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "failed to query scale subresource for Deployment/default/web: deployments.apps \"web\" is forbidden"
    );
    assert_eq!(c.event_reasons(), vec!["FailedGetScale"]);
    let w = c.world();
    let status = AutoscalerStatus::from_hpa(Some(&w.hpa_status[0].1));
    let able = condition(&status, "AbleToScale");
    assert_eq!((able.status.as_str(), able.reason.as_str()), ("False", "FailedGetScale"));
    assert_eq!(
        able.message,
        "the HPA controller was unable to get the target's current scale: deployments.apps \"web\" is forbidden"
    );
    assert!(w.scale_writes.is_empty());
}

// Upstream `TestConditionFailedGetMetrics` (resource metric row) and `TestMissingReports`.
#[tokio::test]
async fn unavailable_metrics_set_scaling_active_false_and_keep_desired_replicas() {
    let c = cluster(3);
    // No PodMetrics at all: the resource metrics client's empty-list error.
    let ctx = context(&c);
    let mut a = hpa().view();
    a.status.desired_replicas = 4;
    let err = run(&ctx, &a, at(0)).await.unwrap_err();
    let expected_metric_error = "failed to get cpu utilization: unable to get metrics for resource cpu: \
                                 no metrics returned from resource metrics API";
    assert!(err.to_string().starts_with(
        "failed to compute desired number of replicas based on listed metrics for Deployment/default/web: \
         invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value"
    ));
    assert_eq!(c.event_reasons(), vec!["FailedGetResourceMetric", "FailedComputeMetricsReplicas"]);
    let w = c.world();
    assert!(w.scale_writes.is_empty());
    let status = AutoscalerStatus::from_hpa(Some(&w.hpa_status[0].1));
    assert_eq!(status.desired_replicas, 4);
    assert_eq!(status.current_replicas, Some(3));
    let active = condition(&status, "ScalingActive");
    assert_eq!((active.status.as_str(), active.reason.as_str()), ("False", "FailedGetResourceMetric"));
    assert!(active.message.ends_with(expected_metric_error), "{}", active.message);
    // The failed metric is an empty entry, which kubectl shows as <unknown>.
    assert_eq!(status.current_metrics, vec![v2::MetricStatus::default()]);
}

#[tokio::test]
async fn a_conflicting_scale_write_is_retried_once_after_a_re_read() {
    let c = cluster(3);
    set_usage(&c, 800, at(0));
    c.world().update_errors.push(ClientError::Conflict {
        resource: "deployments.apps \"web\"".to_owned(),
        message: "the object has been modified".to_owned(),
    });
    let ctx = context(&c);
    let outcome = run(&ctx, &hpa().view(), at(0)).await.unwrap();
    assert_eq!(outcome.rescaled, Some((3, 5)));
    let w = c.world();
    assert_eq!(w.scale_attempts, 2);
    assert_eq!(w.scale_reads, 2);
    assert_eq!(w.scale_writes, vec![("web".to_owned(), 5)]);
}

// Upstream `TestConditionFailedUpdateScale`.
#[tokio::test]
async fn a_failed_rescale_emits_failed_rescale_and_does_not_record_the_scale_event() {
    let c = cluster(3);
    set_usage(&c, 800, at(0));
    c.world().update_errors.push(ClientError::Api("admission webhook denied the request".to_owned()));
    let ctx = context(&c);
    let a = hpa().scale_up_limit(10, 60).view();
    let err = run(&ctx, &a, at(0)).await.unwrap_err();
    assert!(matches!(err, ReconcileError::Rescale { .. }));
    let w = c.world();
    assert!(w.scale_writes.is_empty());
    let events: Vec<(&str, &str)> =
        w.events.iter().map(|(_, e)| (e.reason.as_str(), e.message.as_str())).collect();
    assert_eq!(
        events,
        vec![(
            "FailedRescale",
            "New size: 5; reason: cpu resource utilization (percentage of request) above target; \
             error: admission webhook denied the request"
        )]
    );
    let status = AutoscalerStatus::from_hpa(Some(&w.hpa_status[0].1));
    let able = condition(&status, "AbleToScale");
    assert_eq!((able.status.as_str(), able.reason.as_str()), ("False", "FailedUpdateScale"));
    assert_eq!(
        able.message,
        "the HPA controller was unable to update the target scale: admission webhook denied the request"
    );
    assert_eq!(status.desired_replicas, 0, "the previous desiredReplicas is kept");
    assert_eq!(status.last_scale_time, None);
    drop(w);
    let history = ctx.history(&a.key).unwrap();
    assert!(history.scale_up_events.is_empty());
    assert_eq!(history.recommendations.len(), 2, "seed and this sync's recommendation are kept");
}

#[tokio::test]
async fn a_non_leader_neither_reads_nor_writes() {
    let c = cluster(3);
    set_usage(&c, 800, at(0));
    let ctx = context(&c);
    ctx.leader_flag().store(false, std::sync::atomic::Ordering::SeqCst);
    let outcome = run(&ctx, &hpa().view(), at(0)).await.unwrap();
    assert!(outcome.not_leader);
    let w = c.world();
    assert_eq!((w.scale_reads, w.scale_attempts), (0, 0));
    assert!(w.hpa_status.is_empty() && w.annotations.is_empty() && w.events.is_empty());
}

#[tokio::test]
async fn hpa_scope_filters_hpas_but_never_policies() {
    let c = cluster(3);
    set_usage(&c, 800, at(0));
    let mut config = Config { scope: super::super::HpaScope::Annotated, ..Config::default() };
    let ctx = Context::new(c.clients(), config);
    let plain = run(&ctx, &hpa().view(), at(0)).await.unwrap();
    assert!(plain.out_of_scope);
    assert_eq!(c.world().scale_reads, 0);
    let annotated = hpa().annotation(crate::hpa::controller::MANAGED_ANNOTATION, "true").view();
    let outcome = run(&ctx, &annotated, at(0)).await.unwrap();
    assert_eq!(outcome.rescaled, Some((3, 5)));

    config.scope = super::super::HpaScope::None;
    let c = cluster(3);
    set_usage(&c, 800, at(0));
    let ctx = Context::new(c.clients(), config);
    assert!(run(&ctx, &annotated, at(0)).await.unwrap().out_of_scope);
    let outcome = run(&ctx, &super::ownership::policy("web-policy", 50), at(0)).await.unwrap();
    assert_eq!(outcome.rescaled, Some((3, 5)));
}

// Upstream `TestConditionInvalidSelectorUnparsable`: the scale's selector "cheddar cheese".
#[tokio::test]
async fn an_unparsable_scale_selector_is_an_invalid_selector() {
    let c = cluster(3);
    set_usage(&c, 800, at(0));
    c.world().scales.get_mut(&("default".to_owned(), "web".to_owned())).unwrap().selector =
        Some("cheddar cheese".to_owned());
    let ctx = context(&c);
    let err = run(&ctx, &hpa().view(), at(0)).await.unwrap_err();
    assert!(matches!(err, ReconcileError::ComputeMetrics(_)));
    assert_eq!(c.event_reasons(), vec!["InvalidSelector", "FailedComputeMetricsReplicas"]);
    let w = c.world();
    assert!(w.scale_writes.is_empty());
    let status = AutoscalerStatus::from_hpa(Some(&w.hpa_status[0].1));
    let active = condition(&status, "ScalingActive");
    assert_eq!((active.status.as_str(), active.reason.as_str()), ("False", "InvalidSelector"));
    assert!(
        active.message.starts_with("couldn't convert selector into a corresponding internal selector object")
    );
}

// Upstream `TestConditionInvalidSelectorMissing`: a scale without a selector.
#[tokio::test]
async fn a_scale_without_selector_requires_one() {
    let c = cluster(3);
    c.world().scales.get_mut(&("default".to_owned(), "web".to_owned())).unwrap().selector = None;
    let ctx = context(&c);
    run(&ctx, &hpa().view(), at(0)).await.unwrap_err();
    assert_eq!(c.event_reasons(), vec!["SelectorRequired", "FailedComputeMetricsReplicas"]);
    let w = c.world();
    let status = AutoscalerStatus::from_hpa(Some(&w.hpa_status[0].1));
    assert_eq!(condition(&status, "ScalingActive").message, "the HPA target's scale is missing a selector");
}

// Upstream `TestZeroReplicas` (implicit maintenance mode, spec §8.1): replicas 0 with minReplicas > 0
// disables scaling, desiredReplicas 0, no event.
#[tokio::test]
async fn a_target_at_zero_replicas_disables_scaling_without_an_event() {
    let c = cluster(0);
    let ctx = context(&c);
    let outcome = run(&ctx, &hpa().view(), at(0)).await.unwrap();
    assert_eq!(outcome.rescaled, None);
    assert!(c.event_reasons().is_empty());
    let w = c.world();
    let status = AutoscalerStatus::from_hpa(Some(&w.hpa_status[0].1));
    assert_eq!((status.current_replicas, status.desired_replicas), (Some(0), 0));
    let active = condition(&status, "ScalingActive");
    assert_eq!((active.status.as_str(), active.reason.as_str()), ("False", "ScalingDisabled"));
    assert_eq!(w.scale_reads, 1);
}

// Upstream `TestScaleUpRCImmediately`/`TestScaleDownRCImmediately`: outside [min, max] the target
// is moved into range without metrics.
#[tokio::test]
async fn a_target_above_max_replicas_is_scaled_to_max_without_metrics() {
    let c = cluster(12);
    let ctx = context(&c);
    let outcome = run(&ctx, &hpa().view(), at(0)).await.unwrap();
    assert_eq!(outcome.rescaled, Some((12, 10)));
    let w = c.world();
    assert_eq!(
        w.events[0].1.message,
        "New size: 10; reason: Current number of replicas above Spec.MaxReplicas"
    );
}
