//! Validation of `spec.horizontal.behavior`. The error and success tables are ported by value from
//! kubernetes `pkg/apis/autoscaling/validation/validation_test.go` `TestValidateBehavior`, with the
//! paths re-rooted under `spec.horizontal`.

use k8s_openapi::api::autoscaling::v2::{HPAScalingRules, HorizontalPodAutoscalerBehavior};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

use super::fixtures::{policy, rules, scaling_policy};
use super::validate::assert_errors;
use crate::policy::FieldErrorKind::{Invalid, NotSupported, Required};
use crate::policy::{AutoscalingPolicySpec, validate};

const UP: &str = "spec.horizontal.behavior.scaleUp";

fn with_scale_up(rules: HPAScalingRules) -> AutoscalingPolicySpec {
    policy().scale_up(rules).build()
}

#[test]
fn stabilization_window_must_be_within_an_hour() {
    // TestValidateBehavior: stabilizationWindowSeconds -1 and 3601.
    let window = |seconds| HPAScalingRules { stabilization_window_seconds: Some(seconds), ..rules() };
    assert_errors(
        &with_scale_up(window(-1)),
        &[(&format!("{UP}.stabilizationWindowSeconds"), Invalid, "must be greater than or equal to zero")],
    );
    assert_errors(
        &with_scale_up(window(3601)),
        &[(&format!("{UP}.stabilizationWindowSeconds"), Invalid, "must be less than or equal to 3600")],
    );
}

