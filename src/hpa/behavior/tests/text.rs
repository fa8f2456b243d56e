//! Upstream condition and event texts, and metric names in rescale reasons.

use std::collections::BTreeMap;

use super::super::{
    Condition, GoLabelSelector, GoSelectorRequirement, LimitReason, MetricKind, StabilizationReason,
    failed_rescale_message,
};

#[test]
fn limit_reasons_carry_upstream_messages() {
    let rows = [
        (
            LimitReason::DesiredWithinRange,
            "DesiredWithinRange",
            "the desired count is within the acceptable range",
        ),
        (
            LimitReason::TooFewReplicas,
            "TooFewReplicas",
            "the desired replica count is less than the minimum replica count",
        ),
        (
            LimitReason::TooManyReplicas,
            "TooManyReplicas",
            "the desired replica count is more than the maximum replica count",
        ),
        (
            LimitReason::ScaleUpLimit,
            "ScaleUpLimit",
            "the desired replica count is increasing faster than the maximum scale rate",
        ),
        (
            LimitReason::ScaleDownLimit,
            "ScaleDownLimit",
            "the desired replica count is decreasing faster than the maximum scale rate",
        ),
    ];
    for (reason, name, message) in rows {
        assert_eq!((reason.as_str(), reason.message()), (name, message));
    }
}

#[test]
fn stabilization_reasons_carry_upstream_messages() {
    assert_eq!(StabilizationReason::ReadyForNewScale.message(), "recommended size matches current size");
    assert_eq!(
        StabilizationReason::ScaleUpStabilized.message(),
        "recent recommendations were lower than current one, applying the lowest recent recommendation"
    );
    assert_eq!(
        StabilizationReason::ScaleDownStabilized.message(),
        "recent recommendations were higher than current one, applying the highest recent recommendation"
    );
}

#[test]
fn rescale_conditions_and_events_use_upstream_formats() {
    let ok = Condition::succeeded_rescale(7);
    assert_eq!(ok.reason, "SucceededRescale");
    assert_eq!(ok.message, "the HPA controller was able to update the target scale to 7");
    let failed = Condition::failed_update_scale("conflict");
    assert_eq!(failed.message, "the HPA controller was unable to update the target scale: conflict");
    assert_eq!(
        failed_rescale_message(7, "All metrics below target", "conflict"),
        "New size: 7; reason: All metrics below target; error: conflict"
    );
}

#[test]
fn metric_names_match_upstream_reason_names() {
    let rows = [
        (
            MetricKind::Resource { name: "cpu".into(), utilization: true },
            "cpu resource utilization (percentage of request)",
        ),
        (MetricKind::Resource { name: "memory".into(), utilization: false }, "memory resource"),
        (
            MetricKind::ContainerResource { name: "cpu".into(), utilization: true },
            "cpu container resource utilization (percentage of request)",
        ),
        (MetricKind::ContainerResource { name: "cpu".into(), utilization: false }, "cpu resource"),
        (MetricKind::Pods { name: "qps".into() }, "pods metric qps"),
        (MetricKind::ObjectValue { kind: "Deployment".into(), name: "qps".into() }, "Deployment metric qps"),
        (MetricKind::External { name: "qps".into(), selector: None }, "external metric qps(nil)"),
        (
            MetricKind::External { name: "qps".into(), selector: Some(GoLabelSelector::default()) },
            "external metric qps(&LabelSelector{MatchLabels:map[string]string{},MatchExpressions:[]LabelSelectorRequirement{},})",
        ),
    ];
    for (kind, want) in rows {
        assert_eq!(kind.reason_name(), want);
    }
}

#[test]
fn label_selector_renders_like_go_generated_string() {
    let sel = GoLabelSelector {
        match_labels: BTreeMap::from([("b".to_owned(), "2".to_owned()), ("a".to_owned(), "1".to_owned())]),
        match_expressions: vec![GoSelectorRequirement {
            key: "tier".into(),
            operator: "In".into(),
            values: vec!["web".into(), "api".into()],
        }],
    };
    assert_eq!(
        sel.go_string(),
        "&LabelSelector{MatchLabels:map[string]string{a: 1,b: 2,},MatchExpressions:[]LabelSelectorRequirement{LabelSelectorRequirement{Key:tier,Operator:In,Values:[web api],},},}"
    );
}
