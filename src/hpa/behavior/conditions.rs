//! HPA status conditions and event texts produced by normalization, with upstream's exact
//! reasons and messages (§7.1 and §7.2 of the spec), plus the rescale-reason helpers used in the
//! `SuccessfulRescale` event (`New size: %d; reason: %s`).

use serde::{Deserialize, Serialize};

/// Condition types this module sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ConditionType {
    /// `AbleToScale`.
    AbleToScale,
    /// `ScalingActive`.
    ScalingActive,
    /// `ScalingLimited`.
    ScalingLimited,
    /// `ScaledToZero` (v1.36, KEP-2021): whether the last rescale was the autoscaler's own scale
    /// to zero, which is what allows it to scale back from zero later.
    ScaledToZero,
}

impl ConditionType {
    /// The condition's `type` string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AbleToScale => "AbleToScale",
            Self::ScalingActive => "ScalingActive",
            Self::ScalingLimited => "ScalingLimited",
            Self::ScaledToZero => "ScaledToZero",
        }
    }
}

/// Condition status (`Unknown` is never produced here).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ConditionStatus {
    /// `"True"`.
    True,
    /// `"False"`.
    False,
}

/// An HPA status condition without its transition time (the controller owns that).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    /// Condition type.
    #[serde(rename = "type")]
    pub kind: ConditionType,
    /// Status.
    pub status: ConditionStatus,
    /// Machine-readable reason (upstream spelling).
    pub reason: String,
    /// Human-readable message (upstream text).
    pub message: String,
}

impl Condition {
    fn new(kind: ConditionType, status: ConditionStatus, reason: &str, message: String) -> Self {
        Self { kind, status, reason: reason.to_owned(), message }
    }

    /// `AbleToScale=True/SucceededRescale`, set after the scale update succeeded.
    pub fn succeeded_rescale(new_size: i32) -> Self {
        Self::new(
            ConditionType::AbleToScale,
            ConditionStatus::True,
            "SucceededRescale",
            format!("the HPA controller was able to update the target scale to {new_size}"),
        )
    }

    /// `AbleToScale=False/FailedUpdateScale`, set when the scale update failed.
    pub fn failed_update_scale(error: &str) -> Self {
        Self::new(
            ConditionType::AbleToScale,
            ConditionStatus::False,
            "FailedUpdateScale",
            format!("the HPA controller was unable to update the target scale: {error}"),
        )
    }

    /// `ScalingActive=False/ScalingDisabled` (target at zero replicas while `minReplicas > 0`).
    pub fn scaling_disabled() -> Self {
        Self::new(
            ConditionType::ScalingActive,
            ConditionStatus::False,
            "ScalingDisabled",
            "scaling is disabled since the replica count of the target is zero".to_owned(),
        )
    }

    /// `ScalingActive=True/ValidMetricFound` naming the metric that produced the proposal.
    pub fn valid_metric_found(metric: &str) -> Self {
        Self::new(
            ConditionType::ScalingActive,
            ConditionStatus::True,
            "ValidMetricFound",
            format!("the HPA was able to successfully calculate a replica count from {metric}"),
        )
    }

    /// `ScalingActive=False` with the failing metric's reason (`FailedGetResourceMetric`, …).
    pub fn unable_to_compute(reason: &str, error: &str) -> Self {
        Self::new(
            ConditionType::ScalingActive,
            ConditionStatus::False,
            reason,
            format!("the HPA was unable to compute the replica count: {error}"),
        )
    }

    /// `ScalingActive=False/InvalidSelector` with upstream's message for `problem`.
    pub fn invalid_selector(message: String) -> Self {
        Self::new(ConditionType::ScalingActive, ConditionStatus::False, "InvalidSelector", message)
    }

    /// `AbleToScale=True/SucceededGetScale`, set once the target's scale was read.
    pub fn succeeded_get_scale() -> Self {
        Self::new(
            ConditionType::AbleToScale,
            ConditionStatus::True,
            "SucceededGetScale",
            "the HPA controller was able to get the target's current scale".to_owned(),
        )
    }

