//! Policies, ambiguous selectors and competing writers.

use super::*;
use crate::policy::{AutoscalingPolicy, AutoscalingPolicySpec, HorizontalSpec};

/// The policy `default/<name>` targeting Deployment `web` at `percent` CPU.
pub(super) fn policy(name: &str, percent: i32) -> Autoscaler {
    let mut p = AutoscalingPolicy::new(
        name,
        AutoscalingPolicySpec {
            target_ref: v2::CrossVersionObjectReference {
                api_version: Some("apps/v1".to_owned()),
                kind: "Deployment".to_owned(),
                name: "web".to_owned(),
            },
            horizontal: Some(HorizontalSpec {
                min_replicas: 1,
                max_replicas: 10,
                metrics: vec![cpu_metric(percent)],
                behavior: None,
                cpu_initialization_period: "5m".to_owned(),
                initial_readiness_delay: "30s".to_owned(),
            }),
        },
    );
    p.metadata.namespace = Some("default".to_owned());
    p.metadata.generation = Some(1);
    autoscaler::from_policy(&p).unwrap()
}

// Upstream `TestMultipleHPAs` (selector overlap), extended to policies.
#[tokio::test]
async fn an_hpa_and_a_policy_selecting_the_same_pods_are_both_ambiguous() {
    let c = cluster(3);
    set_usage(&c, 800, at(0));
    let ctx = context(&c);
    let hpa_view = hpa().view();
    let policy_view = policy("web-policy", 50);
    // The first one seen is alone in the index, as upstream's tracker would have it.
    assert_eq!(run(&ctx, &hpa_view, at(0)).await.unwrap().rescaled, Some((3, 5)));
    let err = run(&ctx, &policy_view, at(1)).await.unwrap_err();
    let message = "pods by selector app=web are controlled by multiple HPAs: [default/web AutoscalingPolicy default/web-policy]";
    assert_eq!(
        err.to_string(),
        format!(
            "failed to compute desired number of replicas based on listed metrics for Deployment/default/web: {message}"
        )
    );
    let err = run(&ctx, &hpa_view, at(15)).await.unwrap_err();
    assert!(err.to_string().ends_with(message));
    let w = c.world();
    assert_eq!(w.scale_writes.len(), 1, "no write once the selector is ambiguous");
    let (_, status) = w.policy_status.last().unwrap();
    let active = status.conditions.iter().find(|c| c.type_ == "ScalingActive").unwrap();
    assert_eq!((active.status.as_str(), active.reason.as_str()), ("False", "AmbiguousSelector"));
    assert_eq!(active.message, message);
    let reasons: Vec<&str> = w.events.iter().map(|(_, e)| e.reason.as_str()).collect();
    assert_eq!(
        reasons,
        vec![
            "SuccessfulRescale",
            "AmbiguousSelector",
            "FailedComputeMetricsReplicas",
            "AmbiguousSelector",
            "FailedComputeMetricsReplicas"
        ]
    );
}

#[tokio::test]
async fn forgetting_an_autoscaler_removes_it_from_the_selector_index() {
    let c = cluster(3);
    set_usage(&c, 800, at(0));
    let ctx = context(&c);
    let policy_view = policy("web-policy", 50);
    run(&ctx, &policy_view, at(0)).await.unwrap();
    ctx.forget(&policy_view.key);
    assert!(run(&ctx, &hpa().view(), at(1)).await.is_ok());
}

#[tokio::test]
async fn a_competing_status_writer_stops_bellows_until_it_has_been_quiet_for_two_periods() {
    let c = cluster(3);
    set_usage(&c, 800, at(0));
    let ctx = context(&c);
    let a = hpa().status_written_by("kube-controller-manager", at(-5)).view();

    let outcome = run(&ctx, &a, at(0)).await.unwrap();
    assert!(outcome.competing);
    let second = run(&ctx, &a, at(15)).await.unwrap();
    assert!(second.competing);
    {
        let w = c.world();
        assert!(w.scale_writes.is_empty());
        assert_eq!(w.scale_reads, 0);
        let events: Vec<&str> = w.events.iter().map(|(_, e)| e.reason.as_str()).collect();
        assert_eq!(events, vec!["CompetingController"], "the warning is emitted once");
        assert!(w.events[0].1.message.contains("\"kube-controller-manager\""));
        let status = AutoscalerStatus::from_hpa(Some(&w.hpa_status[0].1));
        let able = condition(&status, "AbleToScale");
        assert_eq!((able.status.as_str(), able.reason.as_str()), ("False", "CompetingController"));
    }
    // The foreign write at -5 s is 30 s old at 25 s: two 15 s periods of quiet.
    let resumed = run(&ctx, &a, at(25)).await.unwrap();
    assert!(!resumed.competing);
    assert_eq!(resumed.rescaled, Some((3, 5)));
}

#[tokio::test]
async fn our_own_status_writes_are_not_competition() {
    let c = cluster(3);
    set_usage(&c, 800, at(0));
    let ctx = context(&c);
    let a = hpa().status_written_by("bellows", at(-1)).view();
    assert_eq!(run(&ctx, &a, at(0)).await.unwrap().rescaled, Some((3, 5)));
}

#[tokio::test]
async fn policy_status_explains_the_last_decision_in_plain_words() {
    let c = cluster(3);
    {
        let mut w = c.world();
        // A surge pod started a minute ago, ready 10 s ago: its CPU sample is not trusted yet.
        w.pods.push(pod("web-3", 60, 10));
        let names = ["web-0", "web-1", "web-2", "web-3"];
        w.pod_metrics = names.iter().map(|n| usage(n, 920, at(0))).collect();
    }
    let ctx = context(&c);
    let outcome = run(&ctx, &policy("web-policy", 60), at(0)).await.unwrap();
    assert_eq!(outcome.rescaled, Some((3, 5)));
    let w = c.world();
    let (_, status) = w.policy_status.last().unwrap();
    let decision = status.last_decision.as_ref().unwrap();
    assert_eq!((decision.from, decision.to), (3, 5));
    assert_eq!(decision.time.0, at(0));
    assert_eq!(
        decision.reason,
        "3 → 5: cpu 92% of 60% target over 3 ready pods; 1 pod ignored (initializing)"
    );
    assert_eq!(status.target.as_deref(), Some("Deployment/web"));
    assert_eq!((status.current_replicas, status.desired_replicas), (Some(3), Some(5)));
    // Upstream's first-sight seed, then this sync's recommendation.
    assert_eq!(status.history.as_ref().unwrap().recommendations.len(), 2);
}

#[tokio::test]
async fn an_invalid_policy_is_reported_and_not_acted_on() {
    let c = cluster(3);
    set_usage(&c, 800, at(0));
    let ctx = context(&c);
    let mut p = policy("web-policy", 50);
    p.spec_error = Some("spec.horizontal.maxReplicas: Invalid value: 0".to_owned());
    let err = run(&ctx, &p, at(0)).await.unwrap_err();
    assert!(matches!(err, ReconcileError::InvalidSpec { .. }));
    let w = c.world();
    assert_eq!(w.scale_reads, 0);
    let (_, status) = w.policy_status.last().unwrap();
    let active = status.conditions.iter().find(|c| c.type_ == "ScalingActive").unwrap();
    assert_eq!(active.reason, "InvalidSpec");
}
