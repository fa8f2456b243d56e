//! `validate` cases, one or more per rule. Rows ported by value from kubernetes
//! `pkg/apis/autoscaling/validation/validation_test.go` cite the upstream test; the expected path
//! and message of each row are the upstream ones re-rooted under `spec.horizontal`.

use k8s_openapi::api::autoscaling::v2::{HPAScalingRules, MetricSpec};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use proptest::prelude::*;

use super::fixtures::{
    average_value, container_metric, external_metric, object_metric, pods_metric, policy, reference,
    resource_metric, scaling_policy, utilization, value,
};
use crate::policy::FieldErrorKind::{self, Forbidden, Invalid, NotSupported, Required};
use crate::policy::{AutoscalingPolicySpec, FieldError, validate};

const M0: &str = "spec.horizontal.metrics[0]";

/// Asserts that `spec` fails with exactly `expected` (path, kind, message), in order.
pub(super) fn assert_errors(spec: &AutoscalingPolicySpec, expected: &[(&str, FieldErrorKind, &str)]) {
    let errors = validate(spec).expect_err("the spec should be rejected");
    let got: Vec<(&str, FieldErrorKind, &str)> =
        errors.iter().map(|e| (e.path.as_str(), e.kind, e.message.as_str())).collect();
    assert_eq!(got, expected);
}

fn with_metric(metric: MetricSpec) -> AutoscalingPolicySpec {
    policy().metrics(vec![metric]).build()
}

fn with_scale_up(rules: HPAScalingRules) -> AutoscalingPolicySpec {
    policy().scale_up(rules).build()
}

fn quantity(q: &str) -> Quantity {
    Quantity(q.to_owned())
}

#[test]
fn valid_policies_pass() {
    // TestValidateHorizontalPodAutoscaler successCases: utilization, raw value, pods, object.
    let valid = [
        policy().build(),
        with_metric(resource_metric("cpu", average_value("300m"))),
        with_metric(pods_metric("some-metric", average_value("300m"))),
        with_metric(object_metric("some-metric", reference("ReplicationController", "myrc"), value("300m"))),
        with_metric(external_metric("queue-length", average_value("10"))),
        with_metric(container_metric("cpu", "app", utilization(70))),
        policy().metrics(vec![]).build(),
        policy().replicas(0, 5).metrics(vec![external_metric("queue", value("30"))]).build(),
        with_scale_up(HPAScalingRules {
            stabilization_window_seconds: Some(3600),
            select_policy: Some("Disabled".to_owned()),
            policies: Some(vec![scaling_policy("Percent", 100, 1800)]),
            tolerance: Some(quantity("0")),
        }),
    ];
    for spec in valid {
        assert_eq!(validate(&spec), Ok(()), "{spec:?}");
    }
}

#[test]
fn policy_without_horizontal_part_is_an_error() {
    let spec = policy().without_horizontal().build();
    assert_errors(&spec, &[("spec.horizontal", Required, "must specify how to scale the target")]);
}

#[test]
fn target_ref_needs_kind_and_name() {
    // TestValidateHorizontalPodAutoscaler: "scaleTargetRef.kind: Required", "scaleTargetRef.name: Required".
    assert_errors(&policy().target("", "myrc").build(), &[("spec.targetRef.kind", Required, "")]);
    assert_errors(
        &policy().target("ReplicationController", "").build(),
        &[("spec.targetRef.name", Required, "")],
    );
}

#[test]
fn target_ref_must_be_a_path_segment() {
    // TestValidateHorizontalPodAutoscaler: "scaleTargetRef.kind: Invalid", "scaleTargetRef.name: Invalid".
    assert_errors(
        &policy().target("..", "myrc").build(),
        &[("spec.targetRef.kind", Invalid, "may not be '..'")],
    );
    assert_errors(
        &policy().target("Deployment", "a/b%c").build(),
        &[
            ("spec.targetRef.name", Invalid, "may not contain '/'"),
            ("spec.targetRef.name", Invalid, "may not contain '%'"),
        ],
    );
}