    /// `AbleToScale=True` with a stabilization reason.
    pub fn stabilization(reason: super::StabilizationReason) -> Self {
        Self::new(
            ConditionType::AbleToScale,
            ConditionStatus::True,
            reason.as_str(),
            reason.message().to_owned(),
        )
    }

    /// `ScaledToZero=True/ScaledToZero`, set after a successful rescale from a positive count to
    /// zero with `minReplicas: 0` and an Object or External metric.
    pub fn scaled_to_zero() -> Self {
        Self::new(
            ConditionType::ScaledToZero,
            ConditionStatus::True,
            "ScaledToZero",
            "the HPA controller scaled the workload to zero".to_owned(),
        )
    }

    /// `ScaledToZero=False/NotScaledToZero`, set after every other successful rescale so the
    /// condition is never stale.
    pub fn not_scaled_to_zero() -> Self {
        Self::new(
            ConditionType::ScaledToZero,
            ConditionStatus::False,
            "NotScaledToZero",
            "the HPA controller did not scale the workload to zero".to_owned(),
        )
    }

    /// The `ScaledToZero` condition after a successful rescale from `current` to `desired`
    /// (upstream sets it on every rescale when the gate is on).
    pub fn after_rescale(current: i32, desired: i32, min: i32, has_object_or_external: bool) -> Self {
        if current > 0 && desired == 0 && min == 0 && has_object_or_external {
            Self::scaled_to_zero()
        } else {
            Self::not_scaled_to_zero()
        }
    }

    /// `ScalingLimited`: `False` when the rate/range step left the value unchanged, else `True`.
    pub fn scaling_limited(reason: LimitReason, limited: bool) -> Self {
        let status = if limited { ConditionStatus::True } else { ConditionStatus::False };
        Self::new(ConditionType::ScalingLimited, status, reason.as_str(), reason.message().to_owned())
    }
}

/// `ScalingLimited` reasons of both normalization paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LimitReason {
    /// The value was within all bounds.
    DesiredWithinRange,
    /// Raised to `minReplicas`.
    TooFewReplicas,
    /// Lowered to `maxReplicas`.
    TooManyReplicas,
    /// Lowered to the scale-up rate limit.
    ScaleUpLimit,
    /// Raised to the scale-down rate limit.
    ScaleDownLimit,
}

impl LimitReason {
    /// Upstream reason string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DesiredWithinRange => "DesiredWithinRange",
            Self::TooFewReplicas => "TooFewReplicas",
            Self::TooManyReplicas => "TooManyReplicas",
            Self::ScaleUpLimit => "ScaleUpLimit",
            Self::ScaleDownLimit => "ScaleDownLimit",
        }
    }

    /// Upstream message.
    pub fn message(self) -> &'static str {
        match self {
            Self::DesiredWithinRange => "the desired count is within the acceptable range",
            Self::TooFewReplicas => "the desired replica count is less than the minimum replica count",
            Self::TooManyReplicas => "the desired replica count is more than the maximum replica count",
            Self::ScaleUpLimit => {
                "the desired replica count is increasing faster than the maximum scale rate"
            }
            Self::ScaleDownLimit => {
                "the desired replica count is decreasing faster than the maximum scale rate"
            }
        }
    }
}

/// Rescale reason when the current count exceeds `maxReplicas` (metrics are not consulted).
pub const REASON_ABOVE_MAX: &str = "Current number of replicas above Spec.MaxReplicas";
/// Rescale reason when the current count is below `minReplicas` (metrics are not consulted).
pub const REASON_BELOW_MIN: &str = "Current number of replicas below Spec.MinReplicas";
/// Rescale reason when the metrics propose fewer replicas than current.
pub const REASON_ALL_BELOW: &str = "All metrics below target";

/// Rescale reason when a metric proposes more replicas than current: `<metric name> above target`.
pub fn above_target_reason(metric_name: &str) -> String {
    format!("{metric_name} above target")
}

/// Message of the Normal `SuccessfulRescale` event.
pub fn successful_rescale_message(new_size: i32, reason: &str) -> String {
    format!("New size: {new_size}; reason: {reason}")
}

/// Message of the Warning `FailedRescale` event.
pub fn failed_rescale_message(new_size: i32, reason: &str, error: &str) -> String {
    format!("New size: {new_size}; reason: {reason}; error: {error}")
}
