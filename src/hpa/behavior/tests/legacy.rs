//! Legacy range/rate step (`convertDesiredReplicasWithRules`) with factor 8 (upstream tests) and
//! factor 2 (production, own rows).

use super::super::{
    LimitReason, SCALE_UP_LIMIT_FACTOR, SCALE_UP_LIMIT_MINIMUM, UPSTREAM_TEST_SCALE_UP_LIMIT_FACTOR,
    convert_with_rules, legacy_scale_up_limit,
};

struct Row {
    name: &'static str,
    current: i32,
    desired: i32,
    min: i32,
    max: i32,
    want: i32,
    reason: LimitReason,
}

fn check(rows: &[Row], factor: f64) {
    for r in rows {
        let got = convert_with_rules(r.current, r.desired, r.min, r.max, factor, SCALE_UP_LIMIT_MINIMUM);
        assert_eq!((got.replicas, got.reason), (r.want, r.reason), "{} (factor {factor})", r.name);
    }
}

#[test]
fn legacy_conversion_matches_upstream_with_test_factor_eight() {
    use LimitReason::{DesiredWithinRange, ScaleUpLimit, TooFewReplicas, TooManyReplicas};
    // TestConvertDesiredReplicasWithRules (all rows; upstream computes the last bound with
    // calculateScaleUpLimit(3) = max(8*3, 4) = 24).
    let rows = [
        Row {
            name: "within range",
            current: 5,
            desired: 7,
            min: 3,
            max: 8,
            want: 7,
            reason: DesiredWithinRange,
        },
        Row { name: "below min", current: 3, desired: 1, min: 2, max: 8, want: 2, reason: TooFewReplicas },
        Row {
            name: "zero within range",
            current: 1,
            desired: 0,
            min: 0,
            max: 10,
            want: 0,
            reason: DesiredWithinRange,
        },
        Row {
            name: "max below cap",
            current: 20,
            desired: 1000,
            min: 1,
            max: 10,
            want: 10,
            reason: TooManyReplicas,
        },
        Row {
            name: "cap below max",
            current: 3,
            desired: 1000,
            min: 1,
            max: 2000,
            want: 24,
            reason: ScaleUpLimit,
        },
    ];
    check(&rows, UPSTREAM_TEST_SCALE_UP_LIMIT_FACTOR);
}

#[test]
fn legacy_conversion_with_production_factor_two() {
    use LimitReason::{DesiredWithinRange, ScaleUpLimit, TooFewReplicas, TooManyReplicas};
    // Own rows: the same shapes with scaleUpLimitFactor = 2 (production).
    let rows = [
        Row {
            name: "cap is 2x current",
            current: 3,
            desired: 1000,
            min: 1,
            max: 2000,
            want: 6,
            reason: ScaleUpLimit,
        },
        Row {
            name: "cap minimum 4 from 1",
            current: 1,
            desired: 9,
            min: 1,
            max: 10,
            want: 4,
            reason: ScaleUpLimit,
        },
        Row {
            name: "cap minimum 4 from 0",
            current: 0,
            desired: 9,
            min: 0,
            max: 10,
            want: 4,
            reason: ScaleUpLimit,
        },
        Row {
            name: "max equal to cap",
            current: 5,
            desired: 50,
            min: 1,
            max: 10,
            want: 10,
            reason: TooManyReplicas,
        },
        Row {
            name: "exactly the cap",
            current: 5,
            desired: 10,
            min: 1,
            max: 20,
            want: 10,
            reason: DesiredWithinRange,
        },
        Row {
            name: "min wins over cap",
            current: 1,
            desired: 0,
            min: 2,
            max: 10,
            want: 2,
            reason: TooFewReplicas,
        },
    ];
    check(&rows, SCALE_UP_LIMIT_FACTOR);
}

#[test]
fn legacy_scale_up_cap_is_clamped_not_wrapped() {
    assert_eq!(legacy_scale_up_limit(3, 2.0, 4.0), 6);
    assert_eq!(legacy_scale_up_limit(1, 2.0, 4.0), 4);
    assert_eq!(legacy_scale_up_limit(i32::MAX, 8.0, 4.0), i32::MAX);
    assert_eq!(legacy_scale_up_limit(i32::MIN, 2.0, 4.0), 4);
}