#[test]
fn negative_min_replicas_is_an_error() {
    // TestValidateHorizontalPodAutoscaler (scale-to-zero gate on): minReplicas -1.
    assert_errors(
        &policy().replicas(-1, 5).build(),
        &[("spec.horizontal.minReplicas", Invalid, "must be greater than or equal to 0")],
    );
}

#[test]
fn max_replicas_must_be_positive() {
    assert_errors(
        &policy().replicas(0, 0).metrics(vec![external_metric("queue", value("30"))]).build(),
        &[("spec.horizontal.maxReplicas", Invalid, "must be greater than 0")],
    );
}

#[test]
fn max_replicas_below_min_replicas_is_an_error() {
    // TestValidateHorizontalPodAutoscaler: minReplicas 7, maxReplicas 5.
    assert_errors(
        &policy().replicas(7, 5).build(),
        &[("spec.horizontal.maxReplicas", Invalid, "must be greater than or equal to `minReplicas`")],
    );
}

#[test]
fn scale_to_zero_needs_an_object_or_external_metric() {
    // TestValidateHorizontalPodAutoscaler: minReplicas 0 with only a Resource metric.
    assert_errors(
        &policy().replicas(0, 5).build(),
        &[(
            "spec.horizontal.metrics",
            Forbidden,
            "must specify at least one Object or External metric to support scaling to zero replicas",
        )],
    );
}

#[test]
fn metric_without_type_is_an_error() {
    // TestValidateHorizontalPodAutoscaler: "must specify a metric source type".
    assert_errors(
        &with_metric(MetricSpec::default()),
        &[
            (&format!("{M0}.type"), Required, "must specify a metric source type"),
            (
                &format!("{M0}.type"),
                NotSupported,
                r#"supported values: "ContainerResource", "External", "Object", "Pods", "Resource""#,
            ),
        ],
    );
}

#[test]
fn metric_type_must_name_the_populated_source() {
    // TestValidateHorizontalPodAutoscaler: "must populate information for the given metric source".
    let mut metric = pods_metric("some-metric", average_value("100m"));
    metric.type_ = "Resource".to_owned();
    assert_errors(
        &with_metric(metric),
        &[(&format!("{M0}.resource"), Required, "must populate information for the given metric source")],
    );
}

#[test]
fn two_metric_sources_are_an_error() {
    // TestValidateHorizontalPodAutoscaler: "must populate the given metric source only".
    let mut metric = resource_metric("cpu", utilization(70));
    metric.pods = pods_metric("some-metric", average_value("100m")).pods;
    assert_errors(
        &with_metric(metric),
        &[(&format!("{M0}.pods"), Forbidden, "must populate the given metric source only")],
    );
}

#[test]
fn resource_metric_rules() {
    // TestValidateHorizontalPodAutoscaler: TargetAverageUtilization -70, both targets, neither, no name.
    assert_errors(
        &with_metric(resource_metric("cpu", utilization(-70))),
        &[(&format!("{M0}.resource.target.averageUtilization"), Invalid, "must be greater than 0")],
    );
    let mut both = utilization(70);
    both.average_value = Some(quantity("300m"));
    assert_errors(
        &with_metric(resource_metric("cpu", both)),
        &[(
            &format!("{M0}.resource.target.averageValue"),
            Forbidden,
            "may not set both a target raw value and a target utilization",
        )],
    );
    let mut neither = utilization(70);
    neither.average_utilization = None;
    assert_errors(
        &with_metric(resource_metric("cpu", neither)),
        &[(
            &format!("{M0}.resource.target.averageUtilization"),
            Required,
            "must set either a target raw value or a target utilization",
        )],
    );
    assert_errors(
        &with_metric(resource_metric("", utilization(70))),
        &[(&format!("{M0}.resource.name"), Required, "must specify a resource name")],
    );
}

