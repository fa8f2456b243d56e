//! API defaulting (`GenerateHPAScaleUpRules` / `GenerateHPAScaleDownRules`), resolution with the
//! controller flag, validation and JSON shapes.

use jiff::SignedDuration;

use super::super::{
    Behavior, BehaviorError, Direction, EffectiveBehavior, PolicyType, ScalingPolicy, ScalingRules,
    SelectPolicy,
};

/// Rules as `TestGenerateScale*Rules` builds them: a Pods policy when `pods` or its period is
/// non-zero, then a Percent policy likewise; `policies` stays absent when neither is given.
fn partial(
    pods: (i32, i32),
    percent: (i32, i32),
    window: Option<i32>,
    select: Option<SelectPolicy>,
) -> ScalingRules {
    let mut policies = Vec::new();
    if pods != (0, 0) {
        policies.push(ScalingPolicy::pods(pods.0, pods.1));
    }
    if percent != (0, 0) {
        policies.push(ScalingPolicy::percent(percent.0, percent.1));
    }
    ScalingRules {
        stabilization_window_seconds: window,
        select_policy: select,
        policies: (!policies.is_empty()).then_some(policies),
        tolerance: None,
    }
}

struct DefaultRow {
    name: &'static str,
    given: ScalingRules,
    policies: Vec<ScalingPolicy>,
    window: Option<i32>,
    select: SelectPolicy,
}

#[test]
fn scale_up_rules_are_defaulted_field_by_field() {
    use SelectPolicy::{Max, Min};
    let rows = [
        // TestGenerateScaleUpRules "Default values"
        DefaultRow {
            name: "default values",
            given: partial((0, 0), (0, 0), None, None),
            policies: vec![ScalingPolicy::pods(4, 15), ScalingPolicy::percent(100, 15)],
            window: Some(0),
            select: Max,
        },
        // TestGenerateScaleUpRules "All parameters are specified"
        DefaultRow {
            name: "all parameters",
            given: partial((1, 2), (3, 4), Some(25), Some(Max)),
            policies: vec![ScalingPolicy::pods(1, 2), ScalingPolicy::percent(3, 4)],
            window: Some(25),
            select: Max,
        },
        // TestGenerateScaleUpRules "Pod policy is specified"
        DefaultRow {
            name: "pod policy",
            given: partial((1, 2), (0, 0), None, Some(Min)),
            policies: vec![ScalingPolicy::pods(1, 2)],
            window: Some(0),
            select: Min,
        },
        // TestGenerateScaleUpRules "Percent policy is specified"
        DefaultRow {
            name: "percent policy",
            given: partial((0, 0), (7, 10), None, None),
            policies: vec![ScalingPolicy::percent(7, 10)],
            window: Some(0),
            select: Max,
        },
        // TestGenerateScaleUpRules "Pod policy and stabilization window are specified"
        DefaultRow {
            name: "pod policy and window",
            given: partial((4, 2), (0, 0), Some(25), None),
            policies: vec![ScalingPolicy::pods(4, 2)],
            window: Some(25),
            select: Max,
        },
        // TestGenerateScaleUpRules "Percent policy and stabilization window are specified"
        DefaultRow {
            name: "percent policy and window",
            given: partial((0, 0), (7, 60), Some(25), None),
            policies: vec![ScalingPolicy::percent(7, 60)],
            window: Some(25),
            select: Max,
        },
    ];
    for row in rows {
        let up = ScalingRules::generate_scale_up(Some(&row.given));
        assert_eq!(up.policies, Some(row.policies), "{}", row.name);
        assert_eq!(up.stabilization_window_seconds, row.window, "{}", row.name);
        assert_eq!(up.select_policy, Some(row.select), "{}", row.name);
    }
}

#[test]
fn scale_down_rules_are_defaulted_but_keep_the_window_unset() {
    use SelectPolicy::{Max, Min};
    let rows = [
        // TestGenerateScaleDownRules "Default values"
        DefaultRow {
            name: "default values",
            given: partial((0, 0), (0, 0), None, None),
            policies: vec![ScalingPolicy::percent(100, 15)],
            window: None,
            select: Max,
        },
        // TestGenerateScaleDownRules "All parameters are specified"
        DefaultRow {
            name: "all parameters",
            given: partial((1, 2), (3, 4), Some(25), Some(Max)),
            policies: vec![ScalingPolicy::pods(1, 2), ScalingPolicy::percent(3, 4)],
            window: Some(25),
            select: Max,
        },
        // TestGenerateScaleDownRules "Percent policy is specified"
        DefaultRow {
            name: "percent policy",
            given: partial((0, 0), (1, 2), None, Some(Min)),
            policies: vec![ScalingPolicy::percent(1, 2)],
            window: None,
            select: Min,
        },
        // TestGenerateScaleDownRules "Pods policy is specified"
        DefaultRow {
            name: "pods policy",
            given: partial((3, 4), (0, 0), None, None),
            policies: vec![ScalingPolicy::pods(3, 4)],
            window: None,
            select: Max,
        },
    ];
    for row in rows {
        let down = ScalingRules::generate_scale_down(Some(&row.given));
        assert_eq!(down.policies, Some(row.policies), "{}", row.name);
        assert_eq!(down.stabilization_window_seconds, row.window, "{}", row.name);
        assert_eq!(down.select_policy, Some(row.select), "{}", row.name);
    }
}

