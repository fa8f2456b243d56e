//! HPA status conditions and event texts produced by normalization, with upstream's exact
//! reasons and messages (§7.1 and §7.2 of the spec), plus the rescale-reason helpers used in the
//! `SuccessfulRescale` event (`New size: %d; reason: %s`).

use std::collections::BTreeMap;
use std::fmt::Write as _;

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

    /// `AbleToScale=True` with a stabilization reason.
    pub fn stabilization(reason: super::StabilizationReason) -> Self {
        Self::new(
            ConditionType::AbleToScale,
            ConditionStatus::True,
            reason.as_str(),
            reason.message().to_owned(),
        )
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

/// A metric spec reduced to what its name in reasons depends on (`metricNameProposal` upstream).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "type")]
pub enum MetricKind {
    /// `Resource` metric; `utilization` when the target is `averageUtilization`.
    Resource {
        /// Resource name (`cpu`, `memory`).
        name: String,
        /// Target is a utilization percentage.
        utilization: bool,
    },
    /// `ContainerResource` metric.
    ContainerResource {
        /// Resource name.
        name: String,
        /// Target is a utilization percentage.
        utilization: bool,
    },
    /// `Pods` metric.
    Pods {
        /// Metric name.
        name: String,
    },
    /// `Object` metric with a `Value` target.
    ObjectValue {
        /// `describedObject.kind`.
        kind: String,
        /// Metric name.
        name: String,
    },
    /// `Object` metric with an `AverageValue` target, or any `External` metric: upstream names
    /// both `external metric <name>(<selector>)` (sic).
    External {
        /// Metric name.
        name: String,
        /// `metric.selector`; `None` when absent.
        selector: Option<GoLabelSelector>,
    },
}

impl MetricKind {
    /// The metric's name as upstream prints it in conditions and rescale reasons.
    pub fn reason_name(&self) -> String {
        match self {
            Self::Resource { name, utilization: true } => {
                format!("{name} resource utilization (percentage of request)")
            }
            Self::ContainerResource { name, utilization: true } => {
                format!("{name} container resource utilization (percentage of request)")
            }
            Self::Resource { name, utilization: false }
            | Self::ContainerResource { name, utilization: false } => format!("{name} resource"),
            Self::Pods { name } => format!("pods metric {name}"),
            Self::ObjectValue { kind, name } => format!("{kind} metric {name}"),
            Self::External { name, selector } => {
                let sel = selector.as_ref().map_or_else(|| "nil".to_owned(), GoLabelSelector::go_string);
                format!("external metric {name}({sel})")
            }
        }
    }
}

/// A label selector, only to reproduce Go's `%+v` rendering of `*metav1.LabelSelector` (its
/// generated `String()` method) inside external-metric names.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GoLabelSelector {
    /// `matchLabels` (printed in key order, as the generated code sorts keys).
    #[serde(default)]
    pub match_labels: BTreeMap<String, String>,
    /// `matchExpressions`.
    #[serde(default)]
    pub match_expressions: Vec<GoSelectorRequirement>,
}

/// One `matchExpressions` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GoSelectorRequirement {
    /// `key`.
    pub key: String,
    /// `operator`.
    pub operator: String,
    /// `values`.
    #[serde(default)]
    pub values: Vec<String>,
}

impl GoLabelSelector {
    /// `&LabelSelector{MatchLabels:map[string]string{k: v,},MatchExpressions:[]LabelSelectorRequirement{LabelSelectorRequirement{Key:k,Operator:In,Values:[a b],},},}`
    pub fn go_string(&self) -> String {
        let mut out = String::from("&LabelSelector{MatchLabels:map[string]string{");
        for (k, v) in &self.match_labels {
            let _ = write!(out, "{k}: {v},");
        }
        out.push_str("},MatchExpressions:[]LabelSelectorRequirement{");
        for r in &self.match_expressions {
            let _ = write!(
                out,
                "LabelSelectorRequirement{{Key:{},Operator:{},Values:[{}],}},",
                r.key,
                r.operator,
                r.values.join(" ")
            );
        }
        out.push_str("},}");
        out
    }
}