#[test]
fn container_resource_metric_needs_a_dns_label_container() {
    assert_errors(
        &with_metric(container_metric("cpu", "", utilization(70))),
        &[(&format!("{M0}.containerResource.container"), Required, "must specify a container")],
    );
    let errors = validate(&with_metric(container_metric("cpu", "Bad_Name", utilization(70)))).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].path, format!("{M0}.containerResource.container"));
    assert!(errors[0].message.starts_with("a lowercase RFC 1123 label must consist of"), "{}", errors[0]);
}

#[test]
fn pods_metric_rules() {
    // TestValidateHorizontalPodAutoscaler: "must specify a metric name", "must specify a positive target averageValue".
    assert_errors(
        &with_metric(pods_metric("", average_value("100m"))),
        &[(&format!("{M0}.pods.metric.name"), Required, "must specify a metric name")],
    );
    let mut no_average = average_value("1");
    no_average.average_value = None;
    assert_errors(
        &with_metric(pods_metric("some-metric", no_average)),
        &[(
            &format!("{M0}.pods.target.averageValue"),
            Required,
            "must specify a positive target averageValue",
        )],
    );
}

#[test]
fn object_metric_rules() {
    // TestValidateHorizontalPodAutoscaler: "target.kind: Required" (now describedObject) and no target value.
    assert_errors(
        &with_metric(object_metric("some-metric", reference("", "myrc"), value("100m"))),
        &[(&format!("{M0}.object.describedObject.kind"), Required, "")],
    );
    let mut none = value("1");
    none.value = None;
    assert_errors(
        &with_metric(object_metric("some-metric", reference("Ingress", "main"), none)),
        &[(
            &format!("{M0}.object.target.averageValue"),
            Required,
            "must set either a target value or averageValue",
        )],
    );
}

#[test]
fn external_metric_with_value_and_average_value_is_an_error() {
    // TestValidateHorizontalPodAutoscaler: "may not set both a target value for metric and a per-pod target".
    let mut both = value("10");
    both.average_value = Some(quantity("1"));
    assert_errors(
        &with_metric(external_metric("queue", both)),
        &[(
            &format!("{M0}.external.target.value"),
            Forbidden,
            "may not set both a target value for metric and a per-pod target",
        )],
    );
}

#[test]
fn unknown_target_type_is_an_error() {
    // TestValidateHorizontalPodAutoscaler: "must be either Utilization, Value, or AverageValue".
    let mut target = utilization(70);
    target.type_ = "Percentage".to_owned();
    assert_errors(
        &with_metric(resource_metric("cpu", target)),
        &[(
            &format!("{M0}.resource.target.type"),
            Invalid,
            "must be either Utilization, Value, or AverageValue",
        )],
    );
}

#[test]
fn target_quantities_must_be_positive_quantities() {
    // TestValidateHorizontalPodAutoscaler: Value/AverageValue "must be positive".
    assert_errors(
        &with_metric(object_metric("hits", reference("Ingress", "main"), value("0"))),
        &[(&format!("{M0}.object.target.value"), Invalid, "must be positive")],
    );
    assert_errors(
        &with_metric(pods_metric("qps", average_value("-1"))),
        &[(&format!("{M0}.pods.target.averageValue"), Invalid, "must be positive")],
    );
    let errors = validate(&with_metric(pods_metric("qps", average_value("lots")))).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].path, format!("{M0}.pods.target.averageValue"));
    assert!(errors[0].message.contains("lots"), "message should name the input: {}", errors[0]);
}