#[test]
fn unset_scale_down_window_comes_from_the_downscale_flag_truncated_to_seconds() {
    // Own: maybeInitScaleDownStabilizationWindow uses int32(flag.Seconds()).
    let b = Behavior { scale_up: None, scale_down: Some(ScalingRules::default()) };
    let eff = EffectiveBehavior::resolve(&b, SignedDuration::from_millis(90_900));
    assert_eq!(eff.scale_down.stabilization_window_seconds, 90);
    assert_eq!(eff.scale_up.stabilization_window_seconds, 0);
    assert_eq!(eff.scale_up.policies, vec![ScalingPolicy::pods(4, 15), ScalingPolicy::percent(100, 15)]);
    assert_eq!(eff.scale_down.select_policy, SelectPolicy::Max);
}

#[test]
fn explicit_scale_down_window_wins_over_the_flag() {
    let b = Behavior {
        scale_up: None,
        scale_down: Some(ScalingRules { stabilization_window_seconds: Some(0), ..ScalingRules::default() }),
    };
    let eff = EffectiveBehavior::resolve(&b, SignedDuration::from_mins(5));
    assert_eq!(eff.scale_down.stabilization_window_seconds, 0);
}

#[test]
fn behavior_deserialises_from_hpa_spec_json() {
    let json = r#"{"scaleDown":{"stabilizationWindowSeconds":60,"selectPolicy":"Min",
        "policies":[{"type":"Pods","value":2,"periodSeconds":30},{"type":"Percent","value":10,"periodSeconds":60}],
        "tolerance":"50m"},"scaleUp":{"tolerance":0.05,"selectPolicy":"Disabled"}}"#;
    let b: Behavior = serde_json::from_str(json).expect("valid behavior JSON");
    let down = b.scale_down.as_ref().expect("scaleDown present");
    assert_eq!(down.stabilization_window_seconds, Some(60));
    assert_eq!(down.select_policy, Some(SelectPolicy::Min));
    assert_eq!(down.policies.as_ref().map(|p| p[1].kind), Some(PolicyType::Percent));
    assert_eq!(down.tolerance, Some("50m".parse().unwrap()));
    let up = b.scale_up.as_ref().expect("scaleUp present");
    assert_eq!(up.tolerance, Some("0.05".parse().unwrap()));
    assert_eq!(up.select_policy, Some(SelectPolicy::Disabled));
    let back = serde_json::to_value(&b).expect("serialisable");
    assert_eq!(back["scaleDown"]["policies"][0]["periodSeconds"], 30);
    assert_eq!(back["scaleDown"]["tolerance"], "50m");
    assert!(back["scaleUp"].get("policies").is_none());
}

#[test]
fn validation_names_the_bad_field() {
    let with_down = |r: ScalingRules| Behavior { scale_up: None, scale_down: Some(r) };
    let err = with_down(ScalingRules { stabilization_window_seconds: Some(3601), ..ScalingRules::default() })
        .validate()
        .expect_err("window over an hour");
    assert_eq!(
        err,
        BehaviorError::StabilizationWindowOutOfRange { direction: Direction::Down, seconds: 3601 }
    );
    assert_eq!(err.to_string(), "behavior.scaleDown.stabilizationWindowSeconds: 3601 is outside [0, 3600]");

    let err = with_down(ScalingRules { policies: Some(vec![]), ..ScalingRules::default() }).validate();
    assert_eq!(err, Err(BehaviorError::NoPolicies { direction: Direction::Down }));

    let err = with_down(ScalingRules {
        policies: Some(vec![ScalingPolicy::pods(0, 15)]),
        ..ScalingRules::default()
    })
    .validate()
    .expect_err("zero value");
    assert_eq!(err.to_string(), "behavior.scaleDown.policies[0].value: 0 must be greater than 0");

    let err = Behavior {
        scale_up: Some(ScalingRules {
            policies: Some(vec![ScalingPolicy::percent(10, 1801)]),
            ..ScalingRules::default()
        }),
        scale_down: None,
    }
    .validate();
    assert_eq!(
        err,
        Err(BehaviorError::PolicyPeriodOutOfRange { direction: Direction::Up, index: 0, seconds: 1801 })
    );

    assert_eq!(Behavior::default().validate(), Ok(()));
}
