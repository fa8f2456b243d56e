//! Upstream condition and event texts.

use super::super::{Condition, LimitReason, StabilizationReason, failed_rescale_message};

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