#[test]
fn target_type_must_suit_the_source() {
    // bellows-only rule: upstream accepts these and scales on whichever field is set.
    let mut target = average_value("100m");
    target.type_ = "Utilization".to_owned();
    assert_errors(
        &with_metric(pods_metric("qps", target)),
        &[(&format!("{M0}.pods.target.type"), Invalid, r#"must be one of "AverageValue" for a Pods metric"#)],
    );
    let mut target = average_value("100m");
    target.type_ = "Utilization".to_owned();
    assert_errors(
        &with_metric(resource_metric("cpu", target)),
        &[(
            &format!("{M0}.resource.target.averageUtilization"),
            Required,
            "must be set when the target type is Utilization",
        )],
    );
}

#[test]
fn durations_must_be_go_durations() {
    assert_errors(
        &policy().cpu_initialization_period("5 minutes").build(),
        &[(
            "spec.horizontal.cpuInitializationPeriod",
            Invalid,
            r#"invalid duration "5 minutes": unknown unit " minutes" (one of ns, us, µs, ms, s, m, h)"#,
        )],
    );
    assert_errors(
        &policy().initial_readiness_delay("-30s").build(),
        &[(
            "spec.horizontal.initialReadinessDelay",
            Invalid,
            r#"invalid duration "-30s": must not be negative"#,
        )],
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let spec =
        policy().target("", "").replicas(3, 2).metrics(vec![resource_metric("cpu", utilization(0))]).build();
    let paths: Vec<String> = validate(&spec).unwrap_err().into_iter().map(|e| e.path).collect();
    assert_eq!(
        paths,
        [
            "spec.targetRef.kind",
            "spec.targetRef.name",
            "spec.horizontal.maxReplicas",
            "spec.horizontal.metrics[0].resource.target.averageUtilization",
        ]
    );
}

#[test]
fn field_errors_print_like_apimachinery() {
    let error = FieldError {
        path: "spec.horizontal.maxReplicas".to_owned(),
        kind: Invalid,
        value: Some("0".to_owned()),
        message: "must be greater than 0".to_owned(),
    };
    assert_eq!(error.to_string(), "spec.horizontal.maxReplicas: Invalid value: 0: must be greater than 0");
    let required = FieldError {
        path: "spec.targetRef.kind".to_owned(),
        kind: Required,
        value: None,
        message: String::new(),
    };
    assert_eq!(required.to_string(), "spec.targetRef.kind: Required value");
    let errors = validate(&policy().replicas(2, 1).build()).unwrap_err();
    assert_eq!(
        errors[0].to_string(),
        "spec.horizontal.maxReplicas: Invalid value: 1: must be greater than or equal to `minReplicas`"
    );
}

proptest! {
    #[test]
    fn replica_bounds_fail_exactly_when_upstream_would(min in -3i32..30, max in -3i32..30) {
        let spec = policy().replicas(min, max).metrics(vec![external_metric("queue", value("30"))]).build();
        let errors = validate(&spec).err().unwrap_or_default();
        let has = |path: &str, message: &str| errors.iter().any(|e| e.path == path && e.message == message);
        prop_assert_eq!(has("spec.horizontal.minReplicas", "must be greater than or equal to 0"), min < 0);
        prop_assert_eq!(has("spec.horizontal.maxReplicas", "must be greater than 0"), max < 1);
        prop_assert_eq!(
            has("spec.horizontal.maxReplicas", "must be greater than or equal to `minReplicas`"),
            max < min
        );
        prop_assert_eq!(errors.is_empty(), min >= 0 && max >= 1 && max >= min);
    }

    #[test]
    fn target_quantities_pass_exactly_when_positive(
        q in "[+-]?[0-9.]{0,6}([eE][+-]?[0-9]{0,3})?(Ki|Mi|Gi|m|k|M|G)?"
    ) {
        let spec = with_metric(pods_metric("qps", average_value(&q)));
        let positive = crate::quantity::Quantity::parse(&q).is_ok_and(|v| v.sign() == 1);
        prop_assert_eq!(validate(&spec).is_ok(), positive);
    }

    #[test]
    fn arbitrary_names_never_panic(kind in "\\PC{0,12}", name in "\\PC{0,12}", metric in "\\PC{0,12}") {
        let spec = policy().target(&kind, &name).metrics(vec![pods_metric(&metric, average_value("1"))]).build();
        let _ = validate(&spec);
    }
}