#[test]
fn select_policy_must_be_max_min_or_disabled() {
    // TestValidateBehavior: unsupported selectPolicy.
    let rules = HPAScalingRules { select_policy: Some("Maximum".to_owned()), ..rules() };
    assert_errors(
        &with_scale_up(rules),
        &[(&format!("{UP}.selectPolicy"), NotSupported, r#"supported values: "Disabled", "Max", "Min""#)],
    );
}

#[test]
fn explicit_empty_policy_list_is_an_error() {
    // TestValidateBehavior: "must specify at least one Policy".
    let behavior = HorizontalPodAutoscalerBehavior {
        scale_down: Some(HPAScalingRules { policies: Some(vec![]), ..HPAScalingRules::default() }),
        scale_up: None,
    };
    assert_errors(
        &policy().behavior(behavior).build(),
        &[("spec.horizontal.behavior.scaleDown.policies", Required, "must specify at least one Policy")],
    );
}

#[test]
fn scaling_policy_rules() {
    // TestValidateBehavior: bad type, value <= 0, periodSeconds <= 0 and > 1800.
    let with_policy = |kind, value, period| {
        with_scale_up(HPAScalingRules {
            policies: Some(vec![scaling_policy(kind, value, period)]),
            ..HPAScalingRules::default()
        })
    };
    let p0 = format!("{UP}.policies[0]");
    assert_errors(
        &with_policy("Replicas", 1, 15),
        &[(&format!("{p0}.type"), NotSupported, r#"supported values: "Percent", "Pods""#)],
    );
    assert_errors(
        &with_policy("Pods", 0, 15),
        &[(&format!("{p0}.value"), Invalid, "must be greater than zero")],
    );
    assert_errors(
        &with_policy("Pods", 1, 0),
        &[(&format!("{p0}.periodSeconds"), Invalid, "must be greater than zero")],
    );
    assert_errors(
        &with_policy("Percent", 1, 1801),
        &[(&format!("{p0}.periodSeconds"), Invalid, "must be less than or equal to 1800")],
    );
}

#[test]
fn negative_tolerance_is_an_error() {
    let rules = HPAScalingRules { tolerance: Some(Quantity("-0.05".to_owned())), ..rules() };
    assert_errors(
        &with_scale_up(rules),
        &[(&format!("{UP}.tolerance"), Invalid, "must be greater than or equal to zero")],
    );
}

/// One row of upstream `TestValidateBehavior` errorCases: the rules of one direction and the
/// upstream message, which must appear in the first error (upstream asserts the same way).
struct BehaviorRow {
    select_policy: Option<&'static str>,
    window: Option<i32>,
    /// `None` stands for upstream's nil policy list, which only validation without defaulting
    /// sees; here an omitted list is defaulted, so those rows use an explicit empty list.
    policies: Option<&'static [(&'static str, i32, i32)]>,
    message: &'static str,
}

const SIMPLE_POLICIES: &[(&str, i32, i32)] = &[("Percent", 10, 1), ("Pods", 1, 1800)];

/// Upstream `TestValidateBehavior` errorCases, scaleUp rows (the scaleDown rows are the same with
/// the direction renamed). `{dir}` stands for `scaleUp` or `scaleDown`.
const BEHAVIOR_ROWS: &[BehaviorRow] = &[
    BehaviorRow {
        select_policy: Some("Min"),
        window: None,
        policies: None,
        message: "spec.horizontal.behavior.{dir}.policies: Required value: must specify at least one Policy",
    },
    BehaviorRow {
        select_policy: Some("Min"),
        window: Some(3601),
        policies: Some(SIMPLE_POLICIES),
        message: "spec.horizontal.behavior.{dir}.stabilizationWindowSeconds: Invalid value: 3601: must be less \
                  than or equal to 3600",
    },
    BehaviorRow {
        select_policy: None,
        window: None,
        policies: Some(&[("Pods", 7, 1801)]),
        message: "spec.horizontal.behavior.{dir}.policies[0].periodSeconds: Invalid value: 1801: must be less \
                  than or equal to 1800",
    },
    BehaviorRow {
        select_policy: Some("incorrect"),
        window: None,
        policies: Some(&[("Pods", 7, 8)]),
        message: r#"spec.horizontal.behavior.{dir}.selectPolicy: Unsupported value: "incorrect": supported values: "Disabled", "Max", "Min""#,
    },
    BehaviorRow {
        select_policy: None,
        window: None,
        policies: Some(&[("hm", 7, 8)]),
        message: r#"spec.horizontal.behavior.{dir}.policies[0].type: Unsupported value: "hm": supported values: "Percent", "Pods""#,
    },
    BehaviorRow {
        select_policy: None,
        window: None,
        policies: Some(&[("Pods", 8, 0)]),
        message: "spec.horizontal.behavior.{dir}.policies[0].periodSeconds: Invalid value: 0: must be greater \
                  than zero",
    },
    BehaviorRow {
        select_policy: None,
        window: None,
        policies: Some(&[("Pods", 0, 8)]),
        message: "spec.horizontal.behavior.{dir}.policies[0].value: Invalid value: 0: must be greater than zero",
    },
    BehaviorRow {
        select_policy: None,
        window: None,
        policies: Some(&[("Pods", 1, -1)]),
        message: "spec.horizontal.behavior.{dir}.policies[0].periodSeconds: Invalid value: -1: must be greater \
                  than zero",
    },
    BehaviorRow {
        select_policy: None,
        window: None,
        policies: Some(&[("Pods", -1, 1)]),
        message: "spec.horizontal.behavior.{dir}.policies[0].value: Invalid value: -1: must be greater than zero",
    },
];

fn rules_of(row: &BehaviorRow) -> HPAScalingRules {
    HPAScalingRules {
        select_policy: row.select_policy.map(str::to_owned),
        stabilization_window_seconds: row.window,
        policies: Some(
            row.policies
                .unwrap_or(&[])
                .iter()
                .map(|(kind, value, period)| scaling_policy(kind, *value, *period))
                .collect(),
        ),
        tolerance: None,
    }
}

#[test]
fn upstream_behavior_error_rows_fail_with_upstream_messages() {
    for row in BEHAVIOR_ROWS {
        for dir in ["scaleUp", "scaleDown"] {
            let behavior = if dir == "scaleUp" {
                HorizontalPodAutoscalerBehavior { scale_up: Some(rules_of(row)), scale_down: None }
            } else {
                HorizontalPodAutoscalerBehavior { scale_up: None, scale_down: Some(rules_of(row)) }
            };
            let errors = validate(&policy().behavior(behavior).build()).expect_err(row.message);
            assert_eq!(errors[0].to_string(), row.message.replace("{dir}", dir));
        }
    }
}

#[test]
fn upstream_behavior_success_rows_pass() {
    // TestValidateBehavior successCases.
    let rules = |select: &str, window, policies: &[(&str, i32, i32)]| HPAScalingRules {
        select_policy: Some(select.to_owned()),
        stabilization_window_seconds: Some(window),
        policies: Some(
            policies.iter().map(|(kind, value, period)| scaling_policy(kind, *value, *period)).collect(),
        ),
        tolerance: None,
    };
    let four = [("Pods", 1, 2), ("Percent", 3, 4), ("Pods", 5, 6), ("Percent", 7, 8)];
    let rows = [
        HorizontalPodAutoscalerBehavior { scale_up: None, scale_down: None },
        HorizontalPodAutoscalerBehavior {
            scale_up: Some(rules("Min", 3600, SIMPLE_POLICIES)),
            scale_down: Some(rules("Disabled", 0, SIMPLE_POLICIES)),
        },
        HorizontalPodAutoscalerBehavior {
            scale_up: Some(rules("Max", 120, &four)),
            scale_down: Some(rules("Max", 120, &four)),
        },
    ];
    for behavior in rows {
        assert_eq!(validate(&policy().behavior(behavior.clone()).build()), Ok(()), "{behavior:?}");
    }
}
